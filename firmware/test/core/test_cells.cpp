// Cell mode (CELL-1..CELL-6) and topology (TOP-1..TOP-4).
#include <gtest/gtest.h>

#include "harness.hpp"

using fw::Pin;
using fwtest::Harness;

namespace {

void set_all_cells(fw::Inputs& in, std::int32_t mv) {
  for (int i = 0; i < fw::kMaxCells; ++i) in.cell_mv[i] = mv;
}
void set_all_temps(fw::Inputs& in, std::int16_t dc) {
  for (int i = 0; i < fw::kMaxCells; ++i) in.cell_temp_dc[i] = dc;
}

// Puts cell `idx` at `mv` from the next sample; returns the time of the first sample showing it.
fw::Millis apply_cell(Harness& h, int idx, std::int32_t mv) {
  h.in.cell_mv[idx] = mv;
  h.tick();
  return h.last();
}

}  // namespace

TEST(CellMonitor, CELL_1_UnderVoltageBelowThresholdHeld2000ms) {
  Harness h;
  h.start();
  const fw::Millis t0 = apply_cell(h, 2, 2799);
  h.run_until(t0 + 1999);
  EXPECT_TRUE(h.out.atd);
  h.tick();
  EXPECT_FALSE(h.out.atd);
  EXPECT_TRUE(h.out.alarm_reason & fw::kArLowVoltage);
  EXPECT_FALSE(h.out.bms_flags & fw::kFlagAllowedToDischarge);
}

TEST(CellMonitor, CELL_1_AtThresholdIsNotUnderVoltage) {
  Harness h;
  h.start();
  const fw::Millis t0 = apply_cell(h, 2, 2800);
  h.run_until(t0 + 10000);
  EXPECT_TRUE(h.out.atd);
}

TEST(CellMonitor, CELL_1_ShortDipBelowThresholdRestartsHold) {
  Harness h;
  h.start();
  fw::Millis t0 = apply_cell(h, 0, 2700);
  h.run_until(t0 + 1999);
  apply_cell(h, 0, 3300);
  t0 = apply_cell(h, 0, 2700);
  h.run_until(t0 + 1999);
  EXPECT_TRUE(h.out.atd);
  h.tick();
  EXPECT_FALSE(h.out.atd);
}

TEST(CellMonitor, CELL_1_UsesConfiguredThreshold2600) {
  fw::Config c = fwtest::five_batteries();
  c.load_disconnect_mv = 2600;
  Harness h(c);
  h.start();
  fw::Millis t0 = apply_cell(h, 5, 2600);
  h.run_until(t0 + 3000);
  EXPECT_TRUE(h.out.atd);
  t0 = apply_cell(h, 5, 2599);
  h.run_until(t0 + 2000);
  EXPECT_FALSE(h.out.atd);
}

TEST(CellMonitor, CELL_1_RecoveryNeedsThresholdPlus100mVFor5000ms) {
  Harness h;
  h.start();
  fw::Millis t0 = apply_cell(h, 1, 2700);
  h.run_until(t0 + 2000);
  ASSERT_FALSE(h.out.atd);
  // 2.899 V: just under the recovery level, never recovers.
  t0 = apply_cell(h, 1, 2899);
  h.run_until(t0 + 8000);
  EXPECT_FALSE(h.out.atd);
  // 2.900 V: recovers after 5.000 s, not at 4.999 s.
  t0 = apply_cell(h, 1, 2900);
  h.run_until(t0 + 4999);
  EXPECT_FALSE(h.out.atd);
  h.tick();
  EXPECT_TRUE(h.out.atd);
}

TEST(CellMonitor, CELL_2_PrealarmRequestBelowThresholdHeld2000ms) {
  Harness h;
  h.start();
  fw::Millis t0 = apply_cell(h, 3, 3100);
  h.run_until(t0 + 5000);
  EXPECT_FALSE(h.out.prealarm_active);
  t0 = apply_cell(h, 3, 3099);
  h.run_until(t0 + 1999);
  EXPECT_FALSE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  h.tick();
  EXPECT_TRUE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  EXPECT_TRUE(h.out.atd);  // pre-alarm only
}

TEST(CellMonitor, CELL_2_ConfiguredThresholdRange) {
  for (std::int32_t th : {2850, 3150}) {
    fw::Config c = fwtest::five_batteries();
    c.prealarm_mv = th;
    Harness h(c);
    h.start();
    fw::Millis t0 = apply_cell(h, 0, th);
    h.run_until(t0 + 3000);
    EXPECT_FALSE(h.out.prealarm_active) << th;
    t0 = apply_cell(h, 0, th - 1);
    h.run_until(t0 + 2000);
    EXPECT_TRUE(h.out.prealarm_active) << th;
  }
}

