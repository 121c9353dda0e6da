#include "plant/ocv.hpp"

#include "lfp_inline.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace plant {
std::span<const OcvPoint> lfp_ocv_points() { return {detail::kLfpOcv.data(), detail::kLfpOcv.size()}; }
double lfp_ocv_v(double soc) { return detail::ocv(soc); }
double lfp_ocv_v_slope(double soc, double* slope) { return detail::ocv_slope(soc, slope); }
double lfp_capacity_factor(double temp_c) { return detail::capacity_factor(temp_c); }
double lfp_resistance_temp_factor(double temp_c) { return detail::resistance_temp_factor(temp_c); }
double lfp_resistance_soc_factor(double soc) { return detail::resistance_soc_factor(soc); }

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
