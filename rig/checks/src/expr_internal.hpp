// Internal to rig_checks: the truth timeline of a condition over a trace, shared by expr.cpp and checks.cpp.
#pragma once

#include <utility>
#include <vector>

#include "rig/expr.hpp"

namespace rig::expr::detail {

// The trace end used for evaluation: trace.end_time() when set (> 0; later samples are ignored), else the last
// recorded sample (a trace whose end was never set still evaluates over what it holds).
Time effective_end(const Trace& trace);

// A condition's truth over its domain [start, end]: `initial` at `start`, then each transition (time, new value),
// times strictly increasing, start < time <= end. valid = false if a signal is missing or has no sample in
// [0, end].
struct TruthTimeline {
  bool valid = false;
  Time start{0};
  Time end{0};
  bool initial = false;
  std::vector<std::pair<Time, bool>> transitions;

  // Truth at instant t (zero-order hold; false outside [start, end]).
  bool at(Time t) const;
  // The first instant in [from, until] where the condition is true, if any.
  std::optional<Time> first_true(Time from, Time until) const;
  IntervalSet intervals() const;  // zero-length intervals at the end are dropped
};

TruthTimeline truth_timeline(const Condition& condition, const Trace& trace);

// A condition that is one comparison of one signal with a constant, normalised to `signal op threshold`
// (threshold in the signal's own unit; abs = the signal is taken as |signal|). Used for margins.
struct SimpleComparison {
  std::string signal;
  enum class Op : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe } op;
  double threshold;
  bool abs;
  std::string unit;
};
std::optional<SimpleComparison> simple_comparison(const Condition& condition);

}  // namespace rig::expr::detail
