// plant::World — the whole simulated circuit around the BMS, solved every step.
//
//   alternator ─┐                                   ┌─ bank: 1..5 Smart batteries (4 LFP cells each) in parallel
//   starter batt├─ alt node ─ wiring ─ [BMS alt port]─ fuse ─ power stage ─[Li port]─ Li bus ─┼─ DC loads (const I / P / R;
//   crank load ─┤   (V_alt_node)        (alt_port_v)                           (li_port_v)   │   always, LD- or CD-switched)
//   vehicle load┘                                                                            ├─ shore charger (CC/CV, CD-switched)
//                                                                                            └─ output pins LD, CD, PA
// Every step: batteries → step-averaged Thevenin sources; the two nodes and the power stage are solved
// exactly (piecewise-linear elements, monotone, so Kirchhoff's laws hold to round-off); then every state
// advances (exact exponentials for RC pairs, thermal nodes, the regulator and the limit loop).
// Stable and accurate from dt = 0.1 ms to 100 ms. Constant-power loads use the previous step's voltage.
//
// Split at the board's terminals (hardware in the loop): set_alt_port_current_input(I) bypasses the power
// stage model and makes the alternator-port current an input (the real board's stage decides it, a bench
// instrument measures it); the plant still decides every voltage. alt_port_source() / li_port_source()
// describe each side as seen from the board's terminal, for programming the bench's source instruments.
//
// Sign conventions: battery / cell / starter currents > 0 charge; power-stage (alternator-port) current
// > 0 flows from the alternator port into the Li battery bus (never < 0 from the stage model; an imposed
// measured current may be negative); load currents > 0 drawn.
//
// Value type: copy = checkpoint (the PIL runner rolls back by copying). step() does not allocate.
// Not thread-safe. Indices: battery b in [0, battery_count()), cell c in [0, 4), load i in [0, load_count());
// setters and getters throw std::out_of_range on a bad index and std::invalid_argument on a bad value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "plant/alternator.hpp"
#include "plant/battery.hpp"
#include "plant/ocv.hpp"
#include "plant/params.hpp"
#include "plant/power_stage.hpp"
#include "plant/sensor.hpp"
#include "plant/starter_battery.hpp"

namespace plant {

// Remote on/off wiring (REQUIREMENTS RMT-1).
enum class RemoteMode : std::uint8_t {
  kA = 0,  // L and H interconnected (factory wire loop) -> ON
  kB = 1,  // L pulled to battery minus -> ON
  kC = 2,  // H driven high -> ON
  kD = 3,  // nothing connected -> OFF
};

// Output-pin commands from the firmware (true = driven high, false = floating).
struct PinCommand {
  bool load_high = false;       // LD
  bool charge_high = false;     // CD
  bool prealarm_high = false;   // PA
  bool operator==(const PinCommand&) const = default;   // every field: one added later is compared too
};

// One side of the circuit as seen from a board terminal, linearised at the last solved operating point:
//   V_terminal = open_circuit_v - internal_ohm * I_out      (V, Ω, A)
// where I_out > 0 is the current this side delivers out of its terminal into the board. For the alternator
// side I_out = alt_port_current_a(); for the Li side I_out = -alt_port_current_a(). Exact (to round-off) as
// long as no element of the side crosses a breakpoint (alternator ceiling or rectifier, starter charge-
// acceptance limit, a load's knee, the charger's CC/CV corner); beyond that it is a first-order estimate.
struct PortSource {
  double open_circuit_v = 0.0;    // V: terminal voltage with I_out = 0
  double internal_ohm = 0.0;      // Ω: -dV/dI_out, > 0
  double current_limit_a = 0.0;   // A: the most the side can deliver steadily (see the getters); may be +inf
};

// Per-cell fault state (weak cell and friends).
struct CellFault {
  double capacity_scale = 1.0;  // (0, 2]: weak cell e.g. 0.5
  double r0_scale = 1.0;        // (0, 100]
  double ocv_offset_v = 0.0;    // [-1, 1]: e.g. -0.6 for a collapsing cell
  void validate() const;
};

class World {
 public:
  explicit World(const WorldParams& p = WorldParams{});   // validates; throws std::invalid_argument

