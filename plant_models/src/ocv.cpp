#include "plant/ocv.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace plant {
namespace {

// Research-notes §4.1 Table A (LibreSolar bms-firmware, 5 % steps) for 5..100 %, the Victron anchors
// (2.80 V ≈ 3 %, 2.60 V ≈ 1 %) at the low end, and model-only extensions beyond 0 % and 100 %:
// the over-charge knee is placed so that 3.55 V/cell (14.2 V) sits just above full and 3.75 V (the
// Smart battery's over-voltage threshold) is reached about 1 % above full.
constexpr std::array<OcvPoint, 30> kLfpOcv{{
    {-0.05, 2.000}, {0.00, 2.500}, {0.01, 2.600}, {0.03, 2.800},
    {0.05, 3.132}, {0.10, 3.177}, {0.15, 3.190}, {0.20, 3.213}, {0.25, 3.226}, {0.30, 3.240},
    {0.35, 3.252}, {0.40, 3.262}, {0.45, 3.264}, {0.50, 3.265}, {0.55, 3.268}, {0.60, 3.271},
    {0.65, 3.275}, {0.70, 3.283}, {0.75, 3.296}, {0.80, 3.304}, {0.85, 3.308}, {0.90, 3.309},
    {0.95, 3.314}, {1.00, 3.392},
    {1.005, 3.600}, {1.01, 3.800}, {1.02, 4.200}, {1.03, 4.500}, {1.04, 4.700}, {1.05, 4.800},
}};

// Uniform re-sampling on a 0.5 % grid: every breakpoint above is a multiple of 0.005, so linear
// interpolation on the grid reproduces the piecewise-linear curve exactly, with O(1) lookup.
constexpr double kGridLo = -0.05;
constexpr double kGridStep = 0.005;
constexpr int kGridN = 221;  // -0.05 .. 1.05

struct Grid {
  std::array<double, kGridN> v{};
  Grid() {
    std::size_t j = 0;
    for (int i = 0; i < kGridN; ++i) {
      const double s = kGridLo + kGridStep * i;
      while (j + 2 < kLfpOcv.size() && s > kLfpOcv[j + 1].soc + 1e-12) ++j;
      const auto& a = kLfpOcv[j];
      const auto& b = kLfpOcv[j + 1];
      const double t = std::clamp((s - a.soc) / (b.soc - a.soc), 0.0, 1.0);
      v[i] = a.v + t * (b.v - a.v);
    }
  }
};
const Grid& grid() {
  static const Grid g;
  return g;
}

}  // namespace

std::span<const OcvPoint> lfp_ocv_points() { return {kLfpOcv.data(), kLfpOcv.size()}; }

double lfp_ocv_v(double soc) {
  const auto& g = grid().v;
  double x = (soc - kGridLo) * (1.0 / kGridStep);
  if (!(x > 0.0)) return g[0];
  if (x >= kGridN - 1) return g[kGridN - 1];
  const int i = static_cast<int>(x);
  const double f = x - i;
  return g[i] + f * (g[i + 1] - g[i]);
}

// Used by the cell model: value and slope dV/dSOC in one lookup.
double lfp_ocv_v_slope(double soc, double* slope) {
  const auto& g = grid().v;
  double x = (soc - kGridLo) * (1.0 / kGridStep);
  if (!(x > 0.0)) { *slope = 0.0; return g[0]; }
  if (x >= kGridN - 1) { *slope = 0.0; return g[kGridN - 1]; }
  const int i = static_cast<int>(x);
  const double f = x - i;
  const double d = g[i + 1] - g[i];
  *slope = d * (1.0 / kGridStep);
  return g[i] + f * d;
}

double lfp_capacity_factor(double temp_c) {
  if (temp_c >= 25.0) return 1.0;
  if (temp_c >= 0.0) return 0.8 + 0.2 * temp_c / 25.0;
  if (temp_c >= -20.0) return 0.5 + 0.3 * (temp_c + 20.0) / 20.0;
  return 0.5;
}

double lfp_resistance_temp_factor(double temp_c) {
  constexpr double kX25 = 1.0 / 298.15, kX0 = 1.0 / 273.15, kX20 = 1.0 / 253.15;
  const double x = 1.0 / (std::max(temp_c, -60.0) + 273.15);
  double f;
  if (x <= kX0) f = 1.0 + (x - kX25) * (1.0 / (kX0 - kX25));         // 25 °C ↔ 0 °C segment, extrapolated up
  else f = 2.0 + 2.0 * (x - kX0) * (1.0 / (kX20 - kX0));             // 0 °C ↔ -20 °C segment, extrapolated down
  return std::clamp(f, 0.5, 20.0);
}

double lfp_resistance_soc_factor(double soc) {
  if (soc < 0.10) return soc <= 0.0 ? 1.5 : 1.5 - 5.0 * soc;
  if (soc > 0.95) return soc >= 1.0 ? 1.5 : 1.0 + 10.0 * (soc - 0.95);
  return 1.0;
}

namespace {
constexpr std::array<double, 5> kLaTemp{-17.8, -1.1, 10.0, 26.7, 48.9};
constexpr std::array<double, 5> kLaSoc{0.0, 0.25, 0.5, 0.75, 1.0};
// rows: temperature (ascending), columns: SOC (ascending). Research-notes §4.4 (flooded).
constexpr double kLaOcv[5][5] = {
    {11.756, 11.926, 12.106, 12.316, 12.516},
    {11.828, 11.998, 12.178, 12.388, 12.588},
    {11.862, 12.032, 12.212, 12.422, 12.622},
    {11.890, 12.060, 12.240, 12.450, 12.650},
    {11.903, 12.073, 12.253, 12.463, 12.663},
};
void locate(const std::array<double, 5>& xs, double x, int* i, double* f) {
  if (x <= xs[0]) { *i = 0; *f = 0.0; return; }
  if (x >= xs[4]) { *i = 3; *f = 1.0; return; }
  int k = 0;
  while (x > xs[k + 1]) ++k;
  *i = k;
  *f = (x - xs[k]) / (xs[k + 1] - xs[k]);
}
}  // namespace

double lead_acid_ocv_v(double soc, double temp_c) {
  int it, is;
  double ft, fs;
  locate(kLaTemp, temp_c, &it, &ft);
  locate(kLaSoc, soc, &is, &fs);
  const double a = kLaOcv[it][is] + fs * (kLaOcv[it][is + 1] - kLaOcv[it][is]);
  const double b = kLaOcv[it + 1][is] + fs * (kLaOcv[it + 1][is + 1] - kLaOcv[it + 1][is]);
  return a + ft * (b - a);
}

double lead_acid_r0_factor(double temp_c) {
  const double t = std::clamp(temp_c, -18.0, 25.0);
  return 1.0 + (25.0 - t) / 43.0;
}

}  // namespace plant
