#include "fw/cell_monitor.hpp"

#include "fw/constants.hpp"

namespace fw {

const CellFlags& CellMonitor::update(const CellExtremes& x, const Config& c, std::uint32_t dt_ms) {
  if (x.any_voltage) {
    // CELL-1: under-voltage (ATD false) after 2.0 s below the threshold; recovery at ≥ +0.10 V for 5 s.
    if (!flags_.under_voltage) {
      if (uv_set_.update(x.min_mv < c.load_disconnect_mv, dt_ms) >= kUnderVoltageHoldMs) {
        flags_.under_voltage = true;
        uv_set_.clear();
      }
    } else if (uv_clear_.update(x.min_mv >= c.load_disconnect_mv + kUnderVoltageRecoverMv, dt_ms) >=
               kUnderVoltageRecoverMs) {
      flags_.under_voltage = false;
      uv_clear_.clear();
    }
    // CELL-2: pre-alarm request after 2.0 s below; clears at ≥ +0.05 V for 5 s.
    if (!flags_.prealarm) {
      if (pa_set_.update(x.min_mv < c.prealarm_mv, dt_ms) >= kPrealarmHoldMs) {
        flags_.prealarm = true;
        pa_set_.clear();
      }
    } else if (pa_clear_.update(x.min_mv >= c.prealarm_mv + kPrealarmRecoverMv, dt_ms) >= kPrealarmRecoverMs) {
      flags_.prealarm = false;
      pa_clear_.clear();
    }
    // CELL-3: over-voltage (ATC false) after 1.0 s at or above the threshold; recovery at ≤ 3.50 V.
    if (!flags_.over_voltage) {
      if (ov_set_.update(x.max_mv >= c.cell_overvoltage_mv, dt_ms) >= kOverVoltageHoldMs) {
        flags_.over_voltage = true;
        ov_set_.clear();
      }
    } else if (x.max_mv <= kOverVoltageRecoverMv) {
      flags_.over_voltage = false;
    }
  } else {
    uv_set_.clear();
    uv_clear_.clear();
    pa_set_.clear();
    pa_clear_.clear();
    ov_set_.clear();
  }
  if (x.any_temp) {
    // CELL-4: any cell > 50 °C; recovery when all are < 45 °C.
    flags_.over_temperature =
        flags_.over_temperature ? !(x.max_dc < kOverTempRecoverDc) : (x.max_dc > kOverTempDc);
    // CELL-5: any cell < low_temp_charge; recovery when all are ≥ low_temp_charge + 5 °C.
    flags_.under_temperature = flags_.under_temperature
                                   ? !(x.min_dc >= c.low_temp_charge_dc + kLowTempRecoverDc)
                                   : (x.min_dc < c.low_temp_charge_dc);
  }
  return flags_;
}

}  // namespace fw
