// One LFP cell: OCV(SOC) + R0 + two RC pairs, a lumped thermal node, optional OCV hysteresis.
// Depth: electrical equivalent circuit (no electrochemistry). Sign: current_a > 0 charges the cell.
//
// Integration scheme (stable for any dt): the current is held constant over a step (zero-order hold);
// the RC voltages update exactly, v' = v·e + R·I·(1 - e) with e = exp(-dt/τ); the network sees the
// step-averaged Thevenin equivalent E_step - I·R_step (see step_model()), so energy and charge balance
// hold for any dt. Copyable value type; no allocation.
#pragma once

#include "plant/params.hpp"

namespace plant {

// Factors that depend only on dt and the parameters; computed once per dt (exp is the costly part).
struct CellStepFactors {
  double dt_s = 0.0;
  double e1 = 1.0, e2 = 1.0;     // exp(-dt/τ)
  double a1 = 1.0, a2 = 1.0;     // step average of the free response: (τ/dt)(1 - e)
  double e_th = 1.0;             // thermal exp(-dt/(R_th C_th))
  double e_cold = 1.0;           // exp(-dt/cold_recovery_tau_s)
  static CellStepFactors make(const CellParams& p, double dt_s);
};

// The cell over one step as seen from its terminals: V_avg = e_v + I·r_ohm (I > 0 charging).
struct StepModel {
  double e_v = 0.0;
  double r_ohm = 0.0;
};

class LfpCell {
 public:
  LfpCell() = default;
  LfpCell(const CellParams& p, double soc, double temp_c);  // throws std::invalid_argument

  // Per-cell deviations (spread and faults). Scales > 0.
  void set_capacity_scale(double s);   // keeps SOC
  void set_r0_scale(double s);
  void set_ocv_offset_v(double v);     // a fault: shifts this cell's OCV (e.g. soft short), 0 = none
  void set_soc(double soc);            // state override (scenario set-up); -0.10..1.05
  void set_temperature_c(double t);    // state override
  void set_temperature_hold(bool hold);  // while held, the thermal node does not move (override fault)

  // Step-averaged Thevenin equivalent for the coming step (uses the current state).
  StepModel step_model(const CellStepFactors& f) const;
  // Advances the state by f.dt_s with constant current_a (> 0 charging), ambient at ambient_c.
  void advance(double current_a, const CellStepFactors& f, double ambient_c);
  // advance() in two halves, for an owner that steps several cells: first every cell's state, then every cell's
  // finish (its OCV, resistance factors and terminal voltage from the new state). The same arithmetic as
  // advance(); interleaving the cells lets the processor overlap one cell's dependent chain (heat → temperature →
  // resistance) with the next cell's work.
  void advance_state(double current_a, const CellStepFactors& f, double ambient_c);
  void finish_step();

  double soc() const { return soc_; }                  // charge-based: Q / Q(25 °C)
  // SOC on which the OCV is looked up: soc() minus the charge not available at once at low temperature
  // (> 0 after a cold discharge, < 0 after a cold charge, relaxing to 0 at rest and at >= 25 °C).
  double available_soc() const { return soc_ - cold_u_; }
  double unavailable_soc() const { return cold_u_; }
  double charge_ah() const { return soc_ * capacity_ah(); }
  double capacity_ah() const { return p_.capacity_ah * capacity_scale_; }  // at 25 °C
  double ocv_v() const;                                // rest OCV incl. hysteresis and offset
  double v1_v() const { return v1_; }
  double v2_v() const { return v2_; }
  double temperature_c() const { return temp_c_; }
  double r0_ohm() const;                               // at the present SOC and temperature
  double r1_ohm() const;
  double r2_ohm() const;
  // Terminal voltage at the end of the last step (OCV + I·R0 + v1 + v2 with the last current; the
  // resistance factors are those of the step's start). Updated by advance() and by every setter.
  double terminal_v() const { return terminal_v_; }
  double current_a() const { return last_current_a_; }
  double heat_w() const { return last_heat_w_; }       // dissipation in the last step
  const CellParams& params() const { return p_; }

 private:
  double effective_soc() const { return soc_ - cold_u_; }   // OCV / resistance lookup
  void refresh_terminal();             // recomputes terminal_v_ from the state (after a setter)
  CellParams p_{};
  double soc_ = 0.5;
  double v1_ = 0.0, v2_ = 0.0;
  double hyst_ = 0.0;                  // -1..+1
  double cold_u_ = 0.0;                // charge not available at once (SOC units; two-well model)
  double temp_c_ = 25.0;
  bool temp_hold_ = false;
  double capacity_scale_ = 1.0;
  double r0_scale_ = 1.0;
  double ocv_offset_v_ = 0.0;
  double last_current_a_ = 0.0;
  double last_heat_w_ = 0.0;
  double terminal_v_ = 0.0;
  double inv_q_as_ = 0.0;              // 1 / (3600 · capacity_ah · capacity_scale)
  // What the present state gives, computed once whenever the state changes (advance() and every setter) and
  // read by the next step: the rest OCV with offset and hysteresis, its slope dOCV/dSOC, the resistance factor
  // k(T, SOC) and the capacity factor k(T). The same expressions as before in the same order: the same bits.
  void cache_state();
  double s_ocv_ = 0.0, s_slope_ = 0.0, s_k_ = 1.0, s_kt_ = 1.0;
  double step_r0_ = 0.0;               // R0 of the last step (its start's factors), between the two halves
};

}  // namespace plant
