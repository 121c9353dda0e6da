// The BMS power stage between the alternator port and the Li port, commanded by the firmware
// (path on/off, current limit): ideal diode (never reverse), on-resistance, a current limit that follows
// the command first-order (τ = limit_tau_s; off is immediate), heatsink thermal node with P = I·ΔV.
// Also the in-line fuse (I² time-current model, blows and stays open). Copyable value types.
#pragma once

#include "plant/params.hpp"

namespace plant {

class PowerStage {
 public:
  PowerStage() = default;
  PowerStage(const PowerStageParams& p, double temp_c);  // throws std::invalid_argument

  void set_command(bool path_on, double limit_a);   // limit_a clamped to [0, max_limit_a]
  bool path_on() const { return path_on_; }
  double command_limit_a() const { return cmd_limit_a_; }
  double effective_limit_a() const { return limit_a_; }   // the analogue loop's present limit

  // Advances the limit loop and the heatsink with the solved current and voltage drop of the step.
  void advance(double current_a, double drop_v, double dt_s, double ambient_c);

  double current_a() const { return current_a_; }
  double drop_v() const { return drop_v_; }
  double heatsink_temperature_c() const { return temp_c_; }
  void set_heatsink_temperature_c(double t);         // scenario set point: the thermal node's state (-40..200 °C)
  double power_w() const { return current_a_ * drop_v_; }
  const PowerStageParams& params() const { return p_; }

 private:
  PowerStageParams p_{};
  bool path_on_ = false;
  double cmd_limit_a_ = 0.0, limit_a_ = 0.0;
  double temp_c_ = 25.0;
  double current_a_ = 0.0, drop_v_ = 0.0;
  double cache_dt_s_ = -1.0, e_lim_ = 1.0, e_th_ = 1.0;
};

class Fuse {
 public:
  Fuse() = default;
  explicit Fuse(const FuseParams& p);       // throws std::invalid_argument
  void advance(double current_a, double dt_s);
  void blow() { blown_ = true; }            // fault API
  void replace() { blown_ = false; heat_ = 0.0; }
  bool blown() const { return blown_; }
  double heat() const { return heat_; }     // filtered (I / I_n)²; blows at blow_multiple²
  const FuseParams& params() const { return p_; }
 private:
  FuseParams p_{};
  bool blown_ = false;
  double heat_ = 0.0;
  double cache_dt_s_ = -1.0, e_ = 1.0;
};

}  // namespace plant
