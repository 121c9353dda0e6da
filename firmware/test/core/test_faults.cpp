// Faults and start-up (FLT-1..FLT-3; FLT-4 in test_config*.cpp).
#include <gtest/gtest.h>

#include <type_traits>

#include "harness.hpp"

using fw::Pin;
using fwtest::Harness;

TEST(Faults, FLT_1_CableFailureAlarmAlternatorOffCdFloatsPaOnLdLater) {
  Harness h(fwtest::signals_config(3));
  h.start();
  h.run_for(3000);
  ASSERT_GT(h.out.alt_limit_ma, 0);
  h.in.battery[1].connected = false;
  h.tick();
  const fw::Millis t = h.last() + fw::kSignalDeglitchMs;
  h.run_until(t - 1);
  EXPECT_EQ(h.out.alarm_reason & fw::kArBmsCable, 0);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();  // 50 ms after the cable went: ≤ 100 ms
  EXPECT_TRUE(h.out.alarm_reason & fw::kArBmsCable);
  EXPECT_EQ(h.out.bms_error, fw::kBmsErrorCable);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.run_until(t + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
  // Reconnected: alarm clears, CD high at once, alternator 3 s later.
  h.in.battery[1].connected = true;
  h.tick();
  const fw::Millis t_back = h.last() + fw::kSignalDeglitchMs;
  h.run_until(t_back);
  EXPECT_EQ(h.out.alarm_reason, 0);
  EXPECT_EQ(h.out.bms_error, 0);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_FALSE(h.out.alt_path_on);
  h.run_until(t_back + fw::kAtcResumeMs);
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Faults, FLT_1_UnconfiguredCableIgnored) {
  Harness h(fwtest::signals_config(2));
  h.in.battery[2].connected = false;
  h.start();
  h.run_for(200);
  EXPECT_EQ(h.out.bms_error, 0);
}

TEST(Faults, FLT_1_SensorOutOfPhysicalRangeBothSides) {
  struct Case {
    const char* name;
    bool cell;       // cell voltage or temperature
    std::int32_t value;
    bool fault;
  };
  const Case cases[] = {
      {"cell 0.999 V", true, 999, true},    {"cell 1.000 V", true, 1000, false},
      {"cell 5.000 V", true, 5000, false},  {"cell 5.001 V", true, 5001, true},
      {"temp -50.1 C", false, -501, true},  {"temp -50.0 C", false, -500, false},
      {"temp 120.0 C", false, 1200, false}, {"temp 120.1 C", false, 1201, true},
  };
  fw::Config cfg;
  cfg.battery_count = 4;
  for (const Case& c : cases) {
    Harness h(cfg);
    h.start();
    h.run_for(3000);
    if (c.cell) {
      h.in.cell_mv[13] = c.value;
    } else {
      h.in.cell_temp_dc[13] = static_cast<std::int16_t>(c.value);
    }
    h.tick();
    const fw::Millis t = h.last() + fw::kSignalDeglitchMs;
    h.run_until(t - 1);
    EXPECT_EQ(h.out.bms_error, 0) << c.name;
    h.tick();
    EXPECT_EQ(h.out.bms_error, c.fault ? fw::kBmsErrorSensor : fw::kBmsErrorNone) << c.name;
    EXPECT_EQ((h.out.alarm_reason & fw::kArBmsCable) != 0, c.fault) << c.name;
    if (c.fault) {
      EXPECT_FALSE(h.out.alt_path_on) << c.name;
      EXPECT_EQ(h.out.charge, Pin::kFloating) << c.name;
      EXPECT_EQ(h.out.prealarm, Pin::kHigh) << c.name;
      h.run_until(t + 29999);
      EXPECT_EQ(h.out.load, Pin::kHigh) << c.name;
      h.tick();
      EXPECT_EQ(h.out.load, Pin::kFloating) << c.name;
    }
  }
}

TEST(Faults, FLT_2_OutputsFloatUntilValidInputsFor1000ms) {
  Harness h;
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.leds & fw::kLedBmsActive, 0);
  h.run_until(999);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_EQ(h.last(), 1000u);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_FALSE(h.out.alt_path_on);  // CD-3: ATC has been true for 1 s only
  EXPECT_TRUE(h.out.leds & fw::kLedBmsActive);
  h.run_until(2999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Faults, FLT_2_InvalidInputsDelayStartUp) {
  Harness h(fwtest::signals_config(1));
  h.in.battery[0].connected = false;
  h.run_until(5000);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  h.in.battery[0].connected = true;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 999);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  h.tick();
  EXPECT_EQ(h.out.charge, Pin::kHigh);
}

