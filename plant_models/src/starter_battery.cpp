#include "plant/starter_battery.hpp"

#include <algorithm>
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
}

double StarterBattery::ocv_v(double temp_c) const { return lead_acid_ocv_v(soc_, temp_c); }
double StarterBattery::r0_ohm(double temp_c) const { return p_.r0_ohm * lead_acid_r0_factor(temp_c); }
double StarterBattery::charge_limit_a() const {
  if (!p_.limit_charge_acceptance) return std::numeric_limits<double>::infinity();
  return std::max(0.0, p_.capacity_ah / 5.0 * (1.0 - soc_) / 0.2);
}

void StarterBattery::advance(double current_a, double terminal_v, double dt_s) {
  current_a_ = current_a;
  voltage_v_ = terminal_v;
  soc_ += current_a * dt_s / (3600.0 * p_.capacity_ah);
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
