#include "rig/uncertainty.hpp"

#include <algorithm>
#include <cmath>

namespace rig::checks {
namespace {

// Seconds per unit of a time unit; 0 for a value unit.
double time_unit_s(const std::string& unit) {
  if (unit == "s") return 1.0;
  if (unit == "ms") return 1e-3;
  if (unit == "us") return 1e-6;
  if (unit == "min") return 60.0;
  return 0.0;
}

}  // namespace

bool within_uncertainty(double margin, double uncertainty) {
  return uncertainty > 0.0 && margin >= -uncertainty && margin < uncertainty;
}

void apply_uncertainty(CheckResult& r, const AccuracyFn& accuracy) {
  if (r.verdict == Verdict::kError || !r.margin) return;
  const double per_s = time_unit_s(r.measured_unit);
  std::vector<std::pair<double, std::string>> parts;  // (uncertainty in measured_unit, basis)
  for (const auto& name : r.signals) {
    const auto a = accuracy(name);
    if (!a) continue;
    double u = 0.0;
    if (per_s > 0.0) u = a->accuracy.time_s / per_s;
    else if (a->unit == r.measured_unit) u = a->accuracy.value;
    if (u > 0.0) parts.emplace_back(u, name + ": " + a->accuracy.basis);
  }
  std::sort(parts.begin(), parts.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  // A lead is a difference of two instants: each end carries its own uncertainty.
  const std::size_t n = r.kind == "lead" ? std::min<std::size_t>(2, parts.size()) : std::min<std::size_t>(1, parts.size());
  double u = 0.0;
  std::string basis;
  for (std::size_t i = 0; i < n; ++i) {
    u += parts[i].first;
    basis += (basis.empty() ? "" : " + ") + parts[i].second;
  }
  r.uncertainty = u;
  r.uncertainty_basis = basis.empty() ? "exact (firmware outputs and samples, at its ticks)" : basis;
  if ((r.verdict == Verdict::kPass || r.verdict == Verdict::kFail) && within_uncertainty(*r.margin, u)) {
    r.verdict = Verdict::kInconclusive;
    r.message = "inconclusive: margin " + format_value(*r.margin, r.measured_unit) + " is within the uncertainty ±" +
                format_value(u, r.measured_unit) + " (" + r.uncertainty_basis + "); " + r.message;
  }
}

void apply_uncertainty(std::vector<CheckResult>& results, const AccuracyFn& accuracy) {
  for (auto& r : results) apply_uncertainty(r, accuracy);
}

}  // namespace rig::checks
