#include "plant/params.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "plant/sensor.hpp"

namespace plant {
namespace {

[[noreturn]] void fail(const char* owner, const char* name, double v, const std::string& range) {
  std::ostringstream os;
  os << "plant: " << owner << "." << name << " = " << v << " is outside " << range;
  throw std::invalid_argument(os.str());
}

// Closed range [lo, hi].
void in_range(const char* owner, const char* name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) {
    std::ostringstream r;
    r << "[" << lo << ", " << hi << "]";
    fail(owner, name, v, r.str());
  }
}
// Half-open (lo, hi].
void above(const char* owner, const char* name, double v, double lo, double hi) {
  if (!(v > lo && v <= hi)) {
    std::ostringstream r;
    r << "(" << lo << ", " << hi << "]";
    fail(owner, name, v, r.str());
  }
}

}  // namespace

void SmartBmsParams::validate() const {
  const char* o = "SmartBmsParams";
  in_range(o, "load_disconnect_v", load_disconnect_v, 2.60, 2.80);
  in_range(o, "atd_recover_hyst_v", atd_recover_hyst_v, 0.0, 1.0);
  in_range(o, "prealarm_v", prealarm_v, 2.85, 3.15);
  in_range(o, "prealarm_clear_hyst_v", prealarm_clear_hyst_v, 0.0, 1.0);
  in_range(o, "cell_overvoltage_v", cell_overvoltage_v, 3.60, 4.20);
  in_range(o, "ov_recover_v", ov_recover_v, 3.0, cell_overvoltage_v);
  in_range(o, "over_temp_c", over_temp_c, 20.0, 100.0);
  in_range(o, "over_temp_recover_c", over_temp_recover_c, -40.0, over_temp_c);
  in_range(o, "low_temp_charge_c", low_temp_charge_c, -20.0, 20.0);
  in_range(o, "low_temp_hyst_c", low_temp_hyst_c, 0.0, 20.0);
  in_range(o, "uv_delay_s", uv_delay_s, 0.0, 3600.0);
  in_range(o, "ov_delay_s", ov_delay_s, 0.0, 3600.0);
  in_range(o, "temp_delay_s", temp_delay_s, 0.0, 3600.0);
  in_range(o, "recover_delay_s", recover_delay_s, 0.0, 3600.0);
}

void CellParams::validate() const {
  const char* o = "CellParams";
  above(o, "capacity_ah", capacity_ah, 0.0, 10000.0);
  above(o, "r0_ohm", r0_ohm, 0.0, 1.0);
  in_range(o, "r1_ohm", r1_ohm, 0.0, 1.0);
  above(o, "tau1_s", tau1_s, 0.0, 1e6);
  in_range(o, "r2_ohm", r2_ohm, 0.0, 1.0);
  above(o, "tau2_s", tau2_s, 0.0, 1e6);
  in_range(o, "hysteresis_v", hysteresis_v, 0.0, 0.1);
  above(o, "hysteresis_charge_ah", hysteresis_charge_ah, 0.0, 1e4);
  above(o, "heat_capacity_j_per_k", heat_capacity_j_per_k, 0.0, 1e7);
  above(o, "thermal_resistance_k_per_w", thermal_resistance_k_per_w, 0.0, 1e4);
  above(o, "cold_recovery_tau_s", cold_recovery_tau_s, 0.0, 1e7);
}

void SpreadParams::validate() const {
  const char* o = "SpreadParams";
  in_range(o, "capacity_rel", capacity_rel, 0.0, 0.5);
  in_range(o, "r0_rel", r0_rel, 0.0, 0.9);
  in_range(o, "soc_abs", soc_abs, 0.0, 0.5);
}

void BatteryParams::validate() const {
  cell.validate();
  in_range("BatteryParams", "busbar_ohm", busbar_ohm, 0.0, 1.0);
  in_range("BatteryParams", "initial_soc", initial_soc, 0.0, 1.0);
  in_range("BatteryParams", "balance_current_a", balance_current_a, 0.0, 10.0);
  in_range("BatteryParams", "balance_start_v", balance_start_v, 3.0, 4.5);
  in_range("BatteryParams", "balance_delta_v", balance_delta_v, 0.0, 1.0);
  smart_bms.validate();
}

void BankParams::validate() const {
  const double n = static_cast<double>(batteries.size());
  in_range("BankParams", "batteries.size()", n, 1, kMaxBatteries);
  for (const auto& b : batteries) b.validate();
  spread.validate();
}

