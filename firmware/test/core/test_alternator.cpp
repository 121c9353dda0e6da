// Alternator path (ALT-1..ALT-7) and the alternator-charging LED (O-01).
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

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

TEST(Alternator, ALT_1_FloorCutThenCommandZeroWithin100msPathOffAt500ms) {
  Harness h;
  h.start();
  h.in.alt_current_ma = 50000;  // 50 A flows with the port at 14.0 V: the last good current
  h.run_for(3000);
  ASSERT_EQ(h.out.alt_limit_ma, 90000);
  h.in.alt_port_mv = 12999;  // 1 mV under the floor
  h.in.li_port_mv = 12800;
  h.tick();
  const fw::Millis t = h.last();
  // First sample under the floor: cut to the last good current − (0.5 A + 1/16 of it).
  EXPECT_NEAR(h.out.alt_limit_ma, 50000 - 500 - 50000 / 16, 100);  // (current measured through the ADC)
  EXPECT_TRUE(h.out.alt_path_on);
  h.run_until(t + 40);
  EXPECT_GT(h.out.alt_limit_ma, 0);  // still falling (I_lim per 100 ms: 90 A − 36 A ≥ 46.4 A − 36.9 A > 0)
  EXPECT_LE(h.out.alt_limit_ma, 46375 - 36000 + 100);
  h.run_until(t + fw::kFloorResponseMs);
  EXPECT_EQ(h.out.alt_limit_ma, 0);  // the documented response time: 100 ms
  h.run_until(t + fw::kFloorOffMs - 1);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  // Back at 13.000 V: re-opens at once, with soft start.
  h.in.alt_port_mv = 13000;
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
}

TEST(Alternator, ALT_1_PortAt12900mVCommandsZeroAt12901mVOnlyCuts) {
  for (const std::int32_t port_mv : {12900, 12901}) {
    Harness h;
    h.start();
    h.in.alt_current_ma = 40000;
    h.run_for(3000);
    ASSERT_EQ(h.out.alt_limit_ma, 90000);
    h.in.alt_port_mv = port_mv;
    h.in.li_port_mv = 12800;
    h.tick();  // the first sample: ≤ 12.900 V → 0 at once; 12.901 V → cut below the last good current
    if (port_mv == 12900) {
      EXPECT_EQ(h.out.alt_limit_ma, 0);
    } else {
      EXPECT_LE(h.out.alt_limit_ma, 40000 - 500 - 40000 / 16 + 100);  // the cut (the PI may take a little more)
      EXPECT_GT(h.out.alt_limit_ma, 30000);
    }
    EXPECT_TRUE(h.out.alt_path_on);  // the path stays on (no chatter); off only after 500 ms
    // Back above the floor on the next sample: the command resumes below the last good current (no jump
    // back to 90 A) and climbs slowly.
    h.in.alt_port_mv = 14000;
    h.in.alt_current_ma = 0;
    h.tick();
    EXPECT_GT(h.out.alt_limit_ma, 0);
    EXPECT_LE(h.out.alt_limit_ma, 40000 - 500 - 40000 / 16 + 100);
  }
}

