// The rig's expression language over named signals. Used by the checks (rig/checks) and by the scenario
// timeline's `when:` conditions (rig/scenario).
//
// Conditions (boolean):
//   bms/out/prealarm == high            alternator/current_a < -0.1         bank/battery[0]/cell[3]/voltage_v <= 2.9
//   port/alt_v > 13.0 V and not bms/out/load         (a < 1 A) or abs(alternator/current_a) <= 100 mA
//   bms/out/load                         (a signal alone means "!= 0")
// Grammar (keywords are case-sensitive, lower case):
//   condition  := or
//   or         := and { ("or" | "||") and }
//   and        := unary { ("and" | "&&") unary }
//   unary      := ("not" | "!") unary | "(" condition ")" | comparison
//   comparison := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=") operand ]
//   operand    := signal | number [unit] | "high" | "low" | "true" | "false" | "abs" "(" operand ")"
//   signal     := a name made of letters, digits, '_', '/', '.', '[', ']' that contains at least one '/'
//                 (or any name the resolver knows)
// A comparison needs at least one signal. `high`/`true` = 1 and `low`/`false` = 0; they compare only with digital
// or integer signals. A bare operand must be a signal or true/false.
//
// Units: a number may carry a unit; the unit must have the dimension of the signal it is compared with and the
// number is converted to the signal's unit (`500 mA` against `alternator/current_a` compares with 0.5).
// Known units: V mV kV, A mA kA, s ms us ns min h, degC °C C (temperature; `C` alone is accepted as °C),
// W kW, Ah mAh, Wh kWh, Ohm mOhm, Hz kHz, % (ratio ×0.01 against unit-less or "%"-signals; see below).
// A number without a unit is taken in the signal's own unit. A unit on a number compared with a signal that has
// no unit (digital, integer) is an error. The signal's unit is SignalDecl::unit; when that is empty it is inferred
// from the name suffix: _v → V, _mv → mV, _a → A, _ma → mA, _c/_degc → degC, _s → s, _ms → ms, _w → W,
// _ah → Ah, _pct → %, _hz → Hz, _ohm → Ohm. `%` against a signal with unit "%" is taken as is; against a
// unit-less analog signal (a ratio like soc) it is divided by 100.
//
// Events (instants), for lead checks, check anchors and timeline triggers:
//   rise(<condition>)    the instants the condition goes from false to true (not its first recorded value)
//   fall(<condition>)    the instants it goes from true to false
//   change(<signal>)     every recorded change of the signal's value (not the first sample);
//   change(<condition>)  every change of the condition's truth value
//   <condition>          "when": the instants it becomes true, including the start of the recording if it is
//                        true there
// `rise(bms/out/prealarm)` is `rise(bms/out/prealarm != 0)`.
//
// Semantics over a trace: signals hold their value from one sample to the next (zero-order hold, trace.hpp). A
// condition is evaluated only where every signal it uses has been recorded (its *domain*, from the latest first
// sample to the trace end); outside the domain it is false. The trace end is trace.end_time() when it is set
// (> 0; samples after it are ignored), else the last recorded sample. All changes at one instant are applied before the
// condition is evaluated, so there are no zero-length glitches between signals that change together.
//
// Thread safety: Condition and Event are immutable after parsing and may be shared between threads.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rig/trace.hpp"

namespace rig::expr {

// Conditions nest at most this many levels of '(', 'not' and unary '-' (parsing and evaluating recurse once per
// level; a deeper text is refused with its column, never a stack overflow). Real conditions use a handful.
inline constexpr int kMaxConditionNesting = 64;

// '&' and bit() work on whole numbers a double holds exactly: a number written in '&' must be one within
// +-2^53 (bit numbers run 0..52). A signal value outside that range, or unknown (NaN), has no bits set.
inline constexpr double kMaxBitOperand = 9007199254740992.0;  // 2^53

// What the resolver knows about a signal.
struct SignalDecl {
  SignalId id = 0;
  std::string unit;  // "V", "A", "degC", "" (inferred from the name suffix if empty)
  SignalKind kind = SignalKind::kAnalog;
};

// Resolves signal names while parsing. `lookup` returns nullopt for an unknown name; `names` lists every known
// name (used only to propose close matches in the error message; may be empty).
struct Resolver {
  std::function<std::optional<SignalDecl>(std::string_view name)> lookup;
  std::function<std::vector<std::string>()> names;
};

// A resolver over the signals registered in a trace (ids are the trace's ids). The trace must outlive it.
Resolver resolver_for(const Trace& trace);

// A parse or resolution error. what() is "column N: <detail>"; column() is 1-based in the parsed text.
class ParseError : public std::runtime_error {
 public:
  ParseError(std::size_t column, std::string detail);
  std::size_t column() const { return column_; }
  // e.g. "expected a comparison operator or 'and'/'or'/')', found 'foo'",
  //      "unknown signal 'bms/out/prealrm' (did you mean 'bms/out/prealarm'?)",
  //      "unit 'A' does not match signal 'port/alt_v' (V)"
  const std::string& detail() const { return detail_; }