  // ---- time ----
  void step(double dt_s);                  // 1e-5 <= dt_s <= 1.0 (throws std::invalid_argument otherwise)
  double time_s() const { return time_s_; }

  // ---- firmware outputs applied to the plant ----
  void set_command(bool path_on, double limit_a);     // power stage (alternator path)
  void set_pins(const PinCommand& pins);
  void set_pins(bool load_high, bool charge_high, bool prealarm_high) {
    set_pins(PinCommand{load_high, charge_high, prealarm_high});
  }

  // ---- terminal currents as inputs (the plant split at the board's terminals) ----
  // While set, the power stage model is bypassed: the given current (A, > 0 from the alternator node into the
  // Li bus) flows between the nodes from the next step() on, whatever the stage's command, limit, diode or
  // the fuse say — it is a measurement of the real board and is integrated as given, never clamped (a
  // negative value, reverse conduction of a broken board, discharges the bank into the alternator node).
  // The nodes are solved exactly with that current; the fuse still heats from it (fuse_blown() reports a
  // blow, the current keeps flowing as measured); the stage's heatsink heats from I·(alt_port_v - li_port_v)
  // and its limit loop keeps following the command. alt_port_current_a() then reports the imposed value.
  // An ideal current source can pull a node far from its normal range when the other side cannot carry
  // the current (see alt_port_source().current_limit_a). nullopt returns to the stage model.
  // Throws std::invalid_argument on NaN or ±inf (the previous input stays in force).
  void set_alt_port_current_input(std::optional<double> current_a);
  std::optional<double> alt_port_current_input() const { return port_current_input_a_; }

  // The alternator side as seen from the BMS alternator terminal (PortSource, I_out = alt_port_current_a()):
  // Thevenin of the alternator/starter node at the regimes of the last solve (alternator droop or ceiling,
  // starter battery, crank, vehicle load, load-dump source) plus the wiring resistance, so open_circuit_v
  // = alt_port_v() when the port current is zero. current_limit_a = the alternator's current ceiling at the
  // last solve (rated × speed factor at its rpm and belt slip × thermal foldback) minus the vehicle load and
  // crank currents then drawn from the node, floored at 0: what the alternator can deliver steadily into the
  // port. It excludes the starter battery's discharge and the load-dump source (both are in the Thevenin).
  PortSource alt_port_source() const;
  // The Li bus as seen from the BMS Li terminal (PortSource, I_out = -alt_port_current_a()): Thevenin of
  // the bus at the last solve — the bank's step-averaged equivalents in parallel with the loads, pins and
  // charger at their regimes (= the bank alone when nothing else is on). open_circuit_v = li_port_v() when
  // the port current is zero. current_limit_a = +inf (the bank has no current limit in the model; a bench
  // uses its instrument's rating). Both getters are O(1) and do not allocate.
  PortSource li_port_source() const;

  // ---- scenario actions ----
  void set_engine_rpm(double rpm);
  void set_ambient_c(double temp_c);                  // -40..+85
  void set_load(int i, const LoadParams& load);       // replaces load i (kind, switch, values)
  void set_load_current_a(int i, double a);           // >= 0
  void set_load_power_w(int i, double w);             // >= 0
  void set_load_resistance_ohm(int i, double ohm);    // >= 0, 0 = no resistive part
  void set_vehicle_load_a(double a);                  // constant-current load on the alternator node, >= 0
  void set_shore_power(bool on);                      // charger mains present
  void set_remote_mode(RemoteMode m);
  // Remote H / L pin voltages driven from outside (0..60 V; nullopt: the wiring of remote_mode() sets the pin).
  void set_remote_h_v(std::optional<double> v);
  void set_remote_l_v(std::optional<double> v);
  void set_heatsink_temperature_c(double t);          // the limiter heatsink's state (moves afterwards), -40..200
  void set_cell_soc(int b, int c, double soc);        // 0..1
  void set_battery_soc(int b, double soc);            // all cells of battery b
  void set_bank_soc(double soc);                      // every cell
  void set_cell_temperature_c(int b, int c, double t);  // state (moves afterwards)
  void reseed_spread(std::uint64_t seed);             // redraws capacity/R0 spread and re-spreads each battery's
                                                      // cell SOCs around its present mean (SpreadParams)
  void set_starter_soc(double soc);