TEST(Alternator, ALT_1_NoCommandWhilePortAtOrBelow12900mV) {
  Harness h;
  h.start();
  h.in.alt_current_ma = 60000;
  h.run_for(3000);
  for (int i = 0; i < 300; ++i) {
    h.in.alt_port_mv = 12600 + (i * 37) % 301;  // 12.600 … 12.900 V
    h.in.li_port_mv = 12500;
    h.tick();
    ASSERT_EQ(h.out.alt_limit_ma, 0) << i;
  }
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

TEST(Alternator, ALT_1_StuckUnder13VFallsToZeroWithin100ms) {
  // The port stays at 12.990 V although current still flows (the regulator cannot lift it): the command
  // falls I_lim per 100 ms after the first cut and is 0 at 100 ms; the path goes off at 500 ms.
  Harness h;
  h.start();
  h.in.alt_current_ma = 80000;
  h.run_for(3000);
  h.in.alt_port_mv = 12990;
  h.in.li_port_mv = 12800;
  h.tick();
  const fw::Millis t = h.last();
  const std::int32_t first = h.out.alt_limit_ma;
  EXPECT_NEAR(first, 80000 - 500 - 5000, 300);  // (current measured through the ADC)
  h.run_until(t + 10);
  EXPECT_NEAR(h.out.alt_limit_ma, first - 9000, 10);  // I_lim per 100 ms
  h.run_until(t + fw::kFloorResponseMs - 1);
  EXPECT_GE(h.out.alt_limit_ma, 0);
  h.run_until(t + fw::kFloorResponseMs);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  h.run_until(t + fw::kFloorOffMs - 1);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
}

// A source with a knee: the port holds `src_mv` (minus droop) while the path current is below `knee_ma`, and
// collapses to `low_mv` above it (a charge-accepting starter battery; an alternator at its ceiling, F-1).
struct KneeLoop {
  Harness h{fwtest::five_batteries(), fw::kTickMs};
  double current_ma = 0;
  std::int32_t knee_ma = 5200;
  std::int32_t high_mv = 14060;
  std::int32_t low_mv = 12580;
  std::int32_t li_mv = 12400;
  std::int32_t port_mv() const { return current_ma > knee_ma ? low_mv : high_mv; }
  void step() {
    h.in.alt_port_mv = port_mv();
    h.in.alt_current_ma = static_cast<std::int32_t>(current_ma);
    h.in.li_port_mv = li_mv;
    h.tick();
    const double target = h.out.alt_path_on ? h.out.alt_limit_ma : 0.0;
    current_ma += (target - current_ma) * 0.5;  // τ ≈ 10 ms at a 10 ms tick (coarse)
  }
};

TEST(Alternator, ALT_1_KneeSourceCurrentFlowsOnlyAbove13VNoLimitCycle) {
  for (const auto& [knee, high, low] : {std::tuple{5200, 14060, 12580}, std::tuple{71000, 13340, 12920}}) {
    KneeLoop k;
    k.knee_ma = knee;
    k.high_mv = high;
    k.low_mv = low;
    k.h.start();
    int path_changes = 0;
    int bad_ticks = 0;      // samples with current > 0.5 A and the port under 13.0 V
    int run = 0;            // consecutive such samples
    int longest_run = 0;
    bool prev = true;
    double sum_ma = 0;
    for (int i = 0; i < 6000; ++i) {  // 60 s
      k.step();
      if (i > 10) {
        if (k.h.out.alt_path_on != prev) ++path_changes;
        prev = k.h.out.alt_path_on;
      }
      const bool bad = k.current_ma > 500 && k.port_mv() < 13000;
      run = bad ? run + 1 : 0;
      if (bad) ++bad_ticks;
      longest_run = std::max(longest_run, run);
      if (i >= 3000) sum_ma += k.current_ma;
    }
    EXPECT_EQ(path_changes, 0) << knee;
    EXPECT_LE(longest_run, 1) << knee;  // never more than one tick in a row
    EXPECT_LE(bad_ticks, 70) << knee;   // at most about one probe per second (F-1 before: 2 of every 3 ticks)
    const double mean = sum_ma / 3000;
    EXPECT_LT(mean, knee) << knee;
    EXPECT_GT(mean, 0.8 * knee) << knee;  // charging close to what the source can spare
  }
}

TEST(Alternator, ALT_1_SourceFellCutsToHalfOtherwiseBelowLastGood) {
  // Last good sample: 80 A at 14.0 V. Then the port is under 13.0 V with less flowing: if the current fell by more
  // than the back-off of what flows now (0.5 A + 1/16), the source itself fell → cut to half of it; else the
  // normal cut below the last good current.
  for (const std::int32_t now_ma : {60000, 79000}) {
    Harness h;
    h.start();
    h.in.alt_current_ma = 80000;
    h.run_for(3000);
    ASSERT_EQ(h.out.alt_limit_ma, 90000);
    h.in.alt_port_mv = 12950;
    h.in.li_port_mv = 12800;
    h.in.alt_current_ma = now_ma;
    h.tick();
    // The PI takes 11 mA/mV × 55 mV = 605 mA more off the cap (its integrator is clamped to the cap).
    if (now_ma == 60000) {
      EXPECT_NEAR(h.out.alt_limit_ma, 30000 - 605, 200);
    } else {
      EXPECT_NEAR(h.out.alt_limit_ma, 80000 - 500 - 5000 - 605, 300);
    }
  }
}

TEST(Alternator, ALT_1_KneeCapCreepsOneBackoffPerSecondThenSoftStartRate) {
  fwtest::Harness h(fwtest::five_batteries(), fw::kTickMs);
  h.start();
  h.in.alt_current_ma = 32000;  // last good: 32 A → back-off 0.5 A + 2 A = 2.5 A
  h.run_for(3000);
  h.in.li_port_mv = 12800;
  h.in.alt_port_mv = 12950;  // one sample under the floor
  h.tick();
  EXPECT_NEAR(h.out.alt_limit_ma, 29500 - 1100, 100);  // the cap, less the PI's 2 × 10 mA/mV × 55 mV
  h.in.alt_port_mv = 14000;
  h.in.alt_current_ma = 29000;
  h.run_for(500);  // half a second: half the back-off
  EXPECT_NEAR(h.out.alt_limit_ma, 29500 + 1250, 150);
  h.run_for(500);  // one second: back at the knee (32 A)
  EXPECT_NEAR(h.out.alt_limit_ma, 32000, 150);
  h.run_for(300);  // past the knee: the soft-start rate, 90 A per 1 s
  EXPECT_NEAR(h.out.alt_limit_ma, 32000 + 27000, 300);
  h.run_for(400);  // up to I_lim, where the cap stops binding
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
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
  EXPECT_LE(peak_li, 14400);
  EXPECT_GE(loop.h.in.li_port_mv, 14300);  // still charging (not simply off)
  EXPECT_GT(loop.plant.current_ma, 10000);
}

TEST(Alternator, ALT_5_LiPortSetPointEdge14380vs14381mV) {
  // The regulator's set-point is 14.380 V (kLiPortTargetMv), 20 mV under the 14.4 V limit (F-3).
  Harness h;
  h.in.alt_port_mv = 14600;
  h.in.alt_current_ma = 60000;
  h.in.li_port_mv = fw::kLiPortTargetMv;  // at the set-point: no reduction
  h.start();
  h.run_for(3000);
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
  h.in.li_port_mv = fw::kLiPortTargetMv + 1;  // 1 mV over: the command drops to what flows (+1 A) and keeps falling
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