void AlternatorParams::validate() const {
  const char* o = "AlternatorParams";
  above(o, "rated_current_a", rated_current_a, 0.0, 1000.0);
  above(o, "pulley_ratio", pulley_ratio, 0.0, 10.0);
  in_range(o, "set_point_v", set_point_v, 10.0, 20.0);
  in_range(o, "temp_slope_v_per_c", temp_slope_v_per_c, -0.1, 0.1);
  in_range(o, "set_point_min_v", set_point_min_v, 8.0, 20.0);
  in_range(o, "set_point_max_v", set_point_max_v, set_point_min_v, 20.0);
  above(o, "droop_ohm", droop_ohm, 0.0, 10.0);
  above(o, "regulator_tau_s", regulator_tau_s, 0.0, 100.0);
  in_range(o, "transient_ohm", transient_ohm, 0.0, 10.0);
  above(o, "field_tau_s", field_tau_s, 0.0, 100.0);
  above(o, "efficiency", efficiency, 0.0, 1.0);
  above(o, "heat_capacity_j_per_k", heat_capacity_j_per_k, 0.0, 1e7);
  above(o, "thermal_resistance_k_per_w", thermal_resistance_k_per_w, 0.0, 100.0);
  in_range(o, "idle_thermal_factor", idle_thermal_factor, 1.0, 10.0);
  in_range(o, "idle_alt_rpm", idle_alt_rpm, 0.0, 30000.0);
  in_range(o, "fan_full_alt_rpm", fan_full_alt_rpm, idle_alt_rpm, 30000.0);
  in_range(o, "foldback_start_c", foldback_start_c, 0.0, 300.0);
  in_range(o, "foldback_end_c", foldback_end_c, foldback_start_c + 1e-9, 300.0);
}

void LoadDumpParams::validate() const {
  const char* o = "LoadDumpParams";
  in_range(o, "peak_v", peak_v, 0.0, 200.0);
  in_range(o, "rise_s", rise_s, 0.0, 1.0);
  above(o, "decay_tau_s", decay_tau_s, 0.0, 10.0);
  above(o, "internal_resistance_ohm", internal_resistance_ohm, 0.0, 100.0);
}

void StarterBatteryParams::validate() const {
  const char* o = "StarterBatteryParams";
  above(o, "capacity_ah", capacity_ah, 0.0, 10000.0);
  above(o, "r0_ohm", r0_ohm, 0.0, 1.0);
  in_range(o, "initial_soc", initial_soc, 0.0, 1.0);
  in_range(o, "acceptance_v", acceptance_v, 13.0, 16.0);
  above(o, "float_current_a", float_current_a, 0.0, 1000.0);
  in_range(o, "gassing_v", gassing_v, 13.0, 16.0);
  in_range(o, "gassing_temp_v_per_c", gassing_temp_v_per_c, -0.1, 0.0);
  above(o, "gassing_ohm", gassing_ohm, 0.0, 100.0);
  in_range(o, "surface_ohm", surface_ohm, 0.0, 1.0);
  above(o, "surface_tau_s", surface_tau_s, 0.0, 1e6);
}

void CrankProfile::validate() const {
  const char* o = "CrankProfile";
  in_range(o, "inrush_a", inrush_a, 0.0, 3000.0);
  in_range(o, "inrush_s", inrush_s, 0.0, 10.0);
  in_range(o, "crank_a", crank_a, 0.0, 3000.0);
  in_range(o, "crank_s", crank_s, 0.0, 60.0);
  above(o, "stall_v", stall_v, 0.0, 12.0);
}

void PowerStageParams::validate() const {
  const char* o = "PowerStageParams";
  above(o, "on_resistance_ohm", on_resistance_ohm, 0.0, 1.0);
  in_range(o, "wiring_ohm", wiring_ohm, 0.0, 1.0);
  in_range(o, "limit_tau_s", limit_tau_s, 0.0, 10.0);
  above(o, "max_limit_a", max_limit_a, 0.0, 1000.0);
  above(o, "heat_capacity_j_per_k", heat_capacity_j_per_k, 0.0, 1e6);
  above(o, "thermal_resistance_k_per_w", thermal_resistance_k_per_w, 0.0, 100.0);
  above(o, "reverse_limit_a", reverse_limit_a, 0.0, 1e5);
  in_range(o, "gain_error", gain_error, -0.5, 0.5);
  in_range(o, "offset_a", offset_a, -20.0, 20.0);
  in_range(o, "windup_fraction", windup_fraction, 0.0, 5.0);
  above(o, "windup_tau_s", windup_tau_s, 0.0, 10.0);
  in_range(o, "junction_k_per_w", junction_k_per_w, 0.0, 100.0);
  above(o, "junction_tau_s", junction_tau_s, 0.0, 100.0);
  in_range(o, "junction_max_c", junction_max_c, 50.0, 1000.0);
}

