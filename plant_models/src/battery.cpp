#include "plant/battery.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace plant {
namespace {
constexpr double kEps = 1e-9;  // timer comparisons robust to summing many small dt
void check_cell(int c) {
  if (c < 0 || c >= kCellsPerBattery)
    throw std::out_of_range("plant: cell index " + std::to_string(c) + " is outside [0, 3]");
}
}

SmartBmsEmulator::SmartBmsEmulator(const SmartBmsParams& p) : p_(p) { p.validate(); }

void SmartBmsEmulator::update(double min_v, double max_v, double min_t, double max_t, double dt) {
  // ATD (cell under-voltage), with recovery hysteresis and delay.
  if (atd_) {
    t_uv_ = min_v < p_.load_disconnect_v ? t_uv_ + dt : 0.0;
    if (t_uv_ + kEps >= p_.uv_delay_s) { atd_ = false; t_uv_ = 0.0; t_uv_rec_ = 0.0; }
  } else {
    t_uv_rec_ = min_v >= p_.load_disconnect_v + p_.atd_recover_hyst_v ? t_uv_rec_ + dt : 0.0;
    if (t_uv_rec_ + kEps >= p_.recover_delay_s) { atd_ = true; t_uv_rec_ = 0.0; t_uv_ = 0.0; }
  }
  // Pre-alarm request.
  if (!pa_) {
    t_pa_ = min_v < p_.prealarm_v ? t_pa_ + dt : 0.0;
    if (t_pa_ + kEps >= p_.uv_delay_s) { pa_ = true; t_pa_ = 0.0; t_pa_rec_ = 0.0; }
  } else {
    t_pa_rec_ = min_v >= p_.prealarm_v + p_.prealarm_clear_hyst_v ? t_pa_rec_ + dt : 0.0;
    if (t_pa_rec_ + kEps >= p_.recover_delay_s) { pa_ = false; t_pa_rec_ = 0.0; t_pa_ = 0.0; }
  }
  // ATC causes.
  if (!ov_) {
    t_ov_ = max_v >= p_.cell_overvoltage_v ? t_ov_ + dt : 0.0;
    if (t_ov_ + kEps >= p_.ov_delay_s) { ov_ = true; t_ov_ = 0.0; }
  } else if (max_v <= p_.ov_recover_v) {
    ov_ = false;
  }
  if (!ot_) {
    t_ot_ = max_t > p_.over_temp_c ? t_ot_ + dt : 0.0;
    if (t_ot_ + kEps >= p_.temp_delay_s) { ot_ = true; t_ot_ = 0.0; }
  } else if (max_t < p_.over_temp_recover_c) {
    ot_ = false;
  }
  if (!ut_) {
    t_ut_ = min_t < p_.low_temp_charge_c ? t_ut_ + dt : 0.0;
    if (t_ut_ + kEps >= p_.temp_delay_s) { ut_ = true; t_ut_ = 0.0; }
  } else if (min_t >= p_.low_temp_charge_c + p_.low_temp_hyst_c) {
    ut_ = false;
  }
  atc_ = !(ov_ || ot_ || ut_);
}

Battery::Battery(const BatteryParams& p, double temp_c) : p_(p), bms_(p.smart_bms) {
  p.validate();
  for (auto& c : cells_) c = LfpCell(p.cell, p.initial_soc, temp_c);
  sample_sensors();
}


LfpCell& Battery::cell(int c) { check_cell(c); return cells_[static_cast<std::size_t>(c)]; }
const LfpCell& Battery::cell(int c) const { check_cell(c); return cells_[static_cast<std::size_t>(c)]; }
Sensor& Battery::voltage_sensor(int c) { check_cell(c); return v_sensors_[static_cast<std::size_t>(c)]; }
Sensor& Battery::temperature_sensor(int c) { check_cell(c); return t_sensors_[static_cast<std::size_t>(c)]; }
double Battery::cell_voltage_reading_v(int c) const { check_cell(c); return v_sensors_[static_cast<std::size_t>(c)].reading(); }
double Battery::cell_temperature_reading_c(int c) const { check_cell(c); return t_sensors_[static_cast<std::size_t>(c)].reading(); }

StepModel Battery::step_model(const CellStepFactors& f) const {
  StepModel m{0.0, p_.busbar_ohm};
  if (p_.balance_current_a > 0.0) {
    double vmin = cells_[0].terminal_v();
    for (const auto& c : cells_) vmin = std::min(vmin, c.terminal_v());
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const double v = cells_[i].terminal_v();
      bleed_a_[i] = (v >= p_.balance_start_v && v > vmin + p_.balance_delta_v) ? p_.balance_current_a : 0.0;
    }
  }
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    const StepModel cm = cells_[i].step_model(f);
    m.e_v += cm.e_v - bleed_a_[i] * cm.r_ohm;  // the cell carries I - bleed
    m.r_ohm += cm.r_ohm;
  }
  return m;
}

double Battery::balance_current_a(int c) const { check_cell(c); return bleed_a_[static_cast<std::size_t>(c)]; }

void Battery::advance(double current_a, const CellStepFactors& f, double ambient_c) {
  advance_cells(current_a, f, ambient_c);
  finish_cells();
  finish_step(f.dt_s);
}

void Battery::advance_cells(double current_a, const CellStepFactors& f, double ambient_c) {
  current_a_ = current_a;
  for (std::size_t i = 0; i < cells_.size(); ++i) cells_[i].advance_state(current_a - bleed_a_[i], f, ambient_c);
}

void Battery::finish_cells() {
  for (auto& c : cells_) c.finish_step();
}

void Battery::finish_step(double dt_s) {
  sample_sensors();
  double vmin = v_sensors_[0].reading(), vmax = vmin;
  double tmin = t_sensors_[0].reading(), tmax = tmin;
  for (std::size_t i = 1; i < cells_.size(); ++i) {
    vmin = std::min(vmin, v_sensors_[i].reading());
    vmax = std::max(vmax, v_sensors_[i].reading());
    tmin = std::min(tmin, t_sensors_[i].reading());
    tmax = std::max(tmax, t_sensors_[i].reading());
  }
  bms_.update(vmin, vmax, tmin, tmax, dt_s);
}

void Battery::sample_sensors() {
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    v_sensors_[i].sample(cells_[i].terminal_v());
    t_sensors_[i].sample(cells_[i].temperature_c());
  }
}

double Battery::terminal_v() const {
  double v = current_a_ * p_.busbar_ohm;
  for (const auto& c : cells_) v += c.terminal_v();
  return v;
}

double Battery::soc() const {
  double s = 0.0;
  for (const auto& c : cells_) s += c.soc();
  return s / kCellsPerBattery;
}

double Battery::min_soc() const {
  double s = cells_[0].soc();
  for (const auto& c : cells_) s = std::min(s, c.soc());
  return s;
}

double Battery::charge_ah() const {
  double q = 0.0;
  for (const auto& c : cells_) q += c.charge_ah();
  return q / kCellsPerBattery;
}

CableSignals Battery::cable_signals() const {
  if (!cable_connected_) return CableSignals{false, false, false, false};
  auto line = [&](CableLine l, bool v) {
    const auto f = line_force_[static_cast<std::size_t>(l)];
    return f < 0 ? v : f != 0;
  };
  return CableSignals{true, line(CableLine::kAllowedToCharge, bms_.atc()),
                      line(CableLine::kAllowedToDischarge, bms_.atd()), line(CableLine::kPrealarm, bms_.prealarm())};
}

}  // namespace plant
