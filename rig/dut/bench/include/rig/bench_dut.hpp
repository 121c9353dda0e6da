// BenchDut (HIL): a real board on a bench described by a rig.yaml (rig/io). The Dut seam is lockstep; a bench is
// not — the board runs on its own clock. BenchDut bridges the two by pacing: step_ticks() returns no earlier than
// the tick's real time (start + now), so the runner's virtual time follows the wall clock; while it waits it
// services the bench's events (GPIO edges with kernel timestamps, VE.Direct bytes).
//
// Per tick (the closed loop, Dut::driven_signals / measured_signals): every `out:` channel is written with the
// plant's physical value of its signal through the channel's calibration (cell DACs, the alternator supply's
// voltage and current limit, the battery emulator's voltage, the electronic load's current, relays; digital
// channels compare with their `threshold`; an instrument at most once per `update_ms`), every analog `in:` channel
// is read (an instrument once per `update_ms`, the last reading holding in between) and handed to the runner, which
// records the measurement and lets the plant integrate the measured alternator-port current. The BoardSample is not
// used: the board samples its own sensors. The board's outputs are read back from the digital inputs
// bms/out/{load,charge,prealarm}, the last telemetry block (alarm reason) and the BMS flags and error registers
// (0x2100, 0x2101), polled over HEX without blocking (ATC, ATD, pre-alarm active, error code).
//
// Safety: a SafetySupervisor owns every exit path. A lost device, silent telemetry (the rig's
// silence_timeout_ms), a signal or an exception drive every output to its safe state at once; the next
// step_ticks() throws DutError with the reason, so the runner ends the run as an error. stop() makes the bench
// safe too and is idempotent.
//
// Not thread-safe; one run at a time.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rig/board_setup.hpp"
#include "rig/dut.hpp"
#include "rig/io/bench.hpp"
#include "rig/io/runtime.hpp"
#include "rig/io/vedirect_link.hpp"
#include "rig/vedirect_observer.hpp"

namespace rig {

// `bmsrig bench check`: a bench brought up without running anything. Opens every channel and instrument (the
// instruments answer *IDN?), puts every output in its safe state, reads every input once, reports each channel's
// calibration and present value, and leaves the bench safe and inactive. Changes nothing else.
struct BenchCheckChannel {
  const io::ChannelConfig* config = nullptr;
  std::string backend;                // "iio ad5686r/0", "gpiod gpiochip0/17", "scpi alternator_psu voltage"
  std::optional<double> value;        // analog: the safe value (outputs) or the reading (inputs), physical units
  std::optional<bool> level;          // digital: the safe level (outputs) or the level read (inputs)
  std::string problem;                // non-empty: reading it failed
};
struct BenchCheckReport {
  std::vector<std::pair<std::string, std::string>> instruments;  // name, *IDN? answer
  std::vector<BenchCheckChannel> channels;                        // rig.yaml order
  std::vector<std::string> problems;                              // configure failures (with rig.yaml places)
  std::vector<std::string> unsafe;                                // outputs that could not be made safe at the end
  bool ok() const;
};
// Never throws for a device problem: it is reported. `gpio_ports` as in BenchDutOptions (default: libgpiod, or
// FIFO lines for a `chip:` that is a directory).
BenchCheckReport check_bench(const io::RigConfig& rig, io::GpioPortFactory gpio_ports = {});

// libgpiod lines, or the virtual board's FIFO lines (rig/fifo_gpio_port.hpp) for a `chip:` that is a directory.
io::GpioPortFactory default_gpio_ports();

struct BenchDutOptions {
  // Default: libgpiod, or the virtual board's FIFO lines (rig/fifo_gpio_port.hpp) for a `chip:` that is a
  // directory; tests may pass fakes.
  io::GpioPortFactory gpio_ports;
  bool pace = true;                             // false: do not wait for real time (tests)
  bool load_config = true;                      // write fw::Config over VE.Direct HEX at start (needs telemetry)
  std::chrono::milliseconds hex_timeout{500};   // per HEX register
  std::chrono::milliseconds poll_flags{200};    // HEX get of BMS flags / error during the run (0 = never)
  // Abort on SIGINT/SIGTERM/SIGHUP (Boost.Asio signal_set; it restores SIG_DFL afterwards). A program with its
  // own stop handling (bmsrig's RunOptions::stop → Dut::stop(), which is safe too) sets this to false.
  bool handle_signals = true;
  // The image the board must run (`--firmware`): at every start() the board's identity (VE.Direct HEX 0x0100,
  // 0x0102, 0x21A0, read within identity_wait) is compared with it, and start() throws DutError (kBoardIdentityRefused)
  // naming what differs, so no case runs on a board that is not running the image.
  std::optional<FirmwareIdentity> expected_identity;
  std::string image;  // its file, for the message
  std::chrono::milliseconds identity_wait{3000};
};

// One debounced edge of a board output, on the run's time base (kernel timestamps).
struct RecordedEdge {
  std::string signal;
  io::EdgeEvent edge;
};

class BenchDut final : public Dut {
 public:
  explicit BenchDut(io::RigConfig rig, BenchDutOptions options = {});
  ~BenchDut() override;

