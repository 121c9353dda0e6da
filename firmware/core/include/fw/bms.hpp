// fw::Bms — the BMS behaviour of the Victron Smart BMS CL 12/100 as one pure, deterministic step
// (REQUIREMENTS.md TOP, CELL, LD, PA, CD, ALT, RMT, FLT).
//
// Contract
// - step(in, now) is called periodically with `now` = milliseconds since power-on (wrap-safe, 32 bit) at
//   any period ≤ fw::kTickMs (10 ms). Delays are measured between samples: a condition first seen at the
//   sample at t0 and held counts as "held for D" on the first sample at ≥ t0 + D (see timing.hpp). With a
//   1 ms period every delay is exact to the millisecond; with 10 ms to one tick. A `now` earlier than the
//   previous one counts as no time passing.
// - No heap, no exceptions, no RTTI, no clock reads, no I/O, no blocking. Not thread-safe (one caller).
// - The whole object is trivially copyable: copying it snapshots the complete state.
// - reset() is a power-on / watchdog reset (FLT-2, FLT-3): the state restarts, the configuration stays.
//
// Behaviour summary (numbers in constants.hpp)
// - Inputs (TOP-2, TOP-4): in cell mode the core derives ATC/ATD/pre-alarm request from the cells
//   (cell_monitor.hpp). In battery-signal mode the lines of the configured 1..5 batteries are wired-AND
//   (ATC, ATD, connected) / wired-OR (PA request) and then deglitched 50 ms. Downstream is identical.
// - Faults (FLT-1): battery-signal mode: any configured cable not `connected` (deglitched 50 ms) → AR 0x4000,
//   BMS error 32. Cell mode: any configured cell < 1.0 V or > 5.0 V or temperature < −50 °C or > 120 °C
//   (deglitched 50 ms) → AR 0x4000, BMS error 36. A fault forces ATC and ATD false and the pre-alarm
//   request true: alternator off and CD floating at once, PA on, LD floating 30 s later. It clears when the
//   inputs are valid again for 50 ms (then CD-3's 3 s apply before the alternator resumes).
// - Start-up (FLT-2/FLT-3): after reset() all outputs float, the alternator is off and PA floats until the
//   inputs have been valid (cell mode: every reading in range; signal mode: every cable connected) for
//   1.0 s continuously. The cell-mode hold times run from the first sample. If ATD is false when outputs are
//   first driven, the pre-alarm starts at that instant and LD stays high 30 s (LD-2 runs from start-up).
// - Pre-alarm (PA-1..PA-4, LD-3): active while (pre-alarm request or ATD false) once started; it clears when
//   both are gone (PA-4). With `prealarm_enabled` false the PA pin stays floating but the 30 s LD lead still
//   runs. Intermittent mode: pin high for 500 ms, floating 500 ms, starting high at the rising edge.
// - LD (LD-1..LD-5): high while started and enabled, except floating once ATD is false AND the pre-alarm
//   has been active ≥ 30.000 s (LD floats at max(t_ATD_false, t_PA_on + 30 s)); back high when ATD is true
//   (LD-4). LD-5: with lvd_emergency_floor_mv ≠ 0, lowest valid cell < floor for 50 ms (the O-08 input
//   deglitch: a single noisy sample does nothing) → LD floats at once, until LD-4's recovery: the lowest cell
//   ≥ load_disconnect + 0.10 V for 5 s (CELL-1) and ATD true; lead_violation latches (until reset) if the lead
//   rule alone would have kept LD high.
// - CD (CD-1..CD-3): high while started, enabled and ATC true. The alternator may run only once ATC has
//   been true for ≥ 3 s (CD-3; after reset this counts as already satisfied unless ATC is false).
// - Remote (RMT-1): ON when V_L < 5000 mV (mode B: L pulled to battery minus) or V_H > 3000 mV (mode C: H
//   high); mode A (wire loop between L and H, the factory default) is seen as H high: the board pulls L up
//   to the battery and H down, so through the loop both pins sit near half the battery voltage (≈ 6.5 V with
//   equal resistors), V_H > 3 V and the remote is ON; mode D (both open: L pulled up above 5 V, H pulled
//   down below 3 V) is OFF. Deglitched 50 ms. OFF → alternator off at once (RMT-2);
//   with system_switch also LD, CD and PA float and the green LED is off (RMT-3); when the remote comes
//   back on, the pre-alarm restarts, so LD again gets its full 30 s lead.
// - Alternator path: alt_controller.hpp (ALT-1..ALT-7).
// - Outputs.alarm_reason: 0x0001 low voltage (cell mode: CELL-1 under-voltage; signal mode: deglitched ATD line
//   false), 0x0002 high voltage (CELL-3), 0x0020 low temperature (CELL-5), 0x0040 high temperature (CELL-4),
//   0x0010 alternator-port over-voltage (ALT-5), 0x4000 cable / sensor fault (FLT-1).
//   bms_flags: constants.hpp kFlag* (bits 25 ATC, 26 ATD, 27 pre-alarm active, alarms 9/11/12/15/18/24).
#pragma once

