// Alternator path (ALT-1..ALT-7) and the alternator-charging LED (O-01).
#include <gtest/gtest.h>

#include <algorithm>

#include "alt_plant.hpp"
#include "harness.hpp"

using fw::Pin;
using fwtest::AltPlant;
using fwtest::Harness;

namespace {

// Closed loop at the rig's 10 ms tick.
struct Loop {
  explicit Loop(const fw::Config& c = fw::Config{}) : h(c, fw::kTickMs) {}
  void step() {
    plant.measure(h.in);
    h.tick();
    plant.apply(h.out, fw::kTickMs);
  }
  void run(std::uint32_t ms) {
    for (std::uint32_t t = 0; t < ms; t += fw::kTickMs) step();
  }
  Harness h;
  AltPlant plant;
};

}  // namespace

TEST(Alternator, ALT_1_PortAt12990mVNeverChargesAt13010mVCharges) {
  {
    Harness h;
    h.in.alt_port_mv = 12990;
    h.in.li_port_mv = 12800;
    h.start();
    for (int i = 0; i < 5000; ++i) {
      h.tick();
      ASSERT_EQ(h.out.alt_limit_ma, 0) << i;
    }
    EXPECT_FALSE(h.out.alt_path_on);  // floor timed out
  }
  {
    Harness h;
    h.in.alt_port_mv = 13010;
    h.in.li_port_mv = 12800;
    h.start();
    h.run_for(400);
    EXPECT_TRUE(h.out.alt_path_on);
    EXPECT_GT(h.out.alt_limit_ma, 1000);
  }
}

TEST(Alternator, ALT_1_FloorResponseTime500ms) {
  Harness h;
  h.start();
  h.run_for(3000);
  ASSERT_EQ(h.out.alt_limit_ma, 90000);
  h.in.alt_port_mv = 12999;
  h.in.li_port_mv = 12800;
  h.in.alt_current_ma = 50000;
  h.tick();
  const fw::Millis t = h.last();
  EXPECT_LT(h.out.alt_limit_ma, 90000);  // the regulator reacts on the first sample
  h.run_until(t + fw::kFloorResponseMs - 1);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  // Back at 13.000 V: re-opens at once, with soft start.
  h.in.alt_port_mv = 13000;
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
}

TEST(Alternator, ALT_1_SaggingStarterBatteryIsRegulatedWithoutChatter) {
  Loop loop;
  loop.plant.src_mv = 13200;  // weak source: 10 A would pull it to 13.0 V through 20 mΩ
  loop.plant.r_src_mohm = 20;
  loop.plant.li_ocv_mv = 12500;
  loop.h.start();
  int path_changes = 0;
  bool prev = loop.h.out.alt_path_on;
  std::int32_t min_port = 99999;
  std::int32_t cmd_min = 1 << 30;
  std::int32_t cmd_max = 0;
  for (int i = 0; i < 1000; ++i) {  // 10 s
    loop.step();
    if (loop.h.out.alt_path_on != prev) ++path_changes;
    prev = loop.h.out.alt_path_on;
    if (i >= 300) {  // after 3 s
      min_port = std::min(min_port, loop.h.in.alt_port_mv);
      cmd_min = std::min(cmd_min, loop.h.out.alt_limit_ma);
      cmd_max = std::max(cmd_max, loop.h.out.alt_limit_ma);
    }
  }
  EXPECT_EQ(path_changes, 0);
  EXPECT_GE(min_port, 12990);
  EXPECT_NEAR(loop.plant.current_ma, 10000, 1000);
  EXPECT_LT(cmd_max - cmd_min, 500);  // steady, no chatter
}

TEST(Alternator, ALT_1_ForcedFoldBackReachesZeroWithin500ms) {
  // The port stays at 12.990 V although current still flows (the regulator cannot lift it): the command
  // must still be 0 by 500 ms, and the path off at 500 ms.
  Harness h;
  h.start();
  h.run_for(3000);
  h.in.alt_port_mv = 12990;
  h.in.li_port_mv = 12800;
  h.in.alt_current_ma = 80000;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + fw::kFloorForceMs - 1);
  EXPECT_GT(h.out.alt_limit_ma, 60000);  // only the PI so far (measured + 1 A, −10 mV)
  h.run_until(t + 300);
  EXPECT_GT(h.out.alt_limit_ma, 0);
  EXPECT_LT(h.out.alt_limit_ma, 40000);  // forced fold-back since 100 ms: ≥ 90 A / 400 ms
  h.run_until(t + fw::kFloorResponseMs - 1);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
}

