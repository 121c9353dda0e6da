// The rig configuration (`rig.yaml`): which hardware carries which plant signal on one bench. A scenario never
// names hardware; this file does (ARCHITECTURE.md). Documented in rig/README.md, schema in
// rig/io/schema/rig.schema.json, example in rig/examples/.
//
//   rig: bench-4s1p                        # name, reported with every run
//   kind: bench_4s1p                       # optional: the bench kind, CTest's resource type (default: bench)
//   iio_root: /sys/bus/iio/devices         # optional
//   loop: { rate_hz: 1000, realtime: true }
//   instruments:                           # SCPI instruments by name
//     alternator_psu: { model: scpi-psu, port: /dev/ttyUSB0, baud: 115200, idn: "ITECH,IT6012C", timeout_ms: 500 }
//   telemetry: { port: /dev/ttyUSB2, baud: 19200, silence_timeout_ms: 3000 }   # the board's VE.Direct port
//   board:                                 # optional: how a `reset` action reaches the board
//     reset: { gpiod: { chip: gpiochip0, line: 24, active_low: true }, pulse_ms: 100 }
//     power: { gpiod: { chip: gpiochip0, line: 23 }, off_ms: 2000 }   # or { scpi: { instrument: board_psu }, ... }
//     deadman: { gpiod: { chip: gpiochip0, line: 25 }, toggle_ms: 50 }  # toggled while a run is live
//     program:                             # optional: how `--firmware FILE` is flashed before the scenarios
//       openocd: { config: [interface/stlink.cfg, target/stm32f1x.cfg], commands: ["adapter speed 1000"],
//                  executable: openocd, timeout_s: 120 }
//       boot_ms: 2000                      # after flashing: how long the board may take to answer VE.Direct HEX
//   channels:                              # signal → channel; exactly one of iio / gpiod / scpi. The signal must be
//                                          # one the signal registry (rig/signals.hpp) lets a bench drive (out:)
//                                          # or measure (in:)
//     bank/battery[0]/cell[0]/sensed_voltage_v:
//       out: { iio: { device: ad5686, channel: 0 } }
//       limits: [2.0, 3.8]                 # physical, in the signal's unit
//       calibration: { gain: 0.5, offset: 0.0 }   # device = gain * physical + offset
//       safe: 3.3                          # outputs: the value on every exit path
//     alternator/current_a:
//       in: { scpi: { instrument: alternator_psu, quantity: current, update_ms: 20 } }
//       limits: [-60, 60]
//       accuracy: 0.05                     # inputs: the instrument's declared accuracy, in the signal's unit
//     bms/out/load:
//       in: { gpiod: { chip: gpiochip0, line: 17, bias: pull-down, debounce_ms: 1 } }
//
// Errors are ConfigError: "<file>:<line>:<column>: <where>: found <what was there>, expected <what is allowed>".
// Unknown keys are errors (typos must not silently drop a safety setting).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rig/io/channel.hpp"
#include "rig/io/gpio.hpp"
#include "rig/io/iio.hpp"
#include "rig/io/scpi.hpp"
#include "rig/io/serial.hpp"

