// Charge disconnect (CD-1..CD-3).
#include <gtest/gtest.h>

#include "harness.hpp"

using fw::Pin;
using fwtest::Harness;

TEST(ChargeDisconnect, CD_1_HighWhileChargingAllowedFloatingForEachCause) {
  struct Case {
    const char* name;
    void (*apply)(fw::Inputs&);
  };
  const Case cases[] = {
      {"over-voltage", [](fw::Inputs& in) { in.cell_mv[0] = 3800; }},
      {"over-temperature", [](fw::Inputs& in) { in.cell_temp_dc[0] = 510; }},
      {"under-temperature", [](fw::Inputs& in) { in.cell_temp_dc[0] = 40; }},
      {"sensor fault", [](fw::Inputs& in) { in.cell_temp_dc[0] = -600; }},
  };
  for (const Case& c : cases) {
    Harness h;
    h.start();
    EXPECT_EQ(h.out.charge, Pin::kHigh) << c.name;
    EXPECT_TRUE(h.out.leds & fw::kLedChargeEnabled) << c.name;
    c.apply(h.in);
    h.run_for(1100);
    EXPECT_EQ(h.out.charge, Pin::kFloating) << c.name;
    EXPECT_FALSE(h.out.leds & fw::kLedChargeEnabled) << c.name;
    EXPECT_EQ(h.out.load, Pin::kHigh) << c.name;
  }
  // Cable failure (battery-signal mode).
  Harness h(fwtest::signals_config(1));
  h.start();
  h.in.battery[0].connected = false;
  h.run_for(100);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
}

TEST(ChargeDisconnect, CD_2_AtcLineFalseStopsChargingWithin100ms) {
  Harness h(fwtest::signals_config(1));
  h.start();
  h.run_for(3000);
  ASSERT_GT(h.out.alt_limit_ma, 0);
  h.in.battery[0].allowed_to_charge = false;
  h.tick();
  const fw::Millis t0 = h.last();
  h.run_until(t0 + fw::kSignalDeglitchMs - 1);  // 49 ms: a glitch this short is ignored
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();  // 50 ms ≤ 100 ms
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
}

TEST(ChargeDisconnect, CD_2_GlitchShorterThanDeglitchIgnored) {
  Harness h(fwtest::signals_config(1));
  h.start();
  h.run_for(3000);
  h.in.battery[0].allowed_to_charge = false;
  h.run_for(49);
  h.in.battery[0].allowed_to_charge = true;
  h.run_for(200);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 90000);  // no 3 s hold-off, no new soft start
}

TEST(ChargeDisconnect, CD_2_DerivedAtcFalseStopsAlternatorSameTick) {
  Harness h;
  h.start();
  h.run_for(3000);
  ASSERT_EQ(h.out.alt_limit_ma, 90000);
  h.in.cell_temp_dc[3] = 501;
  h.tick();
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_FALSE(h.out.alt_path_on);
}

TEST(ChargeDisconnect, CD_3_ChargeHighAtOnceAlternatorResumesAfter3000ms) {
  Harness h(fwtest::signals_config(1));
  h.start();
  h.run_for(3000);
  h.in.battery[0].allowed_to_charge = false;
  h.run_for(500);
  ASSERT_EQ(h.out.charge, Pin::kFloating);
  h.in.battery[0].allowed_to_charge = true;
  h.tick();
  const fw::Millis t_atc = h.last() + fw::kSignalDeglitchMs;
  h.run_until(t_atc);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_FALSE(h.out.alt_path_on);
  h.run_until(t_atc + 2999);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);  // soft start begins at 0
  h.run_until(t_atc + 3000 + 500);
  EXPECT_EQ(h.out.alt_limit_ma, 45000);
}

TEST(ChargeDisconnect, CD_3_CellModeOverTemperatureRecovery) {
  Harness h;
  h.start();
  h.in.cell_temp_dc[0] = 501;
  h.run_for(100);
  h.in.cell_temp_dc[0] = 449;
  h.tick();
  const fw::Millis t = h.last();
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  h.run_until(t + 2999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
}
