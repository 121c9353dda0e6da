// Interval-set helpers over normalised sets (sorted, disjoint, non-adjacent, non-empty).
#include <algorithm>

#include "rig/expr.hpp"

namespace rig::expr {

namespace {
void push(IntervalSet& out, Time b, Time e) {
  if (e <= b) return;
  if (!out.empty() && out.back().end >= b) {
    out.back().end = std::max(out.back().end, e);
    return;
  }
  out.push_back({b, e});
}
}  // namespace

IntervalSet intersect(const IntervalSet& a, const IntervalSet& b) {
  IntervalSet out;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    push(out, std::max(a[i].begin, b[j].begin), std::min(a[i].end, b[j].end));
    if (a[i].end < b[j].end) ++i; else ++j;
  }
  return out;
}

IntervalSet complement(const IntervalSet& a, Interval within) {
  IntervalSet out;
  Time cur = within.begin;
  for (const auto& iv : a) {
    if (iv.end <= within.begin) continue;
    if (iv.begin >= within.end) break;
    push(out, cur, std::min(iv.begin, within.end));
    cur = std::max(cur, iv.end);
  }
  push(out, cur, within.end);
  return out;
}

IntervalSet clip(const IntervalSet& a, Interval within) { return intersect(a, IntervalSet{within}); }

Time total_duration(const IntervalSet& a) {
  Time sum{0};
  for (const auto& iv : a) sum += iv.duration();
  return sum;
}

}  // namespace rig::expr
