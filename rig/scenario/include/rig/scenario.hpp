// The scenario model and its loader (the YAML format is documented in scenarios/README.md and
// scenarios/schema/scenario.schema.json).
//
// A scenario file becomes one or more Scenario cases (one per combination of its `matrix:`). Loading checks
// everything before anything runs: YAML syntax, unknown keys (with a did-you-mean), units against what the key
// expects, ranges, signal names in conditions and checks, firmware configuration (fw::validate) and plant
// parameters (plant::WorldParams::validate). The first problem is thrown as ScenarioError, whose what() is
// "file:line:column: <what was found>, <what was expected>" (lines and columns 1-based).
//
// Timing model: every timeline event fires at a firmware tick boundary (a multiple of fw::kTickMs); an `at:`
// time that is not a tick multiple fires at the next tick. `when:` conditions are evaluated once per tick on the
// values recorded so far. Ramps are updated at every plant step.
//
// Thread safety: a loaded Scenario is immutable and may be run from several threads at once (its closures hold
// only values).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "fw/io.hpp"
#include "plant/world.hpp"
#include "rig/checks.hpp"
#include "rig/expr.hpp"
#include "rig/signals.hpp"
#include "rig/trace.hpp"

namespace rig::scenario {

// The longest time a scenario may name (`duration:`, `at:`, `after:`, check windows and bounds, time constants):
// 7 days. Longer values are refused where they are written (virtual time is counted in int64 nanoseconds, which
// would overflow at about 292 years; a week is the longest soak the library needs, with a wide margin).
inline constexpr double kMaxScenarioTimeS = 7.0 * 24 * 3600;

// A scenario or include file is a regular file of at most this size (the library's largest is a few kilobytes).
inline constexpr std::uintmax_t kMaxScenarioFileBytes = 1024 * 1024;

// Counts a scenario file may hold (each refused at the first item beyond it, with its place): fragments included
// (each once), matrix cases, timeline entries, checks. The library's largest use a few dozen at most.
inline constexpr std::size_t kMaxIncludes = 64;
inline constexpr std::size_t kMaxMatrixCases = 1000;
inline constexpr std::size_t kMaxTimelineEntries = 10000;
inline constexpr std::size_t kMaxChecks = 1000;

struct SourceLoc {
  std::string file;
  int line = 0;    // 1-based, 0 = unknown
  int column = 0;  // 1-based
  std::string str() const;  // "file:line:column"
};

// A refused scenario. loc()/message() are the first problem; what() lists every problem found (one
// "file:line:column: ..." line each; the loader keeps going past a bad section, timeline entry or check, up to 20).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(SourceLoc loc, const std::string& message);
  // Several problems of one file (at least one): loc()/message() of the first, what() all of them.
  static ScenarioError combine(const std::vector<ScenarioError>& errors);
  const SourceLoc& loc() const { return loc_; }
  const std::string& message() const { return message_; }
  std::size_t count() const { return count_; }  // problems listed in what()

 private:
  ScenarioError(SourceLoc loc, std::string message, const std::string& all, std::size_t count);
  SourceLoc loc_;
  std::string message_;
  std::size_t count_ = 1;
};

// A settable plant quantity (`set:` / `ramp:` targets), e.g. "load[0]/current_a", "engine_rpm".
struct Settable {
  std::string name;
  std::function<double(const plant::World&)> get;
  std::function<void(plant::World&, double)> set;
};

struct SetAction {
  Settable target;
  double value = 0.0;
};
struct RampAction {
  Settable target;
  double to = 0.0;
  Time over{0};
};
struct FaultAction {
  std::string kind;  // "weak_cell", "sense_wire_open", "fuse", ... (documentation / trace annotation)
  std::function<void(plant::World&)> apply;
};
// A reset of the DUT (FLT-3): `firmware_reset: watchdog` (or `true`) restarts the CPU, `power` cycles the supply
// (the board boots and loads its configuration from NVM). Both restart the firmware from its power-on state.
struct FirmwareResetAction {
  bool power = false;
};
// One VE.Direct HEX request line to the board (TEL-2), e.g. ":7002100FF" (a get of 0x2100); the answer shows in
// the vedirect/hex/ signals. YAML: vedirect: { get: 0x2100 } | { set: 0x2103, value: 3 [, size: 4] } | { send: ":..." }.
struct VeDirectAction {
  std::string line;
};
struct EndAction {};

using Action = std::variant<SetAction, RampAction, FaultAction, FirmwareResetAction, EndAction, VeDirectAction>;

struct Trigger {
  enum class Kind : std::uint8_t {
    kAt,             // at a fixed time
    kAfterPrevious,  // `after:` alone: this long after the previous timeline entry first fired
    kWhen,           // when an event (condition becomes true, rise(..), fall(..)) happens, plus `after:`
  };
  Kind kind = Kind::kAt;
  Time at{0};    // kAt: the time; kAfterPrevious / kWhen: the delay
  std::optional<expr::Event> when;
  bool once = true;  // kWhen: fire only on the first occurrence (`once: false` fires on every occurrence)
};

struct Repeat {
  Time every{0};
  int count = 0;  // total firings including the first; 0 = until the end
};

struct TimelineEntry {
  SourceLoc loc;
  std::string label;
  Trigger trigger;
  std::optional<Repeat> repeat;
  std::vector<Action> actions;
};

struct Scenario {
  std::string file;         // the scenario file as given
  std::string name;         // with ${param} substituted
  std::string description;
  std::vector<std::string> requirements;
  std::vector<std::pair<std::string, std::string>> parameters;  // this case's matrix combination

  plant::WorldParams world;             // validated
  double bank_temperature_c = 25.0;     // initial temperature of every cell
  std::uint64_t seed = 1;               // spread seed (bank.spread.seed, overridden by --seed)
  fw::Config firmware;                  // validated (fw::validate)
  Time plant_step{std::chrono::milliseconds(1)};  // divides fw::kTickMs
  Time tick{std::chrono::milliseconds(fw::kTickMs)};

  std::vector<TimelineEntry> timeline;
  std::vector<checks::CheckSpec> expect;
  Time max_duration{0};                 // the run ends here at the latest (`duration:` or the latest `end`)

  std::vector<SignalSpec> signals;      // the catalogue for this world (recording order)
};

struct LoadOptions {
  std::optional<std::uint64_t> seed;  // overrides every scenario's spread seed
  // The requirement IDs the spec defines (REQUIREMENTS.md); when not empty, `requirements:` must name only these.
  std::vector<std::string> known_requirements;
  std::string requirements_file;  // named in the error message
};

// Loads a file; returns one Scenario per matrix combination (at least one). Throws ScenarioError.
std::vector<Scenario> load_file(const std::filesystem::path& path, const LoadOptions& options = {});

// Loads from text (tests); `file` is used in messages and to resolve includes relative to its folder.
std::vector<Scenario> load_text(const std::string& text, const std::string& file, const LoadOptions& options = {});

// Expands folders recursively into their *.yaml / *.yml scenario files (sorted; files under a folder named
// "fragments" or "schema" are skipped); plain files are kept as given.
std::vector<std::filesystem::path> expand_paths(const std::vector<std::string>& paths);

// The resolver over a signal catalogue (ids = catalogue positions).
expr::Resolver resolver_for(const std::vector<SignalSpec>& catalogue);

}  // namespace rig::scenario