TEST(Faults, FLT_2_DischargeNotAllowedAtStartUpLeadRunsFromStartUp) {
  Harness h(fwtest::signals_config(1));
  h.in.battery[0].allowed_to_discharge = false;
  h.run_until(999);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);  // PA starts inactive
  h.tick();
  const fw::Millis t_start = h.last();
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.run_until(t_start + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(Faults, FLT_3_WatchdogResetLeavesOutputsSafeUntilStartUp) {
  Harness h;
  h.start();
  h.run_for(5000);
  ASSERT_TRUE(h.out.alt_path_on);
  h.bms.reset();
  h.tick();
  const fw::Millis t = h.last();
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.run_until(t + 999);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_FALSE(h.out.alt_path_on);  // CD-3's 3 s wait is counted afresh (test_reset.cpp)
  h.run_until(t + 3000);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);  // soft start again
}

TEST(Faults, FLT_3_ResetKeepsConfiguration) {
  fw::Config c = fwtest::five_batteries();
  c.fuse_rating_a = 60;
  Harness h(c);
  h.bms.reset();
  EXPECT_EQ(h.bms.config().fuse_rating_a, 60);
}

TEST(Faults, FLT_3_StateIsSnapshotByCopy) {
  static_assert(std::is_trivially_copyable_v<fw::Bms>);
  Harness h;
  h.start();
  h.in.cell_mv[2] = 2700;
  h.run_for(1500);
  fw::Bms copy = h.bms;
  fw::Millis now = h.now;
  for (int i = 0; i < 40000; ++i) {
    const fw::Outputs a = h.tick();
    const fw::Outputs b = copy.step(h.in, now);
    now += 1;
    ASSERT_TRUE(fwtest::same(a, b)) << i;
  }
}

TEST(Faults, FLT_3_ClockWrapIsHarmless) {
  Harness h;
  h.now = 0xFFFFFFFFu - 2000u;
  h.start();
  h.in.cell_mv[0] = 2700;
  h.tick();
  const fw::Millis t_atd = h.last() + fw::kUnderVoltageHoldMs;  // wraps past 0
  h.run_until(t_atd + 29999);
  EXPECT_FALSE(h.out.atd);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(Faults, FLT_3_TimeGoingBackwardsCountsAsNoTime) {
  Harness h;
  h.start();
  h.in.cell_mv[0] = 2700;
  h.tick();
  const fw::Millis t0 = h.last();
  h.run_until(t0 + 1000);
  h.now = t0 - 5000;  // the caller's clock jumps back: no delay may complete early
  h.run_until(t0 - 5000 + 999);
  EXPECT_TRUE(h.out.atd);
  h.tick();
  EXPECT_FALSE(h.out.atd);  // 1000 + 1000 ms of hold in total
}

TEST(Faults, FLT_4_InputModeChangeReseedsLines) {
  Harness h;
  h.start();
  h.run_for(5000);
  ASSERT_TRUE(h.out.alt_path_on);
  ASSERT_EQ(h.bms.configure(fwtest::signals_config(5)), fw::ConfigError::kOk);
  for (int i = 0; i < 200; ++i) {
    h.tick();
    ASSERT_TRUE(h.out.atc && h.out.atd && !h.out.prealarm_active) << i;
    ASSERT_EQ(h.out.load, Pin::kHigh);
    ASSERT_TRUE(h.out.alt_path_on);
  }
}