TEST(Alternator, ALT_1_StiffSourceRegulatedAbove13VWithoutChatter) {
  Loop loop;
  loop.plant.src_mv = 13020;  // barely above the floor, stiff (3 mΩ): the floor binds at ~5 A
  loop.plant.r_src_mohm = 3;
  loop.plant.li_ocv_mv = 12950;
  loop.h.start();
  int path_changes = 0;
  bool prev = true;
  std::int32_t min_port = 99999;
  for (int i = 0; i < 3000; ++i) {  // 30 s
    loop.step();
    if (i > 300) {
      if (loop.h.out.alt_path_on != prev) ++path_changes;
      prev = loop.h.out.alt_path_on;
      min_port = std::min(min_port, loop.h.in.alt_port_mv);
    }
  }
  EXPECT_EQ(path_changes, 0);
  EXPECT_GE(min_port, 12995);
  EXPECT_GT(loop.plant.current_ma, 3000);
}

TEST(Alternator, ALT_1_EngineOffNoCurrent) {
  Loop loop;
  loop.plant.src_mv = 12600;  // starter battery alone
  loop.plant.li_ocv_mv = 13300;
  loop.h.start();
  for (int i = 0; i < 500; ++i) {
    loop.step();
    ASSERT_EQ(loop.h.out.alt_limit_ma, 0);
    ASSERT_EQ(loop.plant.current_ma, 0);
  }
}

TEST(Alternator, ALT_2_OneWayPathOffWhenPortNotAboveLiPort) {
  Harness h;
  h.start();
  h.run_for(3000);
  h.in.alt_port_mv = 13500;
  h.in.li_port_mv = 13500;  // equal: not above
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.in.li_port_mv = 13499;  // 1 mV above: forward again
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 90000);  // a reversal < 100 ms keeps the soft-start state
  // A reversal of 100 ms restarts the soft start.
  h.in.li_port_mv = 13600;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + fw::kOneWayResetMs);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.in.li_port_mv = 13300;
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.run_for(500);
  EXPECT_EQ(h.out.alt_limit_ma, 45000);
}

TEST(Alternator, ALT_2_NeverCommandsCurrentWhilePortNotAboveLiPort) {
  Harness h;
  h.start();
  h.run_for(3000);
  for (int i = 0; i < 2000; ++i) {
    h.in.li_port_mv = 13500 + ((i * 7919) % 41) - 20;  // ±20 mV around the alternator port
    h.in.alt_port_mv = 13500;
    h.tick();
    if (h.in.alt_port_mv <= h.in.li_port_mv) {
      ASSERT_EQ(h.out.alt_limit_ma, 0) << i;
      ASSERT_FALSE(h.out.alt_path_on) << i;
    }
  }
}

TEST(Alternator, ALT_3_CurrentLimitForEveryMegafuse) {
  const std::pair<std::int32_t, std::int32_t> table[] = {
      {40, 36000}, {50, 45000}, {60, 54000}, {70, 63000}, {80, 72000}, {100, 90000}, {125, 100000}};
  for (const auto& [fuse, limit] : table) {
    fw::Config c = fwtest::five_batteries();
    c.fuse_rating_a = fuse;
    Harness h(c);
    h.start();
    h.run_for(1500);
    EXPECT_EQ(h.out.alt_limit_ma, limit) << fuse;
    EXPECT_EQ(fw::current_limit_ma(fuse), limit) << fuse;
  }
}

TEST(Alternator, ALT_3_CapAt100AEdge) {
  EXPECT_EQ(fw::current_limit_ma(111), 99900);
  EXPECT_EQ(fw::current_limit_ma(112), 100000);
  EXPECT_EQ(fw::current_limit_ma(41), 36900);
}

