// Cell-mode derivation of the battery signals (TOP-4, CELL-1..CELL-5): the core computes ATC, ATD and the
// pre-alarm request from the lowest / highest cell voltage and temperature of the configured cells, as a
// Smart battery does internally. Readings outside the physical sensor range (constants.hpp) are left out of
// the extremes here; they are a sensor fault handled by the Bms (FLT-1).
#pragma once

#include <cstdint>

#include "fw/io.hpp"
#include "fw/timing.hpp"

namespace fw {

// Extremes over the valid readings of the configured cells.
struct CellExtremes {
  bool any_voltage = false;  // at least one valid cell voltage
  std::int32_t min_mv = 0;
  std::int32_t max_mv = 0;
  bool any_temp = false;     // at least one valid cell temperature
  std::int32_t min_dc = 0;
  std::int32_t max_dc = 0;
};

struct CellFlags {
  bool under_voltage = false;     // CELL-1 (ATD false)
  bool prealarm = false;          // CELL-2 (pre-alarm request)
  bool over_voltage = false;      // CELL-3 (ATC false)
  bool over_temperature = false;  // CELL-4 (ATC false)
  bool under_temperature = false; // CELL-5 (ATC false)

  constexpr bool atc() const { return !over_voltage && !over_temperature && !under_temperature; }
  constexpr bool atd() const { return !under_voltage; }
};

class CellMonitor {
 public:
  // Everything allowed, no pre-alarm (the hold times then apply from the first sample).
  constexpr void reset() { *this = CellMonitor{}; }
  // Power-on / reset state (FLT-2, FLT-3): every latch set — ATC and ATD false, pre-alarm requested — so each
  // clears only through its own recovery rule (CELL-1..CELL-5), as if it had tripped just before the reset.
  static constexpr CellMonitor tripped() {
    CellMonitor m;
    m.flags_ = CellFlags{true, true, true, true, true};
    return m;
  }
  // Start-up release of the timed latches (see Bms): clears the under-voltage / pre-alarm latch and its timers.
  constexpr void release_under_voltage() {
    flags_.under_voltage = false;
    uv_set_.clear();
    uv_clear_.clear();
  }
  constexpr void release_prealarm() {
    flags_.prealarm = false;
    pa_set_.clear();
    pa_clear_.clear();
  }
  const CellFlags& update(const CellExtremes& x, const Config& config, std::uint32_t dt_ms);
  const CellFlags& flags() const { return flags_; }

 private:
  CellFlags flags_;
  detail::HoldTimer uv_set_;
  detail::HoldTimer uv_clear_;
  detail::HoldTimer pa_set_;
  detail::HoldTimer pa_clear_;
  detail::HoldTimer ov_set_;
};

}  // namespace fw