TEST(CellMonitor, CELL_2_ClearsAtThresholdPlus50mVHeld5000ms) {
  Harness h;
  h.start();
  fw::Millis t0 = apply_cell(h, 3, 3000);
  h.run_until(t0 + 2000);
  ASSERT_TRUE(h.out.prealarm_active);
  t0 = apply_cell(h, 3, 3149);
  h.run_until(t0 + 8000);
  EXPECT_TRUE(h.out.prealarm_active);
  t0 = apply_cell(h, 3, 3150);
  h.run_until(t0 + 4999);
  EXPECT_TRUE(h.out.prealarm_active);
  h.tick();
  EXPECT_FALSE(h.out.prealarm_active);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
}

TEST(CellMonitor, CELL_3_OverVoltageAtThresholdHeld1000ms) {
  Harness h;
  h.start();
  fw::Millis t0 = apply_cell(h, 7, 3749);
  h.run_until(t0 + 3000);
  EXPECT_TRUE(h.out.atc);
  t0 = apply_cell(h, 7, 3750);
  h.run_until(t0 + 999);
  EXPECT_TRUE(h.out.atc);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  h.tick();
  EXPECT_FALSE(h.out.atc);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_TRUE(h.out.alarm_reason & fw::kArHighVoltage);
}

TEST(CellMonitor, CELL_3_RecoveryAt3500mV) {
  fw::Config c = fwtest::five_batteries();
  c.cell_overvoltage_mv = 3600;
  Harness h(c);
  h.start();
  fw::Millis t0 = apply_cell(h, 7, 3600);
  h.run_until(t0 + 1000);
  ASSERT_FALSE(h.out.atc);
  apply_cell(h, 7, 3501);
  h.run_for(5000);
  EXPECT_FALSE(h.out.atc);
  apply_cell(h, 7, 3500);
  EXPECT_TRUE(h.out.atc);
}

TEST(CellMonitor, CELL_3_ConfiguredThreshold4200) {
  fw::Config c = fwtest::five_batteries();
  c.cell_overvoltage_mv = 4200;
  Harness h(c);
  h.start();
  fw::Millis t0 = apply_cell(h, 0, 4199);
  h.run_until(t0 + 3000);
  EXPECT_TRUE(h.out.atc);
  t0 = apply_cell(h, 0, 4200);
  h.run_until(t0 + 1000);
  EXPECT_FALSE(h.out.atc);
}

TEST(CellMonitor, CELL_4_OverTemperatureAbove50C_RecoversBelow45C) {
  Harness h;
  h.start();
  h.in.cell_temp_dc[4] = 500;
  h.run_for(2000);
  EXPECT_TRUE(h.out.atc);
  h.in.cell_temp_dc[4] = 501;
  h.tick();
  EXPECT_FALSE(h.out.atc);
  EXPECT_TRUE(h.out.alarm_reason & fw::kArHighTemperature);
  EXPECT_TRUE(h.out.atd);  // R-17 / O-13: no load disconnect on temperature
  h.in.cell_temp_dc[4] = 450;
  h.run_for(2000);
  EXPECT_FALSE(h.out.atc);
  h.in.cell_temp_dc[4] = 449;
  h.tick();
  EXPECT_TRUE(h.out.atc);
}

TEST(CellMonitor, CELL_5_ChargeUnderTemperatureDefault5C) {
  Harness h;
  h.start();
  h.in.cell_temp_dc[9] = 50;
  h.run_for(2000);
  EXPECT_TRUE(h.out.atc);
  h.in.cell_temp_dc[9] = 49;
  h.tick();
  EXPECT_FALSE(h.out.atc);
  EXPECT_TRUE(h.out.alarm_reason & fw::kArLowTemperature);
  EXPECT_TRUE(h.out.atd);
  h.in.cell_temp_dc[9] = 99;  // recovery at 5 °C above the threshold: 10.0 °C
  h.run_for(2000);
  EXPECT_FALSE(h.out.atc);
  h.in.cell_temp_dc[9] = 100;
  h.tick();
  EXPECT_TRUE(h.out.atc);
}

TEST(CellMonitor, CELL_5_ConfiguredRangeEnds) {
  for (std::int16_t th : {std::int16_t{-200}, std::int16_t{200}}) {
    fw::Config c = fwtest::five_batteries();
    c.low_temp_charge_dc = th;
    Harness h(c);
    set_all_temps(h.in, th);
    h.start();
    EXPECT_TRUE(h.out.atc) << th;
    h.in.cell_temp_dc[0] = static_cast<std::int16_t>(th - 1);
    h.tick();
    EXPECT_FALSE(h.out.atc) << th;
  }
}

TEST(CellMonitor, CELL_6_ThresholdsResolvedTo1mVAnd01C) {
  // ±10 mV / ±1 °C on a rig; in software the decision is exact at 1 mV and 0.1 °C.
  Harness h;
  h.start();
  set_all_cells(h.in, 2801);
  h.run_for(3000);
  EXPECT_TRUE(h.out.atd);
  set_all_cells(h.in, 2799);
  h.run_for(3000);
  EXPECT_FALSE(h.out.atd);
  h.in.cell_temp_dc[0] = 501;
  h.tick();
  EXPECT_FALSE(h.out.atc);
}

