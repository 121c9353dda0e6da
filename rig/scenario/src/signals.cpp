#include "rig/signals.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace rig::scenario {
namespace {

using W = const plant::World&;
using O = const fw::Outputs&;

constexpr double kVoltRes = 1e-3;
constexpr double kCellVoltRes = 1e-4;  // cells and min/max cell: 0.1 mV, so threshold crossings are exact to a tick
constexpr double kAmpRes = 1e-2;
constexpr double kTempRes = 1e-2;
constexpr double kSocRes = 1e-4;
constexpr int kCells = 4;

constexpr auto A = SignalKind::kAnalog;
constexpr auto D = SignalKind::kDigital;
constexpr auto I = SignalKind::kInteger;
constexpr auto kStep = SampleRate::kPlantStep;
constexpr auto kTick = SampleRate::kTick;
constexpr auto kPlant = Source::kPlant;
constexpr auto kFw = Source::kFirmware;

double pin(fw::Pin p) { return p == fw::Pin::kHigh ? 1.0 : 0.0; }
double flag(bool v) { return v ? 1.0 : 0.0; }

// The firmware's view of a cell voltage: the in-process board's ADC truncates to 1 mV (rig::sample_inputs).
// It never decreases with v, so the ADC of the lowest (highest) cell is the lowest (highest) ADC reading.
double adc_v(double v) { return std::floor(v * 1000.0) / 1000.0; }

template <class F>
double over_cells(W w, double init, F f) {
  double m = init;
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < kCells; ++c) m = f(m, w, b, c);
  return m;
}
constexpr double kInf = std::numeric_limits<double>::infinity();

WriteSpec number(const char* dimension, WriteFn set, SetpointFn setpoint, double lo, double hi) {
  return WriteSpec{WriteKind::kNumber, set, setpoint, lo, hi, "", dimension};
}
// The heatsink sensor's offset fault (limiter/heatsink_sensor_offset_c): 0 clears the fault.
plant::SensorFault heatsink_offset(double v) {
  plant::SensorFault f;
  if (v != 0.0) {
    f.kind = plant::SensorFaultKind::kOffset;
    f.value = v;
  }
  return f;
}
double heatsink_offset_of(W w) {
  const auto& f = w.heatsink_sensor_fault();
  return f.kind == plant::SensorFaultKind::kOffset ? f.value : 0.0;
}

WriteSpec boolean(WriteFn set, SetpointFn setpoint) { return WriteSpec{WriteKind::kBool, set, setpoint, 0, 1, "", ""}; }

