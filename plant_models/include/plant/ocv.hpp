// Static characteristics: LFP open-circuit voltage, capacity and resistance factors; lead-acid OCV.
// Pure functions, no state, no allocation. Sources: research-notes §4.1–§4.4 (see README.md).
#pragma once

#include <span>

namespace plant {

struct OcvPoint {
  double soc;   // 0..1 (points outside 0..1 describe over-charge / over-discharge)
  double v;     // cell open-circuit voltage
};

// The LFP OCV curve of one cell: research-notes Table A (5..100 %), ends adjusted to the Victron anchors
// (2.80 V at 3 %, 2.60 V at 1 %), plus steep over-charge / over-discharge extensions (model only).
// Linear between points, clamped outside the first/last point.
std::span<const OcvPoint> lfp_ocv_points();
double lfp_ocv_v(double soc);
// Same, and the local slope dV/dSOC (V per unit SOC; 0 outside the table) in *slope_v.
double lfp_ocv_v_slope(double soc, double* slope_v);

// Capacity at temperature / capacity at 25 °C: 1.0 at >= 25 °C, 0.8 at 0 °C, 0.5 at -20 °C, linear, held below.
double lfp_capacity_factor(double temp_c);
// Resistance multiplier for R0/R1/R2: 1 at 25 °C, 2 at 0 °C, 4 at -20 °C, linear in 1/T (K), extrapolated.
double lfp_resistance_temp_factor(double temp_c);
// Resistance multiplier vs SOC: 1.5 at 0 %, 1 from 10 % to 95 %, 1.5 at 100 % (linear ramps, held outside).
double lfp_resistance_soc_factor(double soc);

// Flooded 12 V lead-acid OCV (research-notes §4.4 table), bilinear in SOC (0..1) and temperature
// (-17.8..48.9 °C), clamped to the table.
double lead_acid_ocv_v(double soc, double temp_c);
// R0 multiplier: 1 at 25 °C, 2 at -18 °C, linear in T, held outside [-18, 25].
double lead_acid_r0_factor(double temp_c);

}  // namespace plant
