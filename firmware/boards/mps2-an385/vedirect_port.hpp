// The image's VE.Direct port on UART1 (TEL-1, TEL-2): HEX requests in, HEX answers and text blocks out.
//
// - Receive: the UART1 RX handler fills a ring (uart.cpp); poll() drains it from the main loop, assembles HEX lines
//   (from ':' to '\n'; a ':' restarts the line; bytes outside a line are ignored, as a VE.Direct device ignores
//   noise) and answers each through fw::vedirect::RegisterHandler: ping, app version, product id, get, set (applied
//   through Bms::configure, validated; refused → flags 0x04 and nothing changes), unknown commands, and
//   ":4AAAAFD" for a line that is not a valid frame or is longer than the longest frame.
// - Transmit: whole messages only, from the main loop only (uart1_write is polled): a text block is written inside
//   the tick that emits it, a HEX answer between plant-link frames, so bytes of the two never interleave — an
//   answer waits until the block is out because the loop cannot get to it before.
// - Text blocks: one per second of firmware time, at every tick whose time is a whole second from 1 s on (1000 ms,
//   2000 ms, …; the tick that starts the second), when the rig enabled the tick hook. A rig stepping in batches
//   therefore knows the tick each block belongs to without any stamp in the block.
// When a set takes effect: HEX lines are handled only while the loop waits for a plant-link byte, never inside
// Bms::step. The rig writes the line and waits for its answer before it sends the next kStep, so a set applies
// from the next tick on — the same tick in every run.
// Heap-free; not reentrant (main loop only).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/bms.hpp"
#include "fw/io.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_hex.hpp"

namespace board {

class VeDirectPort {
 public:
  explicit VeDirectPort(fw::Bms& bms) : registers_(bms) {}

  // Handles every complete HEX line received so far; `latest` are the outputs of the last executed tick (what
  // the read-only registers report).
  void poll(const fw::Outputs& latest);
  // After every executed tick (the plant-link tick hook): a text block when `now` is a whole second (≥ 1 s).
  void on_tick(const fw::Inputs& in, const fw::Outputs& out, const fw::Config& config, fw::Millis now);

 private:
  void answer_line();

  fw::vedirect::RegisterHandler registers_;
  char line_[fw::vedirect::kMaxHexFrameChars + 1] = {};
  std::size_t length_ = 0;
  bool in_line_ = false;
  bool too_long_ = false;
};

}  // namespace board
