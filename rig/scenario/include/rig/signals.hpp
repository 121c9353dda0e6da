// The signal registry: every signal of the rig declared once (ARCHITECTURE.md "one signal registry").
//
// A signal has a name pattern (index placeholders [b] battery 0..N-1, [c] cell 0..3, [i] load 0..M-1), a unit,
// the resolution it is recorded with, how often it is sampled, where it is read from (the plant, the firmware's
// outputs, the rig itself), whether and how a scenario may write it (`set:` / `ramp:`: range, unit, the getter of
// its present set point), what a bench may do with it (drive it into the board from the plant: an `out:`
// channel; measure it with an instrument: an `in:` channel) and a one-line meaning.
//
// Every user reads this one table: the scenario loader (`set:`/`ramp:` targets, signal names in conditions and
// checks), the runner and recorder (getters, sampling class, resolution), `bmsrig signals` (the listing), the
// scenario JSON Schema (the `set:` name pattern, kept equal by a test), BenchDut (what each channel drives or
// measures) and the rig.yaml loader (channel names and directions). Older write names that differ from the
// recorded names are kept as aliases (e.g. `engine_rpm` for `engine/rpm`, `battery[b]/soc` for
// `bank/battery[b]/soc`); `bmsrig signals` lists them.
//
// Sign conventions (plant_models): battery, bank and starter currents > 0 charge; the alternator-port current > 0
// flows from the alternator port into the Li bus; load currents > 0 are drawn.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fw/io.hpp"
#include "plant/world.hpp"
#include "rig/trace.hpp"

namespace rig::scenario {

// How often the runner samples a signal.
enum class SampleRate : std::uint8_t {
  kPlantStep,  // after every plant step (fast electrical quantities)
  kTick,       // once per firmware tick (cells, SOC, temperatures, firmware outputs)
};

// Where a signal's recorded value comes from (SIL/PIL; on a bench a measured channel replaces it, see Bench).
enum class Source : std::uint8_t {
  kPlant,     // a getter on plant::World
  kFirmware,  // a field of the firmware's fw::Outputs
  kRig,       // the runner itself (timeline/entry)
  kDut,       // what the Dut observes on the board's serial telemetry (Dut::observed(): vedirect/...)
  kNone,      // write-only set point: not recorded
};

// What a bench may do with a signal (rig.yaml channel direction).
enum class Bench : std::uint8_t {
  kNone,
  kDrive,    // `out:` only: the plant's value is programmed into a DAC, instrument or relay every loop period
  kMeasure,  // `in:` only: an instrument or input line measures it; the measurement is what is recorded and judged
  kEither,   // `out:` or `in:`
};

// How a written value is given in a scenario.
enum class WriteKind : std::uint8_t { kNone, kNumber, kBool, kChoice };

using ReadFn = double (*)(const plant::World&, const fw::Outputs&, int a, int b);
using WriteFn = void (*)(plant::World&, int a, int b, double value);
using SetpointFn = double (*)(const plant::World&, int a, int b);

struct WriteSpec {
  WriteKind kind = WriteKind::kNone;
  WriteFn set = nullptr;
  SetpointFn setpoint = nullptr;  // the present set point (a ramp without `from:` starts here)
  double lo = 0.0, hi = 0.0;      // accepted range, in the signal's unit (kChoice: choice index)
  const char* choices = "";       // kChoice: comma-separated words, value = index ("a,b,c,d")
  const char* dimension = "";     // how a scenario writes it: "V", "A", "degC", "ratio" (0..1 or %), "W", "ohm", "" plain
};

struct SignalDef {
  const char* pattern;     // "bank/battery[b]/cell[c]/voltage_v"
  const char* unit;        // "V", "A", "degC", "rpm", "W", "ohm", "" (digital, integer, ratio)
  SignalKind kind;
  double resolution;       // analog: smallest recorded change (0 = every change)
  SampleRate rate;
  Source source;
  ReadFn read;             // Source::kPlant / kFirmware
  WriteSpec write;
  Bench bench;
  const char* aliases;     // comma-separated older write names ("engine_rpm"); "" for none
  const char* meaning;     // one line
};

// The whole registry, in recording order.
std::span<const SignalDef> registry();

// A concrete signal name bound to its definition.
struct Resolved {
  const SignalDef* def = nullptr;
  std::string name;  // the canonical concrete name (an alias resolves to it)
  int a = 0, b = 0;  // indices: battery (or load), cell
};

// Binds a concrete name (canonical or an alias) in a world of `batteries` batteries and `loads` loads; nullopt when
// no definition matches or an index is out of range.
std::optional<Resolved> resolve(std::string_view name, int batteries, int loads);

// Every concrete canonical name of a definition in such a world (expanded indices, in recording order).
std::vector<std::string> expand(const SignalDef& def, int batteries, int loads);

// Concrete names (canonical and aliases) that a `set:`/`ramp:` may write, or that a bench channel of the given
// direction may carry; for "did you mean" suggestions.
std::vector<std::string> writable_names(int batteries, int loads);
std::vector<std::string> bench_names(bool drive, int batteries, int loads);

// The regular expression every writable name and alias matches (any index), used by the scenario JSON Schema
// (`set:` and `ramp:` property names). A test keeps scenarios/schema/scenario.schema.json equal to it.
std::string writable_name_regex();
// The regular expression every signal a bench can carry (drive or measure) matches: rig/io/schema/rig.schema.json's
// channel names (kept equal by a test).
std::string bench_name_regex();

// A recorded signal of a world, with its definition.
struct SignalSpec {
  SignalInfo info;
  SampleRate rate = SampleRate::kTick;
  const SignalDef* def = nullptr;
  int a = 0, b = 0;
};

// Every recorded signal of a world with `battery_count` batteries (1..5) and `load_count` loads, in the registry's
// fixed order (the trace's registration order, so traces of the same scenario are identical).
std::vector<SignalSpec> signal_catalogue(int battery_count, int load_count);

const char* to_string(Source s);
const char* to_string(Bench b);

}  // namespace rig::scenario
