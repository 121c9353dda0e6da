// Internal: the LFP cell's step, written once over the lane type (plant/cell_lanes.hpp). LfpCell runs it on one
// cell, Battery on its four cells two at a time; lfp_inline.hpp has the characteristic functions it calls.
#pragma once

#include <type_traits>

#include "lfp_inline.hpp"
#include "plant/cell.hpp"
#include "plant/cell_lanes.hpp"

namespace plant::detail {

template <class V> struct StepModelLanes {
  V e_v, r_ohm;
};

// Hysteresis acts on the plateau: full weight in 25..85 % SOC, tapering linearly to 0 at 20 % and 90 %.
inline double hyst_weight(double soc) {
  if (soc <= 0.20 || soc >= 0.90) return 0.0;
  if (soc < 0.25) return (soc - 0.20) * 20.0;
  if (soc > 0.85) return (0.90 - soc) * 20.0;
  return 1.0;
}

// What a cell's state gives for the next step: the rest OCV (offset and hysteresis included), its slope
// dOCV/dSOC, the resistance factor k(T, SOC) and the capacity factor k(T). One cell at a time, also for lanes:
// it is a table lookup and branches, which scalar code does faster than selects over every branch.
struct StateCache {
  double ocv, slope, k, kt;
};
inline StateCache state_cache(const CellParams& p, double soc, double cold_u, double temp_c, double hyst,
                              double ocv_offset_v) {
  const double se = soc - cold_u;   // the available SOC: OCV and resistance are looked up on it
  StateCache c;
  double ocv = ocv_slope(se, &c.slope) + ocv_offset_v;
  if (p.hysteresis_v > 0.0) ocv += p.hysteresis_v * hyst * hyst_weight(soc);
  c.ocv = ocv;
  c.k = resistance_temp_factor(temp_c) * resistance_soc_factor(se);
  c.kt = capacity_factor(temp_c);
  return c;
}

// The cache of one cell from its state (the setters' refresh and the one-lane finish).
[[gnu::always_inline]] inline void cache_state(const CellParams& p, lanes::CellState<double>& s) {
  const auto c = state_cache(p, s.soc, s.cold_u, s.temp_c, s.hyst, s.ocv_offset_v);
  s.s_ocv = c.ocv;
  s.s_slope = c.slope;
  s.s_k = c.k;
  s.s_kt = c.kt;
}

// Step-averaged Thevenin equivalent for the coming step: V_avg = e_v + I·r_ohm.
template <class V>
[[gnu::always_inline]] inline StepModelLanes<V> step_model(const CellParams& p, const CellStepFactors& f,
                                                           const lanes::CellState<V>& s) {
  const V k = s.s_k, kt = s.s_kt;
  // The OCV moves during the step: its average is OCV + slope·ΔSOC_avail/2, ΔSOC_avail ≈ I·dt / (3600·Q·kt)
  // (the available well alone carries the current; its slow refill is neglected within a step).
  V ocv_r = 0.5 * s.s_slope * f.dt_s * s.inv_q_as;
  const auto cold = kt < 1.0;
  if (!lanes::none_of(cold)) ocv_r = lanes::select(cold, ocv_r / kt, ocv_r);   // no division when all are warm
  StepModelLanes<V> m;
  m.e_v = s.s_ocv + f.a1 * s.v1 + f.a2 * s.v2;
  m.r_ohm = p.r0_ohm * s.r0_scale * k + p.r1_ohm * k * (1.0 - f.a1) + p.r2_ohm * k * (1.0 - f.a2) + ocv_r;
  return m;
}

// The state after f.dt_s with current_a held (> 0 charging) and the ambient at ambient_c.
template <class V>
[[gnu::always_inline]] inline void advance_state(const CellParams& p, const CellStepFactors& f, V current_a,
                                                 double ambient_c, lanes::CellState<V>& s) {
  using lanes::select;
  const V k = s.s_k, kt = s.s_kt;
  const V r0 = p.r0_ohm * s.r0_scale * k, r1 = p.r1_ohm * k, r2 = p.r2_ohm * k;
  const double dt = f.dt_s;
  // Heat: ohmic R0 plus the RC resistors (v²/R averaged over the step by the trapezoid rule).
  const V v1_0 = s.v1, v2_0 = s.v2;
  s.v1 = s.v1 * f.e1 + r1 * current_a * (1.0 - f.e1);
  s.v2 = s.v2 * f.e2 + r2 * current_a * (1.0 - f.e2);
  V heat = current_a * current_a * r0;
  const auto r1_on = r1 > 0.0, r2_on = r2 > 0.0, both = lanes::mask_and(r1_on, r2_on);
  const V heat_both = heat + 0.5 * ((v1_0 * v1_0 + s.v1 * s.v1) * r2 + (v2_0 * v2_0 + s.v2 * s.v2) * r1) / (r1 * r2);
  if (lanes::all_of(both)) {
    heat = heat_both;
  } else {
    const V h1 = select(r1_on, heat + 0.5 * (v1_0 * v1_0 + s.v1 * s.v1) / r1, heat);
    const V h2 = select(r2_on, h1 + 0.5 * (v2_0 * v2_0 + s.v2 * s.v2) / r2, h1);
    heat = select(both, heat_both, h2);
  }
  s.last_heat_w = heat;
  s.soc += current_a * dt * s.inv_q_as;
  // Two-well cold capacity: u' = -u/τ - I·(1 - k)/(Q·k), exact for I held over the step.
  const auto cold = kt < 1.0;
  const V u_ss = lanes::none_of(cold) ? lanes::splat<V>(0.0)   // no division when all are warm
                                      : select(cold, -current_a * s.inv_q_as * p.cold_recovery_tau_s * (1.0 - kt) / kt,
                                               lanes::splat<V>(0.0));
  s.cold_u = u_ss + (s.cold_u - u_ss) * f.e_cold;
  if (p.hysteresis_v > 0.0) {
    const V target = select(current_a > 0.0, lanes::splat<V>(1.0), lanes::splat<V>(-1.0));
    const V x = lanes::abs(current_a) * dt / (3600.0 * p.hysteresis_charge_ah);
    const V step = select(x < 1.0, x, lanes::splat<V>(1.0));   // std::min(1.0, x)
    s.hyst = select(current_a != 0.0, s.hyst + (target - s.hyst) * step, s.hyst);
  }
  const V rise = heat * p.thermal_resistance_k_per_w;
  s.temp_c = select(s.temp_hold, s.temp_c, ambient_c + rise + (s.temp_c - ambient_c - rise) * f.e_th);
  s.last_current_a = current_a;
  s.step_r0 = r0;
}

// The cache and the terminal voltage from the new state (the resistance of the step's start). Lane by lane:
// the cache is written one lane at a time, and a vector read of it right after would wait for the stores.
template <class V> [[gnu::always_inline]] inline void finish_step(const CellParams& p, lanes::CellState<V>& s) {
  if constexpr (std::is_same_v<V, double>) {
    cache_state(p, s);
    s.terminal_v = s.s_ocv + s.last_current_a * s.step_r0 + s.v1 + s.v2;
  } else {
    for (int i = 0; i < lanes::kLanes; ++i) {
      const auto c = state_cache(p, s.soc[i], s.cold_u[i], s.temp_c[i], s.hyst[i], s.ocv_offset_v[i]);
      s.s_ocv[i] = c.ocv;
      s.s_slope[i] = c.slope;
      s.s_k[i] = c.k;
      s.s_kt[i] = c.kt;
      s.terminal_v[i] = c.ocv + s.last_current_a[i] * s.step_r0[i] + s.v1[i] + s.v2[i];
    }
  }
}

}  // namespace plant::detail