#include <cstdint>

#include "fw/alt_controller.hpp"
#include "fw/cell_monitor.hpp"
#include "fw/constants.hpp"
#include "fw/io.hpp"
#include "fw/timing.hpp"

namespace fw {

// FLT-4: result of validating a Config. Stable numeric values (used on the wire, in reports): one per field.
enum class ConfigError : std::uint8_t {
  kOk = 0,
  kInputMode = 1,        // input_mode not kCells / kBatterySignals
  kBatteryCount = 2,     // battery_count not 1..5
  kLoadDisconnect = 3,   // load_disconnect_mv not 2600..2800
  kPrealarm = 4,         // prealarm_mv not 2850..3150
  kCellOvervoltage = 5,  // cell_overvoltage_mv not 3600..4200
  kLowTempCharge = 6,    // low_temp_charge_dc not −200..200
  kPrealarmMode = 7,     // prealarm_mode not kContinuous / kIntermittent
  kFuseRating = 8,       // fuse_rating_a not one of kSupportedFuseRatingsA (40, 50, 60, 70, 80, 100, 125)
  kEmergencyFloor = 9,   // lvd_emergency_floor_mv not 0 and not 2000..2790 or not below load_disconnect_mv
};

// Checks every field against its range; returns the first field out of range (in the order above) or kOk.
ConfigError validate(const Config& config);

// A short, static, English name of the error ("ok", "battery_count", …).
const char* to_string(ConfigError error);

class Bms {
 public:
  // Validates and applies `config` (takes effect at the next step). On error nothing changes (FLT-4).
  ConfigError configure(const Config& config);
  const Config& config() const { return config_; }

  // One control step (see the contract above).
  Outputs step(const Inputs& in, Millis now);

  // Power-on / watchdog reset: every output safe (LD, CD, PA floating, alternator off) until start-up
  // completes again. The configuration is kept.
  void reset();

 private:
  Config config_{};

  bool seeded_ = false;   // false until the first step after reset()
  Millis last_now_ = 0;
  InputMode seeded_mode_ = InputMode::kCells;  // input mode the deglitchers were seeded for
  bool started_ = false;
  detail::HoldTimer valid_;

  CellMonitor cells_{};
  detail::Deglitch sensor_fault_{};
  detail::Deglitch line_atc_{};
  detail::Deglitch line_atd_{};
  detail::Deglitch line_pa_{};
  detail::Deglitch line_connected_{};
  detail::Deglitch remote_{};

  bool prealarm_active_ = false;
  std::uint32_t prealarm_ms_ = 0;        // time since the pre-alarm became active (saturating)
  std::uint32_t prealarm_phase_ms_ = 0;  // 0..999, intermittent pattern
  std::uint32_t atc_true_ms_ = detail::kSaturatedMs;  // time ATC has been true (CD-3)
  bool atc_was_true_ = true;
  bool floor_tripped_ = false;           // LD-5
  detail::HoldTimer floor_below_;        // LD-5: lowest cell below the floor
  detail::HoldTimer floor_recover_;      // LD-5: lowest cell back at the CELL-1 recovery level
  bool lead_violation_ = false;

  AltController alt_{};
};

}  // namespace fw
