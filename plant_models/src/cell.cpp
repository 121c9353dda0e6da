#include "plant/cell.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "lfp_inline.hpp"
#include "plant/ocv.hpp"

namespace plant {
namespace {
double avg_factor(double tau_s, double dt_s, double e) {
  // (τ/dt)(1 - e^{-dt/τ}); for dt << τ use the series to avoid cancellation.
  const double x = dt_s / tau_s;
  if (x < 1e-4) return 1.0 - 0.5 * x + x * x / 6.0;
  return (1.0 - e) / x;
}
void check_cell_value(const char* name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) {
    std::ostringstream os;
    os << "plant: LfpCell." << name << " = " << v << " is outside [" << lo << ", " << hi << "]";
    throw std::invalid_argument(os.str());
  }
}
// Hysteresis acts on the plateau: full weight in 25..85 % SOC, tapering linearly to 0 at 20 % and 90 %.
inline double hyst_weight(double soc) {
  if (soc <= 0.20 || soc >= 0.90) return 0.0;
  if (soc < 0.25) return (soc - 0.20) * 20.0;
  if (soc > 0.85) return (0.90 - soc) * 20.0;
  return 1.0;
}
}  // namespace

CellStepFactors CellStepFactors::make(const CellParams& p, double dt_s) {
  CellStepFactors f;
  f.dt_s = dt_s;
  f.e1 = std::exp(-dt_s / p.tau1_s);
  f.e2 = std::exp(-dt_s / p.tau2_s);
  f.a1 = avg_factor(p.tau1_s, dt_s, f.e1);
  f.a2 = avg_factor(p.tau2_s, dt_s, f.e2);
  f.e_th = std::exp(-dt_s / (p.heat_capacity_j_per_k * p.thermal_resistance_k_per_w));
  f.e_cold = std::exp(-dt_s / p.cold_recovery_tau_s);
  return f;
}

LfpCell::LfpCell(const CellParams& p, double soc, double temp_c) : p_(p) {
  p.validate();
  check_cell_value("soc", soc, -0.10, 1.05);
  check_cell_value("temperature_c", temp_c, -60.0, 150.0);
  soc_ = soc;
  temp_c_ = temp_c;
  inv_q_as_ = 1.0 / (3600.0 * p_.capacity_ah);
  refresh_terminal();
}

void LfpCell::set_capacity_scale(double s) {
  check_cell_value("capacity_scale", s, 1e-3, 10.0);
  capacity_scale_ = s;
  inv_q_as_ = 1.0 / (3600.0 * p_.capacity_ah * s);
  refresh_terminal();
}
void LfpCell::set_r0_scale(double s) {
  check_cell_value("r0_scale", s, 1e-3, 1000.0);
  r0_scale_ = s;
  refresh_terminal();
}
void LfpCell::set_ocv_offset_v(double v) {
  check_cell_value("ocv_offset_v", v, -3.0, 3.0);
  ocv_offset_v_ = v;
  refresh_terminal();
}
void LfpCell::set_soc(double soc) {
  check_cell_value("soc", soc, -0.10, 1.05);
  soc_ = soc;
  cold_u_ = 0.0;  // a cell set to a SOC is at rest
  refresh_terminal();
}
void LfpCell::set_temperature_c(double t) {
  check_cell_value("temperature_c", t, -60.0, 150.0);
  temp_c_ = t;
  refresh_terminal();
}
void LfpCell::set_temperature_hold(bool hold) { temp_hold_ = hold; }

// Inlined: it runs once per cell per plant step (finish_step) and after every setter.
[[gnu::always_inline]] inline void LfpCell::cache_state() {
  const double se = soc_ - cold_u_;
  double ocv = detail::ocv_slope(se, &s_slope_) + ocv_offset_v_;
  if (p_.hysteresis_v > 0.0) ocv += p_.hysteresis_v * hyst_ * hyst_weight(soc_);
  s_ocv_ = ocv;
  s_k_ = detail::resistance_temp_factor(temp_c_) * detail::resistance_soc_factor(se);
  s_kt_ = detail::capacity_factor(temp_c_);
}

void LfpCell::refresh_terminal() {
  cache_state();
  terminal_v_ = s_ocv_ + last_current_a_ * r0_ohm() + v1_ + v2_;
}

