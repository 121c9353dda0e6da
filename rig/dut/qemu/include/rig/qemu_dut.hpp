// QemuDut: the PIL device under test — the cross-compiled firmware image (firmware/boards/mps2-an385) running
// in qemu-system-arm (machine mps2-an385), driven in lockstep over the plant link (fw/plant_link.hpp) on the
// board's UART0, which QEMU exposes as a unix socket.
// Depth: the whole image — startup code, C++ runtime, UART driver, compiler and ABI of the target — on an
// emulated Cortex-M3; the plant and the ADC quantisation stay in the rig (as in SIL).
//
// Lifecycle
// - The constructor checks that QEMU and the image exist (DutError naming what to install or build), starts
//   `qemu-system-arm -M mps2-an385 -nographic -monitor none -serial unix:<tmp>/uart.sock,server=on,wait=on
//   -serial unix:<tmp>/uart1.sock,server=on,wait=on -semihosting-config enable=on,target=native -kernel <image>`
//   (UART1 is the board's VE.Direct port), connects to both, waits for the image's kReady frame
//   (nothing is sent before the first byte arrives) and runs the handshake (protocol version, firmware
//   version and build hash; the tick hook on, so that the image writes its text blocks).
// - start(config) loads the configuration into a fresh fw::Bms on the board (refused → DutError with the
//   firmware's error code); reset() is Bms::reset() on the board.
// - step_ticks() sends up to preferred_batch() samples per exchange; the board stops after the first tick whose
//   Outputs differ from `assumed` (same contract as InProcessDut, so traces are identical to SIL).
// - stop() (also from the destructor, and therefore on every exception path) asks the image to exit, then
//   kills QEMU (SIGKILL) and reaps it; QEMU also dies with the rig process (PR_SET_PDEATHSIG). Idempotent.
// VE.Direct (TEL-1, TEL-2; the vedirect/ signals and the `vedirect:` action with the meaning they have in SIL):
// - Every byte of UART1 goes through the rig's VeDirectObserver (the firmware's own decoders).
// - Text blocks: the image writes one at every tick whose time is a whole second from 1 s on, inside that tick's
//   step; they are all in the socket when the StepResult arrives. Each is recorded at the tick it belongs to
//   (the k-th block of an exchange at its k-th whole-second tick), so observed_at() gives SIL's instants although
//   up to 32 ticks share an exchange.
// - HEX: vedirect_request() writes the line, waits for the answer (DutError after the timeout) and returns it; the
//   image answers between plant-link frames, so a set applies from the next kStep on — the tick the rig steps next,
//   as in SIL. Register values (vedirect/hex/0xNNNN) come from gets the rig sends after an exchange, as SIL's
//   in-process board polls after a step: every register after start() and after each request (that exchange runs
//   a single tick, so the poll belongs to it), and the four that report outputs (0x031D, 0x031E, 0x2100, 0x2101)
//   when those outputs changed — an exchange ends at the first tick whose outputs changed, so the poll after it
//   reads that tick's values. Registers whose source did not change are not read again: their value, and so the
//   trace, is what SIL's poll of every register gives.
// Errors (QEMU died, timeout, a HardFault report, a refused frame) throw DutError with the tail of QEMU's log.
// Not thread-safe: one QemuDut per run; several may run in parallel (each has its own QEMU and socket).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fw/plant_link.hpp"
#include "fw/vedirect_text.hpp"
#include "rig/dut.hpp"
#include "rig/vedirect_observer.hpp"

namespace rig {

struct QemuDutOptions {
  std::filesystem::path image;            // the firmware ELF (default_pil_image() when empty)
  std::string qemu = "qemu-system-arm";   // executable name (searched in PATH) or path
  std::chrono::milliseconds timeout{20000};  // boot + handshake, and each exchange
  std::size_t batch = fw::plant_link::kMaxBatch;  // ticks per exchange (capped by the image's max_batch)
  // VE.Direct on UART1 (the vedirect/ signals, telemetry()). Off: no UART1 socket and no text blocks (the image
  // writes none without the tick hook); a `vedirect:` action is then a DutError.
  bool vedirect = true;
};

// The environment variable BMSRIG_PIL_IMAGE, else the image the tree's cross build makes:
// build/cross-cm3/firmware/boards/mps2-an385/fw_mps2_an385.elf under the current directory or the nearest folder
// above it that has one (relative to the current directory when none has).
std::filesystem::path default_pil_image();

struct QemuLinkStats {
  std::uint64_t exchanges = 0;     // step requests sent
  std::uint64_t ticks = 0;         // ticks executed
  std::uint64_t bytes_sent = 0;    // all frames to the board
  std::uint32_t overruns = 0;      // the board's overrun guard (steps longer than one tick of target time)
  std::uint32_t max_step_cycles = 0;
  std::uint64_t vedirect_blocks = 0;     // text blocks received on UART1 (valid or not)
  std::uint64_t vedirect_requests = 0;   // HEX lines sent (the scenario's, the rig's polls, vedirect_send())
  std::uint64_t vedirect_answers = 0;    // HEX lines received
};

class QemuDut final : public Dut {
 public:
  explicit QemuDut(QemuDutOptions options = {});
  ~QemuDut() override;
  QemuDut(const QemuDut&) = delete;
  QemuDut& operator=(const QemuDut&) = delete;

