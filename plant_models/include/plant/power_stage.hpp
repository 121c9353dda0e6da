// The BMS power stage between the alternator port and the Li port, commanded by the firmware
// (path on/off, current limit): back-to-back MOSFETs with on-resistance that conduct both ways while
// switched on (reverse_conduction), an analogue current-limit loop with gain and offset error that follows
// the command first-order (τ = limit_tau_s; off is immediate) and winds up while the current is below the
// limit (overshoot on a current step), a heatsink thermal node with P = I·ΔV and a junction node whose
// excursion beyond junction_max_c fails the stage short (safe operating area).
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
  // The forward current the stage passes at most now: loop limit × (1 + gain_error) + offset + wind-up.
  double effective_limit_a() const;
  double windup_a() const { return windup_a_; }
  // Conducts between its ports now (switched on with a limit > 0, or failed short).
  bool conducting() const { return failed_ || (path_on_ && effective_limit_a() > 0.0); }
  bool failed() const { return failed_; }          // SOA exceeded: shorted (latched until repair())
  void fail() { failed_ = true; }                  // fault API
  void repair() { failed_ = false; junction_c_ = temp_c_; }

  // Advances the limit loop, the heatsink and the junction with the solved current and voltage drop of the
  // step. Wind-up grows while the current is below the nominal limit and is pulled back (limit_tau_s) once
  // the current reaches it, so it only ever lets a transient through.
  void advance(double current_a, double drop_v, double dt_s, double ambient_c);

  double current_a() const { return current_a_; }
  double drop_v() const { return drop_v_; }
  double heatsink_temperature_c() const { return temp_c_; }
  void set_heatsink_temperature_c(double t);         // scenario set point: the thermal node's state (-40..200 °C)
  double junction_temperature_c() const { return junction_c_; }
  double power_w() const { return current_a_ * drop_v_; }
  const PowerStageParams& params() const { return p_; }

 private:
  PowerStageParams p_{};
  bool path_on_ = false;
  bool failed_ = false;
  double cmd_limit_a_ = 0.0, limit_a_ = 0.0, windup_a_ = 0.0;
  double temp_c_ = 25.0, junction_c_ = 25.0;
  double current_a_ = 0.0, drop_v_ = 0.0;
  double cache_dt_s_ = -1.0, e_lim_ = 1.0, e_th_ = 1.0, e_wu_ = 1.0, e_j_ = 1.0;
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
