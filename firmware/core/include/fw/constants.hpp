// Every timing and threshold constant of the core, with the requirement it implements. Units in the names
// (_mv millivolts, _ma milliamps, _dc tenths of °C, _ms milliseconds). Thresholds are compared as written in
// the comment ("<", "≥", …); delays count from the first sample that shows the condition (see timing.hpp).
#pragma once

#include <cstdint>

namespace fw {

// --- Start-up (FLT-2, FLT-3) -----------------------------------------------------------------------------
inline constexpr std::uint32_t kStartupValidMs = 1000;  // valid inputs for ≥ 1000 ms before outputs are driven

// --- Input conditioning (O-08, O-15) -----------------------------------------------------------------------
inline constexpr std::uint32_t kSignalDeglitchMs = 50;  // ATC / ATD / PA / cable-present lines, sensor-fault
inline constexpr std::uint32_t kRemoteDeglitchMs = 50;  // RMT-1

// --- Physical sensor range (FLT-1, cell mode): a reading outside [min, max] is a sensor fault -------------
inline constexpr std::int32_t kSensorCellMinMv = 1000;  // < 1.000 V: open / shorted cell input
inline constexpr std::int32_t kSensorCellMaxMv = 5000;  // > 5.000 V
inline constexpr std::int32_t kSensorTempMinDc = -500;  // < -50.0 °C: open / shorted thermistor
inline constexpr std::int32_t kSensorTempMaxDc = 1200;  // > 120.0 °C

// --- Cell monitoring (cell mode) ---------------------------------------------------------------------------
inline constexpr std::uint32_t kUnderVoltageHoldMs = 2000;     // CELL-1: min cell < load_disconnect_mv
inline constexpr std::int32_t kUnderVoltageRecoverMv = 100;    // CELL-1: recover at ≥ threshold + 100 mV ...
inline constexpr std::uint32_t kUnderVoltageRecoverMs = 5000;  //         ... held 5 s
inline constexpr std::uint32_t kPrealarmHoldMs = 2000;         // CELL-2: min cell < prealarm_mv
inline constexpr std::int32_t kPrealarmRecoverMv = 50;         // CELL-2: clear at ≥ threshold + 50 mV ...
inline constexpr std::uint32_t kPrealarmRecoverMs = 5000;      //         ... held 5 s
inline constexpr std::uint32_t kOverVoltageHoldMs = 1000;      // CELL-3: max cell ≥ cell_overvoltage_mv
inline constexpr std::int32_t kOverVoltageRecoverMv = 3500;    // CELL-3: recover at max cell ≤ 3.500 V
inline constexpr std::int32_t kOverTempDc = 500;               // CELL-4: any cell > 50.0 °C
inline constexpr std::int32_t kOverTempRecoverDc = 450;        // CELL-4: recover when all cells < 45.0 °C
inline constexpr std::int32_t kLowTempRecoverDc = 50;          // CELL-5: recover at ≥ low_temp_charge + 5.0 °C

// --- Load disconnect / pre-alarm -----------------------------------------------------------------------------
inline constexpr std::uint32_t kPrealarmLeadMs = 30000;        // LD-2 / PA-3: LD floats ≥ 30.000 s after PA
inline constexpr std::uint32_t kIntermittentHalfMs = 500;      // PA-2: 500 ms high / 500 ms floating
inline constexpr std::uint32_t kEmergencyFloorHoldMs = 50;     // LD-5: lowest cell < floor held 50 ms (O-08 deglitch)

// --- Charge disconnect -------------------------------------------------------------------------------------
inline constexpr std::uint32_t kAtcResumeMs = 3000;            // CD-3: alternator resumes ≥ 3 s after ATC

// --- Remote (RMT-1) ----------------------------------------------------------------------------------------
inline constexpr std::int32_t kRemoteLOnBelowMv = 5000;        // ON when V_L < 5.000 V (mode B)
inline constexpr std::int32_t kRemoteHOnAboveMv = 3000;        // ON when V_H > 3.000 V (mode C, and mode A)

// --- Alternator path (ALT-*) -------------------------------------------------------------------------------
inline constexpr std::int32_t kAltLimitCapMa = 100000;         // ALT-3: I_lim = min(0.9 × fuse, 100 A)
// ALT-3 / O-03: the Megafuse ratings the product supports (A); any other fuse_rating_a is refused (FLT-4).
inline constexpr std::int32_t kSupportedFuseRatingsA[] = {40, 50, 60, 70, 80, 100, 125};
constexpr bool is_supported_fuse_rating(std::int32_t a) {
  for (const std::int32_t r : kSupportedFuseRatingsA) {
    if (r == a) return true;
  }
  return false;
}
inline constexpr std::uint32_t kSoftStartMs = 1000;            // ALT-4: 0 → I_lim in 1.0 s
inline constexpr std::int32_t kAltFloorMv = 13000;             // ALT-1: current only while port > 13.000 V; a
                                                               //        sample at ≤ 13.000 V commands 0 at once
inline constexpr std::int32_t kAltFloorTargetMv = 13050;       // ALT-1: the floor regulator's set-point
inline constexpr std::int32_t kKneeBackoffMa = 500;            // ALT-1: after a fall under the floor the cap is the
inline constexpr std::int32_t kKneeBackoffDiv = 16;            //        last good current − (0.5 A + 1/16 of it)
inline constexpr std::uint32_t kKneeCreepMs = 1000;            // ALT-1: the knee cap climbs one back-off per 1 s
inline constexpr std::uint32_t kFloorCutRampMs = 100;          // ALT-1: under the floor the cap falls I_lim / 100 ms
inline constexpr std::uint32_t kFloorOffMs = 500;              // ALT-1: port ≤ 13.0 V for ≥ 500 ms → path off
inline constexpr std::int32_t kNoCurrentMa = 200;              // ALT-4: I_alt ≤ 0.2 A counts as no current ...
inline constexpr std::uint32_t kNoCurrentRearmMs = 50;         //        ... held 50 ms re-arms the soft start
inline constexpr std::uint32_t kSoftStartFirstStepMs = 10;     // ALT-4: a re-armed soft start holds its first
                                                               //        step, I_lim × 10 ms / 1 s (1 % of I_lim)
inline constexpr std::uint32_t kOneWayResetMs = 100;           // ALT-2: V_alt ≤ V_li this long → soft start again
inline constexpr std::int32_t kLiPortMaxMv = 14400;            // ALT-5: Li-port limited to ≤ 14.4 V
inline constexpr std::int32_t kLiPortTargetMv = 14380;         // ALT-5: the Li-port regulator's set-point
inline constexpr std::int32_t kAltOverVoltageMv = 16000;       // ALT-5: alt port > 16.0 V ...
inline constexpr std::uint32_t kAltOverVoltageMs = 100;        //        ... for ≥ 100 ms blocks the path
inline constexpr std::int32_t kAltOverVoltageClearMv = 15500;  // ALT-5: block clears at port ≤ 15.5 V ...
inline constexpr std::uint32_t kAltOverVoltageClearMs = 1000;  //        ... held 1 s (then soft start)
inline constexpr std::int32_t kDerateStartDc = 850;            // ALT-6: 100 % at ≤ 85.0 °C
inline constexpr std::int32_t kDerateEndDc = 1000;             // ALT-6: 0 % at ≥ 100.0 °C
inline constexpr std::int32_t kDerateHysteresisDc = 100;       // ALT-6: 10 °C hysteresis (backlash)
inline constexpr std::int32_t kHeatsinkValidMinDc = -500;      // heatsink reading < -50 °C: sensor open → 0 A
inline constexpr std::int32_t kHeatsinkValidMaxDc = 1500;      // heatsink reading > 150 °C: sensor short → 0 A
inline constexpr std::int32_t kAltChargingOnMa = 500;          // O-01: LED on at I > 0.5 A ...
inline constexpr std::uint32_t kAltChargingOnMs = 2000;        //        ... held 2 s
inline constexpr std::int32_t kAltChargingOffMa = 200;         // O-01: LED off at I < 0.2 A ...
inline constexpr std::uint32_t kAltChargingOffMs = 10000;      //        ... held 10 s

// BMS flags register 0x2100 bits (research-notes §3.5) set by the core.
inline constexpr std::uint32_t kFlagAlarmOverVoltage = 1u << 9;
inline constexpr std::uint32_t kFlagAlarmUnderVoltage = 1u << 11;
inline constexpr std::uint32_t kFlagWarnUnderVoltage = 1u << 12;   // pre-alarm request (CELL-2 / PA line)
inline constexpr std::uint32_t kFlagAlarmOverTemperature = 1u << 15;
inline constexpr std::uint32_t kFlagAlarmUnderTempCharge = 1u << 18;
inline constexpr std::uint32_t kFlagAlarmHardwareFailure = 1u << 24;  // cable or sensor fault (FLT-1)
inline constexpr std::uint32_t kFlagAllowedToCharge = 1u << 25;
inline constexpr std::uint32_t kFlagAllowedToDischarge = 1u << 26;
inline constexpr std::uint32_t kFlagPrealarm = 1u << 27;

}  // namespace fw
