// Flooded 12 V lead-acid starter battery (research-notes §4.4): OCV(SOC, T), R0(T), capacity, graded
// charge acceptance (charge resistance rising with SOC), surface charge (an RC in the charge path) and
// gassing above ~14.4 V (a parallel branch that does not charge); and the cranking load profile it feeds.
// Sign: current_a > 0 charges. Temperature = ambient (no thermal node). Copyable value type.
#pragma once

#include "plant/params.hpp"

namespace plant {

// The battery over one step as seen from its terminal, piecewise linear in the terminal voltage V
// (current into the battery, > 0 charging):
//   I(V) = (V - e_v) / r_discharge_ohm                         for V <= e_v
//          (V - e_v) / r_charge_ohm                            for V >  e_v
//        + max(0, V - gassing_v) / gassing_ohm                 (gassing branch)
struct StarterStepModel {
  double e_v = 12.6;
  double r_discharge_ohm = 4e-3;
  double r_charge_ohm = 4e-3;
  double gassing_v = 1e9;
  double gassing_ohm = 1.0;
};

class StarterBattery {
 public:
  StarterBattery() = default;
  explicit StarterBattery(const StarterBatteryParams& p);  // throws std::invalid_argument

  void set_soc(double soc);                 // 0..1 (at rest: clears the surface charge)
  void set_connected(bool c) { connected_ = c; }  // false: its terminal is off the node (e.g. load dump)
  bool connected() const { return connected_; }

  double ocv_v(double temp_c) const;        // rest OCV of the SOC (no surface charge)
  double r0_ohm(double temp_c) const;
  // The charge current the battery takes at acceptance_v (fresh surface): C/5 × (1 - SOC)/0.2, at least
  // float_current_a; +inf when the graded acceptance is off.
  double acceptance_current_a() const;
  double charge_resistance_ohm(double temp_c) const;   // r0 + the SOC-dependent acceptance resistance
  double gassing_v(double temp_c) const;
  double surface_v() const { return v_sc_; }
  StarterStepModel step_model(double temp_c, double dt_s) const;

  // Advances with the terminal current (> 0 charging) held over the step; the gassing part does not charge.
  void advance(double current_a, double terminal_v, double dt_s, double temp_c);

  double soc() const { return soc_; }
  double current_a() const { return current_a_; }
  double gassing_current_a() const { return gas_a_; }
  double voltage_v() const { return voltage_v_; }
  const StarterBatteryParams& params() const { return p_; }

 private:
  double charge_resistance_ohm(double r0, double ocv) const;   // the same from r0_ohm() and ocv_v() at hand

  StarterBatteryParams p_{};
  double soc_ = 0.9;
  bool connected_ = true;
  double v_sc_ = 0.0;                       // surface-charge voltage
  double current_a_ = 0.0, gas_a_ = 0.0, voltage_v_ = 12.6;
  mutable double cache_dt_s_ = -1.0, e_sc_ = 1.0, a_sc_ = 1.0;
};

// The starter motor's demand: inrush, then cranking; a current sink that falls off linearly below stall_v.
class Crank {
 public:
  void start(const CrankProfile& p);        // throws std::invalid_argument
  void stop() { active_ = false; }
  bool active() const { return active_; }
  double demand_a() const;                  // profile current now (0 when inactive)
  void advance(double dt_s);
  const CrankProfile& profile() const { return p_; }
 private:
  CrankProfile p_{};
  bool active_ = false;
  double t_s_ = 0.0;
};

}  // namespace plant
