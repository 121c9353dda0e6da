// Test harness for fw::Bms: nominal inputs, a virtual clock, helpers to run for a time at a call period.
#pragma once

#include <cstdint>
#include <functional>

#include <gtest/gtest.h>

#include "fw/bms.hpp"

namespace fwtest {

// Nominal, healthy inputs: cells 3.30 V / 25 °C, cables connected and allowing, alternator running at
// 14.0 V with 20 A flowing, Li port 13.3 V, remote mode A (L–H loop: both pins high).
inline fw::Inputs nominal_inputs() {
  fw::Inputs in;
  for (int i = 0; i < fw::kMaxCells; ++i) {
    in.cell_mv[i] = 3300;
    in.cell_temp_dc[i] = 250;
  }
  in.alt_port_mv = 14000;
  in.li_port_mv = 13300;
  in.alt_current_ma = 20000;  // current flows (no current for 50 ms re-arms the soft start, ALT-4)
  in.heatsink_temp_dc = 250;
  in.remote_h_mv = 12000;
  in.remote_l_mv = 12000;
  return in;
}

// Cell mode with all five batteries (20 cells), the other fields at their defaults.
inline fw::Config five_batteries() {
  fw::Config c;
  c.battery_count = fw::kMaxBatteries;
  return c;
}

class Harness {
 public:
  explicit Harness(const fw::Config& config = five_batteries(), std::uint32_t period_ms = 1)
      : period_ms_(period_ms) {
    EXPECT_EQ(bms.configure(config), fw::ConfigError::kOk);
    in = nominal_inputs();
  }

  // One step at the current time, then the clock advances by the period.
  const fw::Outputs& tick() {
    out = bms.step(in, now);
    last_ = now;
    now += period_ms_;
    return out;
  }
  // Steps until `last()` ≥ t_end (inclusive), i.e. the last sample is taken at t_end if on the grid.
  const fw::Outputs& run_until(fw::Millis t_end) {
    while (static_cast<std::int32_t>(now - t_end) <= 0) tick();
    return out;
  }
  const fw::Outputs& run_for(std::uint32_t ms) { return run_until(now + ms - period_ms_); }
  // Runs until `pred(out)` or the time limit; returns the sample time where it first held, or ~0u.
  fw::Millis run_until_pred(const std::function<bool(const fw::Outputs&)>& pred, std::uint32_t limit_ms) {
    const fw::Millis end = now + limit_ms;
    while (static_cast<std::int32_t>(now - end) <= 0) {
      tick();
      if (pred(out)) return last_;
    }
    return ~0u;
  }
  // Power-on until the outputs are driven (FLT-2: 1 s of valid inputs), plus the CD-3 hold-off if needed.
  void start() {
    run_until(now + fw::kStartupValidMs);
    ASSERT_EQ(out.charge, fw::Pin::kHigh) << "start-up did not complete";
  }
  fw::Millis last() const { return last_; }  // time of the latest sample
  void set_period(std::uint32_t p) { period_ms_ = p; }

  fw::Bms bms;
  fw::Inputs in;
  fw::Outputs out;
  fw::Millis now = 0;  // time of the next sample

 private:
  std::uint32_t period_ms_;
  fw::Millis last_ = 0;
};

inline bool same(const fw::Outputs& a, const fw::Outputs& b) {
  return a.load == b.load && a.charge == b.charge && a.prealarm == b.prealarm && a.alt_path_on == b.alt_path_on &&
         a.alt_limit_ma == b.alt_limit_ma && a.leds == b.leds && a.alarm_reason == b.alarm_reason &&
         a.bms_error == b.bms_error && a.bms_flags == b.bms_flags && a.atc == b.atc && a.atd == b.atd &&
         a.prealarm_active == b.prealarm_active && a.remote_on == b.remote_on &&
         a.lead_violation == b.lead_violation;
}

inline fw::Config signals_config(int batteries) {
  fw::Config c;
  c.input_mode = fw::InputMode::kBatterySignals;
  c.battery_count = static_cast<std::uint8_t>(batteries);
  return c;
}

}  // namespace fwtest