  // ---- faults (public, schedulable) ----
  void set_sense_wire_open(int b, int c, bool open);  // cell voltage reads 0 V while open
  void set_temperature_sense_open(int b, int c, bool open);  // open thermistor: reads the front end's open
                                                             // code (about -100 °C by default) while open
  void set_heatsink_sensor_fault(const SensorFault& f);      // limiter heatsink temperature reading
  void set_cell_voltage_sensor_fault(int b, int c, const SensorFault& f);
  void set_cell_temperature_sensor_fault(int b, int c, const SensorFault& f);
  void set_cell_temperature_override(int b, int c, std::optional<double> temp_c);  // holds the cell's temperature
  void set_cell_fault(int b, int c, const CellFault& f);  // weak cell (capacity), R0, OCV offset
  void set_bms_cable_connected(int b, bool connected);
  // Single-line fault of battery b's BMS cable: `line` reads `forced` (stuck) whatever the battery says,
  // e.g. PA stuck (kPrealarm, true) or ATD dropped without PA (kAllowedToDischarge, false); nullopt clears.
  void set_bms_cable_line(int b, CableLine line, std::optional<bool> forced);
  // Power stage failure (safe operating area exceeded, or forced): shorted, conducts both ways through its
  // on-resistance whatever the command. repair_power_stage() restores it.
  void fail_power_stage();
  void repair_power_stage();
  bool power_stage_failed() const { return stage_.failed(); }
  void blow_fuse();
  void replace_fuse();
  void set_regulator_failure(std::optional<double> set_point_v);
  void start_load_dump(const LoadDumpParams& p);
  void set_belt_slip(double fraction);                // 0..1
  void start_crank(const CrankProfile& p = CrankProfile{});
  void set_starter_connected(bool connected);

  // ---- sensor side: what the BMS measures (TOP-2) ----
  int battery_count() const { return static_cast<int>(batteries_.size()); }
  // The cell getters are inline: a scenario's signals read them after every plant step.
  double cell_voltage_v(int b, int c) const {         // sensed (faults applied)
    check_bc(b, c);
    return batteries_[static_cast<std::size_t>(b)].cell_voltage_reading_v(c);
  }
  double cell_temperature_c(int b, int c) const {     // sensed
    check_bc(b, c);
    return batteries_[static_cast<std::size_t>(b)].cell_temperature_reading_c(c);
  }
  CableSignals cable_signals(int b) const {           // connected, ATC, ATD, PA of battery b
    check_bc(b, 0);
    return batteries_[static_cast<std::size_t>(b)].cable_signals();
  }
  double alt_port_v() const { return alt_port_v_; }   // at the BMS alternator terminal
  double li_port_v() const { return li_v_; }         // Li bus
  double alt_port_current_a() const { return ps_current_a_; }  // > 0 into the Li bus (imposed value while set)
  double heatsink_temperature_c() const { return heatsink_sensor_.reading(); }  // sensed (faults applied)
  double remote_h_v() const { return remote_h_v_; }
  double remote_l_v() const { return remote_l_v_; }

