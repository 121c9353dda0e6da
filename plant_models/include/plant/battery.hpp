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

class Battery;

// One cell of a battery, by reference: a battery keeps its four cells as lanes (plant/cell_lanes.hpp) and steps
// them together, so Battery::cell() hands out this view rather than an LfpCell. It has LfpCell's getters, and
// CellRef its setters, which validate and refresh the cell exactly as LfpCell's do.
class CellView {
 public:
  using Lanes = lanes::CellState<lanes::Lanes2>;
  CellView(const Battery& b, int c) : b_(&b), c_(c) {}
  LfpCell copy() const;                     // the cell as a standalone LfpCell (same state, same next step)
  double soc() const { return lane(&Lanes::soc); }
  double available_soc() const { return soc() - unavailable_soc(); }
  double unavailable_soc() const { return lane(&Lanes::cold_u); }
  double charge_ah() const { return soc() * capacity_ah(); }
  double capacity_ah() const;
  double ocv_v() const { return copy().ocv_v(); }
  double v1_v() const { return lane(&Lanes::v1); }
  double v2_v() const { return lane(&Lanes::v2); }
  double temperature_c() const { return lane(&Lanes::temp_c); }
  double r0_ohm() const { return copy().r0_ohm(); }
  double r1_ohm() const { return copy().r1_ohm(); }
  double r2_ohm() const { return copy().r2_ohm(); }
  double terminal_v() const { return lane(&Lanes::terminal_v); }
  double current_a() const { return lane(&Lanes::last_current_a); }
  double heat_w() const { return lane(&Lanes::last_heat_w); }
  StepModel step_model(const CellStepFactors& f) const { return copy().step_model(f); }
  const CellParams& params() const;

 protected:
  double lane(lanes::Lanes2 Lanes::*field) const;
  const Battery* b_;
  int c_;
};

class CellRef : public CellView {
 public:
  CellRef(Battery& b, int c) : CellView(b, c), mb_(&b) {}
  void set_capacity_scale(double s) { edit([&](LfpCell& c) { c.set_capacity_scale(s); }); }
  void set_r0_scale(double s) { edit([&](LfpCell& c) { c.set_r0_scale(s); }); }
  void set_ocv_offset_v(double v) { edit([&](LfpCell& c) { c.set_ocv_offset_v(v); }); }
  void set_soc(double soc) { edit([&](LfpCell& c) { c.set_soc(soc); }); }
  void set_temperature_c(double t) { edit([&](LfpCell& c) { c.set_temperature_c(t); }); }
  void set_temperature_hold(bool hold) { edit([&](LfpCell& c) { c.set_temperature_hold(hold); }); }

 private:
  template <class F> void edit(F f);   // the cell as an LfpCell, changed by f, stored back (f may throw: no change)
  Battery* mb_;
};

// One signal line of the BMS cable (single-line faults).
enum class CableLine : std::uint8_t { kAllowedToCharge = 0, kAllowedToDischarge = 1, kPrealarm = 2 };

class Battery {
 public:
  Battery();                        // four default cells (LfpCell()), default parameters
  explicit Battery(const BatteryParams& p, double temp_c = 25.0);  // throws std::invalid_argument

  CellRef cell(int c) { check_cell(c); return CellRef(*this, c); }   // c in 0..3 (throws std::out_of_range)
  CellView cell(int c) const { check_cell(c); return CellView(*this, c); }

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
  // Inline, as the cell getters: a scenario's signals read them after every plant step.
  double cell_voltage_reading_v(int c) const { check_cell(c); return v_sensors_[static_cast<std::size_t>(c)].reading(); }
  double cell_temperature_reading_c(int c) const {
    check_cell(c);
    return t_sensors_[static_cast<std::size_t>(c)].reading();
  }

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
  CableSignals cable_signals() const {
    if (!cable_connected_) return CableSignals{false, false, false, false};
    const auto line = [this](CableLine l, bool v) {
      const auto f = line_force_[static_cast<std::size_t>(l)];
      return f < 0 ? v : f != 0;
    };
    return CableSignals{true, line(CableLine::kAllowedToCharge, bms_.atc()),
                        line(CableLine::kAllowedToDischarge, bms_.atd()), line(CableLine::kPrealarm, bms_.prealarm())};
  }
  const SmartBmsEmulator& smart_bms() const { return bms_; }

  const BatteryParams& params() const { return p_; }

 private:
  friend class CellView;
  friend class CellRef;
  static void check_cell(int c) {
    if (c < 0 || c >= kCellsPerBattery) [[unlikely]] bad_cell(c);
  }
  [[noreturn]] static void bad_cell(int c);
  LfpCell cell_copy(int c) const;
  void store_cell(int c, const LfpCell& cell);
  void sample_sensors();
  BatteryParams p_{};
  // Cell c is lane c % 2 of cells_[c / 2].
  std::array<lanes::CellState<lanes::Lanes2>, kCellsPerBattery / lanes::kLanes> cells_{};
  double cell_lane(lanes::Lanes2 lanes::CellState<lanes::Lanes2>::*field, int c) const {
    return (cells_[static_cast<std::size_t>(c / lanes::kLanes)].*field)[c % lanes::kLanes];
  }
  std::array<Sensor, kCellsPerBattery> v_sensors_{};
  std::array<Sensor, kCellsPerBattery> t_sensors_{};
  SmartBmsEmulator bms_{};
  bool cable_connected_ = true;
  std::array<signed char, 3> line_force_{-1, -1, -1};   // per CableLine: -1 free, 0 / 1 stuck at that level
  double current_a_ = 0.0;
  mutable std::array<double, kCellsPerBattery> bleed_a_{};  // decided in step_model() for the step
};

inline double CellView::lane(lanes::Lanes2 Lanes::*field) const { return b_->cell_lane(field, c_); }
inline double CellView::capacity_ah() const { return b_->p_.cell.capacity_ah * lane(&Lanes::capacity_scale); }
inline const CellParams& CellView::params() const { return b_->p_.cell; }
inline LfpCell CellView::copy() const { return b_->cell_copy(c_); }
template <class F> void CellRef::edit(F f) {
  LfpCell cell = mb_->cell_copy(c_);
  f(cell);
  mb_->store_cell(c_, cell);
}

}  // namespace plant
