// Load disconnect (LD-1..LD-5) and pre-alarm (PA-1..PA-4).
#include <gtest/gtest.h>

#include "harness.hpp"

using fw::Pin;
using fwtest::Harness;

namespace {

// Changes a cable line and returns the time at which the core accepts it (after the 50 ms deglitch).
template <typename Set>
fw::Millis change_line(Harness& h, Set set) {
  set(h.in);
  h.tick();
  const fw::Millis accepted = h.last() + fw::kSignalDeglitchMs;
  h.run_until(accepted - 1);
  return accepted;
}

}  // namespace

TEST(LoadDisconnect, LD_1_HighWhileDischargeAllowedFloatingOtherwise) {
  Harness h(fwtest::signals_config(1));
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);  // before start-up
  h.start();
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_TRUE(h.out.leds & fw::kLedLoadEnabled);
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.run_until(t + fw::kPrealarmLeadMs);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_FALSE(h.out.leds & fw::kLedLoadEnabled);
}

TEST(LoadDisconnect, LD_2_StaysHighAt29999msFloatsAt30000ms) {
  Harness h(fwtest::signals_config(2));
  h.start();
  const fw::Millis t_pa = change_line(h, [](fw::Inputs& in) { in.battery[1].prealarm = true; });
  h.tick();
  ASSERT_EQ(h.last(), t_pa);
  ASSERT_EQ(h.out.prealarm, Pin::kHigh);
  // ATD goes false 5 s after the pre-alarm: LD still waits for t_pa + 30 s.
  h.run_until(t_pa + 5000);
  change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.run_until(t_pa + 29999);
  EXPECT_FALSE(h.out.atd);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.last(), t_pa + 30000);
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(LoadDisconnect, LD_2_AtdFalseAfterLeadFloatsAtOnce) {
  Harness h(fwtest::signals_config(1));
  h.start();
  const fw::Millis t_pa = change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = true; });
  h.run_until(t_pa + 40000);
  EXPECT_EQ(h.out.load, Pin::kHigh);  // pre-alarm alone never disconnects the load
  const fw::Millis t_atd = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  EXPECT_EQ(h.out.load, Pin::kHigh);  // t_atd - 1
  h.tick();
  EXPECT_EQ(h.last(), t_atd);
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(LoadDisconnect, LD_2_LeadAt10msTick) {
  fw::Config c = fwtest::signals_config(1);
  Harness h(c, fw::kTickMs);
  h.start();
  const fw::Millis t_atd = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.tick();
  ASSERT_EQ(h.last(), t_atd);
  ASSERT_EQ(h.out.prealarm, Pin::kHigh);
  h.run_until(t_atd + 29990);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(LoadDisconnect, LD_3_AtdFalseWithoutPrealarmStartsPrealarmThenLdAfter30s) {
  Harness h;
  h.start();
  // A cell collapses straight from 3.30 V to 2.70 V: CELL-1 and CELL-2 trip together.
  h.in.cell_mv[6] = 2700;
  h.tick();
  const fw::Millis t_atd = h.last() + fw::kUnderVoltageHoldMs;
  h.run_until(t_atd - 1);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  h.tick();
  EXPECT_FALSE(h.out.atd);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.run_until(t_atd + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(LoadDisconnect, LD_3_BatterySignalAtdWithoutPaLine) {
  Harness h(fwtest::signals_config(3));
  h.start();
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[2].allowed_to_discharge = false; });
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  h.tick();
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  EXPECT_TRUE(h.out.bms_flags & fw::kFlagPrealarm);
  h.run_until(t + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(LoadDisconnect, LD_4_ReturnsHighWhenAtdTrueAgain) {
  Harness h(fwtest::signals_config(1));
  h.start();
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.run_until(t + 35000);
  ASSERT_EQ(h.out.load, Pin::kFloating);
  const fw::Millis t_back = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = true; });
  EXPECT_EQ(h.out.load, Pin::kFloating);
  h.tick();
  EXPECT_EQ(h.last(), t_back);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_FALSE(h.out.prealarm_active);  // no PA request, ATD true: PA-4
}

TEST(LoadDisconnect, LD_4_CellRecoveryRestoresLoad) {
  Harness h;
  h.start();
  h.in.cell_mv[0] = 2700;
  h.run_for(33000);
  ASSERT_EQ(h.out.load, Pin::kFloating);
  h.in.cell_mv[0] = 3200;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 4999);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kHigh);
}

