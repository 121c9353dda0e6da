// The device-under-test seam (ARCHITECTURE.md "the two seams"): what sits between the plant and the
// firmware. InProcessDut (SIL) links the firmware core; QemuDut (PIL) drives the cross-compiled image in
// qemu-system-arm over the plant link; BenchDut (HIL) is a real board on a bench.
//
// SIL and PIL are lockstep: the runner calls step_ticks() with samples for consecutive firmware ticks
// (now = first_now + i * fw::kTickMs). HIL is not stepped: the board runs on its own clock (see rig/io).
// Errors (a process that died, a refused configuration, a broken link) are reported by throwing DutError.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fw/io.hpp"

namespace rig {

struct DutError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A DutError whose message contains this text: the board does not run the image the run was given (its identity
// differs); bmsrig then judges nothing and exits 5.
inline constexpr const char* kBoardIdentityRefused = "board identity: ";

// One sample of everything a board senses, in SI units, as the plant presents it at the board's terminals and sense
// inputs (TOP-2). The Dut seam carries these physical values; each Dut turns them into what its board sees:
// InProcessDut and QemuDut through the board's ADC model (adc_sample()), BenchDut not at all (the real board samples
// its own inputs, which the bench drives from the plant's values).
struct BoardSample {
  int batteries = 0;                                     // cells and cable lines of batteries [0, batteries) are set
  double cell_v[fw::kMaxCells] = {};                     // at the cell sense inputs (sensor faults applied)
  double cell_temp_c[fw::kMaxCells] = {};
  fw::BatterySignals battery[fw::kMaxBatteries] = {};    // BMS-cable lines (digital)
  double alt_port_v = 0.0, li_port_v = 0.0;
  double alt_current_a = 0.0;                            // through the alternator port, > 0 into the Li bus
  double heatsink_c = 25.0;
  double remote_h_v = 0.0, remote_l_v = 0.0;
};
// Every field equal (bit-for-bit values): the runner's check that a speculative replay saw the same samples.
bool operator==(const BoardSample& a, const BoardSample& b);

// The board's ADC as the in-process and emulated boards model it: each reading truncates, code = floor(value / LSB),
// with 1 mV for voltages, 10 mA for the alternator-port current and 0.1 °C for temperatures; cable lines as they
// are. Cells and batteries beyond `batteries` keep fw::Inputs' defaults.
fw::Inputs adc_sample(const BoardSample& sample);

struct FirmwareInfo {
  std::string version;     // e.g. "0.1.0"
  std::string build_hash;  // git hash of the firmware build
  std::string target;      // "host", "mps2-an385", a board name
};

// One level change of a board output (bms/out/load, bms/out/charge, bms/out/prealarm), timestamped by the DUT
// itself (HIL: the kernel's GPIO edge timestamp) on the run's time base (0 = the end of start()).
struct TimedOutput {
  std::string signal;          // the trace signal name, e.g. "bms/out/load"
  std::chrono::nanoseconds t{0};
  bool level = false;          // after the change: true = high, false = floating
};

// What a bench declares about a signal it measures (Dut::uncertainty).
struct SignalUncertainty {
  double value = 0.0;   // accuracy, in the signal's unit
  double time_s = 0.0;  // how late or early an instant of it may be seen (reading period, timestamp uncertainty)
  // true: its instants are the kernel's edge timestamps (a GPIO line), so the rig's loop period does not add to them.
  bool edge_timestamped = false;
};

// How well a real-time DUT kept its pace (HIL): the lateness of each tick's wake-up, and what the OS granted.
struct LoopReport {
  std::size_t ticks = 0;                          // wake-ups measured
  std::chrono::nanoseconds p50{0}, p99{0}, max{0};
  bool sched_fifo = false;                        // SCHED_FIFO granted
  bool mlockall = false;                          // mlockall granted
  std::string status;                             // human-readable (what was refused and why)
};

// A count the Dut keeps about the device's own health during a run (Dut::health()). A fault count above zero means
// the device misbehaved on its own (a board that restarted by itself, a step that overran its tick), whatever the
// checks say.
struct HealthCounter {
  std::string name;          // e.g. "board_resets"
  std::uint64_t value = 0;
  bool fault_count = false;  // a count of faults (else a figure: ticks, the longest step)
  std::string meaning;       // one line, for reports
};

// The two ways a board restarts mid-run (the scenario's `firmware_reset` action). Both leave the firmware in its
// power-on state (FLT-2 start-up, every timer and latch fresh, fw::Bms::reset()); only what the board keeps in
// non-volatile memory — the configuration — survives.
enum class ResetKind {
  kWatchdog,  // the watchdog (or a reset line) restarts the CPU; the board stays powered (FLT-3)
  kPower,     // the supply drops and returns: the board boots and loads its configuration from NVM
};

class Dut {
 public:
  virtual ~Dut() = default;

  virtual FirmwareInfo firmware_info() const = 0;
  // "sil", "pil", "hil"
  virtual std::string mode() const = 0;

  // Power-on: the firmware starts from reset (FLT-2 start-up), then gets `config` (FLT-4: refused → DutError
  // naming the firmware's error code).
  virtual void start(const fw::Config& config) = 0;

  // Steps the firmware over consecutive ticks: samples[i] is the board's sample at now = first_now + i * fw::kTickMs.
  // The DUT may stop early after the first tick whose Outputs differ from `assumed` (the outputs the runner
  // assumed when it computed the later inputs). Writes out[0..n) and returns n ≥ 1, the ticks executed.
  // A DUT that prefers single ticks returns 1 every time.
  virtual std::size_t step_ticks(std::span<const BoardSample> samples, fw::Millis first_now,
                                 const fw::Outputs& assumed, std::span<fw::Outputs> out) = 0;

  // How many ticks per step_ticks() call the DUT handles efficiently (1 for in-process).
  virtual std::size_t preferred_batch() const { return 1; }

  // A reset mid-run (FLT-3 scenarios): the firmware restarts from its power-on state with its stored
  // configuration. SIL: in process (kPower also reloads the configuration from the in-memory NVM); PIL: a
  // watchdog reset of the image, resp. QEMU killed and started again; HIL: the board's reset line, resp. its
  // power control.
  virtual void reset(ResetKind kind) = 0;

  // Optional (HIL): output changes with the DUT's own timestamps. A DUT that provides them returns, on the first
  // call after start(), each such signal's level at t = 0, and afterwards every change since the previous call
  // (times non-decreasing per signal). The runner then records those signals at these instants instead of at
  // tick times. Default: none (SIL/PIL record outputs at tick times).
  virtual std::vector<TimedOutput> drain_output_edges() { return {}; }

  // Whether the Dut knows this firmware output (a bms/ signal of the registry). A bench reads only what its board
  // exposes (output pins, telemetry, registers): an output it does not know is not recorded at all, so a check on
  // it is refused as having no data instead of judging a made-up value. Lockstep Duts know every output.
  virtual bool provides_output(std::string_view signal) const { (void)signal; return true; }

  // ---- closed loop through a bench (HIL) ----
  // The plant meets a bench's board at its terminals (ARCHITECTURE.md): every tick the runner hands the Dut the
  // plant's present value of each signal in driven_signals() (registry names, SI units) through drive(), before
  // step_ticks(); after it, measure() gives the latest measurement of each signal in measured_signals(). The runner
  // records measured signals from those values instead of the plant, and the measured alternator-port current
  // (alternator/current_a) becomes the plant's terminal-current input: the board decides the currents, the plant the
  // voltages. Lockstep Duts (SIL, PIL) carry neither and their preferred_batch() may be > 1; a Dut with either must
  // step one tick at a time.
  virtual std::vector<std::string> driven_signals() const { return {}; }
  virtual std::vector<std::string> measured_signals() const { return {}; }
  // Values for the coming step_ticks(), in driven_signals() order.
  virtual void drive(std::span<const double> values) { (void)values; }
  // Latest measurements in measured_signals() order (NaN: no reading yet), each with the accuracy the bench declares.
  virtual void measure(std::span<double> values) { (void)values; }

  // Optional (HIL): how well the Dut knows a signal it measures or timestamps itself (a measured channel: the
  // instrument's declared accuracy and its reading period; a kernel-timestamped output: its timing uncertainty).
  // nullopt: the Dut does not measure it (simulated, exact in SIL/PIL). Reported with the results so that an
  // agreement report (bmsrig compare) judges HIL against SIL within what the bench can resolve.
  virtual std::optional<SignalUncertainty> uncertainty(std::string_view signal) const { (void)signal; return std::nullopt; }

  // Optional: a signal the Dut observes on the board's serial telemetry (registry source "dut", the vedirect/
  // signals, see rig/vedirect_observer.hpp), as of the last step; nullopt: not (yet) observed on this Dut.
  virtual std::optional<double> observed(std::string_view signal) const { (void)signal; return std::nullopt; }
  // The same as of the executed tick at `now` of the last step_ticks() call: what the runner records for that tick.
  // A Dut that executes several ticks per call overrides it (its observations belong to the ticks they were made
  // at); default observed(), right for a Dut stepped one tick at a time.
  virtual std::optional<double> observed_at(std::string_view signal, fw::Millis now) const {
    (void)now;
    return observed(signal);
  }
  // A number that stays the same only while observed_at(·, now) gives the same values as at the last call that
  // returned it: the runner looks the observed signals up again only when it changes. Default: `now` (every tick).
  virtual std::uint64_t observed_version(fw::Millis now) const { return now; }
  // Optional: sends one VE.Direct HEX request line (":7002100FF") to the board before its next step and returns
  // the answer line ("" when none is due); the answer also updates observed(). Default: this Dut has no such link.
  // The runner calls it between steps only: before the step of the tick whose timeline fired it, or after the step
  // of the tick whose `when:` fired it — a batching Dut's exchange ends there.
  virtual std::string vedirect_request(std::string_view line) {
    (void)line;
    throw DutError("this device under test has no VE.Direct HEX link (" + mode() + ")");
  }

  // Optional (HIL): pacing jitter and real-time status of the last run; nullopt for lockstep DUTs.
  virtual std::optional<LoopReport> loop_report() const { return std::nullopt; }

  // Optional: the device's own health over the run so far (see HealthCounter), reported with the case. Empty for
  // a Dut that keeps none (the in-process firmware cannot restart or overrun by itself).
  virtual std::vector<HealthCounter> health() const { return {}; }

  // Stops the DUT (process, emulator); idempotent; must not throw.
  virtual void stop() noexcept = 0;
};

}  // namespace rig
