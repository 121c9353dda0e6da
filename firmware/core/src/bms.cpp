#include "fw/bms.hpp"

#include <type_traits>

namespace fw {

static_assert(std::is_trivially_copyable_v<Bms>, "Bms must be snapshot-able by copy");
static_assert(std::is_trivially_copyable_v<Outputs> && std::is_trivially_copyable_v<Inputs>);

namespace {

struct Bank {
  bool inputs_valid = false;  // raw: every reading in range / every cable connected (start-up, FLT-2)
  CellExtremes cells;
};

Bank scan_cells(const Inputs& in, int cell_count) {
  Bank b;
  b.inputs_valid = true;
  for (int i = 0; i < cell_count; ++i) {
    const std::int32_t v = in.cell_mv[i];
    if (v < kSensorCellMinMv || v > kSensorCellMaxMv) {
      b.inputs_valid = false;
    } else if (!b.cells.any_voltage) {
      b.cells.any_voltage = true;
      b.cells.min_mv = b.cells.max_mv = v;
    } else {
      if (v < b.cells.min_mv) b.cells.min_mv = v;
      if (v > b.cells.max_mv) b.cells.max_mv = v;
    }
    const std::int32_t t = in.cell_temp_dc[i];
    if (t < kSensorTempMinDc || t > kSensorTempMaxDc) {
      b.inputs_valid = false;
    } else if (!b.cells.any_temp) {
      b.cells.any_temp = true;
      b.cells.min_dc = b.cells.max_dc = t;
    } else {
      if (t < b.cells.min_dc) b.cells.min_dc = t;
      if (t > b.cells.max_dc) b.cells.max_dc = t;
    }
  }
  return b;
}

}  // namespace

ConfigError Bms::configure(const Config& config) {
  const ConfigError e = validate(config);
  if (e == ConfigError::kOk) config_ = config;
  return e;
}

void Bms::reset() {
  const Config keep = config_;
  *this = Bms{};
  config_ = keep;
}

Outputs Bms::step(const Inputs& in, Millis now) {
  // Time since the previous sample; 0 on the first sample after reset() and if `now` ever went backwards.
  const bool first_sample = !seeded_;
  const auto delta = static_cast<std::int32_t>(now - last_now_);
  const std::uint32_t dt = (first_sample || delta < 0) ? 0u : static_cast<std::uint32_t>(delta);
  last_now_ = now;
  seeded_ = true;
  // The input lines are (re)seeded from the first sample after reset and after a change of input mode.
  const bool first = first_sample || config_.input_mode != seeded_mode_;
  seeded_mode_ = config_.input_mode;

  int batteries = config_.battery_count;
  if (batteries < 1) batteries = 1;
  if (batteries > kMaxBatteries) batteries = kMaxBatteries;

  Outputs out;

  // --- Bank signals (TOP-1, TOP-4) and faults (FLT-1) ---------------------------------------------------
  bool inputs_valid = false;
  bool fault = false;
  bool atc = false;
  bool atd = false;
  bool pa_request = false;
  std::uint16_t ar = 0;
  std::uint32_t flags = 0;
  bool cell_min_valid = false;
  std::int32_t cell_min_mv = 0;
  if (config_.input_mode == InputMode::kCells) {
    const Bank bank = scan_cells(in, batteries * kCellsPerBattery);
    inputs_valid = bank.inputs_valid;
    if (first) sensor_fault_.seed(!inputs_valid);
    fault = sensor_fault_.update(!inputs_valid, dt, kSignalDeglitchMs);
    const CellFlags& cf = cells_.update(bank.cells, config_, dt);
    atc = cf.atc();
    atd = cf.atd();
    pa_request = cf.prealarm;
    cell_min_valid = bank.cells.any_voltage;
    cell_min_mv = bank.cells.min_mv;
    if (cf.under_voltage) {
      ar |= kArLowVoltage;
      flags |= kFlagAlarmUnderVoltage;
    }
    if (cf.prealarm) flags |= kFlagWarnUnderVoltage;
    if (cf.over_voltage) {
      ar |= kArHighVoltage;
      flags |= kFlagAlarmOverVoltage;
    }
    if (cf.over_temperature) {
      ar |= kArHighTemperature;
      flags |= kFlagAlarmOverTemperature;
    }
    if (cf.under_temperature) {
      ar |= kArLowTemperature;
      flags |= kFlagAlarmUnderTempCharge;
    }
    if (fault) out.bms_error = kBmsErrorSensor;
  } else {
    bool connected = true;
    bool raw_atc = true;
    bool raw_atd = true;
    bool raw_pa = false;
    for (int b = 0; b < batteries; ++b) {
      const BatterySignals& s = in.battery[b];
      connected = connected && s.connected;
      raw_atc = raw_atc && s.allowed_to_charge;
      raw_atd = raw_atd && s.allowed_to_discharge;
      raw_pa = raw_pa || s.prealarm;
    }
    inputs_valid = connected;
    if (first) {
      line_connected_.seed(connected);
      line_atc_.seed(raw_atc);
      line_atd_.seed(raw_atd);
      line_pa_.seed(raw_pa);
    }
    fault = !line_connected_.update(connected, dt, kSignalDeglitchMs);
    atc = line_atc_.update(raw_atc, dt, kSignalDeglitchMs);
    atd = line_atd_.update(raw_atd, dt, kSignalDeglitchMs);
    pa_request = line_pa_.update(raw_pa, dt, kSignalDeglitchMs);
    if (!fault && !atd) {
      ar |= kArLowVoltage;
      flags |= kFlagAlarmUnderVoltage;
    }
    if (!fault && pa_request) flags |= kFlagWarnUnderVoltage;
    if (fault) out.bms_error = kBmsErrorCable;
  }
  if (fault) {
    atc = false;
    atd = false;
    pa_request = true;
    ar |= kArBmsCable;
    flags |= kFlagAlarmHardwareFailure;
  }

  // --- Start-up (FLT-2, FLT-3) ----------------------------------------------------------------------------
  if (!started_ && valid_.update(inputs_valid, dt) >= kStartupValidMs) started_ = true;

  // --- Remote (RMT-1..RMT-3) ------------------------------------------------------------------------------
  const bool remote_raw = in.remote_l_mv < kRemoteLOnBelowMv || in.remote_h_mv > kRemoteHOnAboveMv;
  if (first) remote_.seed(remote_raw);
  const bool remote_on = remote_.update(remote_raw, dt, kRemoteDeglitchMs);
  const bool enabled = !(config_.system_switch && !remote_on);
  const bool active = started_ && enabled;

  // --- Pre-alarm (PA-1..PA-4, LD-3) -----------------------------------------------------------------------
  const bool want_prealarm = active && (pa_request || !atd);
  if (!want_prealarm) {
    prealarm_active_ = false;
    prealarm_ms_ = 0;
    prealarm_phase_ms_ = 0;
  } else if (!prealarm_active_) {
    prealarm_active_ = true;
    prealarm_ms_ = 0;
    prealarm_phase_ms_ = 0;
  } else {
    prealarm_ms_ = detail::sat_add(prealarm_ms_, dt);
    prealarm_phase_ms_ = static_cast<std::uint32_t>((std::uint64_t{prealarm_phase_ms_} + dt) %
                                                    (2 * kIntermittentHalfMs));
  }

  // --- Load disconnect (LD-1..LD-5) -----------------------------------------------------------------------
  const bool lead_done = prealarm_active_ && prealarm_ms_ >= kPrealarmLeadMs;
  const bool ld_by_lead = !atd && lead_done;
  // LD-5: the floor trips once the lowest cell has been below it for kEmergencyFloorHoldMs (the input deglitch
  // of O-08: one noisy sample does not float LD); it holds LD floating until LD-4's recovery (CELL-1: the lowest
  // cell ≥ load_disconnect + 0.10 V for 5 s, and ATD true), also when the cell came back before ATD fell.
  if (config_.input_mode == InputMode::kCells && config_.lvd_emergency_floor_mv != 0 && cell_min_valid) {
    if (!floor_tripped_) {
      if (floor_below_.update(cell_min_mv < config_.lvd_emergency_floor_mv, dt) >= kEmergencyFloorHoldMs) {
        floor_tripped_ = true;
        floor_below_.clear();
        floor_recover_.clear();
      }
    } else if (floor_recover_.update(cell_min_mv >= config_.load_disconnect_mv + kUnderVoltageRecoverMv, dt) >=
                   kUnderVoltageRecoverMs &&
               atd) {
      floor_tripped_ = false;
      floor_recover_.clear();
    }
  } else {
    floor_tripped_ = false;
    floor_below_.clear();
    floor_recover_.clear();
  }
  if (active && floor_tripped_ && !ld_by_lead) lead_violation_ = true;
  const bool load_high = active && !ld_by_lead && !floor_tripped_;

  // --- Charge disconnect (CD-1..CD-3) ---------------------------------------------------------------------
  if (!atc) {
    atc_true_ms_ = 0;
  } else {
    atc_true_ms_ = atc_was_true_ ? detail::sat_add(atc_true_ms_, dt) : 0;
  }
  atc_was_true_ = atc;
  const bool charge_high = active && atc;

  // --- Alternator path (ALT-1..ALT-7) ---------------------------------------------------------------------
  AltInputs ai;
  ai.permitted = active && atc && atc_true_ms_ >= kAtcResumeMs && remote_on;
  ai.fuse_rating_a = config_.fuse_rating_a;
  ai.alt_port_mv = in.alt_port_mv;
  ai.li_port_mv = in.li_port_mv;
  ai.alt_current_ma = in.alt_current_ma;
  ai.heatsink_temp_dc = in.heatsink_temp_dc;
  const AltStatus alt = alt_.step(ai, dt);
  if (alt.overvoltage_block) ar |= kArHighVoltage2;

  // --- Outputs --------------------------------------------------------------------------------------------
  out.load = load_high ? Pin::kHigh : Pin::kFloating;
  out.charge = charge_high ? Pin::kHigh : Pin::kFloating;
  const bool pa_pin = config_.prealarm_enabled && prealarm_active_ &&
                      (config_.prealarm_mode == PreAlarmMode::kContinuous ||
                       prealarm_phase_ms_ < kIntermittentHalfMs);
  out.prealarm = pa_pin ? Pin::kHigh : Pin::kFloating;
  out.alt_path_on = alt.path_on;
  out.alt_limit_ma = alt.path_on ? alt.limit_ma : 0;

  std::uint8_t leds = 0;
  if (active) leds |= kLedBmsActive;
  if (alt.derating) leds |= kLedLimiterHot;
  if (charge_high) leds |= kLedChargeEnabled;
  if (load_high) leds |= kLedLoadEnabled;
  if (alt.charging_led) leds |= kLedAltCharging;
  out.leds = leds;

  if (atc) flags |= kFlagAllowedToCharge;
  if (atd) flags |= kFlagAllowedToDischarge;
  if (prealarm_active_) flags |= kFlagPrealarm;
  out.alarm_reason = ar;
  out.bms_flags = flags;
  out.atc = atc;
  out.atd = atd;
  out.prealarm_active = prealarm_active_;
  out.remote_on = remote_on;
  out.lead_violation = lead_violation_;
  return out;
}

}  // namespace fw
