#include "plant/starter_battery.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "plant/ocv.hpp"

namespace plant {

StarterBattery::StarterBattery(const StarterBatteryParams& p) : p_(p) {
  p.validate();
  soc_ = p.initial_soc;
  voltage_v_ = lead_acid_ocv_v(soc_, 25.0);
}

void StarterBattery::set_soc(double soc) {
  if (!(soc >= 0.0 && soc <= 1.0)) {
    std::ostringstream os;
    os << "plant: StarterBattery.soc = " << soc << " is outside [0, 1]";
    throw std::invalid_argument(os.str());
  }
  soc_ = soc;
  v_sc_ = 0.0;
}

double StarterBattery::ocv_v(double temp_c) const { return lead_acid_ocv_v(soc_, temp_c); }
double StarterBattery::r0_ohm(double temp_c) const { return p_.r0_ohm * lead_acid_r0_factor(temp_c); }
double StarterBattery::acceptance_current_a() const {
  if (!p_.limit_charge_acceptance) return std::numeric_limits<double>::infinity();
  return std::max(p_.float_current_a, p_.capacity_ah / 5.0 * (1.0 - soc_) / 0.2);
}
double StarterBattery::charge_resistance_ohm(double temp_c) const {
  const double r0 = r0_ohm(temp_c);
  return p_.limit_charge_acceptance ? charge_resistance_ohm(r0, ocv_v(temp_c)) : r0;
}
double StarterBattery::charge_resistance_ohm(double r0, double ocv) const {
  if (!p_.limit_charge_acceptance) return r0;
  // At acceptance_v with a fresh surface the current is acceptance_current_a().
  return std::max(r0, (p_.acceptance_v - ocv) / acceptance_current_a());
}
double StarterBattery::gassing_v(double temp_c) const {
  return p_.gassing_v + p_.gassing_temp_v_per_c * (temp_c - 25.0);
}

StarterStepModel StarterBattery::step_model(double temp_c, double dt_s) const {
  if (dt_s != cache_dt_s_) {
    cache_dt_s_ = dt_s;
    const double x = dt_s / p_.surface_tau_s;
    e_sc_ = std::exp(-x);
    a_sc_ = x < 1e-4 ? 1.0 - 0.5 * x + x * x / 6.0 : (1.0 - e_sc_) / x;
  }
  // The surface RC only carries charge current (it is the charge path's diffusion layer): its step
  // average enters the source, its resistance the charge branch.
  StarterStepModel m;
  const double ocv = ocv_v(temp_c), r0 = r0_ohm(temp_c);   // each once per step
  m.e_v = ocv + a_sc_ * v_sc_;
  m.r_discharge_ohm = r0;
  m.r_charge_ohm = charge_resistance_ohm(r0, ocv) + p_.surface_ohm * (1.0 - a_sc_);
  m.gassing_v = gassing_v(temp_c);
  m.gassing_ohm = p_.gassing_ohm;
  return m;
}

void StarterBattery::advance(double current_a, double terminal_v, double dt_s, double temp_c) {
  if (dt_s != cache_dt_s_) (void)step_model(temp_c, dt_s);
  current_a_ = current_a;
  voltage_v_ = terminal_v;
  gas_a_ = std::max(0.0, terminal_v - gassing_v(temp_c)) / p_.gassing_ohm;
  if (gas_a_ > std::max(0.0, current_a)) gas_a_ = std::max(0.0, current_a);
  const double i_charge = current_a - gas_a_;
  // Surface charge builds with the charge current and decays at rest (and while discharging).
  const double target = p_.surface_ohm * std::max(0.0, i_charge);
  v_sc_ = target + (v_sc_ - target) * e_sc_;
  soc_ += i_charge * dt_s / (3600.0 * p_.capacity_ah);
}

void Crank::start(const CrankProfile& p) {
  p.validate();
  p_ = p;
  active_ = true;
  t_s_ = 0.0;
}

double Crank::demand_a() const {
  if (!active_) return 0.0;
  return t_s_ + 1e-9 < p_.inrush_s ? p_.inrush_a : p_.crank_a;
}

void Crank::advance(double dt_s) {
  if (!active_) return;
  t_s_ += dt_s;
  if (t_s_ + 1e-9 >= p_.inrush_s + p_.crank_s) active_ = false;
}

}  // namespace plant
