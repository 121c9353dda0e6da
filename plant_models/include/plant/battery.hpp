// A Lithium Battery 12,8V Smart: 4 LFP cells in series + busbar resistance, cell sensors, and the
// emulation of its own BMS that drives the BMS-cable signals (ATC, ATD, PA; research notes §1.B, O-04/05/08).
// Sign: current_a > 0 charges. Copyable value type; no allocation after construction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "plant/cell.hpp"
#include "plant/params.hpp"
#include "plant/sensor.hpp"

namespace plant {

// The signals on one battery's M8 BMS cable, as the BMS (firmware) sees them.
struct CableSignals {
  bool connected = true;            // false when unplugged (then atc = atd = prealarm = false)
  bool allowed_to_charge = true;    // ATC
  bool allowed_to_discharge = true; // ATD
  bool prealarm = false;            // PA request (imminent cell under-voltage)
};

// The Smart battery's internal decision logic with its thresholds and delays. Evaluated on the battery's
// sensed cell values (so an open sense wire also trips it, like on the real battery).
class SmartBmsEmulator {
 public:
  SmartBmsEmulator() = default;
  explicit SmartBmsEmulator(const SmartBmsParams& p);
  void update(double min_cell_v, double max_cell_v, double min_temp_c, double max_temp_c, double dt_s);
  bool atc() const { return atc_; }
  bool atd() const { return atd_; }
  bool prealarm() const { return pa_; }
  const SmartBmsParams& params() const { return p_; }
 private:
  SmartBmsParams p_{};
  bool atc_ = true, atd_ = true, pa_ = false;
  bool ov_ = false, ot_ = false, ut_ = false;   // latched ATC causes
  double t_uv_ = 0, t_uv_rec_ = 0, t_pa_ = 0, t_pa_rec_ = 0, t_ov_ = 0, t_ot_ = 0, t_ut_ = 0;
};

// One signal line of the BMS cable (single-line faults).
enum class CableLine : std::uint8_t { kAllowedToCharge = 0, kAllowedToDischarge = 1, kPrealarm = 2 };

class Battery {
 public:
  Battery() = default;
  explicit Battery(const BatteryParams& p, double temp_c = 25.0);  // throws std::invalid_argument

  LfpCell& cell(int c);             // c in 0..3 (throws std::out_of_range)
  const LfpCell& cell(int c) const;

  // Step-averaged Thevenin equivalent of the whole battery (4 cells + busbar).
  StepModel step_model(const CellStepFactors& f) const;
  // Advances all cells with the battery current (> 0 charging), samples the sensors, updates the emulator.
  void advance(double current_a, const CellStepFactors& f, double ambient_c);
  // advance() in three stages (the cells' states, the cells' finish, then sensors and emulator), for an owner
  // that steps several batteries: running each stage over every battery before the next gives the processor
  // independent work to overlap. Called in this order, they do exactly what advance() does.
  void advance_cells(double current_a, const CellStepFactors& f, double ambient_c);
  void finish_cells();
  void finish_step(double dt_s);

  double current_a() const { return current_a_; }
  double balance_current_a(int c) const;  // bleed of cell c in the last step (balancer), >= 0
  double terminal_v() const;        // sum of cell terminal voltages + busbar drop (end of step)
  double soc() const;               // mean cell SOC
  double min_soc() const;
  double charge_ah() const;         // sum over cells / 4 (series: the mean cell charge)

  // Sensors (what the BMS reads).
  Sensor& voltage_sensor(int c);
  Sensor& temperature_sensor(int c);
  void resample_sensors() { sample_sensors(); }  // after a state change outside advance()
  double cell_voltage_reading_v(int c) const;
  double cell_temperature_reading_c(int c) const;

  // BMS cable.
  void set_cable_connected(bool connected) { cable_connected_ = connected; }
  // A single line stuck at a level (a broken conductor, a shorted pin): the BMS reads `forced` on that line
  // whatever the battery drives; nullopt restores it. Unplugging the cable still drops every line.
  void set_cable_line(CableLine line, std::optional<bool> forced) {
    line_force_[static_cast<std::size_t>(line)] = forced ? static_cast<signed char>(*forced) : -1;
  }
  std::optional<bool> cable_line(CableLine line) const {
    const auto f = line_force_[static_cast<std::size_t>(line)];
    return f < 0 ? std::nullopt : std::optional<bool>(f != 0);
  }
  CableSignals cable_signals() const;
  const SmartBmsEmulator& smart_bms() const { return bms_; }

  const BatteryParams& params() const { return p_; }

 private:
  void sample_sensors();
  BatteryParams p_{};
  std::array<LfpCell, kCellsPerBattery> cells_{};
  std::array<Sensor, kCellsPerBattery> v_sensors_{};
  std::array<Sensor, kCellsPerBattery> t_sensors_{};
  SmartBmsEmulator bms_{};
  bool cable_connected_ = true;
  std::array<signed char, 3> line_force_{-1, -1, -1};   // per CableLine: -1 free, 0 / 1 stuck at that level
  double current_a_ = 0.0;
  mutable std::array<double, kCellsPerBattery> bleed_a_{};  // decided in step_model() for the step
};

}  // namespace plant
