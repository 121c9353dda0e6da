#include "plant/battery.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "cell_kernel.hpp"

namespace plant {
namespace {
constexpr double kEps = 1e-9;  // timer comparisons robust to summing many small dt
}

void Battery::bad_cell(int c) {
  throw std::out_of_range("plant: cell index " + std::to_string(c) + " is outside [0, 3]");
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

Battery::Battery() {
  const LfpCell cell;
  for (int c = 0; c < kCellsPerBattery; ++c) store_cell(c, cell);
}

Battery::Battery(const BatteryParams& p, double temp_c) : p_(p), bms_(p.smart_bms) {
  p.validate();
  const LfpCell cell(p.cell, p.initial_soc, temp_c);
  for (int c = 0; c < kCellsPerBattery; ++c) store_cell(c, cell);
  sample_sensors();
}

namespace {
// Every field of a cell's state, a pair of lanes against one cell: f(lanes_field, cell_field).
template <class Q, class S, class F> void each_field(Q& q, S& s, F f) {
  f(q.soc, s.soc); f(q.v1, s.v1); f(q.v2, s.v2); f(q.hyst, s.hyst); f(q.cold_u, s.cold_u); f(q.temp_c, s.temp_c);
  f(q.capacity_scale, s.capacity_scale); f(q.r0_scale, s.r0_scale); f(q.ocv_offset_v, s.ocv_offset_v);
  f(q.inv_q_as, s.inv_q_as); f(q.last_current_a, s.last_current_a); f(q.last_heat_w, s.last_heat_w);
  f(q.terminal_v, s.terminal_v); f(q.s_ocv, s.s_ocv); f(q.s_slope, s.s_slope); f(q.s_k, s.s_k);
  f(q.s_kt, s.s_kt); f(q.step_r0, s.step_r0);
}
}  // namespace

LfpCell Battery::cell_copy(int c) const {
  lanes::CellState<double> s;
  const auto& q = cells_[static_cast<std::size_t>(c / lanes::kLanes)];
  const int k = c % lanes::kLanes;
  each_field(q, s, [k](const lanes::Lanes2& v, double& x) { x = v[k]; });
  s.temp_hold = q.temp_hold[k] != 0;
  return LfpCell(p_.cell, s);
}

void Battery::store_cell(int c, const LfpCell& cell) {
  auto s = cell.s_;
  auto& q = cells_[static_cast<std::size_t>(c / lanes::kLanes)];
  const int k = c % lanes::kLanes;
  each_field(q, s, [k](lanes::Lanes2& v, double& x) { v[k] = x; });
  q.temp_hold[k] = s.temp_hold ? -1 : 0;
}

Sensor& Battery::voltage_sensor(int c) { check_cell(c); return v_sensors_[static_cast<std::size_t>(c)]; }
Sensor& Battery::temperature_sensor(int c) { check_cell(c); return t_sensors_[static_cast<std::size_t>(c)]; }

StepModel Battery::step_model(const CellStepFactors& f) const {
  StepModel m{0.0, p_.busbar_ohm};
  const auto tv = [this](int c) { return cell_lane(&lanes::CellState<lanes::Lanes2>::terminal_v, c); };
  if (p_.balance_current_a > 0.0) {
    double vmin = tv(0);
    for (int c = 0; c < kCellsPerBattery; ++c) vmin = std::min(vmin, tv(c));
    for (int c = 0; c < kCellsPerBattery; ++c) {
      const double v = tv(c);
      bleed_a_[static_cast<std::size_t>(c)] =
          (v >= p_.balance_start_v && v > vmin + p_.balance_delta_v) ? p_.balance_current_a : 0.0;
    }
  }
  for (std::size_t h = 0; h < cells_.size(); ++h) {
    const auto cm = detail::step_model(p_.cell, f, cells_[h]);
    for (int k = 0; k < lanes::kLanes; ++k) {
      const double bleed = bleed_a_[h * lanes::kLanes + static_cast<std::size_t>(k)];
      m.e_v += cm.e_v[k] - bleed * cm.r_ohm[k];  // the cell carries I - bleed
      m.r_ohm += cm.r_ohm[k];
    }
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
  for (std::size_t h = 0; h < cells_.size(); ++h) {
    const lanes::Lanes2 bleed{bleed_a_[2 * h], bleed_a_[2 * h + 1]};
    detail::advance_state(p_.cell, f, current_a - bleed, ambient_c, cells_[h]);
  }
}

void Battery::finish_cells() {
  for (auto& h : cells_) detail::finish_step(p_.cell, h);
}

void Battery::finish_step(double dt_s) {
  sample_sensors();
  double vmin = v_sensors_[0].reading(), vmax = vmin;
  double tmin = t_sensors_[0].reading(), tmax = tmin;
  for (std::size_t i = 1; i < kCellsPerBattery; ++i) {
    vmin = std::min(vmin, v_sensors_[i].reading());
    vmax = std::max(vmax, v_sensors_[i].reading());
    tmin = std::min(tmin, t_sensors_[i].reading());
    tmax = std::max(tmax, t_sensors_[i].reading());
  }
  bms_.update(vmin, vmax, tmin, tmax, dt_s);
}

void Battery::sample_sensors() {
  for (int c = 0; c < kCellsPerBattery; ++c) {
    v_sensors_[static_cast<std::size_t>(c)].sample(cell_lane(&lanes::CellState<lanes::Lanes2>::terminal_v, c));
    t_sensors_[static_cast<std::size_t>(c)].sample(cell_lane(&lanes::CellState<lanes::Lanes2>::temp_c, c));
  }
}

double Battery::terminal_v() const {
  double v = current_a_ * p_.busbar_ohm;
  for (int c = 0; c < kCellsPerBattery; ++c) v += cell_lane(&lanes::CellState<lanes::Lanes2>::terminal_v, c);
  return v;
}

double Battery::soc() const {
  double s = 0.0;
  for (int c = 0; c < kCellsPerBattery; ++c) s += cell_lane(&lanes::CellState<lanes::Lanes2>::soc, c);
  return s / kCellsPerBattery;
}

double Battery::min_soc() const {
  double s = cell_lane(&lanes::CellState<lanes::Lanes2>::soc, 0);
  for (int c = 0; c < kCellsPerBattery; ++c) s = std::min(s, cell_lane(&lanes::CellState<lanes::Lanes2>::soc, c));
  return s;
}

double Battery::charge_ah() const {
  double q = 0.0;
  for (int c = 0; c < kCellsPerBattery; ++c) q += cell(c).charge_ah();
  return q / kCellsPerBattery;
}


}  // namespace plant