  // ---- physical quantities for recording ----
  double bank_current_a() const { return bank_current_a_; }          // > 0 charging
  double battery_current_a(int b) const { check_bc(b, 0); return batteries_[static_cast<std::size_t>(b)].current_a(); }
  double battery_soc(int b) const;
  double battery_voltage_v(int b) const;
  double cell_true_voltage_v(int b, int c) const {    // physical, no sensor fault
    check_bc(b, c);
    return batteries_[static_cast<std::size_t>(b)].cell(c).terminal_v();
  }
  double cell_true_temperature_c(int b, int c) const {
    check_bc(b, c);
    return batteries_[static_cast<std::size_t>(b)].cell(c).temperature_c();
  }
  double cell_soc(int b, int c) const {
    check_bc(b, c);
    return batteries_[static_cast<std::size_t>(b)].cell(c).soc();
  }
  double heatsink_true_temperature_c() const { return stage_.heatsink_temperature_c(); }
  double alternator_current_a() const { return alternator_.current_a(); }
  double alternator_voltage_v() const { return alt_node_v_; }
  double alternator_temperature_c() const { return alternator_.temperature_c(); }
  double alternator_rpm() const { return alternator_.alt_rpm(); }
  double alt_node_v() const { return alt_node_v_; }
  double starter_voltage_v() const { return starter_.voltage_v(); }  // = alt node while connected
  double starter_soc() const { return starter_.soc(); }
  double starter_current_a() const { return starter_.current_a(); }   // > 0 charging
  double crank_current_a() const { return crank_current_a_; }
  double vehicle_load_current_a() const { return vehicle_drawn_a_; }
  int load_count() const { return static_cast<int>(loads_.size()); }
  double load_current_a(int i) const;
  bool load_on(int i) const;
  double total_load_current_a() const { return load_total_a_; }
  double charger_current_a() const { return charger_current_a_; }
  bool charger_on() const { return charger_on_; }
  bool fuse_blown() const { return fuse_.blown(); }
  double ld_pin_v() const { return ld_pin_v_; }
  double cd_pin_v() const { return cd_pin_v_; }
  double pa_pin_v() const { return pa_pin_v_; }
  double pin_current_a() const { return pin_current_a_; }  // total drawn by the pins from the Li bus
  bool pa_overloaded() const { return pa_overloaded_; }
  double ambient_c() const { return ambient_c_; }
  double load_dump_current_a() const { return dump_current_a_; }

  // Energy bookkeeping since construction (J), for balance checks.
  struct Energy {
    double alternator_out_j = 0;     // delivered at the alternator terminals (incl. load dump source)
    double starter_in_j = 0;         // into the starter battery terminals
    double crank_j = 0, vehicle_load_j = 0;
    double wiring_loss_j = 0, stage_loss_j = 0;
    double bank_in_j = 0;            // into the battery terminals
    double loads_j = 0, pins_j = 0;
    double charger_out_j = 0;
  };
  const Energy& energy() const { return energy_; }

  // ---- present set-points (what the scenario actions last set) ----
  const LoadParams& load(int i) const;                // kind, switch and values of load i
  double vehicle_load_a() const { return vehicle_load_a_; }
  double belt_slip() const { return alternator_.belt_slip(); }
  double engine_rpm() const { return alternator_.engine_rpm(); }
  RemoteMode remote_mode() const { return remote_mode_; }
  const SensorFault& heatsink_sensor_fault() const { return heatsink_sensor_.fault(); }
  std::optional<double> remote_h_drive_v() const { return remote_h_drive_v_; }
  std::optional<double> remote_l_drive_v() const { return remote_l_drive_v_; }
  bool shore_power() const { return shore_power_; }
  bool starter_connected() const { return starter_.connected(); }
  const PinCommand& pins() const { return pins_; }
  double bank_soc() const;                            // mean of the battery SOCs

  // ---- component access (read-only) ----
  const Battery& battery(int b) const;
  const Alternator& alternator() const { return alternator_; }
  const StarterBattery& starter() const { return starter_; }
  const PowerStage& power_stage() const { return stage_; }
  const Fuse& fuse() const { return fuse_; }
  const WorldParams& params() const { return p_; }
  // Diagnostics: steps whose network solve needed the (slower) bisection fallback. Expected 0.
  std::uint64_t solver_fallback_count() const { return solver_fallbacks_; }

