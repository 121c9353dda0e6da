// What the rig sees on a board's VE.Direct port (TEL-1, TEL-2), as registry signals (vedirect/...): the bytes a
// board sends go through the firmware's own decoders (fw_protocol: TextDecoder, decode_hex), so the rig judges the
// wire format, not a copy of it. Every Dut that has the port feeds its bytes here (InProcessDut: the firmware's
// encoder output in process; a board's UART: the received bytes).
//
// Text blocks (vedirect/text/...): each documented label's value from the last valid block (PID, V, VS, I, T,
// AR as integers; Alarm and Relay ON = 1, OFF = 0); `blocks` valid blocks so far; `checksum_errors` blocks whose
// bytes did not sum to 0 mod 256 (or broke a limit); `fields` data fields of the last block (Checksum not
// counted); `undocumented` labels of the last block outside TEL-1's list; `period_ms` time between the last two
// blocks.
// HEX answers (vedirect/hex/...): `0xNNNN` the value of register NNNN from the last get/set answer with flags 0;
// `flags` the flags of the last get/set answer; `answers` get/set answers so far; `error_frames` ":4AAAAFD"
// answers (a malformed request) so far.
// Not thread-safe; a value type (copyable with the Dut).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fw/vedirect_text.hpp"

namespace rig {

class VeDirectObserver {
 public:
  // Bytes received from the board at `now_ms` (virtual or bench time). `poll`: answers to the rig's own register
  // polling, which update the register values but not `flags` / `answers` (those follow the scenario's requests).
  void feed(std::string_view bytes, std::int64_t now_ms, bool poll = false);
  // A scenario request the rig has sent (get 0x7 / set 0x8 with its register): its answer counts as the scenario's
  // (vedirect/hex/answers, flags) even when fed with `poll` — for a link that carries the rig's own register polls
  // and the scenario's requests on one stream (a bench). Answers are matched in order, by command and register.
  void expect(std::string_view request_line);
  // The present value of a vedirect/ signal; nullopt before it was first seen.
  std::optional<double> value(std::string_view signal) const;
  // Counts every change of the values (and every clear()): while it stays the same, value() gives the same answers.
  std::uint64_t changes() const { return changes_; }
  void clear();

  // The HEX registers the rig names as signals (vedirect/hex/0xNNNN).
  static const std::vector<std::uint16_t>& registers();
  // The documented text labels of TEL-1 ("SER#" as the decoder delivers it: "SER").
  static bool documented_label(std::string_view label);

 private:
  void on_block(std::int64_t now_ms);
  void on_hex(const char* line, std::size_t n, bool poll);
  void set(const std::string& name, double v) {
    values_[name] = v;
    ++changes_;
  }

  fw::vedirect::TextDecoder decoder_{};
  std::deque<std::pair<std::uint8_t, std::uint16_t>> expected_;  // (command, register) of requests not yet answered
  std::map<std::string, double, std::less<>> values_;
  std::optional<std::int64_t> last_block_ms_;
  double blocks_ = 0, checksum_errors_ = 0, answers_ = 0, error_frames_ = 0;
  std::uint64_t changes_ = 0;
};

// "vedirect/hex/0x2100" for register 0x2100.
std::string vedirect_hex_signal(std::uint16_t reg);

}  // namespace rig
