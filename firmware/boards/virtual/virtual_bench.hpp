// The virtual bench around the virtual board: three SCPI instruments and the board's power stage between them
// (the model is documented in main.cpp's header). The instruments' readbacks are computed from their programmed
// state, the sum of the cell DAC voltages and the power stage's state, which the firmware commands every tick, so a
// current the rig measures is a consequence of the firmware's decision (or of a broken stage, see Fault).
// Host-only code; one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fw/io.hpp"
#include "scpi_server.hpp"

namespace vboard {

// A broken board (--fault NAME). Each is a hardware defect of the power stage; the firmware is unchanged.
enum class Fault : std::uint8_t {
  kNone,
  kLimitAtFuse,  // "limit-at-fuse": limit gain error, I_limit = command / 0.9, capped at 1.0 × fuse rating
  kReverse,      // "reverse": the switch conducts both ways while the path is on
  kNoSoftStart,  // "no-soft-start": the limit jumps to min(0.9 × fuse, 100 A) as soon as the path opens
};
std::optional<Fault> parse_fault(std::string_view name);
const char* to_string(Fault fault);

// Power-stage figures.
inline constexpr double kStageResistanceOhm = 0.005;  // alternator port → Li port, switch on (5 mΩ)
inline constexpr double kPsuSinkLimitA = 60.0;         // the alternator supply's sink rating (reverse current)
inline constexpr double kStageLoopTauS = 0.002;       // first-order lag of the current-limit loop (2 ms)
inline constexpr double kGainErrorDivisor = 0.9;      // limit-at-fuse: limit = command / 0.9
inline constexpr double kEloadMinBusV = 1.0;          // the e-load draws nothing below 1 V

// Instrument ranges (beyond them: -222).
inline constexpr double kPsuMaxV = 30.0, kPsuMaxA = 150.0;
inline constexpr double kBatteryMaxV = 20.0, kBatteryMaxA = 150.0;
inline constexpr double kEloadMaxA = 150.0;

inline constexpr const char* kPsuIdn = "BMSRIG,VIRTUAL-PSU,0001,1.0";
inline constexpr const char* kBatteryIdn = "BMSRIG,VIRTUAL-BATTERY,0001,1.0";
inline constexpr const char* kEloadIdn = "BMSRIG,VIRTUAL-ELOAD,0001,1.0";

struct SupplyState {
  double volt_v = 0.0;  // set point
  double curr_a = 0.0;  // current limit
  bool on = false;
};
struct LoadState {
  double curr_a = 0.0;  // constant-current set point
  bool on = false;
};

// The electrical state at one instant.
struct OperatingPoint {
  double alt_port_v = 0.0;  // PSU terminal voltage = the board's alternator port
  double li_bus_v = 0.0;    // the Li bus: battery emulator (output on) or the sum of the cell voltages
  double stage_a = 0.0;     // through the power stage, + = alternator → Li (= the PSU's output current)
  double eload_a = 0.0;     // drawn by the e-load from the Li bus
  double battery_a = 0.0;   // into the battery emulator (charging +) = stage − e-load; 0 with its output off
  bool psu_cc = false;      // the PSU is in constant current (its limit binds; its voltage sags)
};

class VirtualBench {
 public:
  explicit VirtualBench(Fault fault = Fault::kNone) : fault_(fault) {}

  // Moves the stage's current loop on to `t_ns` (CLOCK_MONOTONIC). Called before anything changes and before
  // any readback, so the lag is exact for the piecewise-constant inputs in between.
  void advance(std::int64_t t_ns);
  // Sum of the cell DAC voltages (V).
  void set_cells_v(double sum_v) { cells_v_ = sum_v; }
  // The firmware's command of this tick (after fw::Bms::step) and the configured fuse rating.
  void command(const fw::Outputs& out, std::int32_t fuse_rating_a);
  OperatingPoint point() const;
  // What the board's own sensors give the firmware (alt_port_mv, li_port_mv, alt_current_ma, heatsink 25 °C).
  void sense(fw::Inputs& in) const;

  // The instruments' SCPI command sets (ScpiHandler).
  std::optional<std::string> psu_scpi(const ScpiCommand& c);
  std::optional<std::string> battery_scpi(const ScpiCommand& c);
  std::optional<std::string> eload_scpi(const ScpiCommand& c);

  Fault fault() const { return fault_; }
  const SupplyState& psu() const { return psu_; }
  const SupplyState& battery() const { return battery_; }
  const LoadState& eload() const { return eload_; }
  double stage_limit_a() const { return limit_a_; }

 private:
  std::optional<std::string> supply_scpi(const ScpiCommand& c, SupplyState& s, const char* idn, double max_v,
                                         double max_a, bool is_psu);

  Fault fault_;
  SupplyState psu_;
  SupplyState battery_;
  LoadState eload_;
  double cells_v_ = 0.0;
  bool gate_ = false;         // the path switch is on
  double target_a_ = 0.0;     // the limit the stage is steering to (command after the fault's mapping)
  double limit_a_ = 0.0;      // the current-limit loop's state (lags target_a_ with τ)
  std::int64_t t_ns_ = -1;
};

}  // namespace vboard