namespace rig::io {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

struct ConfigError : std::runtime_error {
  ConfigError(SourceLocation where, const std::string& message);
  SourceLocation where;
};

enum class Direction : std::uint8_t { kIn, kOut };

struct IioBinding {
  std::string device;
  int channel = 0;
  std::optional<std::int64_t> raw_min, raw_max;
};
struct GpiodBinding {
  GpioLineSpec line;
  // Digital outputs carrying an analog plant signal (e.g. remote/h_v): asserted when the value is ≥ this.
  std::optional<double> threshold;
};
struct ScpiBinding {
  std::string instrument;
  ScpiQuantity quantity = ScpiQuantity::kVoltage;
  // Outputs: the fastest the runner updates the set point; inputs: how often the measurement is read (an instrument
  // round trip takes milliseconds; the plant changes every tick). Between two readings the last one holds.
  std::chrono::milliseconds update_period{100};
};

struct ChannelConfig {
  std::string signal;
  Direction direction = Direction::kOut;
  std::variant<IioBinding, GpiodBinding, ScpiBinding> binding;
  AnalogSpec analog;    // iio, scpi
  double accuracy = 0.0;  // analog: declared accuracy in the signal's unit (required on inputs: the checks judge them)
  DigitalSpec digital;  // gpiod outputs
  SourceLocation where;
  bool is_digital() const { return std::holds_alternative<GpiodBinding>(binding); }
};

struct InstrumentConfig {
  std::string name;
  ScpiModel model;
  ScpiConnection connection;
  SourceLocation where;
};

struct TelemetryConfig {
  std::string port;
  SerialSettings serial{19200};
  std::chrono::milliseconds silence_timeout{3000};
};

struct LoopConfig {
  double rate_hz = 1000.0;
  bool realtime = true;  // try SCHED_FIFO + mlockall (reported when not permitted)
  int priority = 80;
};

// How the rig resets or power-cycles the board (the scenario's `reset` action on a bench).
struct BoardControl {
  std::optional<GpioLineSpec> line;  // a GPIO line (a relay in the supply, the board's reset input); logical true =
                                     // reset asserted / power on
  std::string instrument;            // or an instrument whose output powers the board (OUTP OFF / ON)
  std::chrono::milliseconds hold{100};  // reset: how long the reset is asserted; power: how long the board is off
  SourceLocation where;
};
struct BoardConfig {
  std::optional<BoardControl> reset;  // preferred for `reset` (the watchdog-style restart)
  std::optional<BoardControl> power;  // a power cycle when there is no reset line
  // A hardware deadman: a GPIO line the rig toggles every `hold` while a run is live. External hardware (a retriggerable
  // monostable driving the bench's main relay) drops the bench's power when the toggling stops — the one protection
  // that also covers a rig killed outright (SIGKILL, a crash, a host that hangs), when no software exit path runs.
  std::optional<BoardControl> deadman;
  // Flashing an image through OpenOCD (`openocd -f CFG… -c CMD… -c "program FILE verify reset exit"`), done before
  // the scenarios when the run is given `--firmware FILE`; the board is powered on first when `power` is set.
  struct OpenOcd {
    std::string executable = "openocd";
    std::vector<std::string> config;    // -f, in order (interface, then target)
    std::vector<std::string> commands;  // -c, before the program command
    std::chrono::seconds timeout{120};
  };
  struct Program {
    OpenOcd openocd;
    std::chrono::milliseconds boot{2000};  // after flashing, until the board answers VE.Direct HEX
    SourceLocation where;
  };
  std::optional<Program> program;
};

struct RigConfig {
  std::string name;
  std::string kind = "bench";  // the bench kind: CTest's resource type for this bench (`bmsrig resources`)
  std::string description;
  std::filesystem::path iio_root = kDefaultIioRoot;
  LoopConfig loop;
  std::vector<InstrumentConfig> instruments;
  std::optional<TelemetryConfig> telemetry;
  std::vector<ChannelConfig> channels;
  BoardConfig board;

  const ChannelConfig* find(std::string_view signal) const;
  const InstrumentConfig* instrument(std::string_view name) const;
};

// Parses rig.yaml text; `file_name` appears in error messages. Throws ConfigError.
RigConfig parse_rig_config(std::string_view yaml_text, const std::string& file_name);
// A rig file is a regular file of at most this size.
inline constexpr std::uintmax_t kMaxRigFileBytes = 1024 * 1024;
// Reads and parses a file. Throws ConfigError (also when the file cannot be read, or is no regular file of bounded
// size: a pipe or device is refused before it is opened).
RigConfig load_rig_config(const std::filesystem::path& path);

}  // namespace rig::io
