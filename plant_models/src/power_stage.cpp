#include "plant/power_stage.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace plant {

PowerStage::PowerStage(const PowerStageParams& p, double temp_c) : p_(p), temp_c_(temp_c), junction_c_(temp_c) {
  p.validate();
}

void PowerStage::set_command(bool path_on, double limit_a) {
  path_on_ = path_on;
  cmd_limit_a_ = std::isnan(limit_a) ? 0.0 : std::clamp(limit_a, 0.0, p_.max_limit_a);
  if (!path_on_) { limit_a_ = 0.0; windup_a_ = 0.0; }  // turning the path off is immediate (gate discharged)
}

double PowerStage::effective_limit_a() const {
  if (!path_on_ || limit_a_ <= 0.0) return 0.0;
  return std::max(0.0, limit_a_ * (1.0 + p_.gain_error) + p_.offset_a + windup_a_);
}

void PowerStage::set_heatsink_temperature_c(double t) {
  if (!(t >= -40.0 && t <= 200.0)) throw std::invalid_argument("power stage heatsink temperature must be -40..200 degC");
  temp_c_ = t;
}

void PowerStage::advance(double current_a, double drop_v, double dt_s, double ambient_c) {
  // The loop regulates (its error is <= 0) while the current reaches the nominal limit; below it the loop's
  // integrator is saturated (gate fully on) and winds up.
  const bool at_limit = path_on_ && current_a >= limit_a_ * (1.0 + p_.gain_error) + p_.offset_a - 1e-9;
  current_a_ = current_a;
  drop_v_ = drop_v;
  if (dt_s != cache_dt_s_) {
    cache_dt_s_ = dt_s;
    e_lim_ = p_.limit_tau_s > 0.0 ? std::exp(-dt_s / p_.limit_tau_s) : 0.0;
    e_th_ = std::exp(-dt_s / (p_.heat_capacity_j_per_k * p_.thermal_resistance_k_per_w));
    e_wu_ = std::exp(-dt_s / p_.windup_tau_s);
    e_j_ = std::exp(-dt_s / p_.junction_tau_s);
  }
  const double p_w = std::fabs(current_a * drop_v);
  const double rise = p_w * p_.thermal_resistance_k_per_w;
  temp_c_ = ambient_c + rise + (temp_c_ - ambient_c - rise) * e_th_;
  const double j_rise = p_w * p_.junction_k_per_w;
  junction_c_ = temp_c_ + j_rise + (junction_c_ - temp_c_ - j_rise) * e_j_;
  if (junction_c_ > p_.junction_max_c) failed_ = true;
  if (path_on_) {
    limit_a_ = cmd_limit_a_ + (limit_a_ - cmd_limit_a_) * e_lim_;
    // Regulating: the loop pulls the wind-up back with its own τ; below the limit it winds up.
    const double target = at_limit ? 0.0 : p_.windup_fraction * limit_a_;
    windup_a_ = target + (windup_a_ - target) * (at_limit ? e_lim_ : e_wu_);
  } else {
    limit_a_ = 0.0;
    windup_a_ = 0.0;
  }
}

Fuse::Fuse(const FuseParams& p) : p_(p) { p.validate(); }

void Fuse::advance(double current_a, double dt_s) {
  if (blown_) return;
  if (dt_s != cache_dt_s_) {
    cache_dt_s_ = dt_s;
    e_ = std::exp(-dt_s / p_.tau_s);
  }
  const double r = current_a / p_.rating_a;
  heat_ = r * r + (heat_ - r * r) * e_;
  if (heat_ >= p_.blow_multiple * p_.blow_multiple) blown_ = true;
}

}  // namespace plant
