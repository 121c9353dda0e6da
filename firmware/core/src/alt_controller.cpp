#include "fw/alt_controller.hpp"

namespace fw {
namespace {

// One PI regulator step with the output and the integrator clamped to 0..limit. When the error asks for
// less current and the integrator is above what actually flows (+ kBumpMa), it first drops to that level.
std::int32_t pi_step(std::int32_t& integrator_ma, std::int32_t error_mv, std::int32_t measured_ma,
                     std::int32_t limit_ma, std::uint32_t dt_ms) {
  std::int64_t i = integrator_ma;
  if (error_mv < 0) {
    const std::int64_t cap = std::int64_t{measured_ma > 0 ? measured_ma : 0} + AltController::kBumpMa;
    if (i > cap) i = cap;
  }
  std::int64_t delta = std::int64_t{AltController::kKiMaPerMvMs} * error_mv * std::int64_t{dt_ms};
  i += delta;
  if (i < 0) i = 0;
  if (i > limit_ma) i = limit_ma;
  integrator_ma = static_cast<std::int32_t>(i);
  std::int64_t u = i + std::int64_t{AltController::kKpMaPerMv} * error_mv;
  if (u < 0) u = 0;
  if (u > limit_ma) u = limit_ma;
  return static_cast<std::int32_t>(u);
}

constexpr std::int32_t min32(std::int32_t a, std::int32_t b) { return a < b ? a : b; }

// ceil(amount_ma × dt_ms / period_ms), ≥ 0.
std::int32_t per_period(std::int32_t amount_ma, std::uint32_t dt_ms, std::uint32_t period_ms) {
  if (amount_ma <= 0) return 0;
  return static_cast<std::int32_t>((std::int64_t{amount_ma} * dt_ms + period_ms - 1) / period_ms);
}

// ALT-1: how far below the last good current the first cut goes (0.5 A + 1/16 of it).
constexpr std::int32_t knee_backoff_ma(std::int32_t good_ma) {
  return kKneeBackoffMa + (good_ma > 0 ? good_ma / kKneeBackoffDiv : 0);
}

}  // namespace

AltStatus AltController::step(const AltInputs& in, std::uint32_t dt_ms) {
  AltStatus s;

  // ALT-6: thermal derating with a 10 °C backlash. An implausible reading counts as hot.
  const std::int32_t t = in.heatsink_temp_dc;
  const bool sensor_ok = t >= kHeatsinkValidMinDc && t <= kHeatsinkValidMaxDc;
  if (!sensor_ok) {
    temp_used_dc_ = static_cast<std::int16_t>(kDerateEndDc);
    temp_init_ = true;
  } else if (!temp_init_ || t > temp_used_dc_) {
    temp_used_dc_ = static_cast<std::int16_t>(t);
    temp_init_ = true;
  } else if (t < temp_used_dc_ - kDerateHysteresisDc) {
    temp_used_dc_ = static_cast<std::int16_t>(t + kDerateHysteresisDc);
  }
  const std::int32_t limit = current_limit_ma(in.fuse_rating_a);
  s.derated_limit_ma = sensor_ok ? derated_limit_ma(limit, temp_used_dc_) : 0;
  s.derating = !sensor_ok || temp_used_dc_ > kDerateStartDc;

  // ALT-5: alternator-port over-voltage block.
  if (!ov_block_) {
    if (ov_set_.update(in.alt_port_mv > kAltOverVoltageMv, dt_ms) >= kAltOverVoltageMs) {
      ov_block_ = true;
      ov_set_.clear();
    }
  } else if (ov_clear_.update(in.alt_port_mv <= kAltOverVoltageClearMv, dt_ms) >= kAltOverVoltageClearMs) {
    ov_block_ = false;
    ov_clear_.clear();
  }
  s.overvoltage_block = ov_block_;

  // ALT-1: current may flow only while the port exceeds 13.000 V; at or under it for kFloorOffMs → path off.
  const bool below_floor = in.alt_port_mv <= kAltFloorMv;
  const std::uint32_t low_ms = floor_low_.update(below_floor, dt_ms);
  s.floor_timed_out = low_ms >= kFloorOffMs;

  // ALT-7 (permission), ALT-5 (block), ALT-1 (floor time-out), ALT-2 (one-way: V_alt > V_li and no current
  // measured flowing back).
  const bool allowed = in.permitted && !ov_block_ && !s.floor_timed_out;
  const bool forward = in.alt_port_mv > in.li_port_mv && in.alt_current_ma >= 0;
  const std::uint32_t reverse_ms = reverse_.update(!forward, dt_ms);
  // ALT-4: no current measured for kNoCurrentRearmMs while the path is on (a blown fuse, a loose lug, a command
  // of 0): the soft start is re-armed, so the current resumes from its first step, not at the full limit.
  const std::uint32_t no_current_ms = no_current_.update(in.alt_current_ma <= kNoCurrentMa, dt_ms);
  if (!allowed || (!forward && reverse_ms >= kOneWayResetMs)) {
    open_ = false;
    on_ms_ = 0;
    floor_int_ma_ = 0;
    li_int_ma_ = limit;
    knee_cap_ma_ = limit;
    knee_ma_ = limit;
    knee_active_ = false;
    good_ma_ = 0;
  } else if (!forward) {
    // Off for this sample. A short reversal (measurement noise at a low current) keeps the regulators' state, a
    // longer one (≥ kOneWayResetMs) restarts them; either way the current restarts with soft start (ALT-4).
    on_ms_ = 0;
    floor_int_ma_ = 0;
  } else {
    std::uint32_t dt = dt_ms;
    if (!open_) {  // the path opens on this sample: soft start and regulators start afresh
      open_ = true;
      on_ms_ = 0;
      floor_int_ma_ = 0;
      li_int_ma_ = limit;
      knee_cap_ma_ = limit;
      knee_ma_ = limit;
      knee_active_ = false;
      good_ma_ = 0;
      dt = 0;
    } else {
      on_ms_ = detail::sat_add(on_ms_, dt_ms);
      if (no_current_ms >= kNoCurrentRearmMs && on_ms_ > kSoftStartFirstStepMs) on_ms_ = kSoftStartFirstStepMs;
    }
    // ALT-1 knee cap: a source whose voltage collapses past a current (a starter battery at the end of its
    // charge acceptance, an alternator at its ceiling) has no operating point at 13.0 V; the cap remembers the
    // current at which the port last fell and re-approaches it slowly, so such a knee is crossed about once a
    // second, and each crossing is cut at once (below).
    const std::int32_t measured = in.alt_current_ma > 0 ? in.alt_current_ma : 0;
    if (!knee_active_ || knee_cap_ma_ > limit) knee_cap_ma_ = limit;  // inactive: follows I_lim
    if (!below_floor) {
      good_ma_ = measured;
      if (knee_cap_ma_ < limit) {  // creep: slowly over the last back-off under the knee, fast elsewhere
        const std::int32_t kb = knee_backoff_ma(knee_ma_);
        const bool near_knee = knee_cap_ma_ < knee_ma_ && knee_cap_ma_ >= knee_ma_ - kb;
        const std::int32_t up = near_knee ? per_period(kb, dt, kKneeCreepMs) : per_period(limit, dt, kSoftStartMs);
        knee_cap_ma_ = min32(limit, knee_cap_ma_ + up);
      }
      if (knee_cap_ma_ >= limit) knee_active_ = false;
    } else if (low_ms == 0) {  // first sample at or under the floor: remember the knee under the last good current
      // If less flows than at the last good sample, the source itself fell (belt slip, engine slowing): the knee
      // is below what flows now, so cap deeper (to half), the power stage following the command with a lag.
      const bool source_fell = measured + knee_backoff_ma(measured) < good_ma_;
      knee_ma_ = source_fell ? measured : good_ma_;
      knee_active_ = true;
      const std::int32_t cut = source_fell ? knee_ma_ / 2 : knee_ma_ - knee_backoff_ma(knee_ma_);
      knee_cap_ma_ = min32(knee_cap_ma_, cut);
      if (knee_cap_ma_ < 0) knee_cap_ma_ = 0;
    } else {  // still under the floor: the cap falls by I_lim per kFloorCutRampMs
      knee_active_ = true;
      knee_cap_ma_ -= per_period(limit, dt, kFloorCutRampMs);
      if (knee_cap_ma_ < 0) knee_cap_ma_ = 0;
    }
    if (below_floor) {  // ALT-1: command 0 on this very sample; the current resumes from 0 with soft start (ALT-4)
      on_ms_ = 0;
      floor_int_ma_ = 0;
    }
    const std::uint32_t ramp_ms = on_ms_ < kSoftStartMs ? on_ms_ : kSoftStartMs;
    const auto ramp = static_cast<std::int32_t>(std::int64_t{limit} * ramp_ms / kSoftStartMs);
    // The floor PI's integrator never sits above the soft start or the knee cap (no wind-up behind them), so it
    // takes over from a resuming soft start without overshooting the set-point.
    const std::int32_t others = min32(ramp, knee_cap_ma_);
    if (floor_int_ma_ > others) floor_int_ma_ = others;
    std::int32_t floor = min32(pi_step(floor_int_ma_, in.alt_port_mv - kAltFloorTargetMv, in.alt_current_ma, limit, dt),
                               knee_cap_ma_);
    if (below_floor) floor = 0;
    const std::int32_t li = pi_step(li_int_ma_, kLiPortTargetMv - in.li_port_mv, in.alt_current_ma, limit, dt);
    s.path_on = true;
    s.limit_ma = min32(min32(ramp, s.derated_limit_ma), min32(floor, li));
  }

  // O-01: alternator-charging LED from the measured current.
  if (!charging_led_) {
    if (led_on_.update(in.alt_current_ma > kAltChargingOnMa, dt_ms) >= kAltChargingOnMs) {
      charging_led_ = true;
      led_on_.clear();
    }
  } else if (led_off_.update(in.alt_current_ma < kAltChargingOffMa, dt_ms) >= kAltChargingOffMs) {
    charging_led_ = false;
    led_off_.clear();
  }
  s.charging_led = charging_led_;
  return s;
}

}  // namespace fw