TEST(Alternator, ALT_3_SteadyStateCurrentWithinTolerance) {
  for (std::int32_t fuse : {40, 60, 100, 125}) {
    fw::Config c = fwtest::five_batteries();
    c.fuse_rating_a = fuse;
    Loop loop(c);
    loop.plant.src_mv = 14400;
    loop.plant.r_src_mohm = 5;
    loop.plant.li_ocv_mv = 13000;  // 1.4 V over 13 mΩ: 108 A available
    loop.plant.r_li_mohm = 5;
    loop.plant.r_path_mohm = 3;
    loop.h.start();
    loop.run(5000);
    const double lim = fw::current_limit_ma(fuse);
    const double available = loop.plant.natural_ma();
    EXPECT_NEAR(loop.plant.current_ma, std::min(lim, available), 0.1 * lim) << fuse;
  }
}

TEST(Alternator, ALT_4_SoftStart0ToLimitOver1000ms) {
  Harness h;
  h.in.alt_port_mv = 14400;
  h.start();
  const fw::Millis t = h.last();  // path opens at start-up
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.run_until(t + 1);
  EXPECT_EQ(h.out.alt_limit_ma, 90);
  h.run_until(t + 500);
  EXPECT_EQ(h.out.alt_limit_ma, 45000);
  h.run_until(t + 999);
  EXPECT_EQ(h.out.alt_limit_ma, 89910);
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
  h.run_for(5000);
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
}

TEST(Alternator, ALT_4_StepAboveLimitSettlesWithin500msNoOvershoot) {
  Loop loop;
  loop.plant.src_mv = 13300;  // weak source: the floor holds ~10 A
  loop.plant.r_src_mohm = 30;
  loop.plant.li_ocv_mv = 12800;
  loop.h.start();
  loop.run(5000);
  ASSERT_LT(loop.plant.current_ma, 20000);
  // Engine revs up: the source could now push 140 A.
  loop.plant.src_mv = 14400;
  loop.plant.r_src_mohm = 3;
  loop.plant.li_ocv_mv = 13000;
  const double lim = 90000;
  double peak = 0;
  for (int i = 0; i < 50; ++i) {  // 500 ms
    loop.step();
    peak = std::max(peak, loop.plant.current_ma);
    ASSERT_LE(loop.h.out.alt_limit_ma, 90000);
  }
  EXPECT_NEAR(loop.plant.current_ma, lim, 0.1 * lim);
  EXPECT_LE(peak, 1.2 * lim);
}

TEST(Alternator, ALT_5_LiPortLimitedTo14400mV) {
  Loop loop;
  loop.plant.src_mv = 15500;  // over-regulating alternator
  loop.plant.r_src_mohm = 5;
  loop.plant.li_ocv_mv = 14200;
  loop.plant.r_li_mohm = 5;
  loop.h.start();
  std::int32_t peak_li = 0;
  for (int i = 0; i < 1000; ++i) {
    loop.step();
    if (i > 300) peak_li = std::max(peak_li, loop.h.in.li_port_mv);
  }
  EXPECT_LE(peak_li, 14410);
  EXPECT_GE(loop.h.in.li_port_mv, 14300);  // still charging (not simply off)
  EXPECT_GT(loop.plant.current_ma, 10000);
}

TEST(Alternator, ALT_5_LiPortEdge14400vs14401mV) {
  Harness h;
  h.in.alt_port_mv = 14600;
  h.in.alt_current_ma = 60000;
  h.in.li_port_mv = 14400;  // at the limit: no reduction
  h.start();
  h.run_for(3000);
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
  h.in.li_port_mv = 14401;  // 1 mV over: the command drops to what flows (+1 A) and keeps falling
  h.tick();
  EXPECT_LE(h.out.alt_limit_ma, 61000);
  const std::int32_t first = h.out.alt_limit_ma;
  h.run_for(100);
  EXPECT_LT(h.out.alt_limit_ma, first);
}

TEST(Alternator, ALT_5_OverVoltageBlockAfter100msAbove16V) {
  Harness h;
  h.start();
  h.run_for(3000);
  h.in.alt_port_mv = 16000;  // at the limit: not above
  h.run_for(1000);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alarm_reason & fw::kArHighVoltage2, 0);
  h.in.alt_port_mv = 16001;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 99);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_TRUE(h.out.alarm_reason & fw::kArHighVoltage2);
  // 15.501 V does not clear it; ≤ 15.500 V for 1 s does (then soft start).
  h.in.alt_port_mv = 15501;
  h.run_for(3000);
  EXPECT_TRUE(h.out.alarm_reason & fw::kArHighVoltage2);
  h.in.alt_port_mv = 15500;
  h.tick();
  const fw::Millis t2 = h.last();
  h.run_until(t2 + 999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_EQ(h.out.alarm_reason & fw::kArHighVoltage2, 0);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
}

