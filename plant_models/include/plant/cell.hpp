// One LFP cell: OCV(SOC) + R0 + two RC pairs, a lumped thermal node, optional OCV hysteresis.
// Depth: electrical equivalent circuit (no electrochemistry). Sign: current_a > 0 charges the cell.
//
// Integration scheme (stable for any dt): the current is held constant over a step (zero-order hold);
// the RC voltages update exactly, v' = v·e + R·I·(1 - e) with e = exp(-dt/τ); the network sees the
// step-averaged Thevenin equivalent E_step - I·R_step (see step_model()), so energy and charge balance
// hold for any dt. Copyable value type; no allocation.
#pragma once

#include "plant/cell_lanes.hpp"
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

class Battery;

class LfpCell {
 public:
  LfpCell() { s_.soc = 0.5; s_.temp_c = 25.0; s_.capacity_scale = s_.r0_scale = s_.s_k = s_.s_kt = 1.0; }
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

  double soc() const { return s_.soc; }               // charge-based: Q / Q(25 °C)
  // SOC on which the OCV is looked up: soc() minus the charge not available at once at low temperature
  // (> 0 after a cold discharge, < 0 after a cold charge, relaxing to 0 at rest and at >= 25 °C).
  double available_soc() const { return s_.soc - s_.cold_u; }
  double unavailable_soc() const { return s_.cold_u; }
  double charge_ah() const { return s_.soc * capacity_ah(); }
  double capacity_ah() const { return p_.capacity_ah * s_.capacity_scale; }  // at 25 °C
  double ocv_v() const;                                // rest OCV incl. hysteresis and offset
  double v1_v() const { return s_.v1; }
  double v2_v() const { return s_.v2; }
  double temperature_c() const { return s_.temp_c; }
  double r0_ohm() const;                               // at the present SOC and temperature
  double r1_ohm() const;
  double r2_ohm() const;
  // Terminal voltage at the end of the last step (OCV + I·R0 + v1 + v2 with the last current; the
  // resistance factors are those of the step's start). Updated by advance() and by every setter.
  double terminal_v() const { return s_.terminal_v; }
  double current_a() const { return s_.last_current_a; }
  double heat_w() const { return s_.last_heat_w; }     // dissipation in the last step
  const CellParams& params() const { return p_; }

 private:
  friend class Battery;   // keeps its four cells as lanes (plant/cell_lanes.hpp) and steps them together
  LfpCell(const CellParams& p, const lanes::CellState<double>& s) : p_(p), s_(s) {}
  double effective_soc() const { return s_.soc - s_.cold_u; }   // OCV / resistance lookup
  void refresh_terminal();             // recomputes the cache and the terminal voltage (after a setter)
  CellParams p_{};
  lanes::CellState<double> s_{};
};

}  // namespace plant