TEST(Topology, TOP_1_WiredAndOverFiveBatteriesInCellMode) {
  fw::Config c = fwtest::five_batteries();
  c.battery_count = 5;
  Harness h(c);
  h.start();
  fw::Millis t0 = apply_cell(h, 19, 2700);  // last cell of battery 5
  h.run_until(t0 + 2000);
  EXPECT_FALSE(h.out.atd);
}

TEST(Topology, TOP_1_CellsBeyondBatteryCountIgnored) {
  fw::Config c = fwtest::five_batteries();
  c.battery_count = 2;
  Harness h(c);
  h.in.cell_mv[8] = 0;  // battery 3, not configured: also not a sensor fault
  h.in.cell_temp_dc[8] = 900;
  h.start();
  fw::Millis t0 = apply_cell(h, 8, 2000);
  h.run_until(t0 + 5000);
  EXPECT_TRUE(h.out.atd);
  EXPECT_TRUE(h.out.atc);
  EXPECT_EQ(h.out.bms_error, fw::kBmsErrorNone);
  t0 = apply_cell(h, 7, 2700);  // battery 2, configured
  h.run_until(t0 + 2000);
  EXPECT_FALSE(h.out.atd);
}

TEST(Topology, TOP_1_WiredAndOverBatterySignals) {
  for (int count = 1; count <= fw::kMaxBatteries; ++count) {
    Harness h(fwtest::signals_config(count));
    h.start();
    h.in.battery[count - 1].allowed_to_charge = false;
    h.run_for(100);
    EXPECT_FALSE(h.out.atc) << count;
    EXPECT_TRUE(h.out.atd) << count;
    h.in.battery[count - 1].allowed_to_charge = true;
    if (count < fw::kMaxBatteries) h.in.battery[count].allowed_to_discharge = false;  // not configured
    h.run_for(100);
    EXPECT_TRUE(h.out.atc) << count;
    EXPECT_TRUE(h.out.atd) << count;
  }
}

TEST(Topology, TOP_2_AllMeasuredInputsAreUsed) {
  Harness h;
  h.start();
  // Remote levels: mode D switches the alternator off.
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12000;
  h.run_for(100);
  EXPECT_FALSE(h.out.remote_on);
  h.in = fwtest::nominal_inputs();
  h.run_for(4000);
  EXPECT_TRUE(h.out.alt_path_on);
  // Heatsink temperature derates.
  h.in.heatsink_temp_dc = 925;
  h.tick();
  EXPECT_EQ(h.out.alt_limit_ma, 45000);
  // Alternator current drives the charging LED.
  h.in.heatsink_temp_dc = 250;
  h.in.alt_current_ma = 20000;
  h.run_for(2100);
  EXPECT_TRUE(h.out.leds & fw::kLedAltCharging);
  // Port voltages: one-way.
  h.in.li_port_mv = h.in.alt_port_mv;
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
}

TEST(Topology, TOP_3_OutputsOfAHealthySystem) {
  Harness h;
  h.start();
  h.run_for(3000);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  EXPECT_TRUE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 90000);
  // (the harness's alternator delivers 20 A: the alternator-charging LED is on after 2 s, O-01)
  EXPECT_EQ(h.out.leds, fw::kLedBmsActive | fw::kLedChargeEnabled | fw::kLedLoadEnabled | fw::kLedAltCharging);
  EXPECT_EQ(h.out.alarm_reason, 0);
  EXPECT_EQ(h.out.bms_error, 0);
  EXPECT_EQ(h.out.bms_flags, fw::kFlagAllowedToCharge | fw::kFlagAllowedToDischarge);
}

TEST(Topology, TOP_4_SameDownstreamBehaviourInBothModes) {
  // ATD false from the cells and from the cable give the same pre-alarm / LD sequence.
  Harness cells;
  Harness sig(fwtest::signals_config(1));
  cells.start();
  sig.start();
  cells.in.cell_mv[0] = 2700;
  const fw::Millis c0 = cells.last() + 1 + fw::kUnderVoltageHoldMs;  // ATD false from the cells
  sig.in.battery[0].allowed_to_discharge = false;
  const fw::Millis s0 = sig.last() + 1 + fw::kSignalDeglitchMs;       // ATD false from the cable
  cells.run_until(c0);
  sig.run_until(s0);
  EXPECT_TRUE(cells.out.prealarm_active && sig.out.prealarm_active);
  cells.run_until(c0 + fw::kPrealarmLeadMs - 1);
  sig.run_until(s0 + fw::kPrealarmLeadMs - 1);
  EXPECT_EQ(cells.out.load, Pin::kHigh);
  EXPECT_EQ(sig.out.load, Pin::kHigh);
  cells.tick();
  sig.tick();
  EXPECT_EQ(cells.out.load, Pin::kFloating);
  EXPECT_EQ(sig.out.load, Pin::kFloating);
}
