// Temporal checks over a recorded trace, with evidence.
#include "rig/checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "expr_internal.hpp"

namespace rig {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kError: return "error";
    case Verdict::kInconclusive: return "inconclusive";
  }
  return "error";
}

}  // namespace rig

namespace rig::checks {

using expr::Interval;
using expr::IntervalSet;
using expr::detail::effective_end;

// ---------------------------------------------------------------------------------------------------------------
// Formatting

namespace {
std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}
std::string with_unit(std::string num, const std::string& unit) { return unit.empty() ? num : num + " " + unit; }
std::string seconds_at(Time t) { return "t=" + fixed(to_seconds(t), 3) + " s"; }
}  // namespace

std::string format_seconds(double s) { return fixed(s, 3) + " s"; }
std::string format_signed_seconds(double s) { return (s >= 0 ? "+" : "") + fixed(s, 3) + " s"; }
std::string format_value(double v, const std::string& unit) {
  const double a = std::fabs(v);
  const int decimals = a != 0.0 && a < 0.01 ? 6 : 3;
  return with_unit(trim_zeros(fixed(v, decimals)), unit);
}
namespace {
std::string format_signed_value(double v, const std::string& unit) {
  const double a = std::fabs(v);
  const int decimals = a != 0.0 && a < 0.01 ? 6 : 3;
  return with_unit((v >= 0 ? "+" : "") + fixed(v, decimals), unit);
}
}  // namespace
std::string format_duration_limit(Time t) {
  const auto ns = t.count();
  if (ns != 0 && ns % 60'000'000'000LL == 0 && ns >= 120'000'000'000LL) return std::to_string(ns / 60'000'000'000LL) + " min";
  if (ns == 0 || std::llabs(ns) >= 1'000'000'000LL) return trim_zeros(fixed(to_seconds(t), 9)) + " s";
  if (ns % 1'000'000 == 0 || std::llabs(ns) >= 1'000'000) return trim_zeros(fixed(static_cast<double>(ns) * 1e-6, 6)) + " ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1000) + " us";
  return std::to_string(ns) + " ns";
}

Verdict combine(const std::vector<CheckResult>& results) {
  Verdict v = Verdict::kPass;
  for (const auto& r : results) {
    if (r.verdict == Verdict::kError) return Verdict::kError;
    if (r.verdict == Verdict::kFail) v = Verdict::kFail;
    if (r.verdict == Verdict::kInconclusive && v == Verdict::kPass) v = Verdict::kInconclusive;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

namespace {

struct CheckFailure {  // a verdict decided early (event never happened, missing signal)
  Verdict verdict;
  std::string message;
};

std::string anchor_text(const Anchor& a) {
  std::string s = a.event ? a.event->text() : format_duration_limit(a.at);
  if (a.offset != Time{0}) s += (a.offset > Time{0} ? " + " : " - ") + format_duration_limit(a.offset < Time{0} ? -a.offset : a.offset);
  return s;
}

void add_signals(std::vector<std::string>& out, const expr::Condition& c) {
  for (const auto& s : c.signals())
    if (std::find(out.begin(), out.end(), s.name) == out.end()) out.push_back(s.name);
}
void add_signal(std::vector<std::string>& out, const std::string& name) {
  if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
}

void require_signals(const expr::Condition& c, const Trace& trace) {
  const auto missing = c.missing_signals(trace);
  if (missing.empty()) return;
  std::string m = "signal";
  m += missing.size() > 1 ? "s " : " ";
  for (std::size_t i = 0; i < missing.size(); ++i) m += (i ? ", '" : "'") + missing[i] + "'";
  m += missing.size() > 1 ? " were" : " was";
  m += " never recorded in the trace";
  throw CheckFailure{Verdict::kError, m};
}

// Resolves an anchor to an instant (event searched in [from, until]); records it as evidence.
Time resolve_anchor(const Anchor& a, const Trace& trace, Time from, Time until, const std::string& role,
                    CheckResult& r) {
  if (!a.event) {
    const Time t = a.at + a.offset;
    r.instants.push_back({role + " " + anchor_text(a), t});
    return t;
  }
  require_signals(a.event->condition(), trace);
  const auto t = a.event->first(trace, from, until);
  if (!t)
    throw CheckFailure{Verdict::kFail, role + " event '" + a.event->text() + "' never happened (searched " +
                                           seconds_at(from) + " to " + seconds_at(until) + ")"};
  r.instants.push_back({a.event->text(), *t});
  if (a.offset != Time{0}) r.instants.push_back({role + " " + anchor_text(a), *t + a.offset});
  return *t + a.offset;
}

// The judged window [begin, end]; `end_closed` if it reaches the trace end (the last instant counts).
struct JudgedWindow {
  Time begin, end;
  bool end_closed;
};

JudgedWindow resolve_window(const Window& w, const Trace& trace, CheckResult& r) {
  const Time end = effective_end(trace);
  JudgedWindow jw{Time{0}, end, true};
  // `until` is searched from the instant that opened the window: the `from` event's occurrence (before its offset),
  // or the `from` time.
  Time opened{0};
  if (w.from) {
    jw.begin = resolve_anchor(*w.from, trace, Time{0}, end, "from", r);
    opened = w.from->event ? jw.begin - w.from->offset : jw.begin;
  }
  if (w.until) {
    jw.end = resolve_anchor(*w.until, trace, std::max(opened, Time{0}), end, "until", r);
    jw.end_closed = jw.end >= end;
  }
  jw.begin = std::max(jw.begin, Time{0});
  if (jw.end > end) jw.end = end;
  if (jw.end < jw.begin)
    throw CheckFailure{Verdict::kError, "empty window: from " + seconds_at(jw.begin) + " is after until " +
                                            seconds_at(jw.end)};
  if (jw.end == jw.begin && !jw.end_closed)
    throw CheckFailure{Verdict::kError, "empty window: from and until are both " + seconds_at(jw.begin)};
  r.window = Interval{jw.begin, jw.end};
  return jw;
}

std::string window_text(const Window& w) {
  std::string s;
  if (w.from) s += " from " + anchor_text(*w.from);
  if (w.until) s += " until " + anchor_text(*w.until);
  return s;
}

// Values of one signal over a window: calls f(t_begin, t_end, value) for each held segment inside
// [begin, end] (the last segment ends at `end`); segments before the first sample are skipped.
template <class F>
void for_each_segment(const std::vector<Sample>& s, Time begin, Time end, bool end_closed, F&& f) {
  auto it = std::upper_bound(s.begin(), s.end(), begin, [](Time x, const Sample& p) { return x < p.t; });
  std::optional<double> cur;
  Time cur_t = begin;
  if (it != s.begin()) cur = std::prev(it)->value;
  for (; it != s.end(); ++it) {
    if (it->t > end || (it->t == end && !end_closed)) break;
    if (cur) f(cur_t, it->t, *cur);
    cur = it->value;
    cur_t = it->t;
  }
  if (cur) f(cur_t, end, *cur);
}

const std::vector<Sample>& signal_samples(const Trace& trace, const std::string& name) {
  const auto id = trace.find(name);
  if (!id || trace.samples(*id).empty())
    throw CheckFailure{Verdict::kError, "signal '" + name + "' was never recorded in the trace"};
  return trace.samples(*id);
}

// The closest approach to a simple comparison's threshold over the window, as a margin (≥ 0 means the
// comparison held with room) — for `always x op c` (hold = true) or `never x op c` (hold = false).
void add_margin(const expr::Condition& c, bool hold, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  using Op = expr::detail::SimpleComparison::Op;
  const auto sc = expr::detail::simple_comparison(c);
  if (!sc || sc->op == Op::kEq || sc->op == Op::kNe) return;
  const auto id = trace.find(sc->signal);
  if (!id) return;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  Time t_lo{0}, t_hi{0};
  for_each_segment(trace.samples(*id), w.begin, w.end, w.end_closed, [&](Time b, Time, double v) {
    if (sc->abs) v = std::fabs(v);
    if (v < lo) lo = v, t_lo = b;
    if (v > hi) hi = v, t_hi = b;
  });
  if (!std::isfinite(lo)) return;
  // The side that must hold: always x < c → the maximum matters; never x < c (x ≥ c must hold) → the minimum.
  const bool upper = (sc->op == Op::kLt || sc->op == Op::kLe) == hold;
  const double m = upper ? sc->threshold - hi : lo - sc->threshold;
  const std::string which = upper ? "max" : "min";
  const std::string name = sc->abs ? "|" + sc->signal + "|" : sc->signal;
  r.measured = upper ? hi : lo;
  r.measured_unit = sc->unit;
  r.limit = sc->threshold;
  (upper ? r.limit_max : r.limit_min) = sc->threshold;
  r.limit_text = std::string(upper ? "≤ " : "≥ ") + format_value(sc->threshold, sc->unit);
  r.margin = m;
  if (!sc->abs) r.levels.push_back(sc->threshold);
  r.instants.push_back({which + " " + name, upper ? t_hi : t_lo});
}

// ---- always / never ----------------------------------------------------------------------------------------
void judge_invariant(const expr::Condition& c, bool hold, const Trace& trace, const JudgedWindow& w,
                     CheckResult& r) {
  require_signals(c, trace);
  const auto tl = expr::detail::truth_timeline(c, trace);
  // Violations: where the condition is false (always) / true (never), inside the window.
  IntervalSet truth = tl.intervals();
  IntervalSet bad = hold ? expr::complement(truth, {w.begin, w.end}) : expr::clip(truth, {w.begin, w.end});
  // Before the domain (a signal not yet recorded) nothing can be judged: do not count it as a violation.
  if (hold) bad = expr::clip(bad, {std::max(tl.start, w.begin), w.end});
  bool end_violation = false;
  if (w.end_closed && w.end >= tl.start && tl.at(w.end) != hold) end_violation = true;
  add_margin(c, hold, trace, w, r);
  const std::string what = std::string(hold ? "always" : "never") + " '" + c.text() + "'";
  if (bad.empty() && !end_violation) {
    r.verdict = Verdict::kPass;
    r.evidence = "held over [" + format_seconds(to_seconds(w.begin)) + ", " + format_seconds(to_seconds(w.end)) + "]";
    if (r.margin)
      r.evidence += ", " + std::string(r.limit_text.starts_with("≤") ? "max " : "min ") +
                    format_value(*r.measured, r.measured_unit) + ", limit " + r.limit_text + ", margin " +
                    format_signed_value(*r.margin, r.measured_unit);
    r.message = "pass: " + what + " " + r.evidence;
    return;
  }
  r.verdict = Verdict::kFail;
  const Time first = bad.empty() ? w.end : bad.front().begin;
  const Time total = expr::total_duration(bad);
  r.instants.push_back({"first violation", first});
  if (!r.margin) {
    r.measured = to_seconds(total);
    r.measured_unit = "s";
    r.limit = 0.0;
    r.limit_max = 0.0;
    r.limit_text = "0 s";
    r.margin = -to_seconds(total);
  }
  r.evidence = std::string(hold ? "false" : "true") + " at " + seconds_at(first);
  if (!bad.empty())
    r.evidence += " for " + format_seconds(to_seconds(bad.front().duration())) + ", " + std::to_string(bad.size()) +
                  " violation(s), " + format_seconds(to_seconds(total)) + " in total";
  if (r.measured_unit != "s" && r.margin)
    r.evidence += "; " + std::string(r.limit_text.starts_with("≤") ? "max " : "min ") +
                  format_value(*r.measured, r.measured_unit) + ", limit " + r.limit_text + ", margin " +
                  format_signed_value(*r.margin, r.measured_unit);
  r.message = "fail: " + what + " violated: " + r.evidence;
}

// ---- eventually ----------------------------------------------------------------------------------------------
void judge_eventually(const Eventually& e, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  require_signals(e.condition, trace);
  const Time a = e.after ? resolve_anchor(*e.after, trace, w.begin, w.end, "after", r) : w.begin;
  if (!e.after) r.instants.push_back({"start", a});
  const Time deadline = a + e.within;
  const auto tl = expr::detail::truth_timeline(e.condition, trace);
  r.limit = to_seconds(e.within);
  r.limit_max = r.limit;
  r.limit_text = "≤ " + format_duration_limit(e.within);
  r.measured_unit = "s";
  const std::string what = "eventually '" + e.condition.text() + "'";
  const auto t = tl.first_true(a, w.end);
  if (t) {
    r.measured = to_seconds(*t - a);
    r.margin = to_seconds(deadline - *t);
    r.instants.push_back({"true", *t});
    r.evidence = "true after " + format_seconds(*r.measured) + " (at " + seconds_at(*t) + "), limit " +
                 r.limit_text + ", margin " + format_signed_seconds(*r.margin);
    r.verdict = *t <= deadline ? Verdict::kPass : Verdict::kFail;
    r.message = std::string(r.verdict == Verdict::kPass ? "pass: " : "fail: ") + what + " " + r.evidence;
    return;
  }
  r.verdict = Verdict::kFail;
  r.instants.push_back({"deadline", deadline});
  if (w.end < deadline)
    r.evidence = "never true before the window ended at " + seconds_at(w.end) + " (deadline " +
                 seconds_at(deadline) + ")";
  else
    r.evidence = "never true within " + format_duration_limit(e.within) + " after " + seconds_at(a);
  r.message = "fail: " + what + " " + r.evidence;
}

// ---- lead ------------------------------------------------------------------------------------------------------
void judge_lead(const Lead& l, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  require_signals(l.first.condition(), trace);
  require_signals(l.then.condition(), trace);
  r.measured_unit = "s";
  if (l.at_least) r.limit_min = to_seconds(*l.at_least);
  if (l.at_most) r.limit_max = to_seconds(*l.at_most);
  if (l.at_least && l.at_most) r.limit_text = "[" + format_duration_limit(*l.at_least) + ", " + format_duration_limit(*l.at_most) + "]";
  else if (l.at_least) r.limit_text = "≥ " + format_duration_limit(*l.at_least);
  else if (l.at_most) r.limit_text = "≤ " + format_duration_limit(*l.at_most);
  const std::string what = "lead '" + l.first.text() + "' → '" + l.then.text() + "'";
  const auto t_first = l.first.first(trace, w.begin, w.end);
  const auto thens = l.then.times(trace, w.begin, w.end);
  if (!t_first) {
    r.verdict = Verdict::kFail;
    r.evidence = "first event '" + l.first.text() + "' never happened";
    if (!thens.empty()) {
      r.instants.push_back({l.then.text(), thens.front()});
      r.evidence += " (then event '" + l.then.text() + "' at " + seconds_at(thens.front()) + ")";
    }
    r.message = "fail: " + what + ": " + r.evidence;
    return;
  }
  r.instants.push_back({l.first.text(), *t_first});
  // The first `then` at or after `first`; earlier ones do not count.
  std::optional<Time> t_then;
  for (Time t : thens)
    if (t >= *t_first) {
      t_then = t;
      break;
    }
  if (!t_then) {
    r.verdict = Verdict::kFail;
    r.evidence = "then event '" + l.then.text() + "' never happened after " + seconds_at(*t_first);
    r.message = "fail: " + what + ": " + r.evidence;
    return;
  }
  r.instants.push_back({l.then.text(), *t_then});
  const Time lead = *t_then - *t_first;
  r.measured = to_seconds(lead);
  // Margin to the closer limit; negative when outside.
  std::optional<Time> margin;
  if (l.at_least) {
    margin = lead - *l.at_least;
    r.limit = to_seconds(*l.at_least);
  }
  if (l.at_most && (!margin || *l.at_most - lead < *margin)) {
    margin = *l.at_most - lead;
    r.limit = to_seconds(*l.at_most);
  }
  if (margin) r.margin = to_seconds(*margin);
  const bool ok = (!l.at_least || lead >= *l.at_least) && (!l.at_most || lead <= *l.at_most);
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.evidence = "lead " + format_signed_seconds(r.measured.value());
  if (r.evidence[5] == '+') r.evidence.erase(5, 1);
  if (!r.limit_text.empty()) r.evidence += ", limit " + r.limit_text + ", margin " + format_signed_seconds(r.margin.value_or(0.0));
  r.evidence += " (" + seconds_at(*t_first) + " → " + seconds_at(*t_then) + ")";
  r.message = std::string(ok ? "pass: " : "fail: ") + what + ": " + r.evidence;
}

// ---- settles -------------------------------------------------------------------------------------------------
void judge_settles(const Settles& s, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  const auto& samples = signal_samples(trace, s.signal.name);
  const Time a = s.after ? resolve_anchor(*s.after, trace, w.begin, w.end, "after", r) : w.begin;
  if (!s.after) r.instants.push_back({"start", a});
  const std::string& unit = s.signal.unit;
  const std::string band = s.target ? format_value(*s.target, unit) + " ± " + format_value((s.hi - s.lo) / 2, unit)
                                    : "[" + format_value(s.lo, unit) + ", " + format_value(s.hi, unit) + "]";
  const std::string what = "settles '" + s.signal.name + "' in " + band;
  r.levels = {s.lo, s.hi};
  r.measured_unit = "s";
  r.limit = to_seconds(s.within);
  r.limit_max = r.limit;
  r.limit_text = "≤ " + format_duration_limit(s.within);
  if (a > w.end) {
    r.verdict = Verdict::kFail;
    r.evidence = "anchor at " + seconds_at(a) + " is after the window end " + seconds_at(w.end);
    r.message = "fail: " + what + ": " + r.evidence;
    return;
  }
  std::optional<Time> first_in, last_entry, last_exit;
  bool in = false;
  double exit_value = 0.0, end_value = 0.0;
  bool have_value = false;
  for_each_segment(samples, a, w.end, w.end_closed, [&](Time b, Time, double v) {
    const bool now_in = v >= s.lo && v <= s.hi;
    if (now_in && !in) {
      if (!first_in) first_in = b;
      last_entry = b;
    }
    if (!now_in && in) {
      last_exit = b;
      exit_value = v;
    }
    in = now_in;
    end_value = v;
    have_value = true;
  });
  const Time deadline = a + s.within;
  if (!first_in) {
    r.verdict = Verdict::kFail;
    r.instants.push_back({"deadline", deadline});
    r.evidence = "never entered the band after " + seconds_at(a) +
                 (have_value ? " (value at window end " + format_value(end_value, unit) + ")" : "");
    r.message = "fail: " + what + ": " + r.evidence;
    return;
  }
  const Time entered = s.stays ? *last_entry : *first_in;
  r.instants.push_back({"entered band", entered});
  r.measured = to_seconds(entered - a);
  r.margin = to_seconds(deadline - entered);
  if (s.stays && !in) {
    r.verdict = Verdict::kFail;
    r.instants.push_back({"left band", *last_exit});
    r.evidence = "entered the band at " + seconds_at(*first_in) + " but left it at " + seconds_at(*last_exit) +
                 " (value " + format_value(exit_value, unit) + ") and was outside at the window end";
    r.measured.reset();
    r.margin.reset();
    r.message = "fail: " + what + ": " + r.evidence;
    return;
  }
  const bool ok = entered <= deadline;
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.evidence = std::string(s.stays ? "settled" : "entered") + " after " + format_seconds(*r.measured) + " (at " +
               seconds_at(entered) + "), limit " + r.limit_text + ", margin " + format_signed_seconds(*r.margin);
  if (s.stays && *first_in < entered) r.evidence += "; first entry at " + seconds_at(*first_in) + " did not stay";
  r.message = std::string(ok ? "pass: " : "fail: ") + what + ": " + r.evidence;
}

// ---- bounded ------------------------------------------------------------------------------------------------
void judge_bounded(const Bounded& b, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  const auto& samples = signal_samples(trace, b.signal.name);
  if (!b.lo && !b.hi) throw CheckFailure{Verdict::kError, "bounded check without min or max"};
  const std::string& unit = b.signal.unit;
  const double lo = b.lo.value_or(-std::numeric_limits<double>::infinity());
  const double hi = b.hi.value_or(std::numeric_limits<double>::infinity());
  std::string range = b.lo && b.hi ? "[" + format_value(lo, unit) + ", " + format_value(hi, unit) + "]"
                      : b.lo       ? "≥ " + format_value(lo, unit)
                                   : "≤ " + format_value(hi, unit);
  const std::string what = "bounded '" + b.signal.name + "' " + range;
  if (b.lo) r.levels.push_back(*b.lo);
  if (b.hi) r.levels.push_back(*b.hi);
  double vmin = std::numeric_limits<double>::infinity(), vmax = -vmin;
  Time t_min{0}, t_max{0};
  struct Excursion {
    Time begin, end;
  };
  std::vector<Excursion> ex;
  bool out = false;
  for_each_segment(samples, w.begin, w.end, w.end_closed, [&](Time sb, Time se, double v) {
    if (v < vmin) vmin = v, t_min = sb;
    if (v > vmax) vmax = v, t_max = sb;
    const bool now_out = v < lo || v > hi;
    if (now_out && !out) ex.push_back({sb, se});
    else if (now_out) ex.back().end = se;
    out = now_out;
  });
  if (!std::isfinite(vmin))
    throw CheckFailure{Verdict::kError, "signal '" + b.signal.name + "' has no value in the window"};
  const double m_hi = hi - vmax, m_lo = vmin - lo;
  const bool upper = m_hi <= m_lo;
  Time longest{0};
  std::size_t longest_i = 0;
  for (std::size_t i = 0; i < ex.size(); ++i)
    if (ex[i].end - ex[i].begin >= longest) longest = ex[i].end - ex[i].begin, longest_i = i;
  Time total{0};
  for (const auto& e : ex) total += e.end - e.begin;
  // Excursions are allowed when an excursion length, a number or a total time is given; each given bound holds.
  const bool some_allowed = b.allowed_excursion > Time{0} || b.max_excursions || b.max_total;
  const bool longest_ok = b.allowed_excursion > Time{0} ? longest <= b.allowed_excursion : some_allowed;
  const bool count_ok = !b.max_excursions || static_cast<int>(ex.size()) <= *b.max_excursions;
  const bool total_ok = !b.max_total || total <= *b.max_total;
  const bool ok = ex.empty() || (longest_ok && count_ok && total_ok);
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.instants.push_back({upper ? "max" : "min", upper ? t_max : t_min});
  const std::string extremes = "min " + format_value(vmin, unit) + ", max " + format_value(vmax, unit);
  std::string aggregate;  // the number and total time of excursions against their bounds
  if (b.max_excursions || b.max_total) {
    aggregate = std::to_string(ex.size()) + " excursion(s)";
    if (b.max_excursions) aggregate += " (limit ≤ " + std::to_string(*b.max_excursions) + ")";
    aggregate += ", " + format_seconds(to_seconds(total)) + " outside in total";
    if (b.max_total) aggregate += " (limit ≤ " + format_duration_limit(*b.max_total) + ")";
  }
  if (!ex.empty() && !count_ok) {
    r.measured = static_cast<double>(ex.size());
    r.measured_unit = "";
    r.limit = *b.max_excursions;
    r.limit_max = r.limit;
    r.limit_text = "≤ " + std::to_string(*b.max_excursions) + " excursion(s)";
    r.margin = *r.limit - *r.measured;
    r.evidence = aggregate + "; longest " + format_seconds(to_seconds(longest)) + " at " +
                 seconds_at(ex[longest_i].begin) + "; " + extremes;
  } else if (!ex.empty() && b.max_total && (!total_ok || b.allowed_excursion == Time{0})) {
    r.measured = to_seconds(total);
    r.measured_unit = "s";
    r.limit = to_seconds(*b.max_total);
    r.limit_max = r.limit;
    r.limit_text = "≤ " + format_duration_limit(*b.max_total) + " in total";
    r.margin = to_seconds(*b.max_total - total);
    r.evidence = aggregate + ", margin " + format_signed_seconds(*r.margin) + "; longest " +
                 format_seconds(to_seconds(longest)) + " at " + seconds_at(ex[longest_i].begin) + "; " + extremes;
  } else if (!ex.empty() && b.max_excursions && b.allowed_excursion == Time{0}) {
    r.measured = static_cast<double>(ex.size());
    r.measured_unit = "";
    r.limit = *b.max_excursions;
    r.limit_max = r.limit;
    r.limit_text = "≤ " + std::to_string(*b.max_excursions) + " excursion(s)";
    r.margin = *r.limit - *r.measured;
    r.evidence = aggregate + "; " + extremes;
  } else if (ex.empty() || b.allowed_excursion == Time{0}) {
    r.measured = upper ? vmax : vmin;
    r.measured_unit = unit;
    r.limit = upper ? hi : lo;
    if (b.lo) r.limit_min = *b.lo;
    if (b.hi) r.limit_max = *b.hi;
    r.limit_text = std::string(upper ? "≤ " : "≥ ") + format_value(*r.limit, unit);
    r.margin = upper ? m_hi : m_lo;
    r.evidence = extremes + ", limit " + range + ", margin " + format_signed_value(*r.margin, unit);
  } else {
    r.measured = to_seconds(longest);
    r.measured_unit = "s";
    r.limit = to_seconds(b.allowed_excursion);
    r.limit_max = r.limit;
    r.limit_text = "≤ " + format_duration_limit(b.allowed_excursion);
    r.margin = to_seconds(b.allowed_excursion - longest);
    r.evidence = "longest excursion " + format_seconds(*r.measured) + " at " + seconds_at(ex[longest_i].begin) +
                 ", limit " + r.limit_text + ", margin " + format_signed_seconds(*r.margin) + "; " + extremes;
  }
  if (!ex.empty()) {
    r.instants.push_back({"excursion", ex[longest_i].begin});
    if (aggregate.empty()) r.evidence += "; " + std::to_string(ex.size()) + " excursion(s)";
    else if (r.measured_unit == unit || (r.measured_unit == "s" && b.allowed_excursion > Time{0} && count_ok && total_ok))
      r.evidence += "; " + aggregate;
  }
  r.message = std::string(ok ? "pass: " : "fail: ") + what + ": " + r.evidence;
}

// ---- count / duty / total / for_at_most ----------------------------------------------------------------------
// The truth of a condition inside the judged window, as intervals clipped to it.
IntervalSet window_truth(const expr::Condition& c, const Trace& trace, const JudgedWindow& w) {
  require_signals(c, trace);
  return expr::clip(c.intervals(trace), {w.begin, w.end});
}

std::string count_limit_text(std::optional<int> lo, std::optional<int> hi) {
  if (lo && hi) return "[" + std::to_string(*lo) + ", " + std::to_string(*hi) + "]";
  if (lo) return "≥ " + std::to_string(*lo);
  return "≤ " + std::to_string(hi.value_or(0));
}

// Fills measured/limit/margin for a value held against optional bounds [lo, hi]; returns whether it lies within.
bool judge_range(double v, std::optional<double> lo, std::optional<double> hi, CheckResult& r) {
  r.measured = v;
  r.limit_min = lo;
  r.limit_max = hi;
  std::optional<double> margin;
  if (lo) margin = v - *lo, r.limit = *lo;
  if (hi && (!margin || *hi - v < *margin)) margin = *hi - v, r.limit = *hi;
  r.margin = margin;
  return (!lo || v >= *lo) && (!hi || v <= *hi);
}

void judge_count(const Count& c, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  require_signals(c.of.condition(), trace);
  std::vector<Time> times;
  if (c.of.kind() == expr::EventKind::kWhen) {
    // Separate stretches where the condition is true: one already true at the window start counts.
    const auto tl = expr::detail::truth_timeline(c.of.condition(), trace);
    if (tl.at(w.begin)) times.push_back(w.begin);
    for (const auto& [t, v] : tl.transitions)
      if (v && t > w.begin && (t < w.end || (t == w.end && w.end_closed))) times.push_back(t);
  } else {
    times = c.of.times(trace, w.begin, w.end);
    if (!w.end_closed) std::erase_if(times, [&](Time t) { return t >= w.end; });
  }
  const int n = static_cast<int>(times.size());
  const bool ok = judge_range(n, c.at_least ? std::optional<double>(*c.at_least) : std::nullopt,
                              c.at_most ? std::optional<double>(*c.at_most) : std::nullopt, r);
  r.measured_unit = "";
  r.limit_text = count_limit_text(c.at_least, c.at_most);
  for (std::size_t i = 0; i < times.size() && i < 3; ++i) r.instants.push_back({c.of.text(), times[i]});
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.evidence = std::to_string(n) + " occurrence(s)";
  if (!times.empty()) r.evidence += " (first at " + seconds_at(times.front()) + ", last at " + seconds_at(times.back()) + ")";
  r.evidence += ", limit " + r.limit_text + ", margin " + (r.margin.value_or(0) >= 0 ? "+" : "") +
                std::to_string(static_cast<long long>(r.margin.value_or(0)));
  r.message = std::string(ok ? "pass: " : "fail: ") + "count '" + c.of.text() + "': " + r.evidence;
}

void judge_duty(const Duty& d, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  if (w.end <= w.begin) throw CheckFailure{Verdict::kError, "a duty needs a window longer than an instant"};
  const auto truth = window_truth(d.that, trace, w);
  const double duty = to_seconds(expr::total_duration(truth)) / to_seconds(w.end - w.begin);
  // Reported in percent.
  const auto pct = [](std::optional<double> x) { return x ? std::optional<double>(*x * 100.0) : std::nullopt; };
  const bool ok = judge_range(duty * 100.0, pct(d.at_least), pct(d.at_most), r);
  r.measured_unit = "%";
  r.limit_text = d.at_least && d.at_most ? "[" + format_value(*d.at_least * 100, "%") + ", " + format_value(*d.at_most * 100, "%") + "]"
                 : d.at_least            ? "≥ " + format_value(*d.at_least * 100, "%")
                                         : "≤ " + format_value(d.at_most.value_or(0) * 100, "%");
  if (!truth.empty()) r.instants.push_back({"first true", truth.front().begin});
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.evidence = "true " + format_value(duty * 100.0, "%") + " of [" + format_seconds(to_seconds(w.begin)) + ", " +
               format_seconds(to_seconds(w.end)) + "] (" + format_seconds(to_seconds(expr::total_duration(truth))) +
               " in " + std::to_string(truth.size()) + " stretch(es)), limit " + r.limit_text + ", margin " +
               format_signed_value(r.margin.value_or(0), "%");
  r.message = std::string(ok ? "pass: " : "fail: ") + "duty '" + d.that.text() + "': " + r.evidence;
}

void judge_total(const Total& tt, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  const auto truth = window_truth(tt.that, trace, w);
  const Time total = expr::total_duration(truth);
  const auto sec = [](std::optional<Time> x) { return x ? std::optional<double>(to_seconds(*x)) : std::nullopt; };
  const bool ok = judge_range(to_seconds(total), sec(tt.at_least), sec(tt.at_most), r);
  r.measured_unit = "s";
  r.limit_text = tt.at_least && tt.at_most ? "[" + format_duration_limit(*tt.at_least) + ", " + format_duration_limit(*tt.at_most) + "]"
                 : tt.at_least             ? "≥ " + format_duration_limit(*tt.at_least)
                                           : "≤ " + format_duration_limit(tt.at_most.value_or(Time{0}));
  if (!truth.empty()) r.instants.push_back({"first true", truth.front().begin});
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.evidence = "true for " + format_seconds(to_seconds(total)) + " in total in " + std::to_string(truth.size()) +
               " stretch(es), limit " + r.limit_text + ", margin " + format_signed_seconds(r.margin.value_or(0));
  r.message = std::string(ok ? "pass: " : "fail: ") + "total '" + tt.that.text() + "': " + r.evidence;
}

void judge_for_at_most(const ForAtMost& f, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  const auto truth = window_truth(f.that, trace, w);
  Time longest{0};
  std::optional<Time> at;
  for (const auto& i : truth)
    if (!at || i.duration() > longest) longest = i.duration(), at = i.begin;
  const bool ok = longest <= f.limit;
  r.measured = to_seconds(longest);
  r.measured_unit = "s";
  r.limit = to_seconds(f.limit);
  r.limit_max = r.limit;
  r.limit_text = "≤ " + format_duration_limit(f.limit);
  r.margin = to_seconds(f.limit - longest);
  if (at) r.instants.push_back({"longest stretch", *at});
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  r.evidence = truth.empty() ? std::string("never true")
                             : "longest stretch " + format_seconds(*r.measured) + " at " + seconds_at(*at) + " (" +
                                   std::to_string(truth.size()) + " stretch(es))";
  r.evidence += ", limit " + r.limit_text + ", margin " + format_signed_seconds(*r.margin);
  r.message = std::string(ok ? "pass: " : "fail: ") + "for_at_most '" + f.that.text() + "': " + r.evidence;
}

}  // namespace
CheckResult evaluate(const CheckSpec& spec, const Trace& trace);
namespace {

void judge_each(const Each& e, const Trace& trace, const JudgedWindow& w, CheckResult& r) {
  require_signals(e.of.condition(), trace);
  if (!e.check) throw CheckFailure{Verdict::kError, "each without a check"};
  auto times = e.of.times(trace, w.begin, w.end);
  if (!w.end_closed) std::erase_if(times, [&](Time t) { return t >= w.end; });
  const std::string what = "each '" + e.of.text() + "'";
  if (times.empty()) {
    r.verdict = Verdict::kFail;
    r.evidence = "event '" + e.of.text() + "' never happened in [" + format_seconds(to_seconds(w.begin)) + ", " +
                 format_seconds(to_seconds(w.end)) + "]";
    r.message = "fail: " + what + ": " + r.evidence;
    return;
  }
  const Time trace_end = effective_end(trace);
  int failed = 0, errors = 0;
  std::optional<CheckResult> worst;  // the first failing occurrence, else the one with the least margin
  Time worst_t{0};
  for (const Time t : times) {
    CheckSpec inner = *e.check;
    inner.window.from = Anchor{std::nullopt, t, Time{0}};
    if (!inner.window.until && w.end < trace_end) inner.window.until = Anchor{std::nullopt, w.end, Time{0}};
    CheckResult ir = checks::evaluate(inner, trace);
    if (ir.verdict == Verdict::kError) ++errors;
    if (ir.verdict == Verdict::kFail) ++failed;
    const bool take = !worst || (ir.verdict != Verdict::kPass && worst->verdict == Verdict::kPass) ||
                      (ir.verdict == Verdict::kPass && worst->verdict == Verdict::kPass && ir.margin && worst->margin &&
                       *ir.margin < *worst->margin);
    if (take) worst = std::move(ir), worst_t = t;
  }
  r.instants.push_back({e.of.text(), worst_t});
  for (const auto& i : worst->instants) r.instants.push_back(i);
  r.measured = worst->measured;
  r.measured_unit = worst->measured_unit;
  r.limit = worst->limit;
  r.limit_min = worst->limit_min;
  r.limit_max = worst->limit_max;
  r.limit_text = worst->limit_text;
  r.margin = worst->margin;
  r.levels = worst->levels;
  for (const auto& s : worst->signals) add_signal(r.signals, s);
  const std::string n = std::to_string(times.size()) + " occurrence(s)";
  r.verdict = errors ? Verdict::kError : failed ? Verdict::kFail : Verdict::kPass;
  if (r.verdict == Verdict::kPass)
    r.evidence = n + ", all passed; least margin at the one at " + seconds_at(worst_t) + ": " + worst->evidence;
  else
    r.evidence = std::to_string(failed + errors) + " of " + n + " did not pass; first at " + seconds_at(worst_t) +
                 ": " + worst->evidence;
  r.message = std::string(to_string(r.verdict)) + ": " + what + ": " + r.evidence;
}

std::string describe(const CheckSpec& spec) {
  struct V {
    std::string operator()(const Always& a) const { return "always: " + a.condition.text(); }
    std::string operator()(const Never& a) const { return "never: " + a.condition.text(); }
    std::string operator()(const Eventually& e) const {
      return "eventually: " + e.condition.text() + " within " + format_duration_limit(e.within) +
             (e.after ? " after " + anchor_text(*e.after) : "");
    }
    std::string operator()(const Lead& l) const {
      std::string s = "lead: " + l.first.text() + " → " + l.then.text();
      if (l.at_least) s += " at least " + format_duration_limit(*l.at_least);
      if (l.at_most) s += " at most " + format_duration_limit(*l.at_most);
      return s;
    }
    std::string operator()(const Settles& s) const {
      return "settles: " + s.signal.name + " in [" + format_value(s.lo, s.signal.unit) + ", " +
             format_value(s.hi, s.signal.unit) + "] within " + format_duration_limit(s.within) +
             (s.after ? " after " + anchor_text(*s.after) : "") + (s.stays ? " and stays" : "");
    }
    std::string operator()(const Bounded& b) const {
      std::string s = "bounded: " + b.signal.name;
      if (b.lo) s += " ≥ " + format_value(*b.lo, b.signal.unit);
      if (b.hi) s += " ≤ " + format_value(*b.hi, b.signal.unit);
      if (b.allowed_excursion > Time{0}) s += ", excursions ≤ " + format_duration_limit(b.allowed_excursion);
      if (b.max_excursions) s += ", at most " + std::to_string(*b.max_excursions) + " excursion(s)";
      if (b.max_total) s += ", ≤ " + format_duration_limit(*b.max_total) + " outside in total";
      return s;
    }
    std::string operator()(const Count& c) const {
      return "count: " + c.of.text() + " " + count_limit_text(c.at_least, c.at_most);
    }
    std::string operator()(const Duty& d) const {
      std::string s = "duty: " + d.that.text();
      if (d.at_least) s += " at least " + format_value(*d.at_least * 100, "%");
      if (d.at_most) s += " at most " + format_value(*d.at_most * 100, "%");
      return s;
    }
    std::string operator()(const Total& t) const {
      std::string s = "total: " + t.that.text();
      if (t.at_least) s += " at least " + format_duration_limit(*t.at_least);
      if (t.at_most) s += " at most " + format_duration_limit(*t.at_most);
      return s;
    }
    std::string operator()(const ForAtMost& f) const {
      return "for_at_most: " + f.that.text() + " " + format_duration_limit(f.limit);
    }
    std::string operator()(const Each& e) const {
      return "each: " + e.of.text() + ": " + (e.check ? describe(*e.check) : std::string("?"));
    }
  };
  return std::visit(V{}, spec.kind) + window_text(spec.window);
}

const char* kind_name(const CheckKind& k) {
  static constexpr const char* kNames[] = {"always",  "never", "eventually", "lead",        "settles", "bounded",
                                           "count",   "duty",  "total",      "for_at_most", "each"};
  return kNames[k.index()];
}

}  // namespace

CheckResult evaluate(const CheckSpec& spec, const Trace& trace) {
  CheckResult r;
  r.kind = kind_name(spec.kind);
  r.description = spec.source.empty() ? describe(spec) : spec.source;
  r.name = spec.name.empty() ? r.description : spec.name;
  // Signals used, for the report's waveforms.
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, Always> || std::is_same_v<K, Never> || std::is_same_v<K, Eventually>)
          add_signals(r.signals, k.condition);
        else if constexpr (std::is_same_v<K, Lead>) {
          add_signals(r.signals, k.first.condition());
          add_signals(r.signals, k.then.condition());
        } else if constexpr (std::is_same_v<K, Count> || std::is_same_v<K, Each>)
          add_signals(r.signals, k.of.condition());
        else if constexpr (std::is_same_v<K, Duty> || std::is_same_v<K, Total> || std::is_same_v<K, ForAtMost>)
          add_signals(r.signals, k.that);
        else
          add_signal(r.signals, k.signal.name);
        if constexpr (std::is_same_v<K, Eventually> || std::is_same_v<K, Settles>)
          if (k.after && k.after->event) add_signals(r.signals, k.after->event->condition());
      },
      spec.kind);
  for (const auto* a : {&spec.window.from, &spec.window.until})
    if (*a && (*a)->event) add_signals(r.signals, (*a)->event->condition());
  const Time end = effective_end(trace);
  r.window = Interval{Time{0}, end};
  try {
    const JudgedWindow w = resolve_window(spec.window, trace, r);
    std::visit(
        [&](const auto& k) {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, Always>) judge_invariant(k.condition, true, trace, w, r);
          else if constexpr (std::is_same_v<K, Never>) judge_invariant(k.condition, false, trace, w, r);
          else if constexpr (std::is_same_v<K, Eventually>) judge_eventually(k, trace, w, r);
          else if constexpr (std::is_same_v<K, Lead>) judge_lead(k, trace, w, r);
          else if constexpr (std::is_same_v<K, Settles>) judge_settles(k, trace, w, r);
          else if constexpr (std::is_same_v<K, Bounded>) judge_bounded(k, trace, w, r);
          else if constexpr (std::is_same_v<K, Count>) judge_count(k, trace, w, r);
          else if constexpr (std::is_same_v<K, Duty>) judge_duty(k, trace, w, r);
          else if constexpr (std::is_same_v<K, Total>) judge_total(k, trace, w, r);
          else if constexpr (std::is_same_v<K, ForAtMost>) judge_for_at_most(k, trace, w, r);
          else judge_each(k, trace, w, r);
        },
        spec.kind);
  } catch (const CheckFailure& f) {
    r.verdict = f.verdict;
    r.evidence = f.message;
    r.message = std::string(to_string(f.verdict)) + ": " + r.description + ": " + f.message;
  } catch (const std::exception& e) {
    r.verdict = Verdict::kError;
    r.evidence = e.what();
    r.message = "error: " + r.description + ": " + e.what();
  }
  std::sort(r.instants.begin(), r.instants.end(), [](const auto& x, const auto& y) { return x.t < y.t; });
  return r;
}