  FirmwareInfo firmware_info() const override;
  std::string mode() const override { return "hil"; }
  void start(const fw::Config& config) override;
  std::size_t step_ticks(std::span<const BoardSample> inputs, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override;
  // The scenario's `firmware_reset` action. kWatchdog: through rig.yaml's `board.reset` line (asserted for pulse_ms)
  // or, without one, a power cycle through `board.power`; kPower: through `board.power` (off for off_ms). It takes
  // effect at the next tick, without stalling the loop (the line is released at a later tick). Throws DutError when
  // the rig file describes no line for that kind.
  void reset(ResetKind kind) override;
  void stop() noexcept override;
  // The debounced LD/CD/PA edges (kernel timestamps, run time) not yet drained; the first call after start()
  // also gives each configured output's level at t = 0 (Dut contract). edges() keeps them all.
  std::vector<TimedOutput> drain_output_edges() override;
  // Pacing jitter (pace = true) and the SCHED_FIFO/mlockall status of the last start().
  std::optional<LoopReport> loop_report() const override;
  // Every `out:` channel's signal (driven from the plant), every analog `in:` channel's signal (measured).
  std::vector<std::string> driven_signals() const override;
  std::vector<std::string> measured_signals() const override;
  void drive(std::span<const double> values) override;
  // The LD/CD/PA inputs it has channels for; with telemetry, ATC/ATD/pre-alarm active, flags and error (polled
  // registers) and the alarm reason (text blocks). Nothing else of the firmware's state is visible on a bench.
  bool provides_output(std::string_view signal) const override;
  // A measured channel: its declared accuracy and reading period (an instrument's update_ms; an IIO channel is read
  // every tick); an LD/CD/PA input: kernel timestamps on the board's own 10 ms tick grid (one tick) plus debounce.
  std::optional<SignalUncertainty> uncertainty(std::string_view signal) const override;
  void measure(std::span<double> values) override;
  // VE.Direct on the bench (rig.yaml `telemetry:`): the vedirect/ signals as the rig read them on the board's port
  // (text blocks, answers to HEX requests; the rig's own flag polls update register values but not
  // vedirect/hex/answers or flags), as of the end of the last step: recorded at that tick, with one tick of timing
  // uncertainty (uncertainty()); vedirect/text/period_ms from the bytes' arrival times.
  std::optional<double> observed(std::string_view signal) const override;
  // Writes the line to the board's VE.Direct port as it is (malformed lines too: the board's error reply is part of
  // TEL-2) and returns "" — the answer arrives asynchronously and shows in observed() from the step it arrives in.
  // Throws DutError without a telemetry port.
  std::string vedirect_request(std::string_view line) override;

  // HIL extras for the recorder and the results.
  const std::vector<RecordedEdge>& edges() const { return edges_; }
  const io::JitterStats& pacing_jitter() const { return jitter_; }
  const std::string& realtime_status() const { return realtime_; }
  // Outputs that could not be made safe at the last safe action (empty = all safe).
  std::vector<std::string> unsafe_outputs() const;
  const io::Bench* bench() const { return bench_.get(); }

 private:
  void pace_until(std::chrono::steady_clock::time_point deadline);
  void write_channels(fw::Millis now);
  void open_board_control();
  void board_control(fw::Millis now);
  void read_channels(fw::Millis now);
  void load_config(const fw::Config& config);
  io::Nanos run_time() const;

  io::RigConfig rig_;
  BenchDutOptions options_;
  std::vector<const io::ChannelConfig*> driven_, measured_;  // into rig_.channels
  std::vector<double> driven_values_;                        // the plant's values for the coming tick
  std::vector<double> latest_;                               // the last reading of each measured channel
  std::vector<fw::Millis> next_read_ms_;
  std::unique_ptr<io::GpioLinePort> reset_line_, power_line_, deadman_line_;  // rig.yaml `board:` (when GPIO)
  bool deadman_level_ = false;
  fw::Millis next_deadman_ms_ = 0;
  bool reset_pending_ = false;
  bool reset_by_line_ = true;  // the pending/held reset uses board.reset (else board.power)
  FirmwareInfo board_info_;  // version and serial from the board's telemetry, kept after stop()
  std::string board_hash_;   // register 0x21A0 as 8 hex digits, read at start ("" when the board did not answer)
  std::optional<fw::Millis> release_at_ms_;                    // the reset is held until then
  boost::asio::io_context io_;
  std::optional<io::RunClock> clock_;
  std::unique_ptr<io::Bench> bench_;
  std::unique_ptr<io::SafetySupervisor> supervisor_;
  std::unique_ptr<io::TelemetryPort> telemetry_;
  std::unique_ptr<io::VeDirectLink> link_;
  VeDirectObserver observer_;
  std::chrono::steady_clock::time_point start_;
  std::vector<RecordedEdge> edges_;
  std::size_t drained_ = 0;                // edges_[0, drained_) were handed to drain_output_edges()
  std::vector<TimedOutput> initial_levels_;  // at t = 0, for the first drain
  io::RealtimeStatus rt_status_;
  bool load_ = false, charge_ = false, prealarm_ = false;
  std::uint32_t bms_flags_ = 0;
  std::uint8_t bms_error_ = 0;
  bool flags_known_ = false;
  fw::Millis next_poll_ms_ = 0;
  std::map<std::string, fw::Millis, std::less<>> next_update_ms_;  // SCPI set points: rate limit (update_ms)
  io::JitterStats jitter_{1'000'000};
  std::string realtime_ = "not requested";
  bool started_ = false;
};

}  // namespace rig