void FuseParams::validate() const {
  const char* o = "FuseParams";
  in_range(o, "rating_a", rating_a, 1.0, 1000.0);
  in_range(o, "blow_multiple", blow_multiple, 1.0, 10.0);
  above(o, "tau_s", tau_s, 0.0, 1000.0);
}

void ChargerParams::validate() const {
  const char* o = "ChargerParams";
  in_range(o, "cv_v", cv_v, 10.0, 16.0);
  in_range(o, "cc_a", cc_a, 0.0, 500.0);
  above(o, "output_ohm", output_ohm, 0.0, 10.0);
  in_range(o, "input_threshold_v", input_threshold_v, 0.0, 20.0);
  above(o, "input_ohm", input_ohm, 0.0, 1e9);
}

void LoadParams::validate() const {
  const char* o = "LoadParams";
  in_range(o, "current_a", current_a, 0.0, 2000.0);
  in_range(o, "power_w", power_w, 0.0, 30000.0);
  if (!(resistance_ohm == 0.0 || (resistance_ohm >= 1e-3 && resistance_ohm <= 1e9)))
    fail(o, "resistance_ohm", resistance_ohm, "{0} or [0.001, 1e9]");
  in_range(o, "input_threshold_v", input_threshold_v, 0.0, 20.0);
  above(o, "input_ohm", input_ohm, 0.0, 1e9);
}

void PinParams::validate() const {
  const char* o = "PinParams";
  in_range(o, "ld_cd_drop_v", ld_cd_drop_v, 0.0, 2.0);
  above(o, "ld_cd_current_limit_a", ld_cd_current_limit_a, 0.0, 1.0);
  above(o, "pa_source_ohm", pa_source_ohm, 0.0, 100.0);
  above(o, "pa_rated_a", pa_rated_a, 0.0, 100.0);
  if (!(pa_load_ohm == 0.0 || (pa_load_ohm >= 1e-3 && pa_load_ohm <= 1e9)))
    fail(o, "pa_load_ohm", pa_load_ohm, "{0 = nothing connected} or [0.001, 1e9]");
}

void RemoteParams::validate() const {
  const char* o = "RemoteParams";
  above(o, "l_pullup_ohm", l_pullup_ohm, 0.0, 1e9);
  above(o, "h_pulldown_ohm", h_pulldown_ohm, 0.0, 1e9);
  if (!(h_drive_v < 0.0 || h_drive_v <= 60.0)) fail(o, "h_drive_v", h_drive_v, "(<0 = V_li) or [0, 60]");
}

void WorldParams::validate() const {
  bank.validate();
  alternator.validate();
  starter.validate();
  power_stage.validate();
  fuse.validate();
  charger.validate();
  in_range("WorldParams", "loads.size()", static_cast<double>(loads.size()), 0, 16);
  for (const auto& l : loads) l.validate();
  pins.validate();
  remote.validate();
  sensors.validate();
  in_range("WorldParams", "ambient_c", ambient_c, -40.0, 85.0);
  in_range("WorldParams", "engine_rpm", engine_rpm, 0.0, 8000.0);
}

void NtcFrontEnd::validate() const {
  const char* o = "NtcFrontEnd";
  above(o, "r25_ohm", r25_ohm, 0.0, 1e7);
  above(o, "beta_k", beta_k, 0.0, 1e5);
  above(o, "pullup_ohm", pullup_ohm, 0.0, 1e7);
  in_range(o, "adc_bits", static_cast<double>(adc_bits), 4.0, 24.0);
}

void SensorParams::validate() const {
  const char* o = "SensorParams";
  in_range(o, "cell_v_offset_max_v", cell_v_offset_max_v, 0.0, 1.0);
  in_range(o, "cell_v_sigma_v", cell_v_sigma_v, 0.0, 1.0);
  in_range(o, "cell_temp_offset_max_c", cell_temp_offset_max_c, 0.0, 50.0);
  in_range(o, "cell_temp_sigma_c", cell_temp_sigma_c, 0.0, 50.0);
  in_range(o, "heatsink_offset_max_c", heatsink_offset_max_c, 0.0, 50.0);
  in_range(o, "heatsink_sigma_c", heatsink_sigma_c, 0.0, 50.0);
  ntc.validate();
}

void SensorFault::validate() const {
  const char* o = "SensorFault";
  if (!std::isfinite(value)) fail(o, "value", value, "finite values");
  in_range(o, "sigma", sigma, 0.0, 100.0);
}

}  // namespace plant
