// Temporal checks over a recorded trace, each with its evidence (ARCHITECTURE.md: "a verdict carries its
// evidence"). Specs are plain structs that the scenario loader fills with parsed expressions (rig/expr.hpp);
// evaluate() judges one spec on a finished trace. Pure functions of the trace: a verdict can be recomputed from a
// trace file alone.
//
// Kinds (YAML shown as the loader is expected to write it; the loader owns the YAML):
//   always:     <condition>                    true at every instant of the window
//   never:      <condition>                    false at every instant of the window
//   eventually: { that: <condition>, within: 5 s, after: <event> | <time> }
//                                               true at some instant of [anchor, anchor + within]
//   lead:       { first: <event>, then: <event>, at_least: 30 s, at_most: 31 s }
//                                               t(then) − t(first) within the limits, where t(first) is the first
//                                               occurrence in the window and t(then) the first occurrence of `then`
//                                               at or after it (a `then` before `first` does not count)
//   settles:    { signal: s, band: [lo, hi] | target: x, tolerance: d, within: 500 ms, after: <event>|<time>,
//                 stays: true }             the signal enters the band within the time after the anchor and
//                                               (stays) remains in it until the window ends
//   bounded:    { signal: s, min: lo, max: hi, excursion: 100 ms }
//                                               every excursion outside [lo, hi] lasts at most `excursion`
// Every check takes an optional window: from / until (a time or an event, each with an offset); the default is
// the whole trace [0, end]. A window is half-open [from, until) — so `always load == high until rise(pa) + 30 s`
// passes when the load falls exactly at +30 s — except that a window reaching the trace end includes its last
// instant. A `from` event is its first occurrence in the trace; an `until` event its first occurrence at or after
// the instant that opened the window (the `from` event's occurrence, before its offset; or the `from` time); an
// `after` anchor's event its first occurrence inside the window.
//   count:       { of: <event>, at_least: n, at_most: n }   occurrences in the window (a condition: its stretches)
//   duty:        { that: <condition>, at_least: 10 %, at_most: 50 % }   fraction of the window it is true
//   total:       { that: <condition>, at_least: 1 s, at_most: 5 s }     total time it is true in the window
//   for_at_most: { that: <condition>, duration: 100 ms }   every stretch where it is true lasts at most that
//   each:        { of: <event>, check: { ... } }           the check once per occurrence (see Each)
//   bounded also takes excursions: n (at most n excursions) and total: d (at most d outside in total).
//
// Margins: `always`/`never` on a single comparison of one signal with a constant (e.g. `never: current_a < -0.1`)
// report the closest approach (measured = the min or max of the signal in the window, margin = distance to the
// threshold); other invariants report the violation time. `bounded` reports the value margin, or with an allowed
// excursion and excursions present, the longest excursion against the allowance.
//
// Limits are inclusive: a measured value exactly at the limit passes (lead == at_least, settling == within,
// excursion == allowed, a value == max). An event that never happens fails with a message naming it.
// Verdict kError is for checks that cannot be judged (a signal missing from the trace, an empty window).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rig/expr.hpp"
#include "rig/trace.hpp"

namespace rig {

// kInconclusive: the check's margin lies within the uncertainty of what it measured (rig/uncertainty.hpp), so the
// recording cannot tell pass from fail; it never counts as passed.
enum class Verdict : std::uint8_t { kPass, kFail, kError, kInconclusive };
const char* to_string(Verdict v);  // "pass", "fail", "error", "inconclusive"

}  // namespace rig

