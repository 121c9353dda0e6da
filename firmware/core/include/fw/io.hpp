// The firmware core's seam with the board: one sample in (Inputs), one decision out (Outputs), and the
// configuration (Config). Integer units only; every field carries its unit in its name:
//   _mv millivolts, _ma milliamps, _dc tenths of a degree Celsius, _ms milliseconds, _a amps.
// These structs are plain aggregates: trivially copyable, no heap, usable on Cortex-M and on the host,
// and encoded field by field in the plant-link frames (PIL). Adding a field is fine; renaming one breaks
// the rig, the plant link and the scenarios.
#pragma once

#include <cstdint>

namespace fw {

inline constexpr int kMaxBatteries = 5;        // TOP-1
inline constexpr int kCellsPerBattery = 4;     // 12.8 V LFP = 4S
inline constexpr int kMaxCells = kMaxBatteries * kCellsPerBattery;

// The core's control period. The core takes `now` as an argument and works at any call rate up to this
// period; boards and the rig call step() every kTickMs (SIL and PIL use exactly this period).
inline constexpr std::uint32_t kTickMs = 10;

// Milliseconds since power-on (start-up / reset). 32 bits: 49.7 days; all comparisons are wrap-safe.
using Millis = std::uint32_t;

enum class InputMode : std::uint8_t {
  kCells = 0,           // the core derives ATC/ATD/PA from cell voltages and temperatures (CELL-*)
  kBatterySignals = 1,  // the batteries' BMS cables deliver ATC/ATD/PA (wired-AND over the chain)
};

enum class PreAlarmMode : std::uint8_t { kContinuous = 0, kIntermittent = 1 };  // PA-2

// State of an output pin of the 3-pin plug. kHigh = driven (V_bat − 0.1 V for LD/CD, V_bat for PA).
enum class Pin : std::uint8_t { kFloating = 0, kHigh = 1 };

// The signals of one battery's BMS cable (battery-signal mode). `connected` is the cable's presence loop:
// false when the M8 cable is unplugged or broken (FLT-1).
struct BatterySignals {
  bool connected = true;
  bool allowed_to_charge = true;     // ATC
  bool allowed_to_discharge = true;  // ATD
  bool prealarm = false;             // PA request ("imminent cell under-voltage")
};

// One sample of everything the BMS measures (TOP-2). Unused cells / batteries (beyond the configured
// battery count) are ignored.
struct Inputs {
  std::int32_t cell_mv[kMaxCells] = {};       // cell voltages, battery b cell c at index b*4+c
  std::int16_t cell_temp_dc[kMaxCells] = {};  // cell temperatures
  BatterySignals battery[kMaxBatteries] = {};
  std::int32_t alt_port_mv = 0;        // alternator / starter-battery port voltage
  std::int32_t li_port_mv = 0;         // Li-battery port voltage
  std::int32_t alt_current_ma = 0;     // alternator-port current, + = into the Li battery
  std::int16_t heatsink_temp_dc = 250; // current-limiter heatsink temperature
  std::int32_t remote_h_mv = 0;        // Remote H pin voltage to battery minus
  std::int32_t remote_l_mv = 0;        // Remote L pin voltage to battery minus
};

// LED bits.
enum Led : std::uint8_t {
  kLedBmsActive = 1u << 0,      // green: BMS active
  kLedLimiterHot = 1u << 1,     // red: limiter over-temperature (derating)
  kLedChargeEnabled = 1u << 2,  // yellow: CD output enabled
  kLedLoadEnabled = 1u << 3,    // orange: LD output enabled
  kLedAltCharging = 1u << 4,    // green: alternator charging
};

// Alarm-reason bits (VE.Direct AR / register 0x031E).
enum AlarmReason : std::uint16_t {
  kArLowVoltage = 0x0001,
  kArHighVoltage = 0x0002,
  kArHighVoltage2 = 0x0010,  // alternator port over-voltage (ALT-5)
  kArLowTemperature = 0x0020,
  kArHighTemperature = 0x0040,
  kArBmsCable = 0x4000,      // FLT-1
};

// BMS error codes (register 0x2101).
enum BmsError : std::uint8_t {
  kBmsErrorNone = 0,
  kBmsErrorCable = 32,   // BMS cable failure (battery-signal mode)
  kBmsErrorSensor = 36,  // ATC/ATD failure: a cell or temperature sensor out of its physical range
};

struct Outputs {
  Pin load = Pin::kFloating;      // LD (LD-1)
  Pin charge = Pin::kFloating;    // CD (CD-1)
  Pin prealarm = Pin::kFloating;  // PA output pin level (intermittent mode toggles it; PA-2)
  bool alt_path_on = false;       // alternator-path limiter enabled
  std::int32_t alt_limit_ma = 0;  // current-limit command to the limiter; 0 when the path is off
  std::uint8_t leds = 0;          // Led bits
  std::uint16_t alarm_reason = 0; // AlarmReason bits
  std::uint8_t bms_error = 0;     // BmsError
  std::uint32_t bms_flags = 0;    // register 0x2100 bits (25 ATC, 26 ATD, 27 pre-alarm, …)
  // Diagnostics (HEX registers, trace): the effective bank signals and the pre-alarm state.
  bool atc = false;
  bool atd = false;
  bool prealarm_active = false;   // pre-alarm counts as active (PA-2: from the first rising edge)
  bool remote_on = false;
  bool lead_violation = false;    // LD-5 floor fired: LD floated before the 30 s lead (latched until reset)
  bool operator==(const Outputs&) const = default;   // every field (a field added later is compared too)
};

// The configuration (FLT-4: validated; an invalid value is refused and the previous configuration stays).
struct Config {
  InputMode input_mode = InputMode::kCells;
  std::uint8_t battery_count = 1;              // 1..5 (TOP-1)
  std::int32_t load_disconnect_mv = 2800;      // 2600..2800 (CELL-1)
  std::int32_t prealarm_mv = 3100;             // 2850..3150 (CELL-2)
  std::int32_t cell_overvoltage_mv = 3750;     // 3600..4200 (CELL-3)
  std::int16_t low_temp_charge_dc = 50;        // -200..200 (CELL-5)
  bool prealarm_enabled = true;                // register 0x2103 bit 0
  PreAlarmMode prealarm_mode = PreAlarmMode::kContinuous;  // PA-2
  std::int32_t fuse_rating_a = 100;            // a Megafuse rating: 40, 50, 60, 70, 80, 100 or 125 (ALT-3)
  bool system_switch = false;                  // RMT-3 (0x2103 bit 2)
  std::int32_t lvd_emergency_floor_mv = 0;     // LD-5; 0 = disabled, else 2000..2790 and below load_disconnect_mv
};

}  // namespace fw
