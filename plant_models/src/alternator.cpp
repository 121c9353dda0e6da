#include "plant/alternator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace plant {
namespace {
struct SpeedPoint { double rpm, f; };
// Research-notes §4.5: cut-in below 1000 rpm (linear from 0 at 1000 to 0.55 at 1500), Bosch T1 points.
constexpr std::array<SpeedPoint, 7> kSpeed{{
    {1000, 0.0}, {1500, 0.55}, {2000, 0.70}, {3000, 0.85}, {4000, 0.92}, {6000, 0.97}, {8000, 1.0}}};

void check_alt(const char* name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) {
    std::ostringstream os;
    os << "plant: Alternator." << name << " = " << v << " is outside [" << lo << ", " << hi << "]";
    throw std::invalid_argument(os.str());
  }
}
}  // namespace

double alternator_speed_factor(double rpm) {
  if (rpm <= kSpeed.front().rpm) return 0.0;
  if (rpm >= kSpeed.back().rpm) return 1.0;
  std::size_t i = 0;
  while (rpm > kSpeed[i + 1].rpm) ++i;
  const double t = (rpm - kSpeed[i].rpm) / (kSpeed[i + 1].rpm - kSpeed[i].rpm);
  return kSpeed[i].f + t * (kSpeed[i + 1].f - kSpeed[i].f);
}

Alternator::Alternator(const AlternatorParams& p, double temp_c) : p_(p) {
  p.validate();
  check_alt("temperature_c", temp_c, -60.0, 300.0);
  temp_c_ = temp_c;
  v_reg_ = set_point_v();
}

void Alternator::set_engine_rpm(double rpm) { check_alt("engine_rpm", rpm, 0.0, 20000.0); engine_rpm_ = rpm; }
void Alternator::set_belt_slip(double fraction) { check_alt("belt_slip", fraction, 0.0, 1.0); slip_ = fraction; }
void Alternator::set_regulator_failure(std::optional<double> v) {
  if (v) check_alt("regulator_failure_set_point_v", *v, 0.0, 60.0);
  forced_set_point_v_ = v;
}
void Alternator::start_load_dump(const LoadDumpParams& p) {
  p.validate();
  dump_ = p;
  dump_active_ = true;
  dump_t_s_ = 0.0;
}

double Alternator::alt_rpm() const { return engine_rpm_ * p_.pulley_ratio * (1.0 - slip_); }

double Alternator::set_point_v() const {
  if (forced_set_point_v_) return *forced_set_point_v_;
  const double v = p_.set_point_v + p_.temp_slope_v_per_c * (temp_c_ - 25.0);
  return std::clamp(v, p_.set_point_min_v, p_.set_point_max_v);
}

double Alternator::ceiling_a() const {
  double g = 1.0;
  if (p_.thermal_foldback && temp_c_ > p_.foldback_start_c) {
    const double t = std::min(1.0, (temp_c_ - p_.foldback_start_c) / (p_.foldback_end_c - p_.foldback_start_c));
    g = 1.0 - 0.5 * t;
  }
  return p_.rated_current_a * alternator_speed_factor(alt_rpm()) * g;
}

double Alternator::load_dump_emf_v() const {
  if (!dump_active_) return 0.0;
  double u;
  if (dump_t_s_ < dump_.rise_s) u = dump_.peak_v * dump_t_s_ / dump_.rise_s;
  else u = dump_.peak_v * std::exp(-(dump_t_s_ - dump_.rise_s) / dump_.decay_tau_s);
  return v_reg_ + u;
}

double Alternator::thermal_resistance_k_per_w() const {
  const double n = alt_rpm();
  double k;
  if (n <= p_.idle_alt_rpm) k = p_.idle_thermal_factor;
  else if (n >= p_.fan_full_alt_rpm) k = 1.0;
  else k = p_.idle_thermal_factor + (1.0 - p_.idle_thermal_factor) * (n - p_.idle_alt_rpm) /
                                        (p_.fan_full_alt_rpm - p_.idle_alt_rpm);
  return p_.thermal_resistance_k_per_w * k;
}

void Alternator::advance(double output_a, double terminal_v, double dt_s, double ambient_c) {
  current_a_ = output_a;
  voltage_v_ = terminal_v;
  const double rth = thermal_resistance_k_per_w();
  if (dt_s != cache_dt_s_ || rth != cache_rth_) {
    cache_dt_s_ = dt_s;
    cache_rth_ = rth;
    e_th_ = std::exp(-dt_s / (rth * p_.heat_capacity_j_per_k));
    e_reg_ = std::exp(-dt_s / p_.regulator_tau_s);
    e_field_ = std::exp(-dt_s / p_.field_tau_s);
  }
  field_a_ = output_a + (field_a_ - output_a) * e_field_;
  const double p_out = std::max(0.0, output_a * terminal_v);
  loss_w_ = p_out * (1.0 - p_.efficiency) / p_.efficiency;
  const double rise = loss_w_ * rth;
  temp_c_ = ambient_c + rise + (temp_c_ - ambient_c - rise) * e_th_;
  const double sp = set_point_v();
  v_reg_ = sp + (v_reg_ - sp) * e_reg_;
  if (dump_active_) {
    dump_t_s_ += dt_s;
    if (dump_t_s_ > dump_.rise_s + 12.0 * dump_.decay_tau_s) dump_active_ = false;
  }
}

}  // namespace plant