void add_watched(const CheckSpec& spec, Watched& out) {
  const auto anchor = [&](const std::optional<Anchor>& a) {
    if (a && a->event) out.conditions.push_back(a->event->condition());
  };
  anchor(spec.window.from);
  anchor(spec.window.until);
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, Always> || std::is_same_v<K, Never>) out.conditions.push_back(k.condition);
        else if constexpr (std::is_same_v<K, Eventually>) {
          out.conditions.push_back(k.condition);
          anchor(k.after);
        } else if constexpr (std::is_same_v<K, Lead>) {
          out.conditions.push_back(k.first.condition());
          out.conditions.push_back(k.then.condition());
        } else if constexpr (std::is_same_v<K, Settles>) {
          out.thresholds.emplace_back(k.signal.name, k.lo);
          out.thresholds.emplace_back(k.signal.name, k.hi);
          anchor(k.after);
        } else if constexpr (std::is_same_v<K, Bounded>) {
          if (k.lo) out.thresholds.emplace_back(k.signal.name, *k.lo);
          if (k.hi) out.thresholds.emplace_back(k.signal.name, *k.hi);
        } else if constexpr (std::is_same_v<K, Count>) out.conditions.push_back(k.of.condition());
        else if constexpr (std::is_same_v<K, Duty> || std::is_same_v<K, Total> || std::is_same_v<K, ForAtMost>)
          out.conditions.push_back(k.that);
        else {
          out.conditions.push_back(k.of.condition());
          if (k.check) add_watched(*k.check, out);
        }
      },
      spec.kind);
}

std::vector<CheckResult> evaluate_all(const std::vector<CheckSpec>& specs, const Trace& trace) {
  std::vector<CheckResult> out;
  out.reserve(specs.size());
  for (const auto& s : specs) out.push_back(evaluate(s, trace));
  return out;
}

}  // namespace rig::checks
