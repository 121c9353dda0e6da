#include "fw/bms.hpp"

namespace fw {

ConfigError validate(const Config& c) {
  if (c.input_mode != InputMode::kCells && c.input_mode != InputMode::kBatterySignals) {
    return ConfigError::kInputMode;
  }
  if (c.battery_count < 1 || c.battery_count > kMaxBatteries) return ConfigError::kBatteryCount;
  if (c.load_disconnect_mv < 2600 || c.load_disconnect_mv > 2800) return ConfigError::kLoadDisconnect;
  if (c.prealarm_mv < 2850 || c.prealarm_mv > 3150) return ConfigError::kPrealarm;
  if (c.cell_overvoltage_mv < 3600 || c.cell_overvoltage_mv > 4200) return ConfigError::kCellOvervoltage;
  if (c.low_temp_charge_dc < -200 || c.low_temp_charge_dc > 200) return ConfigError::kLowTempCharge;
  if (c.prealarm_mode != PreAlarmMode::kContinuous && c.prealarm_mode != PreAlarmMode::kIntermittent) {
    return ConfigError::kPrealarmMode;
  }
  if (!is_supported_fuse_rating(c.fuse_rating_a)) return ConfigError::kFuseRating;
  if (c.lvd_emergency_floor_mv != 0 &&
      (c.lvd_emergency_floor_mv < 2000 || c.lvd_emergency_floor_mv > 2790 ||
       c.lvd_emergency_floor_mv >= c.load_disconnect_mv)) {
    return ConfigError::kEmergencyFloor;
  }
  return ConfigError::kOk;
}

const char* to_string(ConfigError error) {
  switch (error) {
    case ConfigError::kOk: return "ok";
    case ConfigError::kInputMode: return "input_mode";
    case ConfigError::kBatteryCount: return "battery_count";
    case ConfigError::kLoadDisconnect: return "load_disconnect_mv";
    case ConfigError::kPrealarm: return "prealarm_mv";
    case ConfigError::kCellOvervoltage: return "cell_overvoltage_mv";
    case ConfigError::kLowTempCharge: return "low_temp_charge_dc";
    case ConfigError::kPrealarmMode: return "prealarm_mode";
    case ConfigError::kFuseRating: return "fuse_rating_a";
    case ConfigError::kEmergencyFloor: return "lvd_emergency_floor_mv";
  }
  return "unknown";
}

}  // namespace fw