 private:
  // Index checks on every accessor: inline for the in-range case (the signal getters call them per plant step).
  void check_bc(int b, int c) const {
    if (b < 0 || b >= battery_count() || c < 0 || c >= kCellsPerBattery) [[unlikely]] bad_index(b, c);
  }
  void check_load(int i) const {
    if (i < 0 || i >= load_count()) [[unlikely]] bad_load_index(i);
  }
  [[noreturn]] void bad_index(int b, int c) const;
  [[noreturn]] void bad_load_index(int i) const;
  void update_pins(double li_v);
  void update_pin_loads();              // the pins' load conductances, after the loads changed
  void update_remote();
  void apply_spread(bool keep_mean_soc);
  void apply_cell_scales(int b, int c);
  void apply_sensor_params();
  void solve();                         // node voltages and element currents for the coming step
  void set_factors(double dt_s);

  WorldParams p_{};
  std::vector<Battery> batteries_{};
  std::vector<LoadParams> loads_{};
  std::vector<double> load_current_a_{};
  std::vector<char> load_on_{};
  std::vector<StepModel> models_{};     // per-battery scratch (sized at construction)
  std::vector<double> battery_in_a_{};  // per battery, the solved current into it (> 0 charging)
  Alternator alternator_{};
  StarterBattery starter_{};
  Crank crank_{};
  PowerStage stage_{};
  Fuse fuse_{};
  Sensor heatsink_sensor_{};
  std::vector<CellStepFactors> factors_{};   // per battery, for factors_dt_s_
  double factors_dt_s_ = -1.0;
  double step_dt_s_ = 1e-3;             // the step being solved (the constructor's solve uses 1 ms)
  std::vector<std::array<double, kCellsPerBattery>> spread_cap_{}, spread_r0_{};
  std::vector<std::array<CellFault, kCellsPerBattery>> cell_faults_{};
  // solved element currents of the current step
  double alternator_out_a_ = 0.0, starter_in_a_ = 0.0, vehicle_drawn_a_ = 0.0;
  double ld_pin_a_ = 0.0, cd_pin_a_ = 0.0, pa_pin_a_ = 0.0;
  double pin_g_ld_ = 0.0, pin_g_cd_ = 0.0;   // input conductance of the loads (and charger) on LD and CD
  PinCommand pins_{};
  RemoteMode remote_mode_ = RemoteMode::kA;
  double time_s_ = 0.0;
  double ambient_c_ = 25.0;
  double vehicle_load_a_ = 0.0;
  bool shore_power_ = false;
  bool charger_on_ = false;
  bool pa_overloaded_ = false;
  double alt_node_v_ = 0.0, alt_port_v_ = 0.0, li_v_ = 0.0;
  double ps_current_a_ = 0.0, bank_current_a_ = 0.0, load_total_a_ = 0.0;
  std::optional<double> port_current_input_a_{};   // measured alternator-port current, bypasses the stage
  // the nodes' linearisations at the last solve (current into node = j - g V) and the alternator ceiling
  double alt_thevenin_j_ = 0.0, alt_thevenin_g_ = 1.0, li_thevenin_j_ = 0.0, li_thevenin_g_ = 1.0;
  double alt_ceiling_a_ = 0.0;
  double charger_current_a_ = 0.0, crank_current_a_ = 0.0, dump_current_a_ = 0.0;
  double ld_pin_v_ = 0.0, cd_pin_v_ = 0.0, pa_pin_v_ = 0.0, pin_current_a_ = 0.0;
  double remote_h_v_ = 0.0, remote_l_v_ = 0.0;
  std::optional<double> remote_h_drive_v_{}, remote_l_drive_v_{};
  Energy energy_{};
  std::uint64_t solver_fallbacks_ = 0;
};

}  // namespace plant