// The table. Recording order = this order, with each run of definitions that share an index placeholder prefix
// ("load[i]/", "bank/battery[b]/", ".../cell[c]/") expanded index by index.
const std::vector<SignalDef>& table() {
  static const std::vector<SignalDef> t = {
      // ---- firmware outputs (the signals checks use most) ----
      {"bms/out/load", "", D, 0, kTick, kFw, [](W, O o, int, int) { return pin(o.load); }, {}, Bench::kMeasure, "",
       "load-disconnect output (1 = high: loads may run, 0 = floating)"},
      {"bms/out/charge", "", D, 0, kTick, kFw, [](W, O o, int, int) { return pin(o.charge); }, {}, Bench::kMeasure, "",
       "charge-disconnect output (1 = high: chargers may run)"},
      {"bms/out/prealarm", "", D, 0, kTick, kFw, [](W, O o, int, int) { return pin(o.prealarm); }, {}, Bench::kMeasure,
       "", "pre-alarm output (1 = high)"},
      {"bms/alt_path_on", "", D, 0, kTick, kFw, [](W, O o, int, int) { return flag(o.alt_path_on); }, {}, Bench::kNone,
       "", "the firmware commands the alternator path on"},
      {"bms/alt_limit_a", "A", A, 0, kTick, kFw, [](W, O o, int, int) { return o.alt_limit_ma / 1000.0; }, {},
       Bench::kNone, "", "the alternator-path current limit the firmware commands"},
      {"bms/atc", "", D, 0, kTick, kFw, [](W, O o, int, int) { return flag(o.atc); }, {}, Bench::kNone, "",
       "allowed-to-charge as the firmware derives it"},
      {"bms/atd", "", D, 0, kTick, kFw, [](W, O o, int, int) { return flag(o.atd); }, {}, Bench::kNone, "",
       "allowed-to-discharge as the firmware derives it"},
      {"bms/prealarm_active", "", D, 0, kTick, kFw, [](W, O o, int, int) { return flag(o.prealarm_active); }, {},
       Bench::kNone, "", "the firmware's pre-alarm condition (whatever the PA pin does)"},
      {"bms/remote_on", "", D, 0, kTick, kFw, [](W, O o, int, int) { return flag(o.remote_on); }, {}, Bench::kNone, "",
       "the remote on/off input reads ON"},
      {"bms/lead_violation", "", D, 0, kTick, kFw, [](W, O o, int, int) { return flag(o.lead_violation); }, {},
       Bench::kNone, "", "the firmware could not give the 30 s pre-alarm lead (emergency floor)"},
      {"bms/leds", "", I, 0, kTick, kFw, [](W, O o, int, int) { return static_cast<double>(o.leds); }, {}, Bench::kNone,
       "", "LED bit field"},
      {"bms/alarm_reason", "", I, 0, kTick, kFw, [](W, O o, int, int) { return static_cast<double>(o.alarm_reason); },
       {}, Bench::kNone, "", "VE.Direct alarm reason bits"},
      {"bms/error", "", I, 0, kTick, kFw, [](W, O o, int, int) { return static_cast<double>(o.bms_error); }, {},
       Bench::kNone, "", "firmware error code (0 = none)"},
      {"bms/flags", "", I, 0, kTick, kFw, [](W, O o, int, int) { return static_cast<double>(o.bms_flags); }, {},
       Bench::kNone, "", "VE.Direct BMS flags register (0x2100)"},
      {"timeline/entry", "", I, 0, kTick, Source::kRig, nullptr, {}, Bench::kNone, "",
       "1-based index of the timeline entry that fired last (0 before any)"},
      {"bms/in/min_cell_v", "V", A, 0, kTick, kPlant,
       [](W w, O, int, int) {
         return adc_v(over_cells(w, kInf, [](double m, W x, int b, int c) { return std::min(m, x.cell_voltage_v(b, c)); }));
       },
       {}, Bench::kNone, "", "lowest cell as the firmware reads it (ADC, 1 mV)"},
      {"bms/in/max_cell_v", "V", A, 0, kTick, kPlant,
       [](W w, O, int, int) {
         return adc_v(over_cells(w, -kInf, [](double m, W x, int b, int c) { return std::max(m, x.cell_voltage_v(b, c)); }));
       },
       {}, Bench::kNone, "", "highest cell as the firmware reads it (ADC, 1 mV)"},

      // ---- VE.Direct as a host on the board's port reads it (rig/vedirect_observer.hpp) ----
      {"vedirect/text/PID", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: product id (0xA3E0)"},
      {"vedirect/text/V", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: Li-port voltage, mV"},
      {"vedirect/text/VS", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: alternator-port voltage, mV"},
      {"vedirect/text/I", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: alternator-port current into the battery, mA"},
      {"vedirect/text/T", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: highest cell temperature, degC (absent in battery-signal mode)"},
      {"vedirect/text/Alarm", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: alarm ON = 1 / OFF = 0"},
      {"vedirect/text/AR", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: alarm reason bits"},
      {"vedirect/text/Relay", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: pre-alarm relay ON = 1 / OFF = 0"},
      {"vedirect/text/blocks", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: valid text blocks received so far"},
      {"vedirect/text/checksum_errors", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: text blocks refused (checksum not 0 mod 256, or a limit broken)"},
      {"vedirect/text/fields", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: data fields in the last block (Checksum not counted)"},
      {"vedirect/text/undocumented", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: labels of the last block outside TEL-1's list"},
      {"vedirect/text/period_ms", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct text: time between the last two blocks, ms"},
      {"vedirect/hex/0x0100", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x0100 (product id) from the last get/set answer"},
      {"vedirect/hex/0x0102", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x0102 (firmware version, major<<8|minor<<4|patch) from the last get answer"},
      {"vedirect/hex/0x21A0", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x21A0 (build hash, first 8 hex digits) from the last get answer"},
      {"vedirect/hex/0x031D", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x031D (alarm status) from the last get/set answer"},
      {"vedirect/hex/0x031E", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x031E (alarm reason) from the last get/set answer"},
      {"vedirect/hex/0x2100", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2100 (BMS flags) from the last get/set answer"},
      {"vedirect/hex/0x2101", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2101 (BMS error) from the last get/set answer"},
      {"vedirect/hex/0x2103", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2103 (BMS settings) from the last get/set answer"},
      {"vedirect/hex/0x2180", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2180 (input mode) from the last get/set answer"},
      {"vedirect/hex/0x2181", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2181 (battery count) from the last get/set answer"},
      {"vedirect/hex/0x2182", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2182 (load disconnect, mV) from the last get/set answer"},
      {"vedirect/hex/0x2183", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2183 (pre-alarm, mV) from the last get/set answer"},
      {"vedirect/hex/0x2184", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2184 (cell over-voltage, mV) from the last get/set answer"},
      {"vedirect/hex/0x2185", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2185 (low-temperature charge limit, 0.1 degC) from the last get/set answer"},
      {"vedirect/hex/0x2186", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2186 (pre-alarm enabled) from the last get/set answer"},
      {"vedirect/hex/0x2187", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2187 (pre-alarm mode) from the last get/set answer"},
      {"vedirect/hex/0x2188", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2188 (fuse rating, A) from the last get/set answer"},
      {"vedirect/hex/0x2189", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x2189 (system switch) from the last get/set answer"},
      {"vedirect/hex/0x218A", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX register 0x218A (LVD emergency floor, mV) from the last get/set answer"},
      {"vedirect/hex/flags", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct flags of the last HEX get/set answer (0 ok, 1 unknown id, 2 not supported, 4 parameter error)"},
      {"vedirect/hex/answers", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX get/set answers so far"},
      {"vedirect/hex/error_frames", "", I, 0, kTick, Source::kDut, nullptr, {}, Bench::kNone, "", "VE.Direct HEX ':4AAAAFD' answers (malformed requests) so far"},

      // ---- the alternator port and the Li port (the board's power terminals) ----
      {"alternator/current_a", "A", A, kAmpRes, kStep, kPlant, [](W w, O, int, int) { return w.alt_port_current_a(); },
       {}, Bench::kMeasure, "",
       "current through the BMS alternator port into the Li bus (> 0); on a bench: the supply's measurement"},
      {"alternator/port_voltage_v", "V", A, kVoltRes, kStep, kPlant, [](W w, O, int, int) { return w.alt_port_v(); }, {},
       Bench::kEither, "", "voltage at the BMS alternator terminal (a bench's alternator supply is set to it)"},
      {"alternator/machine_current_a", "A", A, kAmpRes, kStep, kPlant,
       [](W w, O, int, int) { return w.alternator_current_a(); }, {}, Bench::kNone, "", "current the alternator delivers"},
      {"alternator/voltage_v", "V", A, kVoltRes, kStep, kPlant, [](W w, O, int, int) { return w.alternator_voltage_v(); },
       {}, Bench::kNone, "", "alternator / starter-battery node voltage"},
      {"alternator/temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int, int) { return w.alternator_temperature_c(); }, {}, Bench::kNone, "", "alternator temperature"},
      {"alternator/rpm", "", A, 1.0, kTick, kPlant, [](W w, O, int, int) { return w.alternator_rpm(); }, {}, Bench::kNone,
       "", "alternator shaft speed (engine rpm x pulley ratio, less belt slip)"},
      {"li/port_voltage_v", "V", A, kVoltRes, kStep, kPlant, [](W w, O, int, int) { return w.li_port_v(); }, {},
       Bench::kEither, "", "Li bus voltage at the BMS Li port (a bench's battery emulator is set to it)"},
      {"li/load_current_a", "A", A, kAmpRes, kStep, kPlant, [](W w, O, int, int) { return w.total_load_current_a(); }, {},
       Bench::kEither, "", "total current the DC loads draw from the Li bus (a bench's electronic load)"},
      {"load[i]/current_a", "A", A, kAmpRes, kStep, kPlant, [](W w, O, int i, int) { return w.load_current_a(i); },
       WriteSpec{WriteKind::kNumber, [](plant::World& w, int i, int, double v) { w.set_load_current_a(i, v); },
                 [](W w, int i, int) { return w.load(i).current_a; }, 0, 2000, "", "A"},
       Bench::kEither, "load/current_a", "current load i draws (written: its constant-current demand)"},
      {"load[i]/on", "", D, 0, kStep, kPlant, [](W w, O, int i, int) { return flag(w.load_on(i)); }, {}, Bench::kNone, "",
       "load i is switched on (its LD/CD input is high, or it is always on)"},
      {"load[i]/power_w", "W", A, 0, kTick, Source::kNone, nullptr,
       number("W", [](plant::World& w, int i, int, double v) { w.set_load_power_w(i, v); },
              [](W w, int i, int) { return w.load(i).power_w; }, 0, 30000),
       Bench::kNone, "load/power_w", "constant-power demand of load i (set point, not recorded)"},
      {"load[i]/resistance_ohm", "ohm", A, 0, kTick, Source::kNone, nullptr,
       number("ohm", [](plant::World& w, int i, int, double v) { w.set_load_resistance_ohm(i, v); },
              [](W w, int i, int) { return w.load(i).resistance_ohm; }, 0, 1e9),
       Bench::kNone, "load/resistance_ohm", "resistive part of load i, 0 = none (set point, not recorded)"},
      {"starter/voltage_v", "V", A, kVoltRes, kStep, kPlant, [](W w, O, int, int) { return w.starter_voltage_v(); }, {},
       Bench::kNone, "", "starter-battery terminal voltage"},
      {"starter/current_a", "A", A, kAmpRes, kStep, kPlant, [](W w, O, int, int) { return w.starter_current_a(); }, {},
       Bench::kNone, "", "starter-battery current (> 0 charging)"},
      {"starter/soc", "", A, kSocRes, kTick, kPlant, [](W w, O, int, int) { return w.starter_soc(); },
       number("ratio", [](plant::World& w, int, int, double v) { w.set_starter_soc(v); }, [](W w, int, int) { return w.starter_soc(); },
              0, 1),
       Bench::kNone, "", "starter-battery state of charge (0..1)"},
      {"charger/current_a", "A", A, kAmpRes, kStep, kPlant, [](W w, O, int, int) { return w.charger_current_a(); }, {},
       Bench::kNone, "", "shore charger output current"},
      {"charger/on", "", D, 0, kStep, kPlant, [](W w, O, int, int) { return flag(w.charger_on()); }, {}, Bench::kNone, "",
       "the charger runs (mains present and its CD input high)"},
      {"fuse/blown", "", D, 0, kStep, kPlant, [](W w, O, int, int) { return flag(w.fuse_blown()); }, {}, Bench::kNone, "",
       "the alternator-path fuse has blown"},
      {"limiter/heatsink_temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int, int) { return w.heatsink_temperature_c(); }, {}, Bench::kDrive, "",
       "limiter heatsink temperature as its sensor reads it"},
      {"limiter/heatsink_true_temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int, int) { return w.heatsink_true_temperature_c(); },
       number("degC", [](plant::World& w, int, int, double v) { w.set_heatsink_temperature_c(v); },
              [](W w, int, int) { return w.heatsink_true_temperature_c(); }, -40, 200),
       Bench::kNone, "heatsink_temperature_c",
       "physical limiter heatsink temperature (written: its thermal state, which moves on from there)"},
      {"limiter/heatsink_sensor_offset_c", "degC", A, 0, kTick, Source::kNone, nullptr,
       number("degC", [](plant::World& w, int, int, double v) { w.set_heatsink_sensor_fault(heatsink_offset(v)); },
              [](W w, int, int) { return heatsink_offset_of(w); }, -300, 300),
       Bench::kNone, "",
       "error of the heatsink sensor reading (written: an offset fault, 0 = none; set point, not recorded)"},
      // Pins follow the firmware outputs, which change only at ticks: sampled once per tick.
      {"pin/ld_v", "V", A, kVoltRes, kTick, kPlant, [](W w, O, int, int) { return w.ld_pin_v(); }, {}, Bench::kMeasure, "",
       "LD pin voltage under its loads"},
      {"pin/cd_v", "V", A, kVoltRes, kTick, kPlant, [](W w, O, int, int) { return w.cd_pin_v(); }, {}, Bench::kMeasure, "",
       "CD pin voltage under its loads"},
      {"pin/pa_v", "V", A, kVoltRes, kTick, kPlant, [](W w, O, int, int) { return w.pa_pin_v(); }, {}, Bench::kMeasure, "",
       "PA pin voltage under its load"},
      {"remote/h_v", "V", A, kVoltRes, kTick, kPlant, [](W w, O, int, int) { return w.remote_h_v(); },
       number("V", [](plant::World& w, int, int, double v) { w.set_remote_h_v(v); }, [](W w, int, int) { return w.remote_h_v(); },
              0, 60),
       Bench::kDrive, "",
       "Remote H pin voltage (written: driven from outside until remote/mode is set again)"},
      {"remote/l_v", "V", A, kVoltRes, kTick, kPlant, [](W w, O, int, int) { return w.remote_l_v(); },
       number("V", [](plant::World& w, int, int, double v) { w.set_remote_l_v(v); }, [](W w, int, int) { return w.remote_l_v(); },
              0, 60),
       Bench::kDrive, "",
       "Remote L pin voltage (written: driven from outside until remote/mode is set again)"},
      {"env/ambient_c", "degC", A, kTempRes, kTick, kPlant, [](W w, O, int, int) { return w.ambient_c(); },
       number("degC", [](plant::World& w, int, int, double v) { w.set_ambient_c(v); }, [](W w, int, int) { return w.ambient_c(); },
              -40, 85),
       Bench::kNone, "ambient_c", "ambient temperature"},

      // ---- the bank ----
      {"bank/current_a", "A", A, kAmpRes, kStep, kPlant, [](W w, O, int, int) { return w.bank_current_a(); }, {},
       Bench::kMeasure, "", "bank current (> 0 charging); on a bench: the battery emulator's measurement"},
      {"bank/soc", "", A, kSocRes, kTick, kPlant, [](W w, O, int, int) { return w.bank_soc(); },
       number("ratio", [](plant::World& w, int, int, double v) { w.set_bank_soc(v); }, [](W w, int, int) { return w.bank_soc(); }, 0,
              1),
       Bench::kNone, "", "mean state of charge of the batteries (written: every cell)"},
      {"bank/min_cell_v", "V", A, kCellVoltRes, kTick, kPlant,
       [](W w, O, int, int) {
         return over_cells(w, kInf, [](double m, W x, int b, int c) { return std::min(m, x.cell_true_voltage_v(b, c)); });
       },
       {}, Bench::kNone, "", "lowest physical cell voltage"},
      {"bank/max_cell_v", "V", A, kCellVoltRes, kTick, kPlant,
       [](W w, O, int, int) {
         return over_cells(w, -kInf, [](double m, W x, int b, int c) { return std::max(m, x.cell_true_voltage_v(b, c)); });
       },
       {}, Bench::kNone, "", "highest physical cell voltage"},
      {"bank/min_cell_temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int, int) {
         return over_cells(w, kInf, [](double m, W x, int b, int c) { return std::min(m, x.cell_true_temperature_c(b, c)); });
       },
       {}, Bench::kNone, "", "coldest cell"},
      {"bank/max_cell_temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int, int) {
         return over_cells(w, -kInf, [](double m, W x, int b, int c) { return std::max(m, x.cell_true_temperature_c(b, c)); });
       },
       {}, Bench::kNone, "", "warmest cell"},
      // Per battery: once per tick (bank/current_a is per plant step).
      {"bank/battery[b]/voltage_v", "V", A, kVoltRes, kTick, kPlant, [](W w, O, int b, int) { return w.battery_voltage_v(b); },
       {}, Bench::kNone, "", "battery b terminal voltage"},
      {"bank/battery[b]/current_a", "A", A, kAmpRes, kTick, kPlant, [](W w, O, int b, int) { return w.battery_current_a(b); },
       {}, Bench::kNone, "", "battery b current (> 0 charging)"},
      {"bank/battery[b]/soc", "", A, kSocRes, kTick, kPlant, [](W w, O, int b, int) { return w.battery_soc(b); },
       number("ratio", [](plant::World& w, int b, int, double v) { w.set_battery_soc(b, v); },
              [](W w, int b, int) { return w.battery_soc(b); }, 0, 1),
       Bench::kNone, "battery[b]/soc", "battery b state of charge (written: each of its cells)"},
      {"bank/battery[b]/cable/connected", "", D, 0, kTick, kPlant,
       [](W w, O, int b, int) { return flag(w.cable_signals(b).connected); }, {}, Bench::kDrive, "",
       "battery b's BMS cable is connected"},
      {"bank/battery[b]/cable/atc", "", D, 0, kTick, kPlant,
       [](W w, O, int b, int) { return flag(w.cable_signals(b).allowed_to_charge); }, {}, Bench::kDrive, "",
       "battery b's allowed-to-charge line"},
      {"bank/battery[b]/cable/atd", "", D, 0, kTick, kPlant,
       [](W w, O, int b, int) { return flag(w.cable_signals(b).allowed_to_discharge); }, {}, Bench::kDrive, "",
       "battery b's allowed-to-discharge line"},
      {"bank/battery[b]/cable/prealarm", "", D, 0, kTick, kPlant,
       [](W w, O, int b, int) { return flag(w.cable_signals(b).prealarm); }, {}, Bench::kDrive, "",
       "battery b's pre-alarm line"},
      {"bank/battery[b]/cell[c]/voltage_v", "V", A, kCellVoltRes, kTick, kPlant,
       [](W w, O, int b, int c) { return w.cell_true_voltage_v(b, c); }, {}, Bench::kNone, "",
       "physical cell voltage (no sensor fault)"},
      {"bank/battery[b]/cell[c]/sensed_voltage_v", "V", A, kCellVoltRes, kTick, kPlant,
       [](W w, O, int b, int c) { return w.cell_voltage_v(b, c); }, {}, Bench::kDrive, "",
       "cell voltage at the BMS sense input (sensor faults applied; a bench's cell DAC)"},
      {"bank/battery[b]/cell[c]/temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int b, int c) { return w.cell_true_temperature_c(b, c); },
       number("degC", [](plant::World& w, int b, int c, double v) { w.set_cell_temperature_c(b, c, v); },
              [](W w, int b, int c) { return w.cell_true_temperature_c(b, c); }, -40, 120),
       Bench::kNone, "battery[b]/cell[c]/temperature_c", "physical cell temperature"},
      {"bank/battery[b]/cell[c]/sensed_temperature_c", "degC", A, kTempRes, kTick, kPlant,
       [](W w, O, int b, int c) { return w.cell_temperature_c(b, c); }, {}, Bench::kDrive, "",
       "cell temperature at the BMS sensor input (sensor faults applied)"},
      {"bank/battery[b]/cell[c]/soc", "", A, kSocRes, kTick, kPlant, [](W w, O, int b, int c) { return w.cell_soc(b, c); },
       number("ratio", [](plant::World& w, int b, int c, double v) { w.set_cell_soc(b, c, v); },
              [](W w, int b, int c) { return w.cell_soc(b, c); }, 0, 1),
       Bench::kNone, "battery[b]/cell[c]/soc", "cell state of charge (0..1)"},

      // ---- scenario set points that are recorded too ----
      {"engine/rpm", "", A, 1.0, kTick, kPlant, [](W w, O, int, int) { return w.engine_rpm(); },
       number("", [](plant::World& w, int, int, double v) { w.set_engine_rpm(v); }, [](W w, int, int) { return w.engine_rpm(); },
              0, 8000),
       Bench::kNone, "engine_rpm", "engine speed"},
      {"alternator/belt_slip", "", A, kSocRes, kTick, kPlant, [](W w, O, int, int) { return w.belt_slip(); },
       number("ratio", [](plant::World& w, int, int, double v) { w.set_belt_slip(v); }, [](W w, int, int) { return w.belt_slip(); },
              0, 1),
       Bench::kNone, "belt_slip", "fraction of engine speed lost in the belt (0..1)"},
      {"alternator/set_point_v", "V", A, kVoltRes, kTick, kPlant,
       [](W w, O, int, int) { return w.alternator().set_point_v(); },
       number("V", [](plant::World& w, int, int, double v) { w.set_regulator_failure(v); },
              [](W w, int, int) { return w.alternator().set_point_v(); }, 0, 40),
       Bench::kNone, "",
       "the alternator regulator's set point (written: the regulator is forced to it, as regulator_failure)"},
      {"alternator/ceiling_a", "A", A, kAmpRes, kTick, kPlant, [](W w, O, int, int) { return w.alternator().ceiling_a(); },
       {}, Bench::kDrive, "",
       "most current the alternator can deliver at its speed and temperature (a bench supply's current limit)"},
      {"vehicle/load_current_a", "A", A, kAmpRes, kStep, kPlant,
       [](W w, O, int, int) { return w.vehicle_load_current_a(); },
       number("A", [](plant::World& w, int, int, double v) { w.set_vehicle_load_a(v); },
              [](W w, int, int) { return w.vehicle_load_a(); }, 0, 2000),
       Bench::kNone, "vehicle_load_a", "vehicle loads on the alternator node (written: their demand)"},
      {"charger/shore_power", "", D, 0, kTick, kPlant, [](W w, O, int, int) { return flag(w.shore_power()); },
       boolean([](plant::World& w, int, int, double v) { w.set_shore_power(v != 0.0); },
               [](W w, int, int) { return flag(w.shore_power()); }),
       Bench::kNone, "shore_power", "mains present at the shore charger"},
      {"starter/connected", "", D, 0, kTick, kPlant, [](W w, O, int, int) { return flag(w.starter_connected()); },
       boolean([](plant::World& w, int, int, double v) { w.set_starter_connected(v != 0.0); },
               [](W w, int, int) { return flag(w.starter_connected()); }),
       Bench::kNone, "", "the starter battery is connected to the alternator node"},
      {"remote/mode", "", I, 0, kTick, kPlant,
       [](W w, O, int, int) { return static_cast<double>(static_cast<int>(w.remote_mode())); },
       WriteSpec{WriteKind::kChoice,
                 [](plant::World& w, int, int, double v) {
                   w.set_remote_h_v(std::nullopt);  // the wiring sets the pins again
                   w.set_remote_l_v(std::nullopt);
                   w.set_remote_mode(static_cast<plant::RemoteMode>(static_cast<int>(v)));
                 },
                 [](W w, int, int) { return static_cast<double>(static_cast<int>(w.remote_mode())); }, 0, 3, "a,b,c,d", ""},
       Bench::kNone, "remote_mode",
       "remote wiring: a = L-H loop, b = L to minus, c = H driven high, d = nothing (0..3 recorded)"},
  };
  return t;
}

// "[b]" / "[c]" / "[i]": the placeholders; their position in a pattern.
struct Placeholder {
  std::size_t pos = std::string::npos;  // of '['
  char letter = 0;
};
Placeholder first_placeholder(std::string_view p, std::size_t from = 0) {
  for (std::size_t k = p.find('[', from); k != std::string_view::npos; k = p.find('[', k + 1))
    if (k + 2 < p.size() && p[k + 2] == ']' && (p[k + 1] == 'b' || p[k + 1] == 'c' || p[k + 1] == 'i'))
      return {k, p[k + 1]};
  return {};
}
int count_for(char letter, int batteries, int loads) {
  return letter == 'b' ? batteries : letter == 'c' ? kCells : loads;
}

// Replaces the first placeholder of `p` with index n.
std::string bind_first(std::string_view p, int n) {
  const auto ph = first_placeholder(p);
  if (ph.pos == std::string::npos) return std::string(p);
  return std::string(p.substr(0, ph.pos + 1)) + std::to_string(n) + std::string(p.substr(ph.pos + 2));
}

// Matches a concrete name against a pattern (or alias): returns the indices or nullopt.
std::optional<std::pair<int, int>> match(std::string_view pattern, std::string_view name, int batteries, int loads) {
  int idx[2] = {0, 0};
  int n = 0;
  std::size_t p = 0, q = 0;
  while (p < pattern.size()) {
    const auto ph = first_placeholder(pattern, p);
    const std::size_t lit_end = ph.pos == std::string::npos ? pattern.size() : ph.pos + 1;
    const auto lit = pattern.substr(p, lit_end - p);
    if (name.substr(q, lit.size()) != lit) return std::nullopt;
    q += lit.size();
    p = lit_end;
    if (ph.pos == std::string::npos) break;
    int v = -1;
    const auto* first = name.data() + q;
    const auto* last = name.data() + name.size();
    const auto r = std::from_chars(first, last, v);
    if (r.ec != std::errc{} || r.ptr == first || v < 0 || v >= count_for(ph.letter, batteries, loads)) return std::nullopt;
    if (*first == '0' && r.ptr - first > 1) return std::nullopt;  // no leading zeros: one spelling per signal
    q += static_cast<std::size_t>(r.ptr - first);
    if (n < 2) idx[n++] = v;
    p = ph.pos + 2;  // the ']' is matched as the next literal
  }
  if (q != name.size()) return std::nullopt;
  return std::make_pair(idx[0], idx[1]);
}

// Prefix of the pattern up to and including its first placeholder ("bank/battery[b]"), or "" if none.
std::string_view group_prefix(std::string_view p, std::size_t from) {
  const auto ph = first_placeholder(p, from);
  if (ph.pos == std::string::npos) return {};
  return p.substr(0, ph.pos + 3);
}

void expand_range(std::span<const SignalDef> defs, std::size_t level_from, const std::vector<int>& bound, int batteries,
                  int loads, std::vector<SignalSpec>& out) {
  std::size_t i = 0;
  while (i < defs.size()) {
    const std::string_view p = defs[i].pattern;
    const auto prefix = group_prefix(p, level_from);
    if (prefix.empty()) {
      if (defs[i].read || defs[i].source == Source::kRig || defs[i].source == Source::kDut) {
        std::string name(p);
        for (int v : bound) name = bind_first(name, v);
        const auto& d = defs[i];
        out.push_back(SignalSpec{SignalInfo{std::move(name), d.unit, d.kind, d.resolution}, d.rate, &d,
                                 bound.empty() ? 0 : bound[0], bound.size() > 1 ? bound[1] : 0});
      }
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < defs.size() && std::string_view(defs[j].pattern).substr(0, prefix.size()) == prefix) ++j;
    const char letter = prefix[prefix.size() - 2];
    for (int n = 0; n < count_for(letter, batteries, loads); ++n) {
      auto b = bound;
      b.push_back(n);
      expand_range(defs.subspan(i, j - i), prefix.size(), b, batteries, loads, out);
    }
    i = j;
  }
}

std::vector<std::string> split_aliases(const char* aliases) {
  std::vector<std::string> out;
  std::string_view s = aliases;
  while (!s.empty()) {
    const auto k = s.find(',');
    out.emplace_back(s.substr(0, k));
    if (k == std::string_view::npos) break;
    s.remove_prefix(k + 1);
  }
  return out;
}

std::vector<std::string> expand_pattern(std::string_view p, int batteries, int loads) {
  const auto ph = first_placeholder(p);
  if (ph.pos == std::string::npos) return {std::string(p)};
  std::vector<std::string> out;
  for (int n = 0; n < count_for(ph.letter, batteries, loads); ++n)
    for (auto& s : expand_pattern(bind_first(p, n), batteries, loads)) out.push_back(std::move(s));
  return out;
}

std::string regex_of(std::string_view p) {
  std::string r;
  for (std::size_t k = 0; k < p.size(); ++k) {
    const auto ph = first_placeholder(p, k);
    if (ph.pos == k) {
      r += "\\[[0-9]+\\]";
      k += 2;
      continue;
    }
    const char ch = p[k];
    if (std::string_view(".[]()*+?^$|\\{}").find(ch) != std::string_view::npos) r += '\\';
    r += ch;
  }
  return r;
}

}  // namespace

std::span<const SignalDef> registry() { return table(); }

std::optional<Resolved> resolve(std::string_view name, int batteries, int loads) {
  // An index must exist in this world (an alias without placeholders names index 0 of each).
  auto exists = [&](std::string_view pattern, int a, int b) {
    const auto p1 = first_placeholder(pattern);
    if (p1.pos == std::string::npos) return true;
    if (a >= count_for(p1.letter, batteries, loads)) return false;
    const auto p2 = first_placeholder(pattern, p1.pos + 3);
    return p2.pos == std::string::npos || b < count_for(p2.letter, batteries, loads);
  };
  for (const auto& d : table()) {
    if (auto m = match(d.pattern, name, batteries, loads)) {
      std::string canonical = d.pattern;
      canonical = bind_first(canonical, m->first);
      canonical = bind_first(canonical, m->second);
      return Resolved{&d, std::move(canonical), m->first, m->second};
    }
    for (const auto& alias : split_aliases(d.aliases)) {
      auto m = match(alias, name, batteries, loads);
      if (!m || !exists(d.pattern, m->first, m->second)) continue;
      // An alias without the pattern's placeholders names index 0 ("load/current_a" = "load[0]/current_a").
      std::string canonical = bind_first(bind_first(d.pattern, m->first), m->second);
      return Resolved{&d, std::move(canonical), m->first, m->second};
    }
  }
  return std::nullopt;
}

std::vector<std::string> expand(const SignalDef& def, int batteries, int loads) {
  return expand_pattern(def.pattern, batteries, loads);
}

std::vector<std::string> writable_names(int batteries, int loads) {
  std::vector<std::string> out;
  for (const auto& d : table()) {
    if (d.write.kind == WriteKind::kNone) continue;
    for (auto& n : expand_pattern(d.pattern, batteries, loads)) out.push_back(std::move(n));
    for (const auto& a : split_aliases(d.aliases))
      for (auto& n : expand_pattern(a, batteries, loads)) out.push_back(std::move(n));
  }
  return out;
}

std::vector<std::string> bench_names(bool drive, int batteries, int loads) {
  std::vector<std::string> out;
  for (const auto& d : table()) {
    const bool ok = d.bench == Bench::kEither || d.bench == (drive ? Bench::kDrive : Bench::kMeasure);
    if (!ok) continue;
    for (auto& n : expand_pattern(d.pattern, batteries, loads)) out.push_back(std::move(n));
  }
  return out;
}

std::string writable_name_regex() {
  std::string r;
  for (const auto& d : table()) {
    if (d.write.kind == WriteKind::kNone) continue;
    std::vector<std::string> names{d.pattern};
    for (auto& a : split_aliases(d.aliases)) names.push_back(std::move(a));
    for (const auto& n : names) r += (r.empty() ? "" : "|") + regex_of(n);
  }
  return "^(" + r + ")$";
}

std::string bench_name_regex() {
  std::string r;
  for (const auto& d : table())
    if (d.bench != Bench::kNone) r += (r.empty() ? "" : "|") + regex_of(d.pattern);
  return "^(" + r + ")$";
}

std::vector<SignalSpec> signal_catalogue(int battery_count, int load_count) {
  std::vector<SignalSpec> out;
  expand_range(registry(), 0, {}, battery_count, load_count, out);
  return out;
}

const char* to_string(Source s) {
  switch (s) {
    case Source::kPlant: return "plant";
    case Source::kFirmware: return "firmware";
    case Source::kRig: return "rig";
    case Source::kDut: return "dut";
    case Source::kNone: return "set point";
  }
  return "?";
}
const char* to_string(Bench b) {
  switch (b) {
    case Bench::kNone: return "-";
    case Bench::kDrive: return "out";
    case Bench::kMeasure: return "in";
    case Bench::kEither: return "out|in";
  }
  return "?";
}

}  // namespace rig::scenario