 private:
  std::size_t column_;
  std::string detail_;
};

// A signal used by a condition, as resolved at parse time.
struct SignalRef {
  std::string name;
  SignalId id = 0;
  std::string unit;  // resolved unit (after inference), "" if none
  SignalKind kind = SignalKind::kAnalog;
};

// A half-open time interval [begin, end). An interval that reaches the end of the trace ends at
// trace.end_time() and is taken to include that last instant as well.
struct Interval {
  Time begin{0};
  Time end{0};
  Time duration() const { return end - begin; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

// Sorted, disjoint, non-adjacent, non-empty intervals.
using IntervalSet = std::vector<Interval>;

// Interval-set helpers (inputs must be normalised as above; results are).
IntervalSet intersect(const IntervalSet& a, const IntervalSet& b);
IntervalSet complement(const IntervalSet& a, Interval within);
IntervalSet clip(const IntervalSet& a, Interval within);
Time total_duration(const IntervalSet& a);

class Condition;
namespace detail {
struct TruthTimeline;
TruthTimeline truth_timeline(const Condition& condition, const Trace& trace);
struct SimpleComparison;
std::optional<SimpleComparison> simple_comparison(const Condition& condition);
}  // namespace detail

// Live values for evaluate(): the current value of a signal by id, nullopt if not (yet) known.
using ValueFn = std::function<std::optional<double>(SignalId)>;

class Condition {
 public:
  // Parses and resolves; throws ParseError.
  static Condition parse(std::string_view text, const Resolver& resolver);

  const std::string& text() const;                 // the source text
  const std::vector<SignalRef>& signals() const;   // every signal used, each once, in order of appearance
  bool is_bare_signal() const;                     // the whole condition is one signal name

  // Live evaluation (the timeline's `when:`). A comparison with an unknown value is false.
  bool evaluate(const ValueFn& value) const;
  // The same over an array: the value of the condition's i-th signal (signals() order) is values[ids[i]]; NaN is
  // unknown. For the recorder, which evaluates watched conditions at every sample.
  bool evaluate(const std::vector<SignalId>& ids, const std::vector<double>& values) const;

  // Where the condition is true in the trace, within [0, trace.end_time()]. Signals are looked up in `trace` by
  // name (so a trace loaded from a file works); a signal missing from the trace makes the condition never true
  // (use missing_signals() to report it). Cost: O((changes of the used signals) × size of the expression).
  IntervalSet intervals(const Trace& trace) const;

  // The domain: from the first instant every used signal has a value, to the trace end; nullopt if some signal
  // has no sample (or is missing).
  std::optional<Interval> domain(const Trace& trace) const;
  std::vector<std::string> missing_signals(const Trace& trace) const;

  struct Impl;  // private representation (the AST)

 private:
  std::shared_ptr<const Impl> impl_;
  friend class Event;
  friend detail::TruthTimeline detail::truth_timeline(const Condition&, const Trace&);
  friend std::optional<detail::SimpleComparison> detail::simple_comparison(const Condition&);
};

enum class EventKind : std::uint8_t { kRise, kFall, kChange, kWhen };

class Event {
 public:
  // Parses `rise(...)`, `fall(...)`, `change(...)` or a plain condition (kWhen); throws ParseError.
  static Event parse(std::string_view text, const Resolver& resolver);

  const std::string& text() const { return text_; }
  EventKind kind() const { return kind_; }
  const Condition& condition() const { return condition_; }

  // Every instant the event happens in the trace, within [from, until] (both inclusive), ascending.
  std::vector<Time> times(const Trace& trace, Time from, Time until) const;
  std::vector<Time> times(const Trace& trace) const { return times(trace, Time{0}, Time::max()); }
  // The first instant at or after `from` (and at or before `until`), if any.
  std::optional<Time> first(const Trace& trace, Time from, Time until) const;

 private:
  Event(std::string text, EventKind kind, Condition condition)
      : text_(std::move(text)), kind_(kind), condition_(std::move(condition)) {}
  std::string text_;
  EventKind kind_;
  Condition condition_;
};

// Live edge detection for timeline triggers: call update() once per tick with the current values; it returns
// true on the tick the event happens. The first update() only establishes the initial state (it returns true
// for a kWhen event whose condition is already true, false for rise/fall/change).
class EventDetector {
 public:
  explicit EventDetector(Event event);
  bool update(const ValueFn& value);
  const Event& event() const { return event_; }

 private:
  Event event_;
  bool primed_ = false;
  bool last_truth_ = false;
  std::optional<double> last_value_;
};

// A number with an optional unit, e.g. "30 s", "2 min", "13.2 V", "-0.1", "500 mA".
struct Quantity {
  double value = 0.0;      // as written
  std::string unit;        // as written ("" if none)
  double value_si = 0.0;   // converted to the SI base unit of its dimension (V, A, s, degC, W, Ah, Wh, Ohm, Hz)
  std::string unit_si;     // that base unit ("" if no unit)
};
// Parses a whole string as a quantity; throws ParseError.
Quantity parse_quantity(std::string_view text);
// Parses a duration ("30 s", "2 min", "500 ms", "1.5 h"); a bare number is refused (a unit is required), and so is
// one longer than kMaxDurationS.
Time parse_duration(std::string_view text);
// The longest duration parse_duration accepts: about 31.7 years, far beyond any run and well inside the ±9.2e9 s
// that nanosecond Time holds (a scenario file is limited further, to 7 days: rig/scenario.hpp).
inline constexpr double kMaxDurationS = 1e9;
// The unit a signal name implies by its suffix ("bank/voltage_v" → "V", "plant/heatsink_c" → "degC",
// "x/ripple_mv" → "mV"; "" if none), as described above.
std::string infer_unit(std::string_view signal_name);
// Close matches of `name` among `candidates` (best first, at most `max`), for "did you mean" messages.
std::vector<std::string> close_matches(std::string_view name, const std::vector<std::string>& candidates,
                                       std::size_t max = 3);

}  // namespace rig::expr
