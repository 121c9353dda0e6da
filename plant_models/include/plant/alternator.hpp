// 12 V automotive alternator (research-notes §4.5): EMF = regulator voltage (set point with temperature
// slope, first-order response), series droop resistance, rectifier (no reverse current), current ceiling
// I_rated · f(n_alt) · g(T); first-order thermal node; faults: regulator failure, load dump, belt slip.
// Depth: terminal behaviour (no field/stator dynamics). Copyable value type.
#pragma once

#include <optional>

#include "plant/params.hpp"

namespace plant {

// Normalised available current f(n_alt) (research-notes §4.5 table), linear between points, 0 below cut-in.
double alternator_speed_factor(double alt_rpm);

class Alternator {
 public:
  Alternator() = default;
  Alternator(const AlternatorParams& p, double temp_c);  // throws std::invalid_argument

  // Scenario / fault API.
  void set_engine_rpm(double rpm);                 // 0..20000
  void set_belt_slip(double fraction);             // 0..1: alternator speed × (1 - fraction)
  void set_regulator_failure(std::optional<double> set_point_v);  // forced set point (e.g. 16.5 V); nullopt clears
  void start_load_dump(const LoadDumpParams& p);   // starts a pulse now; throws on bad parameters
  void stop_load_dump() { dump_active_ = false; }

  // Network view for the coming step: the output current into the node is
  // clamp((emf_v - V) / droop_ohm, 0, ceiling_a), plus the load-dump source (see world solver).
  double emf_v() const { return v_reg_; }
  // Network view with the field's inertia: clamp((transient_emf_v - V) / transient_ohm, 0, ceiling_a).
  // The field follows the output current with field_tau_s, so a load change first meets droop + transient
  // ohm (overshoot on load removal, dip on load increase) and settles to the droop line (steady state as
  // emf_v / droop_ohm).
  double transient_emf_v() const { return v_reg_ + p_.transient_ohm * field_a_; }
  double transient_ohm() const { return p_.droop_ohm + p_.transient_ohm; }
  double field_current_a() const { return field_a_; }   // the output current the field is set for
  double ceiling_a() const;
  double droop_ohm() const { return p_.droop_ohm; }
  bool load_dump_active() const { return dump_active_; }
  double load_dump_emf_v() const;                  // EMF of the load-dump source (regulator + pulse) now
  double load_dump_ohm() const { return dump_.internal_resistance_ohm; }

  // Advances regulator, pulse and thermal node; output_a / terminal_v are the solved values of the step.
  void advance(double output_a, double terminal_v, double dt_s, double ambient_c);

  double alt_rpm() const;
  double engine_rpm() const { return engine_rpm_; }
  double belt_slip() const { return slip_; }
  std::optional<double> regulator_failure() const { return forced_set_point_v_; }
  double temperature_c() const { return temp_c_; }
  double current_a() const { return current_a_; }  // last step's output current (>= 0)
  double voltage_v() const { return voltage_v_; }  // last step's terminal voltage
  double set_point_v() const;                      // target of the regulator now
  double power_loss_w() const { return loss_w_; }
  double thermal_resistance_k_per_w() const;       // depends on speed (fan)
  const AlternatorParams& params() const { return p_; }

 private:
  AlternatorParams p_{};
  double engine_rpm_ = 0.0;
  double slip_ = 0.0;
  std::optional<double> forced_set_point_v_{};
  double v_reg_ = 14.4;
  double field_a_ = 0.0;
  double temp_c_ = 25.0;
  double current_a_ = 0.0, voltage_v_ = 0.0, loss_w_ = 0.0;
  bool dump_active_ = false;
  LoadDumpParams dump_{};
  double dump_t_s_ = 0.0;
  // cached factors
  double cache_dt_s_ = -1.0, cache_rth_ = -1.0, e_th_ = 1.0, e_reg_ = 1.0, e_field_ = 1.0;
};

}  // namespace plant