TEST(Alternator, ALT_5_ShortSpikeDoesNotBlock) {
  Harness h;
  h.start();
  h.in.alt_port_mv = 17000;
  h.run_for(99);
  h.in.alt_port_mv = 14000;
  h.run_for(10);
  EXPECT_EQ(h.out.alarm_reason & fw::kArHighVoltage2, 0);
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Alternator, ALT_6_ThermalDeratingLinear85To100C) {
  Harness h;
  h.start();
  h.run_for(1500);
  struct Point {
    std::int16_t dc;
    std::int32_t ma;
    bool red;
  };
  for (const Point& p : {Point{850, 90000, false}, Point{851, 89400, true}, Point{925, 45000, true},
                         Point{999, 600, true}, Point{1000, 0, true}, Point{1100, 0, true}}) {
    Harness g;
    g.in.heatsink_temp_dc = p.dc;
    g.start();
    g.run_for(1500);
    EXPECT_EQ(g.out.alt_limit_ma, p.ma) << p.dc;
    EXPECT_EQ((g.out.leds & fw::kLedLimiterHot) != 0, p.red) << p.dc;
  }
}

TEST(Alternator, ALT_6_TenDegreeHysteresis) {
  Harness h;
  h.start();
  h.run_for(1500);
  h.in.heatsink_temp_dc = 950;  // 1/3 of I_lim
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 30000);
  h.in.heatsink_temp_dc = 850;  // cooled 10 °C: still the 95 °C level
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 30000);
  h.in.heatsink_temp_dc = 849;  // 10.1 °C below: follows at T + 10 °C
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 30600);
  h.in.heatsink_temp_dc = 751;
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 89400);
  EXPECT_TRUE(h.out.leds & fw::kLedLimiterHot);
  h.in.heatsink_temp_dc = 750;
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
  EXPECT_FALSE(h.out.leds & fw::kLedLimiterHot);
  // Heating again follows at once.
  h.in.heatsink_temp_dc = 851;
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 89400);
}

TEST(Alternator, ALT_6_ImplausibleHeatsinkReadingIsTreatedAsHot) {
  Harness h;
  h.start();
  h.run_for(1500);
  h.in.heatsink_temp_dc = -600;
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_TRUE(h.out.leds & fw::kLedLimiterHot);
}

TEST(Alternator, ALT_7_StopsWhenAtcFalseOrRemoteOff) {
  Harness h(fwtest::signals_config(1));
  h.start();
  h.run_for(2000);
  ASSERT_EQ(h.out.alt_limit_ma, 90000);
  h.in.battery[0].allowed_to_charge = false;
  h.run_for(fw::kSignalDeglitchMs + 1);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_FALSE(h.out.alt_path_on);
  h.in.battery[0].allowed_to_charge = true;
  h.run_for(fw::kSignalDeglitchMs + fw::kAtcResumeMs + fw::kSoftStartMs + 10);
  ASSERT_EQ(h.out.alt_limit_ma, 90000);
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12800;
  h.run_for(fw::kRemoteDeglitchMs + 1);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_FALSE(h.out.alt_path_on);
}

TEST(AltChargingLed, OnAbove500mAFor2sOffBelow200mAFor10s) {
  Harness h;
  h.start();
  h.in.alt_current_ma = 500;  // not above
  h.run_for(5000);
  EXPECT_FALSE(h.out.leds & fw::kLedAltCharging);
  h.in.alt_current_ma = 501;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 1999);
  EXPECT_FALSE(h.out.leds & fw::kLedAltCharging);
  h.tick();
  EXPECT_TRUE(h.out.leds & fw::kLedAltCharging);
  h.in.alt_current_ma = 200;  // not below
  h.run_for(20000);
  EXPECT_TRUE(h.out.leds & fw::kLedAltCharging);
  h.in.alt_current_ma = 199;
  h.tick();
  const fw::Millis t2 = h.last();
  h.run_until(t2 + 9999);
  EXPECT_TRUE(h.out.leds & fw::kLedAltCharging);
  h.tick();
  EXPECT_FALSE(h.out.leds & fw::kLedAltCharging);
}
