// Flooded 12 V lead-acid starter battery (research-notes §4.4): OCV(SOC, T), R0(T), capacity,
// charge-acceptance limit, and the cranking load profile it feeds. Sign: current_a > 0 charges.
// Temperature = ambient (no thermal node). Copyable value type.
#pragma once

#include "plant/params.hpp"

namespace plant {

class StarterBattery {
 public:
  StarterBattery() = default;
  explicit StarterBattery(const StarterBatteryParams& p);  // throws std::invalid_argument

  void set_soc(double soc);                 // 0..1
  void set_connected(bool c) { connected_ = c; }  // false: its terminal is off the node (e.g. load dump)
  bool connected() const { return connected_; }

  // Network view: current into the battery = clamp((V - ocv) / r0, -inf, charge_limit_a).
  double ocv_v(double temp_c) const;
  double r0_ohm(double temp_c) const;
  double charge_limit_a() const;            // +inf when the limit is off

  void advance(double current_a, double terminal_v, double dt_s);

  double soc() const { return soc_; }
  double current_a() const { return current_a_; }
  double voltage_v() const { return voltage_v_; }
  const StarterBatteryParams& params() const { return p_; }

 private:
  StarterBatteryParams p_{};
  double soc_ = 0.9;
  bool connected_ = true;
  double current_a_ = 0.0, voltage_v_ = 12.6;
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