  FirmwareInfo firmware_info() const override { return info_; }
  std::string mode() const override { return "pil"; }
  void start(const fw::Config& config) override;
  std::size_t step_ticks(std::span<const BoardSample> inputs, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override;
  std::size_t preferred_batch() const override { return batch_; }
  // kWatchdog: the image's core restarts (plant-link Reset frame). kPower: QEMU is killed and started again on
  // the same image; the image boots and gets the run's configuration again.
  void reset(ResetKind kind) override;
  void stop() noexcept override;

  std::optional<double> observed(std::string_view signal) const override { return observer_.value(signal); }
  // The value as of the executed tick at `now` of the last exchange (text blocks at their whole-second ticks, polled
  // registers at the exchange's last tick); the latest value for any other instant.
  std::optional<double> observed_at(std::string_view signal, fw::Millis now) const override;
  std::string vedirect_request(std::string_view line) override;

  pid_t pid() const { return pid_; }  // QEMU's process id (-1 once stopped)
  // Everything the image wrote to UART1 so far (text blocks and HEX answers, across power resets), as received.
  std::string telemetry() const { return uart1_log_; }
  // Writes HEX lines to UART1 without waiting: the board receives them while it steps (its RX interrupt) and
  // answers after the exchange; the rig reads the answers with the next exchange's UART1 bytes (they count in
  // vedirect/hex/answers like the scenario's). For tests of the port under traffic.
  void vedirect_send(std::string_view lines);
  const QemuLinkStats& stats() const { return stats_; }

 private:
  struct Received {
    fw::plant_link::Type type{};
    std::uint16_t sequence = 0;
    std::vector<std::uint8_t> payload;
  };
  void boot();       // launch QEMU, connect, Ready + Hello
  void configure(const fw::Config& config);
  void launch();
  void connect_socket();
  void send_frame(fw::plant_link::Type type, const std::vector<std::uint8_t>& payload);
  Received receive_frame();
  Received request(fw::plant_link::Type type, const std::vector<std::uint8_t>& payload,
                   fw::plant_link::Type expected);
  [[noreturn]] void fail(const std::string& what);
  int connect_unix(const std::filesystem::path& path, const char* what);
  void write_uart1(std::string_view bytes);
  // Reads UART1 until `blocks_due_` is empty and every sent HEX line is answered (DutError after the timeout; a
  // missing text block is waited for kBlockGraceMs only and then counts as lost).
  void read_uart1();
  void on_uart1_byte(char c);
  void poll_registers(const fw::Outputs& last);
  std::string log_tail() const;
  bool qemu_alive();

  QemuDutOptions options_;
  FirmwareInfo info_;
  std::size_t batch_ = 1;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::filesystem::path dir_;
  std::filesystem::path socket_path_;
  std::filesystem::path log_path_;
  std::filesystem::path uart1_path_;
  int fd1_ = -1;  // UART1 (VE.Direct)
  std::uint16_t sequence_ = 0;
  std::uint16_t last_sequence_ = 0;
  fw::plant_link::Decoder decoder_{};
  std::vector<std::uint8_t> rx_;       // bytes read but not yet decoded
  std::size_t rx_pos_ = 0;
  // Delta state shared with the board (see fw/plant_link.hpp): valid after a successful Step.
  std::vector<fw::Inputs> adc_;  // the samples of the step in progress, through the board's ADC model
  bool has_reference_ = false;
  std::uint16_t reference_sequence_ = 0;
  fw::Inputs reference_{};
  bool has_last_outputs_ = false;
  fw::Outputs last_outputs_{};
  QemuLinkStats stats_;
  std::optional<fw::Config> config_;  // the run's configuration (start())
  // VE.Direct
  std::string uart1_log_;
  VeDirectObserver observer_{};
  fw::vedirect::TextDecoder framing_{};  // finds where each block / HEX line ends in the byte stream
  std::string unit_;                     // bytes of the block or line in progress
  std::deque<fw::Millis> blocks_due_;    // whole-second ticks of the last exchange whose block is not read yet
  std::deque<bool> answers_due_;         // per HEX line sent and not answered yet: true = the rig's own poll
  fw::Millis stamp_ms_ = 0;              // the last executed tick (HEX answers read after an exchange belong to it)
  bool poll_all_ = false;                // read every register after the next exchange (which then runs one tick)
  fw::Outputs polled_{};                 // the outputs when the output registers were last read
  // Values during the last exchange: before_ as of its start, then one state per block or poll at its tick.
  VeDirectObserver before_{};
  std::vector<std::pair<fw::Millis, VeDirectObserver>> timed_;
};

}  // namespace rig
