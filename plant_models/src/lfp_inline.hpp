// Internal: the hot-path characteristic functions, inline (used by ocv.cpp and cell.cpp).
#pragma once

#include <algorithm>
#include <array>

#include "plant/ocv.hpp"

namespace plant::detail {

// Research-notes §4.1 Table A (LibreSolar bms-firmware, 5 % steps) for 5..100 %, the Victron anchors
// (2.80 V ≈ 3 %, 2.60 V ≈ 1 %) at the low end, and model-only extensions beyond 0 % and 100 %:
// the over-charge knee is placed so that 3.55 V/cell (14.2 V) sits just above full and 3.75 V (the
// Smart battery's over-voltage threshold) is reached about 1 % above full.
inline constexpr std::array<OcvPoint, 31> kLfpOcv{{
    {-0.10, 0.000}, {-0.05, 2.000}, {0.00, 2.500}, {0.01, 2.600}, {0.03, 2.800},
    {0.05, 3.132}, {0.10, 3.177}, {0.15, 3.190}, {0.20, 3.213}, {0.25, 3.226}, {0.30, 3.240},
    {0.35, 3.252}, {0.40, 3.262}, {0.45, 3.264}, {0.50, 3.265}, {0.55, 3.268}, {0.60, 3.271},
    {0.65, 3.275}, {0.70, 3.283}, {0.75, 3.296}, {0.80, 3.304}, {0.85, 3.308}, {0.90, 3.309},
    {0.95, 3.314}, {1.00, 3.392},
    {1.005, 3.600}, {1.01, 3.800}, {1.02, 4.200}, {1.03, 4.500}, {1.04, 4.700}, {1.05, 4.800},
}};

// Uniform re-sampling on a 0.5 % grid: every breakpoint above is a multiple of 0.005, so linear
// interpolation on the grid reproduces the piecewise-linear curve exactly, with O(1) lookup.
inline constexpr double kGridLo = -0.10;
inline constexpr double kGridStep = 0.005;
inline constexpr int kGridN = 231;  // -0.10 .. 1.05

struct OcvGrid {
  std::array<double, kGridN> v{};
  constexpr OcvGrid() {
    std::size_t j = 0;
    for (int i = 0; i < kGridN; ++i) {
      const double s = kGridLo + kGridStep * i;
      while (j + 2 < kLfpOcv.size() && s > kLfpOcv[j + 1].soc + 1e-12) ++j;
      const auto& a = kLfpOcv[j];
      const auto& b = kLfpOcv[j + 1];
      const double t = std::clamp((s - a.soc) / (b.soc - a.soc), 0.0, 1.0);
      v[static_cast<std::size_t>(i)] = a.v + t * (b.v - a.v);
    }
  }
};
inline constexpr OcvGrid kOcvGrid{};

inline double ocv_slope(double soc, double* slope) {
  const auto& g = kOcvGrid.v;
  const double x = (soc - kGridLo) * (1.0 / kGridStep);
  if (!(x > 0.0)) { *slope = 0.0; return g[0]; }
  if (x >= kGridN - 1) { *slope = 0.0; return g[kGridN - 1]; }
  const auto i = static_cast<std::size_t>(x);
  const double f = x - static_cast<double>(i);
  const double d = g[i + 1] - g[i];
  *slope = d * (1.0 / kGridStep);
  return g[i] + f * d;
}

inline double ocv(double soc) {
  double s;
  return ocv_slope(soc, &s);
}

inline double capacity_factor(double temp_c) {
  if (temp_c >= 25.0) return 1.0;
  if (temp_c >= 0.0) return 0.8 + 0.2 * temp_c / 25.0;
  if (temp_c >= -20.0) return 0.5 + 0.3 * (temp_c + 20.0) / 20.0;
  return 0.5;
}

inline double resistance_temp_factor(double temp_c) {
  constexpr double kX25 = 1.0 / 298.15, kX0 = 1.0 / 273.15, kX20 = 1.0 / 253.15;
  if (temp_c == 25.0) return 1.0;
  const double x = 1.0 / (std::max(temp_c, -60.0) + 273.15);
  double f;
  if (x <= kX0) f = 1.0 + (x - kX25) * (1.0 / (kX0 - kX25));   // 25 °C ↔ 0 °C segment, extrapolated up
  else f = 2.0 + 2.0 * (x - kX0) * (1.0 / (kX20 - kX0));       // 0 °C ↔ -20 °C segment, extrapolated down
  return std::clamp(f, 0.5, 20.0);
}

inline double resistance_soc_factor(double soc) {
  if (soc < 0.10) return soc <= 0.0 ? 1.5 : 1.5 - 5.0 * soc;
  if (soc > 0.95) return soc >= 1.0 ? 1.5 : 1.0 + 10.0 * (soc - 0.95);
  return 1.0;
}

}  // namespace plant::detail
