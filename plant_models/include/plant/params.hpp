// Parameters of every plant model, in SI units (V, A, Ω, s, °C, Ah, W, J/K, K/W).
// Each struct has validate(): it throws std::invalid_argument with a message naming the parameter, the
// offending value and the valid range ("plant: BatteryParams.capacity_ah = -5 is outside (0, 10000]").
// Defaults and their sources are listed in plant_models/README.md (research-notes §4).
// Plain aggregates: copyable, no heap except WorldParams/BankParams vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "plant/sensor.hpp"

namespace plant {

inline constexpr int kCellsPerBattery = 4;
inline constexpr int kMaxBatteries = 5;

// Emulation of the Smart battery's own BMS (research notes §1.B, O-04, O-05, O-08; REQUIREMENTS CELL-*).
// It drives the per-battery BMS-cable signals ATC / ATD / PA from the battery's own (sensed) cell data.
struct SmartBmsParams {
  double load_disconnect_v = 2.80;     // ATD false when min cell < this for uv_delay_s (2.60..2.80)
  double atd_recover_hyst_v = 0.10;    // ATD true again when min cell >= threshold + hyst for recover_delay_s
  double prealarm_v = 3.10;            // PA when min cell < this for uv_delay_s (2.85..3.15)
  double prealarm_clear_hyst_v = 0.05;
  double cell_overvoltage_v = 3.75;    // ATC false when max cell >= this for ov_delay_s (3.60..4.20)
  double ov_recover_v = 3.50;          // ATC (voltage part) true again when max cell <= this
  double over_temp_c = 50.0;           // ATC false when any cell > this for temp_delay_s
  double over_temp_recover_c = 45.0;
  double low_temp_charge_c = 5.0;      // ATC false when any cell < this (-20..+20)
  double low_temp_hyst_c = 5.0;
  double uv_delay_s = 2.0;             // O-08
  double ov_delay_s = 1.0;             // O-04
  double temp_delay_s = 2.0;           // O-08
  double recover_delay_s = 5.0;        // O-05 (ATD and PA recovery)
  void validate() const;
};

// One LFP cell of a 12.8 V / 100 Ah Smart battery (values per cell unless the name says pack).
struct CellParams {
  double capacity_ah = 100.0;          // at 25 °C; 80 % at 0 °C, 50 % at -20 °C (research-notes §4.2)
  double r0_ohm = 0.35e-3;             // DC ohmic resistance at 25 °C, 10..95 % SOC
  double r1_ohm = 0.15e-3;             // RC pair 1 (pack 0.6 mΩ / 4)
  double tau1_s = 10.0;
  double r2_ohm = 0.20e-3;             // RC pair 2 (pack 0.8 mΩ / 4)
  double tau2_s = 300.0;
  double hysteresis_v = 0.0;           // OCV hysteresis half-width on the plateau (full 25..85 %, tapering to 0 at 20/90 %; 0 = off; §4.1 suggests 0.010)
  double hysteresis_charge_ah = 2.0;   // charge throughput that moves the hysteresis state by 1/e
  double heat_capacity_j_per_k = 2000.0;     // lumped thermal node (≈ 2 kg prismatic cell)
  double thermal_resistance_k_per_w = 4.0;   // cell to ambient
  // Cold capacity (two-well model): below 25 °C only the fraction k(T) of the charge is available at once
  // (research-notes §4.2: 0.8 at 0 °C, 0.5 at -20 °C); the rest follows with this time constant. The rest
  // OCV is that of the charge-based SOC (no temperature shift); under current the available SOC runs ahead.
  double cold_recovery_tau_s = 36000.0;      // [I] 10 h
  void validate() const;
};

// Cell-to-cell spread drawn from a seed (research-notes §4.3: capacity ±2 %, R0 ±10 %, SOC 0..5 %).
// Draws are uniform in [-x, +x] (relative for capacity and R0, absolute SOC for soc).
struct SpreadParams {
  double capacity_rel = 0.0;
  double r0_rel = 0.0;
  double soc_abs = 0.0;
  std::uint64_t seed = 1;
  void validate() const;
};

struct BatteryParams {
  CellParams cell{};
  double busbar_ohm = 0.6e-3;          // busbars and terminals, pack level
  double initial_soc = 0.5;            // 0..1, for every cell (before spread)
  // Passive cell balancer (R-33; values [I]): a cell above balance_start_v and more than balance_delta_v
  // above the lowest cell of its battery bleeds balance_current_a (0 = no balancer, the default).
  double balance_current_a = 0.0;      // 0..10
  double balance_start_v = 3.45;
  double balance_delta_v = 0.010;
  SmartBmsParams smart_bms{};
  void validate() const;
};

struct BankParams {
  std::vector<BatteryParams> batteries = std::vector<BatteryParams>(1);  // 1..5 batteries in parallel
  SpreadParams spread{};
  void validate() const;
};

// 12 V automotive alternator (research-notes §4.5).
struct AlternatorParams {
  double rated_current_a = 120.0;      // 10..400
  double pulley_ratio = 2.4;           // alternator rpm / engine rpm
  double set_point_v = 14.4;           // at 25 °C regulator temperature
  double temp_slope_v_per_c = -3.5e-3;
  double set_point_min_v = 13.5;
  double set_point_max_v = 15.0;
  double droop_ohm = 0.010;            // series droop resistance
  double regulator_tau_s = 0.100;      // first-order regulator response
  // Field inertia: the instantaneous source impedance is droop_ohm + transient_ohm; the field settles a
  // load change with field_tau_s (research-notes §4.5: overshoot on load removal decays with τ = 100 ms).
  double transient_ohm = 0.010;        // [I]
  double field_tau_s = 0.100;          // §4.5
  double efficiency = 0.55;            // P_loss = P_out (1 - η) / η
  double heat_capacity_j_per_k = 4000.0;
  double thermal_resistance_k_per_w = 0.12;   // fan-cooled (alternator >= 3000 rpm)
  double idle_thermal_factor = 1.5;           // R_th multiplier at or below idle_alt_rpm
  double idle_alt_rpm = 1800.0;
  double fan_full_alt_rpm = 3000.0;
  bool thermal_foldback = false;       // g(T): 1 below foldback_start_c, linear to 0.5 at foldback_end_c
  double foldback_start_c = 90.0;
  double foldback_end_c = 120.0;
  void validate() const;
};

// ISO 16750-2 test pulse 5 (load dump) shape, added to the alternator's EMF through internal_resistance_ohm.
struct LoadDumpParams {
  double peak_v = 65.0;                // U_s above the regulated voltage (12 V system: 65..87 V)
  double rise_s = 0.010;               // t_r: linear rise to peak
  double decay_tau_s = 0.100;          // exponential decay after the peak (t_d ≈ 40..400 ms)
  double internal_resistance_ohm = 1.0;  // R_i (0.5..4 Ω)
  void validate() const;
};

// Flooded 12 V lead-acid starter battery (research-notes §4.4).
struct StarterBatteryParams {
  double capacity_ah = 70.0;           // C20
  double r0_ohm = 4.0e-3;              // at 25 °C; × 2 at -18 °C (linear in T)
  double initial_soc = 0.9;
  // Graded charge acceptance (research-notes §4.4 [I]): charging goes through an extra resistance that grows
  // with SOC, sized so that at acceptance_v the current is C/5 × (1 - SOC)/0.2 (floored at float_current_a);
  // false = charging through r0 alone.
  bool limit_charge_acceptance = true;
  double acceptance_v = 14.4;          // V at 25 °C where the current equals the acceptance figure
  double float_current_a = 0.07;       // [I] C/1000: what a full battery still takes at acceptance_v
  // Gassing above gassing_v (temperature-compensated): a parallel branch of gassing_ohm that does not charge.
  double gassing_v = 14.4;             // at 25 °C (research-notes §4.4: onset ≈ 14.4 V)
  double gassing_temp_v_per_c = -0.024;  // [I] -4 mV/°C per cell
  double gassing_ohm = 0.05;           // [I]
  // Surface charge: an RC in series with the charge path (decays at rest with surface_tau_s).
  double surface_ohm = 0.02;           // [I]
  double surface_tau_s = 3600.0;       // [I]
  void validate() const;
};

// Cranking load profile on the alternator/starter node (research-notes §4.4).
struct CrankProfile {
  double inrush_a = 400.0;
  double inrush_s = 0.2;
  double crank_a = 150.0;
  double crank_s = 3.0;                // 2..5 s typical
  double stall_v = 3.0;                // below this node voltage the starter draws proportionally less
  void validate() const;
};

// BMS power stage between the alternator port and the Li port: back-to-back MOSFETs with on-resistance and
// an analogue current-limit loop. Values marked [I] in plant_models/README.md.
struct PowerStageParams {
  double on_resistance_ohm = 1.5e-3;   // research-notes §4.6
  double wiring_ohm = 3.1e-3;          // alternator/starter node to BMS alternator port (2 × 3 m of 35 mm²)
  double limit_tau_s = 0.010;          // the analogue current-limit loop follows the command with this τ
  double max_limit_a = 150.0;          // commands above this are clamped
  double heat_capacity_j_per_k = 300.0;      // heatsink
  double thermal_resistance_k_per_w = 0.8;   // heatsink to ambient
  // Switched on, the MOSFETs conduct both ways: with the Li side higher the current flows back through
  // the on-resistance (the limit loop only limits the forward current). false = ideal one-way stage.
  bool reverse_conduction = true;
  double reverse_limit_a = 1000.0;     // numerical bound of the reverse current (the on-resistance limits it)
  // Limit accuracy: regulated limit = command × (1 + gain_error) + offset_a (for a command > 0).
  // Exact here (unit tests); realistic_limiter() gives the typical values every scenario runs with unless it asks
  // for an exact loop (`realistic_limiter: false`).
  double gain_error = 0.0;             // realistic [I]: +0.02 (shunt + amplifier, ±2 %)
  double offset_a = 0.0;               // realistic [I]: 0.2 A (amplifier offset referred to the current)
  // Overshoot: while the current is below the limit the loop's integrator winds up towards
  // windup_fraction × limit (time constant windup_tau_s); a current step then passes the limit by that much
  // and is pulled back with limit_tau_s.
  double windup_fraction = 0.0;        // realistic [I]: 0.15, within ALT-4 (overshoot <= 20 %)
  double windup_tau_s = 0.020;         // [I]
  // Safe operating area: junction = heatsink + P·junction_k_per_w, first-order with junction_tau_s; above
  // junction_max_c the stage fails short (conducts both ways through its on-resistance, uncommanded).
  double junction_k_per_w = 0.2;       // [I] junction to heatsink, all MOSFETs in parallel
  double junction_tau_s = 0.05;        // [I]
  double junction_max_c = 175.0;       // MOSFET absolute maximum (typical datasheet value)
  // The same stage with a realistic limit loop (gain and offset error, wind-up overshoot) [I].
  PowerStageParams realistic_limiter() const {
    PowerStageParams p = *this;
    p.gain_error = 0.02;
    p.offset_a = 0.2;
    p.windup_fraction = 0.15;
    return p;
  }
  void validate() const;
};

// Fuse in the alternator path (Megafuse): first-order I² heating, blows when the filtered (I/I_n)²
// exceeds blow_multiple²; stays open. High-current I²t ≈ tau_s × blow_multiple² × I_n².
struct FuseParams {
  double rating_a = 100.0;             // 1..1000
  double blow_multiple = 1.5;
  double tau_s = 10.0;
  void validate() const;
};

// Shore charger on the Li bus: CC/CV, output on when enabled (and CD high if switched_by_cd).
struct ChargerParams {
  double cv_v = 14.2;
  double cc_a = 30.0;
  double output_ohm = 0.005;           // CV output impedance (regulation slope)
  bool switched_by_cd = true;          // remote input wired to the BMS Charge-disconnect output
  double input_threshold_v = 3.0;      // remote input "on" above this pin voltage
  double input_ohm = 10.0e3;           // remote input resistance (loads the CD pin)
  void validate() const;
};

enum class LoadSwitch : std::uint8_t {
  kAlways = 0,   // hangs directly on the Li bus
  kLd = 1,       // switched by the Load-disconnect output (BatteryProtect / inverter remote input)
  kCd = 2,       // switched by the Charge-disconnect output
};

// A DC load on the Li bus: the sum of a constant current, a constant power and a resistance
// (each part 0 = absent). Constant power draws P / V_li with V_li of the previous step.
struct LoadParams {
  double current_a = 0.0;
  double power_w = 0.0;
  double resistance_ohm = 0.0;         // 0 = no resistive part
  LoadSwitch switched_by = LoadSwitch::kAlways;
  double input_threshold_v = 3.0;      // switched loads: on while the pin voltage > this
  double input_ohm = 10.0e3;           // switched loads: remote input resistance loading the pin
  void validate() const;
};

// Output pins LD, CD (V_li - 0.1 V, 10 mA, short-circuit protected) and PA (V_li, up to 1 A, unprotected).
struct PinParams {
  double ld_cd_drop_v = 0.1;
  double ld_cd_current_limit_a = 0.010;
  double pa_source_ohm = 0.05;
  double pa_rated_a = 1.0;             // above this pa_overloaded() latches (no protection)
  double pa_load_ohm = 240.0;          // buzzer 12 V / 50 mA
  void validate() const;
};

// Remote on/off input wiring: internal pull-up on L and pull-down on H (values [I]).
struct RemoteParams {
  double l_pullup_ohm = 100.0e3;       // L to V_li
  double h_pulldown_ohm = 100.0e3;     // H to battery minus
  double h_drive_v = -1.0;             // mode C drive voltage on H; < 0 = V_li
  void validate() const;
};

// Normal imperfection of the BMS's sensors (no fault): per sensor a fixed offset drawn uniform in
// [-offset_max, +offset_max] and Gaussian noise of sigma per sample, all from `seed` (the same seed gives
// the same traces). Default: off (ideal sensors); realistic() gives typical values [I] that a scenario opts
// into. The thermistor front end decides what an open or shorted temperature input reads.
struct SensorParams {
  double cell_v_offset_max_v = 0.0;
  double cell_v_sigma_v = 0.0;
  double cell_temp_offset_max_c = 0.0;
  double cell_temp_sigma_c = 0.0;
  double heatsink_offset_max_c = 0.0;
  double heatsink_sigma_c = 0.0;
  std::uint64_t seed = 1;
  NtcFrontEnd ntc{};
  // [I] 12-bit ADC on a 5 V range with a divider: ±3 mV offset, 1 mV noise per cell voltage; NTC ±1 °C
  // offset (B tolerance), 0.2 °C noise.
  static SensorParams realistic(std::uint64_t seed = 1) {
    SensorParams s;
    s.cell_v_offset_max_v = 0.003;
    s.cell_v_sigma_v = 0.001;
    s.cell_temp_offset_max_c = 1.0;
    s.cell_temp_sigma_c = 0.2;
    s.heatsink_offset_max_c = 1.0;
    s.heatsink_sigma_c = 0.2;
    s.seed = seed;
    return s;
  }
  void validate() const;
};

struct WorldParams {
  BankParams bank{};
  AlternatorParams alternator{};
  StarterBatteryParams starter{};
  PowerStageParams power_stage{};
  FuseParams fuse{};
  ChargerParams charger{};
  std::vector<LoadParams> loads = {LoadParams{}, LoadParams{0.0, 0.0, 0.0, LoadSwitch::kLd}};  // [0] always, [1] LD
  PinParams pins{};
  RemoteParams remote{};
  SensorParams sensors{};
  double ambient_c = 25.0;             // -40..+85
  double engine_rpm = 0.0;             // 0..8000
  void validate() const;               // validates every member
};

}  // namespace plant