double LfpCell::ocv_v() const {
  // Looked up on the available SOC: at rest (and at >= 25 °C) it is the charge-based SOC, so a cold
  // cell keeps its OCV; under a cold discharge the available charge runs out first (two-well model).
  double v = detail::ocv(effective_soc()) + ocv_offset_v_;
  if (p_.hysteresis_v > 0.0) v += p_.hysteresis_v * hyst_ * hyst_weight(soc_);
  return v;
}

double LfpCell::r0_ohm() const {
  const double se = effective_soc();
  return p_.r0_ohm * r0_scale_ * detail::resistance_temp_factor(temp_c_) * detail::resistance_soc_factor(se);
}
double LfpCell::r1_ohm() const {
  return p_.r1_ohm * detail::resistance_temp_factor(temp_c_) * detail::resistance_soc_factor(effective_soc());
}
double LfpCell::r2_ohm() const {
  return p_.r2_ohm * detail::resistance_temp_factor(temp_c_) * detail::resistance_soc_factor(effective_soc());
}

StepModel LfpCell::step_model(const CellStepFactors& f) const {
  const double k = s_k_, kt = s_kt_;
  // The OCV moves during the step: its average is OCV + slope·ΔSOC_avail/2, ΔSOC_avail ≈ I·dt / (3600·Q·kt)
  // (the available well alone carries the current; its slow refill is neglected within a step).
  double ocv_r = 0.5 * s_slope_ * f.dt_s * inv_q_as_;
  if (kt < 1.0) ocv_r /= kt;
  StepModel m;
  m.e_v = s_ocv_ + f.a1 * v1_ + f.a2 * v2_;
  m.r_ohm = p_.r0_ohm * r0_scale_ * k + p_.r1_ohm * k * (1.0 - f.a1) + p_.r2_ohm * k * (1.0 - f.a2) + ocv_r;
  return m;
}

void LfpCell::advance(double current_a, const CellStepFactors& f, double ambient_c) {
  advance_state(current_a, f, ambient_c);
  finish_step();
}

void LfpCell::advance_state(double current_a, const CellStepFactors& f, double ambient_c) {
  const double k = s_k_, kt = s_kt_;
  const double r0 = p_.r0_ohm * r0_scale_ * k, r1 = p_.r1_ohm * k, r2 = p_.r2_ohm * k;
  const double dt = f.dt_s;
  // Heat: ohmic R0 plus the RC resistors (v²/R averaged over the step by the trapezoid rule).
  const double v1_0 = v1_, v2_0 = v2_;
  v1_ = v1_ * f.e1 + r1 * current_a * (1.0 - f.e1);
  v2_ = v2_ * f.e2 + r2 * current_a * (1.0 - f.e2);
  double heat = current_a * current_a * r0;
  if (r1 > 0.0 && r2 > 0.0) {
    heat += 0.5 * ((v1_0 * v1_0 + v1_ * v1_) * r2 + (v2_0 * v2_0 + v2_ * v2_) * r1) / (r1 * r2);
  } else {
    if (r1 > 0.0) heat += 0.5 * (v1_0 * v1_0 + v1_ * v1_) / r1;
    if (r2 > 0.0) heat += 0.5 * (v2_0 * v2_0 + v2_ * v2_) / r2;
  }
  last_heat_w_ = heat;
  soc_ += current_a * dt * inv_q_as_;
  // Two-well cold capacity: u' = -u/τ - I·(1 - k)/(Q·k), exact for I held over the step.
  const double u_ss = kt < 1.0 ? -current_a * inv_q_as_ * p_.cold_recovery_tau_s * (1.0 - kt) / kt : 0.0;
  cold_u_ = u_ss + (cold_u_ - u_ss) * f.e_cold;
  if (p_.hysteresis_v > 0.0 && current_a != 0.0) {
    const double target = current_a > 0.0 ? 1.0 : -1.0;
    const double step = std::min(1.0, std::fabs(current_a) * dt / (3600.0 * p_.hysteresis_charge_ah));
    hyst_ += (target - hyst_) * step;
  }
  if (!temp_hold_) {
    const double rise = heat * p_.thermal_resistance_k_per_w;
    temp_c_ = ambient_c + rise + (temp_c_ - ambient_c - rise) * f.e_th;
  }
  last_current_a_ = current_a;
  step_r0_ = r0;
}

void LfpCell::finish_step() {
  cache_state();
  terminal_v_ = s_ocv_ + last_current_a_ * step_r0_ + v1_ + v2_;
}

}  // namespace plant