TEST(LoadDisconnect, LD_5_EmergencyFloorFloatsAfter50msAndLogsViolation) {
  fw::Config c = fwtest::five_batteries();
  c.lvd_emergency_floor_mv = 2500;
  Harness h(c);
  h.start();
  h.in.cell_mv[0] = 2500;  // at the floor: not below
  h.run_for(3000);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_FALSE(h.out.lead_violation);
  h.in.cell_mv[0] = 2499;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + fw::kEmergencyFloorHoldMs - 1);  // 49 ms below: not yet
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_FALSE(h.out.lead_violation);
  h.tick();  // 50 ms
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_TRUE(h.out.lead_violation);
  // Stays floating while the cell is under-voltage, latched violation stays until reset.
  h.in.cell_mv[0] = 2600;
  h.run_for(10000);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  h.in.cell_mv[0] = 3300;
  h.run_for(5001);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_TRUE(h.out.lead_violation);
  h.bms.reset();
  h.start();
  EXPECT_FALSE(h.out.lead_violation);
}

TEST(LoadDisconnect, LD_5_SingleSamplesBelowTheFloorDoNothing) {
  // Noisy samples under the floor, each followed by one at 2.700 V: the floor never acts (at a 1 ms and at the
  // rig's 10 ms period, where 5 samples make 50 ms).
  for (const std::uint32_t period : {1u, fw::kTickMs}) {
    fw::Config c = fwtest::five_batteries();
    c.lvd_emergency_floor_mv = 2500;
    Harness h(c, period);
    h.start();
    for (int i = 0; i < 500; ++i) {
      h.in.cell_mv[0] = i % 2 == 0 ? 2000 : 2700;
      h.tick();
      ASSERT_EQ(h.out.load, Pin::kHigh) << period << " " << i;
      ASSERT_FALSE(h.out.lead_violation);
    }
  }
}

TEST(LoadDisconnect, LD_5_LatchClearsOnlyAtTheCell1Recovery) {
  // The floor fires before ATD fell (CELL-1 needs 2 s under 2.80 V); the cell then rebounds to 2.70 V (load
  // gone). LD stays floating: it returns only at LD-4's recovery, the lowest cell ≥ 2.80 + 0.10 V for 5 s.
  for (const std::int32_t rebound_mv : {2899, 2900}) {
    fw::Config c = fwtest::five_batteries();
    c.lvd_emergency_floor_mv = 2500;
    Harness h(c);
    h.start();
    h.in.cell_mv[0] = 2400;
    h.run_for(100);
    ASSERT_EQ(h.out.load, Pin::kFloating);
    ASSERT_TRUE(h.out.atd);  // before CELL-1's 2 s
    h.in.cell_mv[0] = 2700;  // above the floor, ATD still true: still floating
    h.run_for(10000);
    EXPECT_EQ(h.out.load, Pin::kFloating);
    h.in.cell_mv[0] = rebound_mv;
    h.tick();
    const fw::Millis t = h.last();
    h.run_until(t + fw::kUnderVoltageRecoverMs - 1);
    EXPECT_EQ(h.out.load, Pin::kFloating) << rebound_mv;
    h.tick();  // 5 s at ≥ 2.900 V: LD back high; at 2.899 V never
    EXPECT_EQ(h.out.load, rebound_mv == 2900 ? Pin::kHigh : Pin::kFloating) << rebound_mv;
    h.run_for(20000);
    EXPECT_EQ(h.out.load, rebound_mv == 2900 ? Pin::kHigh : Pin::kFloating) << rebound_mv;
  }
}

TEST(LoadDisconnect, LD_5_LatchClearsOnTheSampleAtdReturns) {
  // The floor fired and ATD fell: LD returns high on the very sample ATD returns (LD-4), not later.
  fw::Config c = fwtest::five_batteries();
  c.lvd_emergency_floor_mv = 2500;
  Harness h(c);
  h.start();
  h.in.cell_mv[0] = 2400;
  h.run_for(3000);
  ASSERT_FALSE(h.out.atd);
  ASSERT_EQ(h.out.load, Pin::kFloating);
  h.in.cell_mv[0] = 3000;
  const fw::Millis t = h.run_until_pred([](const fw::Outputs& o) { return o.atd; }, 10000);
  ASSERT_NE(t, ~0u);
  EXPECT_EQ(h.out.load, Pin::kHigh);
}