namespace rig::checks {

// An instant: a fixed time, or the first occurrence of an event (at or after the earliest time the check allows),
// plus an offset. YAML: `after: 10 s`, `after: rise(bms/out/prealarm)`, `{ event: ..., offset: 5 s }`.
struct Anchor {
  std::optional<expr::Event> event;  // nullopt: a fixed time `at`
  Time at{0};                        // used when there is no event
  Time offset{0};                    // added to the event's time (or to `at`)
};

struct Window {
  std::optional<Anchor> from;   // default: 0
  std::optional<Anchor> until;  // default: trace end
};

struct Always {
  expr::Condition condition;
};
struct Never {
  expr::Condition condition;
};
struct Eventually {
  expr::Condition condition;
  Time within{0};
  std::optional<Anchor> after;  // default: the window start
};
struct Lead {
  expr::Event first;
  expr::Event then;
  std::optional<Time> at_least;
  std::optional<Time> at_most;
};
struct Settles {
  expr::SignalRef signal;  // the resolved signal (name is what counts on the trace)
  double lo = 0.0;         // band, in the signal's unit (the loader converts target ± tolerance to lo/hi)
  double hi = 0.0;
  std::optional<double> target;  // for the message only, when written as target ± tolerance
  Time within{0};
  std::optional<Anchor> after;   // default: the window start
  bool stays = true;
};
struct Bounded {
  expr::SignalRef signal;
  std::optional<double> lo;  // in the signal's unit; at least one of lo/hi
  std::optional<double> hi;
  Time allowed_excursion{0};  // the longest single excursion allowed (0: none)
  std::optional<int> max_excursions;  // at most this many excursions (needs allowed_excursion > 0)
  std::optional<Time> max_total;      // at most this much time outside the band in total
};
// How often an event happens in the window. For a plain condition (kWhen), the number of separate stretches where
// it is true (one already true at the window start counts).
struct Count {
  expr::Event of;
  std::optional<int> at_least;
  std::optional<int> at_most;
};
// The fraction of the window's time a condition is true (0..1).
struct Duty {
  expr::Condition that;
  std::optional<double> at_least;
  std::optional<double> at_most;
};
// The total time a condition is true in the window.
struct Total {
  expr::Condition that;
  std::optional<Time> at_least;
  std::optional<Time> at_most;
};
// Every stretch where the condition is true lasts at most `limit` (clipped to the window).
struct ForAtMost {
  expr::Condition that;
  Time limit{0};
};
struct CheckSpec;
// One check per occurrence of an event: each occurrence opens a window from its instant to the inner check's own
// `until` (searched from the occurrence) or else to the outer window's end. Passes when every occurrence passes and
// the event happened at least once.
struct Each {
  expr::Event of;
  std::shared_ptr<const CheckSpec> check;
};

using CheckKind = std::variant<Always, Never, Eventually, Lead, Settles, Bounded, Count, Duty, Total, ForAtMost, Each>;

struct CheckSpec {
  std::string name;    // optional label from the scenario ("" → generated from the spec)
  std::string source;  // the spec as written (one line), for reports; "" → generated
  CheckKind kind;
  Window window;
};

// An instant used as evidence, e.g. {"rise(bms/out/prealarm)", 1234.5 s}.
struct EvidenceInstant {
  std::string label;
  Time t{0};
};

struct CheckResult {
  std::string name;         // the spec's name or a generated one ("lead rise(..) → fall(..)")
  std::string kind;         // "always", "never", "eventually", "lead", "settles", "bounded"
  std::string description;  // the spec in one line (source or generated)
  Verdict verdict = Verdict::kError;

  std::vector<EvidenceInstant> instants;  // the instants the verdict rests on (for reports and waveforms)
  std::optional<double> measured;         // e.g. the lead in s, the settling time in s, the peak current in A
  std::string measured_unit;              // "s", "V", "A", ...
  std::optional<double> limit;            // the limit the measured value is held against (the closer one of a range)
  std::optional<double> limit_min, limit_max;  // both bounds the measured value must lie within (absent: unbounded)
  std::string limit_text;                 // e.g. "≥ 30 s", "≤ 500 ms", "[12.8 V, 14.4 V]"
  std::optional<double> margin;           // distance to the limit in measured_unit; ≥ 0 when passing
  std::optional<double> uncertainty;      // how far the margin may be off, in measured_unit (rig/uncertainty.hpp)
  std::string uncertainty_basis;          // where it comes from, e.g. "sample period of alternator/current_a (1 ms)"
  std::string evidence;                   // e.g. "lead 30.000 s, limit ≥ 30 s, margin +0.000 s"
  std::string message;                    // one human line: verdict and evidence, or why it failed

  std::vector<double> levels;             // reference levels on the judged signal, in its unit (the threshold of
                                          // a single comparison, band edges of settles/bounded), for plots
  expr::Interval window;                        // the window actually judged (for shading in the report)
  std::vector<std::string> signals;       // signal names the check uses (waveforms in the report)
};

// The conditions a check's verdict depends on (its own, its events', its anchors'), and the thresholds it compares
// single signals with (settles/bounded bands). The recorder keeps these exact: whenever one of them changes truth
// on the live values, every signal it reads is recorded at that instant, whatever its resolution (rig/core runner).
struct Watched {
  std::vector<expr::Condition> conditions;
  std::vector<std::pair<std::string, double>> thresholds;  // signal name, level in the signal's unit
};
void add_watched(const CheckSpec& spec, Watched& out);

// Judges `spec` on `trace` (which must have its end_time set). Never throws for a bad trace; returns kError.
CheckResult evaluate(const CheckSpec& spec, const Trace& trace);
std::vector<CheckResult> evaluate_all(const std::vector<CheckSpec>& specs, const Trace& trace);

// The overall verdict of a set of results: error if any error, else fail if any fail, else inconclusive if any
// inconclusive, else pass (empty: pass).
Verdict combine(const std::vector<CheckResult>& results);

// Formatting helpers used in messages (and by the report): "30.000 s", "+0.000 s", "13.200 V", "≥ 30 s".
std::string format_seconds(double s);           // fixed 3 decimals, e.g. "30.000 s"
std::string format_signed_seconds(double s);    // "+0.000 s", "-1.250 s"
std::string format_value(double v, const std::string& unit);  // 4 significant decimals trimmed, e.g. "13.2 V"
std::string format_duration_limit(Time t);      // compact, e.g. "30 s", "500 ms", "2 min"

}  // namespace rig::checks
