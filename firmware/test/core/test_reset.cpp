// Resets that are resets (FLT-2, FLT-3, CD-3, CELL-1..CELL-5): after Bms::reset() every timer and latch is as at
// power-on — the cell latches set until their recovery rule clears them, CD-3's 3 s wait counted afresh — and only
// the configuration (non-volatile) survives. Each timer is tested on both sides of its edge, at a 1 ms period.
#include <gtest/gtest.h>

#include "fw/bms.hpp"
#include "harness.hpp"

namespace {

using fw::Pin;
using fwtest::Harness;

// A started bank, then a reset; returns the time of the first sample after the reset.
fw::Millis reset_now(Harness& h) {
  h.bms.reset();
  return h.now;
}

TEST(Reset, PowerOnHealthyBankDrivesOutputsAtStartUpWithoutPrealarm) {
  Harness h;
  h.run_until(999);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  h.tick();  // t = 1000 ms
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_TRUE(h.out.atd);
  EXPECT_TRUE(h.out.atc);
  EXPECT_FALSE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
}

TEST(Reset, CD_3_WaitCountsAfreshAfterReset) {
  Harness h;
  h.start();
  h.run_for(10000);
  ASSERT_TRUE(h.out.alt_path_on);
  const fw::Millis t = reset_now(h);
  h.run_until(t + 1000);  // start-up complete: CD high, but ATC has been true for only 1 s
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_FALSE(h.out.alt_path_on);
  h.run_until(t + 2999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();  // t + 3000: ATC true (from the first sample) for 3 s
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Reset, CD_3_FromPowerOn) {
  Harness h;
  h.run_until(2999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Reset, CD_3_ResetBetweenAtcReturnAndResumeDoesNotShortenTheWait) {
  Harness h;
  h.start();
  h.in.cell_mv[0] = 3800;  // over-voltage: ATC false after 1 s
  h.run_for(2000);
  ASSERT_FALSE(h.out.atc);
  h.in.cell_mv[0] = 3400;  // ATC returns
  h.run_for(2000);
  ASSERT_TRUE(h.out.atc);
  ASSERT_FALSE(h.out.alt_path_on);
  const fw::Millis t = reset_now(h);  // 2 s after ATC returned
  h.run_until(t + 2999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Reset, CELL_3_OverVoltageLatchSurvivesAResetWhileTheCellIsAbove350) {
  Harness h;
  h.start();
  h.in.cell_mv[5] = 3800;
  h.run_for(1500);
  ASSERT_FALSE(h.out.atc);
  h.in.cell_mv[5] = 3600;  // above the 3.50 V recovery level, below the 3.75 V trip level
  const fw::Millis t = reset_now(h);
  h.run_until(t + 10000);
  EXPECT_FALSE(h.out.atc);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.load, Pin::kHigh);  // discharge still allowed
  EXPECT_NE(h.out.alarm_reason & fw::kArHighVoltage, 0);
  // Recovery (CELL-3): at 3.501 V still latched, at 3.500 V it clears on that sample; CD-3 then counts 3 s.
  h.in.cell_mv[5] = 3501;
  h.run_for(1000);
  EXPECT_FALSE(h.out.atc);
  h.in.cell_mv[5] = 3500;
  h.tick();
  EXPECT_TRUE(h.out.atc);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  const fw::Millis back = h.last();
  h.run_until(back + 2999);
  EXPECT_FALSE(h.out.alt_path_on);
  h.tick();
  EXPECT_TRUE(h.out.alt_path_on);
}

TEST(Reset, CELL_4_OverTemperatureLatchSurvivesAReset) {
  Harness h;
  h.start();
  h.in.cell_temp_dc[3] = 510;
  h.run_for(10);
  ASSERT_FALSE(h.out.atc);
  h.in.cell_temp_dc[3] = 450;  // not below 45 °C: still latched
  const fw::Millis t = reset_now(h);
  h.run_until(t + 5000);
  EXPECT_FALSE(h.out.atc);
  h.in.cell_temp_dc[3] = 449;
  h.tick();
  EXPECT_TRUE(h.out.atc);
}

TEST(Reset, CELL_5_UnderTemperatureLatchSurvivesAReset) {
  Harness h;  // low_temp_charge 5 °C: recovery at ≥ 10 °C
  h.start();
  h.in.cell_temp_dc[0] = 40;
  h.run_for(10);
  ASSERT_FALSE(h.out.atc);
  h.in.cell_temp_dc[0] = 99;
  const fw::Millis t = reset_now(h);
  h.run_until(t + 5000);
  EXPECT_FALSE(h.out.atc);
  h.in.cell_temp_dc[0] = 100;
  h.tick();
  EXPECT_TRUE(h.out.atc);
}

TEST(Reset, CELL_1_CellStillRecoveringKeepsAtdFalseAndLdGetsItsLeadFromStartUp) {
  Harness h;
  h.start();
  h.in.cell_mv[7] = 2700;
  h.run_for(2500);
  ASSERT_FALSE(h.out.atd);
  h.in.cell_mv[7] = 2899;  // 1 mV under the 2.90 V recovery level
  const fw::Millis t = reset_now(h);
  h.run_until(t + 1000);  // start-up: ATD false, so the pre-alarm starts here and LD gets 30 s (FLT-2, LD-2)
  EXPECT_FALSE(h.out.atd);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  h.run_until(t + 1000 + 29999);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
  // Only the normal CELL-1 recovery clears it: ≥ 2.90 V for 5 s.
  h.in.cell_mv[7] = 2900;
  h.tick();
  const fw::Millis r = h.last();
  h.run_until(r + 4999);
  EXPECT_FALSE(h.out.atd);
  EXPECT_EQ(h.out.load, Pin::kFloating);
  h.tick();
  EXPECT_TRUE(h.out.atd);
  EXPECT_EQ(h.out.load, Pin::kHigh);  // LD-4
}

TEST(Reset, CELL_1_StartUpReleaseAtTheRecoveryLevelBothSides) {
  // 1 mV under the 2.90 V recovery level through start-up: still latched when the outputs are driven.
  Harness h;
  h.start();
  h.in.cell_mv[7] = 2700;
  h.run_for(2500);
  h.in.cell_mv[7] = 2899;
  const fw::Millis t = reset_now(h);
  h.run_until(t + 1000);
  EXPECT_FALSE(h.out.atd);
  EXPECT_TRUE(h.out.prealarm_active);
  // At the level on the last sample before start-up completes: released, ATD true when the outputs are driven.
  Harness g;
  g.start();
  g.in.cell_mv[7] = 2700;
  g.run_for(2500);
  ASSERT_FALSE(g.out.atd);
  g.in.cell_mv[7] = 2899;
  const fw::Millis u = reset_now(g);
  g.run_until(u + 998);
  EXPECT_FALSE(g.out.atd);
  g.in.cell_mv[7] = 2900;
  g.tick();  // u + 999
  EXPECT_TRUE(g.out.atd);
  g.tick();  // u + 1000: start-up
  EXPECT_EQ(g.out.load, Pin::kHigh);
  EXPECT_TRUE(g.out.prealarm_active);  // 2.90 V is under the 3.15 V pre-alarm clear level: the request stays
  // After start-up the release no longer applies: a new trip needs the full 5 s recovery.
}

TEST(Reset, PowerOnHealthyBankReportsNoAlarmFromTheFirstSample) {
  Harness h;
  h.tick();
  EXPECT_TRUE(h.out.atc);
  EXPECT_TRUE(h.out.atd);
  EXPECT_EQ(h.out.alarm_reason, 0);
  EXPECT_EQ(h.out.bms_flags, fw::kFlagAllowedToCharge | fw::kFlagAllowedToDischarge);
}

TEST(Reset, CELL_2_PrealarmRequestStaysUntilItsClearLevelHeldThroughStartUp) {
  Harness h;
  h.start();
  h.in.cell_mv[1] = 3000;
  h.run_for(2500);
  ASSERT_TRUE(h.out.prealarm_active);
  h.in.cell_mv[1] = 3149;  // 1 mV under the 3.15 V clear level
  const fw::Millis t = reset_now(h);
  h.run_until(t + 1000);
  EXPECT_TRUE(h.out.atd);
  EXPECT_TRUE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  h.in.cell_mv[1] = 3150;
  h.tick();
  const fw::Millis r = h.last();
  h.run_until(r + 4999);
  EXPECT_TRUE(h.out.prealarm_active);
  h.tick();
  EXPECT_FALSE(h.out.prealarm_active);  // PA-4
}

TEST(Reset, LeadViolationAndAlternatorStateDoNotSurvive) {
  Harness h;
  h.start();
  h.run_for(5000);
  ASSERT_GT(h.out.alt_limit_ma, 0);
  const fw::Millis t = reset_now(h);
  h.run_until(t + 3000);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);  // soft start from 0 again (ALT-4)
}

TEST(Reset, ResetEqualsPowerOnForTheSameInputs) {
  // A reset after an eventful run behaves sample for sample like a fresh power-on with the same configuration.
  fw::Config c = fwtest::five_batteries();
  c.fuse_rating_a = 60;
  c.prealarm_mode = fw::PreAlarmMode::kIntermittent;
  Harness used(c);
  used.start();
  used.in.cell_mv[0] = 2700;
  used.in.cell_temp_dc[4] = 600;
  used.run_for(40000);
  used.in = fwtest::nominal_inputs();
  used.bms.reset();
  Harness fresh(c);
  fresh.now = used.now;
  for (int i = 0; i < 20000; ++i) {
    used.tick();
    fresh.tick();
    ASSERT_TRUE(fwtest::same(used.out, fresh.out)) << "sample " << i;
  }
}

}  // namespace