TEST(LoadDisconnect, LD_5_DisabledByDefaultKeepsTheLead) {
  Harness h;
  h.start();
  h.in.cell_mv[0] = 2100;
  h.tick();
  const fw::Millis t_atd = h.last() + fw::kUnderVoltageHoldMs;
  h.run_until(t_atd + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_FALSE(h.out.lead_violation);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_FALSE(h.out.lead_violation);
}

TEST(LoadDisconnect, LD_5_FloorAfterLeadIsNoViolation) {
  fw::Config c = fwtest::five_batteries();
  c.lvd_emergency_floor_mv = 2500;
  Harness h(c);
  h.start();
  h.in.cell_mv[0] = 2700;
  h.run_for(33000);
  ASSERT_EQ(h.out.load, Pin::kFloating);
  h.in.cell_mv[0] = 2400;
  h.run_for(100);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_FALSE(h.out.lead_violation);
}

TEST(PreAlarm, PA_1_FloatingNormallyHighWhileActive) {
  Harness h(fwtest::signals_config(1));
  h.start();
  h.run_for(5000);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = true; });
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  h.tick();
  EXPECT_EQ(h.last(), t);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  h.run_for(60000);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);  // continuous
}

TEST(PreAlarm, PA_1_DisabledPrealarmKeepsPinFloatingButLeadRuns) {
  fw::Config c = fwtest::signals_config(1);
  c.prealarm_enabled = false;
  Harness h(c);
  h.start();
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.run_until(t + 29999);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  EXPECT_TRUE(h.out.prealarm_active);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(PreAlarm, PA_2_Intermittent500msHigh500msFloating) {
  fw::Config c = fwtest::signals_config(1);
  c.prealarm_mode = fw::PreAlarmMode::kIntermittent;
  Harness h(c);
  h.start();
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = true; });
  for (fw::Millis dt : {0u, 499u, 500u, 999u, 1000u, 1499u, 1500u, 20999u, 21000u}) {
    h.run_until(t + dt);
    const bool high = (dt % 1000) < 500;
    EXPECT_EQ(h.out.prealarm, high ? Pin::kHigh : Pin::kFloating) << dt;
    EXPECT_TRUE(h.out.prealarm_active) << dt;
  }
}

TEST(PreAlarm, PA_2_IntermittentLeadCountsFromFirstRisingEdge) {
  fw::Config c = fwtest::signals_config(1);
  c.prealarm_mode = fw::PreAlarmMode::kIntermittent;
  Harness h(c);
  h.start();
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = true; });
  h.tick();
  ASSERT_EQ(h.out.prealarm, Pin::kHigh);
  h.run_until(t + 700);  // during a floating half-period
  change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.run_until(t + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(PreAlarm, PA_3_MinimumDelay30sBetweenPrealarmAndLoadDisconnect) {
  // Both requests at the same instant (cable lines), 10 ms tick as in the rig.
  Harness h(fwtest::signals_config(1), fw::kTickMs);
  h.start();
  const fw::Millis t = change_line(h, [](fw::Inputs& in) {
    in.battery[0].prealarm = true;
    in.battery[0].allowed_to_discharge = false;
  });
  fw::Millis rise = ~0u;
  fw::Millis fall = ~0u;
  while (h.now < t + 40000) {
    h.tick();
    if (rise == ~0u && h.out.prealarm == Pin::kHigh) rise = h.last();
    if (fall == ~0u && h.out.load == Pin::kFloating) fall = h.last();
  }
  ASSERT_NE(rise, ~0u);
  ASSERT_NE(fall, ~0u);
  EXPECT_EQ(fall - rise, fw::kPrealarmLeadMs);
}

TEST(PreAlarm, PA_4_ClearsOnlyWhenRequestClearAndAtdTrue) {
  Harness h(fwtest::signals_config(1));
  h.start();
  change_line(h, [](fw::Inputs& in) {
    in.battery[0].prealarm = true;
    in.battery[0].allowed_to_discharge = false;
  });
  h.run_for(40000);
  ASSERT_TRUE(h.out.prealarm_active);
  // Request clears, ATD still false: stays active.
  change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = false; });
  h.run_for(5000);
  EXPECT_TRUE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  // ATD true: clears at the same instant.
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = true; });
  EXPECT_TRUE(h.out.prealarm_active);
  h.tick();
  EXPECT_EQ(h.last(), t);
  EXPECT_FALSE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
}

TEST(PreAlarm, PA_4_NewEpisodeRestartsTheLead) {
  Harness h(fwtest::signals_config(1));
  h.start();
  change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = true; });
  h.run_for(40000);
  change_line(h, [](fw::Inputs& in) { in.battery[0].prealarm = false; });
  h.run_for(100);
  ASSERT_FALSE(h.out.prealarm_active);
  const fw::Millis t = change_line(h, [](fw::Inputs& in) { in.battery[0].allowed_to_discharge = false; });
  h.run_until(t + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}
