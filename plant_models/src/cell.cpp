#include "plant/cell.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "cell_kernel.hpp"
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
  s_.soc = soc;
  s_.temp_c = temp_c;
  s_.capacity_scale = s_.r0_scale = 1.0;
  s_.inv_q_as = 1.0 / (3600.0 * p_.capacity_ah);
  refresh_terminal();
}

void LfpCell::set_capacity_scale(double s) {
  check_cell_value("capacity_scale", s, 1e-3, 10.0);
  s_.capacity_scale = s;
  s_.inv_q_as = 1.0 / (3600.0 * p_.capacity_ah * s);
  refresh_terminal();
}
void LfpCell::set_r0_scale(double s) {
  check_cell_value("r0_scale", s, 1e-3, 1000.0);
  s_.r0_scale = s;
  refresh_terminal();
}
void LfpCell::set_ocv_offset_v(double v) {
  check_cell_value("ocv_offset_v", v, -3.0, 3.0);
  s_.ocv_offset_v = v;
  refresh_terminal();
}
void LfpCell::set_soc(double soc) {
  check_cell_value("soc", soc, -0.10, 1.05);
  s_.soc = soc;
  s_.cold_u = 0.0;  // a cell set to a SOC is at rest
  refresh_terminal();
}
void LfpCell::set_temperature_c(double t) {
  check_cell_value("temperature_c", t, -60.0, 150.0);
  s_.temp_c = t;
  refresh_terminal();
}
void LfpCell::set_temperature_hold(bool hold) { s_.temp_hold = hold; }

void LfpCell::refresh_terminal() {
  detail::cache_state(p_, s_);
  s_.terminal_v = s_.s_ocv + s_.last_current_a * r0_ohm() + s_.v1 + s_.v2;
}

double LfpCell::ocv_v() const {
  // Looked up on the available SOC: at rest (and at >= 25 °C) it is the charge-based SOC, so a cold
  // cell keeps its OCV; under a cold discharge the available charge runs out first (two-well model).
  double v = detail::ocv(effective_soc()) + s_.ocv_offset_v;
  if (p_.hysteresis_v > 0.0) v += p_.hysteresis_v * s_.hyst * detail::hyst_weight(s_.soc);
  return v;
}

double LfpCell::r0_ohm() const {
  const double se = effective_soc();
  return p_.r0_ohm * s_.r0_scale * detail::resistance_temp_factor(s_.temp_c) * detail::resistance_soc_factor(se);
}
double LfpCell::r1_ohm() const {
  return p_.r1_ohm * detail::resistance_temp_factor(s_.temp_c) * detail::resistance_soc_factor(effective_soc());
}
double LfpCell::r2_ohm() const {
  return p_.r2_ohm * detail::resistance_temp_factor(s_.temp_c) * detail::resistance_soc_factor(effective_soc());
}

StepModel LfpCell::step_model(const CellStepFactors& f) const {
  const auto m = detail::step_model(p_, f, s_);
  return StepModel{m.e_v, m.r_ohm};
}

void LfpCell::advance(double current_a, const CellStepFactors& f, double ambient_c) {
  advance_state(current_a, f, ambient_c);
  finish_step();
}

void LfpCell::advance_state(double current_a, const CellStepFactors& f, double ambient_c) {
  detail::advance_state(p_, f, current_a, ambient_c, s_);
}

void LfpCell::finish_step() { detail::finish_step(p_, s_); }

}  // namespace plant
