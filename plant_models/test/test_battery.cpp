// Battery (4S + busbar) and the Smart battery's BMS-cable signal emulation (CELL-1..5 thresholds, O-04/05/08).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "plant/battery.hpp"
#include "plant/ocv.hpp"

namespace {

using plant::SmartBmsEmulator;
using plant::SmartBmsParams;

// Holds the inputs for `seconds` in 1 ms steps.
void hold(SmartBmsEmulator& e, double seconds, double vmin, double vmax, double tmin = 25, double tmax = 25) {
  const int n = static_cast<int>(seconds * 1000.0 + 0.5);
  for (int i = 0; i < n; ++i) e.update(vmin, vmax, tmin, tmax, 1e-3);
}

TEST(SmartBms, AtdFallsAfterTwoSecondsBelowLoadDisconnect) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 1.99, 2.79, 3.3);
  EXPECT_TRUE(e.atd());
  hold(e, 0.01, 2.79, 3.3);
  EXPECT_FALSE(e.atd());
}

TEST(SmartBms, AtdStaysAboveThreshold) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 60.0, 2.81, 3.3);
  EXPECT_TRUE(e.atd());
  EXPECT_TRUE(e.prealarm());  // 2.81 < 3.10
}

TEST(SmartBms, AtdRecoversAfterFiveSecondsAboveThresholdPlusHysteresis) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 2.0, 2.7, 3.3);
  ASSERT_FALSE(e.atd());
  hold(e, 10.0, 2.89, 3.3);  // below 2.90: no recovery
  EXPECT_FALSE(e.atd());
  hold(e, 4.99, 2.91, 3.3);
  EXPECT_FALSE(e.atd());
  hold(e, 0.01, 2.91, 3.3);
  EXPECT_TRUE(e.atd());
}

TEST(SmartBms, PrealarmAtThreeTenWithDelayAndClearsWithHysteresis) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 30.0, 3.101, 3.3);
  EXPECT_FALSE(e.prealarm());
  hold(e, 1.99, 3.099, 3.3);
  EXPECT_FALSE(e.prealarm());
  hold(e, 0.01, 3.099, 3.3);
  EXPECT_TRUE(e.prealarm());
  hold(e, 30.0, 3.149, 3.3);
  EXPECT_TRUE(e.prealarm());
  hold(e, 5.0, 3.151, 3.3);
  EXPECT_FALSE(e.prealarm());
}

TEST(SmartBms, AtcFallsOnOverVoltageAfterOneSecondAndRecoversAt350) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 30.0, 3.3, 3.749);
  EXPECT_TRUE(e.atc());
  hold(e, 0.99, 3.3, 3.751);
  EXPECT_TRUE(e.atc());
  hold(e, 0.01, 3.3, 3.751);
  EXPECT_FALSE(e.atc());
  hold(e, 10.0, 3.3, 3.51);
  EXPECT_FALSE(e.atc());
  hold(e, 0.001, 3.3, 3.50);
  EXPECT_TRUE(e.atc());
}

TEST(SmartBms, AtcFallsOnOverTemperatureAndRecoversBelow45) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 30.0, 3.3, 3.3, 25.0, 50.0);
  EXPECT_TRUE(e.atc());
  hold(e, 2.0, 3.3, 3.3, 25.0, 50.1);
  EXPECT_FALSE(e.atc());
  hold(e, 5.0, 3.3, 3.3, 25.0, 45.1);
  EXPECT_FALSE(e.atc());
  hold(e, 0.001, 3.3, 3.3, 25.0, 44.9);
  EXPECT_TRUE(e.atc());
  EXPECT_TRUE(e.atd());  // no load disconnect on temperature (O-13)
}

TEST(SmartBms, AtcFallsOnChargeUnderTemperature) {
  SmartBmsEmulator e{SmartBmsParams{}};
  hold(e, 30.0, 3.3, 3.3, 5.0, 25.0);
  EXPECT_TRUE(e.atc());
  hold(e, 2.0, 3.3, 3.3, 4.9, 25.0);
  EXPECT_FALSE(e.atc());
  hold(e, 5.0, 3.3, 3.3, 9.9, 25.0);
  EXPECT_FALSE(e.atc());
  hold(e, 0.001, 3.3, 3.3, 10.0, 25.0);
  EXPECT_TRUE(e.atc());
}

TEST(SmartBms, RejectsThresholdsOutsideTheirRanges) {
  SmartBmsParams p;
  p.load_disconnect_v = 2.5;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = SmartBmsParams{};
  p.prealarm_v = 3.2;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = SmartBmsParams{};
  p.cell_overvoltage_v = 4.3;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = SmartBmsParams{};
  p.low_temp_charge_c = -25.0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  EXPECT_NO_THROW(SmartBmsParams{}.validate());
}

TEST(Battery, FourCellsInSeriesPlusBusbar) {
  plant::BatteryParams p;
  p.initial_soc = 0.5;
  plant::Battery b(p);
  const auto f = plant::CellStepFactors::make(p.cell, 1e-3);
  const auto m = b.step_model(f);
  EXPECT_NEAR(m.e_v, 4 * plant::lfp_ocv_v(0.5), 1e-12);
  EXPECT_NEAR(m.r_ohm, p.busbar_ohm + 4 * p.cell.r0_ohm, 1e-7);  // RC pairs contribute ~0 over 1 ms
  b.advance(-100.0, f, 25.0);
  EXPECT_NEAR(b.terminal_v(), 4 * plant::lfp_ocv_v(0.5) - 100.0 * 2.0e-3, 2e-3);
  EXPECT_DOUBLE_EQ(b.cell_voltage_reading_v(2), b.cell(2).terminal_v());
}

TEST(Battery, CableUnpluggedReadsAllLow) {
  plant::Battery b(plant::BatteryParams{});
  EXPECT_TRUE(b.cable_signals().connected);
  EXPECT_TRUE(b.cable_signals().allowed_to_charge);
  b.set_cable_connected(false);
  const auto s = b.cable_signals();
  EXPECT_FALSE(s.connected);
  EXPECT_FALSE(s.allowed_to_charge);
  EXPECT_FALSE(s.allowed_to_discharge);
  EXPECT_FALSE(s.prealarm);
}

TEST(Battery, OpenSenseWireTripsTheBatteryOwnBms) {
  plant::Battery b(plant::BatteryParams{});
  plant::SensorFault f;
  f.kind = plant::SensorFaultKind::kOpen;
  b.voltage_sensor(1).set_fault(f);
  const auto fac = plant::CellStepFactors::make(b.params().cell, 0.01);
  for (int i = 0; i < 150; ++i) b.advance(0.0, fac, 25.0);
  EXPECT_EQ(b.cell_voltage_reading_v(1), 0.0);
  EXPECT_TRUE(b.cable_signals().allowed_to_discharge);  // 1.5 s < 2 s
  for (int i = 0; i < 60; ++i) b.advance(0.0, fac, 25.0);
  EXPECT_FALSE(b.cable_signals().allowed_to_discharge);
  EXPECT_TRUE(b.cable_signals().prealarm);
}

TEST(Sensor, StuckNoisyAndOffsetFaults) {
  plant::Sensor s;
  s.sample(3.30);
  plant::SensorFault f;
  f.kind = plant::SensorFaultKind::kStuck;
  s.set_fault(f);
  EXPECT_DOUBLE_EQ(s.sample(3.10), 3.30);
  f.kind = plant::SensorFaultKind::kOffset;
  f.value = -0.05;
  s.set_fault(f);
  EXPECT_DOUBLE_EQ(s.sample(3.10), 3.05);
  f = plant::SensorFault{};
  f.kind = plant::SensorFaultKind::kNoisy;
  f.sigma = 0.01;
  f.seed = 42;
  s.set_fault(f);
  plant::Sensor t = s;  // copy replays the same noise
  double sum = 0.0, sum2 = 0.0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double r = s.sample(3.2);
    EXPECT_DOUBLE_EQ(r, t.sample(3.2));
    sum += r - 3.2;
    sum2 += (r - 3.2) * (r - 3.2);
  }
  EXPECT_NEAR(sum / n, 0.0, 0.0005);
  EXPECT_NEAR(std::sqrt(sum2 / n), 0.01, 0.0005);
  f.sigma = -1.0;
  EXPECT_THROW(s.set_fault(f), std::invalid_argument);
}

}  // namespace

namespace {

TEST(Battery, BalancerBleedsOnlyTheHighCellsAndConservesCharge) {
  plant::BatteryParams p;
  p.balance_current_a = 1.0;
  p.initial_soc = 1.0;
  plant::Battery b(p);
  b.cell(0).set_soc(1.004);  // leading cell in the knee (≈ 3.56 V)
  b.resample_sensors();
  const auto f = plant::CellStepFactors::make(p.cell, 1.0);
  double q0[4];
  for (int c = 0; c < 4; ++c) q0[c] = b.cell(c).charge_ah();
  (void)b.step_model(f);
  EXPECT_EQ(b.balance_current_a(0), 1.0);
  EXPECT_EQ(b.balance_current_a(1), 0.0);  // the lowest cells do not bleed
  b.advance(0.0, f, 25.0);
  for (int k = 0; k < 599; ++k) { (void)b.step_model(f); b.advance(0.0, f, 25.0); }
  EXPECT_NEAR(b.cell(0).charge_ah() - q0[0], -600.0 / 3600.0, 1e-9);  // 10 min at 1 A
  EXPECT_NEAR(b.cell(1).charge_ah() - q0[1], 0.0, 1e-12);
  p.balance_current_a = -1.0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
}

TEST(Battery, NoBalancerByDefault) {
  plant::Battery b(plant::BatteryParams{});
  b.cell(0).set_soc(1.004);
  (void)b.step_model(plant::CellStepFactors::make(b.params().cell, 1.0));
  EXPECT_EQ(b.balance_current_a(0), 0.0);
}

}  // namespace

namespace {

// Every state a later step reads, compared bit for bit.
void expect_same_battery(const plant::Battery& a, const plant::Battery& b) {
  for (int c = 0; c < plant::kCellsPerBattery; ++c) {
    EXPECT_EQ(a.cell(c).terminal_v(), b.cell(c).terminal_v()) << "cell " << c;
    EXPECT_EQ(a.cell(c).soc(), b.cell(c).soc()) << "cell " << c;
    EXPECT_EQ(a.cell(c).temperature_c(), b.cell(c).temperature_c()) << "cell " << c;
    EXPECT_EQ(a.cell(c).heat_w(), b.cell(c).heat_w()) << "cell " << c;
    EXPECT_EQ(a.cell_voltage_reading_v(c), b.cell_voltage_reading_v(c)) << "cell " << c;
  }
  EXPECT_EQ(a.smart_bms().prealarm(), b.smart_bms().prealarm());
  EXPECT_EQ(a.smart_bms().atd(), b.smart_bms().atd());
}

}  // namespace

// The bank steps its batteries stage by stage (all cells' states, then all cells' finish, then sensors); that
// must be the very arithmetic of advancing one battery after the other, down to the last bit, or traces change.
TEST(Battery, StagedAdvanceOverSeveralBatteriesEqualsOneAfterTheOther) {
  plant::BatteryParams p;
  p.initial_soc = 0.08;    // low: the resistance-SOC factor moves, the pre-alarm trips within the run
  p.cell.hysteresis_v = 0.01;
  const plant::CellStepFactors f = plant::CellStepFactors::make(p.cell, 1e-3);
  std::vector<plant::Battery> one(3, plant::Battery(p, 5.0)), staged(3, plant::Battery(p, 5.0));
  for (int b = 0; b < 3; ++b)
    for (auto* v : {&one, &staged}) (*v)[static_cast<std::size_t>(b)].cell(b).set_r0_scale(1.0 + 0.1 * b);
  for (int k = 0; k < 4000; ++k) {
    for (std::size_t b = 0; b < 3; ++b) {
      const double i = -150.0 - 20.0 * static_cast<double>(b) + (k % 7) * 3.0;
      (void)one[b].step_model(f);
      (void)staged[b].step_model(f);
      one[b].advance(i, f, 5.0);
      staged[b].advance_cells(i, f, 5.0);
    }
    for (auto& b : staged) b.finish_cells();
    for (auto& b : staged) b.finish_step(f.dt_s);
  }
  for (std::size_t b = 0; b < 3; ++b) expect_same_battery(one[b], staged[b]);
  EXPECT_TRUE(one[0].smart_bms().prealarm());   // the run went through the thresholds, not just a flat plateau
}

// A cell caches what its state gives (OCV, resistance and capacity factors) for the next step; a setter that
// changes the state must refresh it, so the next step sees the new state exactly as a fresh cell would.
TEST(LfpCell, SettersRefreshWhatTheNextStepUses) {
  const plant::CellParams p;
  const auto f = plant::CellStepFactors::make(p, 1e-3);
  plant::LfpCell c(p, 0.5, 25.0);
  c.advance(-50.0, f, 25.0);
  c.set_soc(0.05);
  c.set_temperature_c(-10.0);
  const plant::LfpCell fresh(p, 0.05, -10.0);
  const auto m = c.step_model(f), m0 = fresh.step_model(f);
  EXPECT_EQ(m.r_ohm, m0.r_ohm);   // cold and nearly empty: several times R at 25 °C, 50 %
  EXPECT_GT(m.r_ohm, 2.0 * plant::LfpCell(p, 0.5, 25.0).step_model(f).r_ohm);
  EXPECT_EQ(c.ocv_v(), fresh.ocv_v());
}

// A battery steps its four cells as lanes, two cells in one vector (plant/cell_lanes.hpp). Each lane must do
// exactly what a standalone LfpCell does with the same current, bit for bit, through the branches of the cell
// model: cold (capacity factor below 1, the two-well model) and warm, discharge, rest and charge (hysteresis
// both ways), a held temperature, per-cell scales and an OCV offset, the low and high ends of the OCV curve.
TEST(Battery, CellLanesEqualStandaloneCells) {
  plant::BatteryParams p;
  p.cell.hysteresis_v = 0.01;
  const plant::CellStepFactors f = plant::CellStepFactors::make(p.cell, 1e-2);
  plant::Battery b(p, -5.0);
  b.cell(0).set_soc(0.12);
  b.cell(0).set_ocv_offset_v(-0.05);
  b.cell(1).set_temperature_c(30.0);
  b.cell(2).set_soc(0.99);
  b.cell(2).set_r0_scale(1.7);
  b.cell(3).set_soc(0.87);
  b.cell(3).set_capacity_scale(0.6);
  b.cell(3).set_temperature_hold(true);
  std::vector<plant::LfpCell> cells;
  for (int c = 0; c < 4; ++c) cells.push_back(b.cell(c).copy());
  bool low = false, high = false, warm = false, cold_well = false;
  for (int k = 0; k < 30000; ++k) {
    const double i = k < 9000 ? -150.0 : (k < 10000 ? 0.0 : (k < 25000 ? 120.0 : -40.0 + (k % 13)));
    const double ambient = k < 15000 ? -5.0 : 40.0;
    const plant::StepModel m = b.step_model(f);
    plant::StepModel sum{0.0, p.busbar_ohm};
    for (const auto& c : cells) {
      const plant::StepModel cm = c.step_model(f);
      sum.e_v += cm.e_v - 0.0 * cm.r_ohm;   // as the battery sums them, with no balancer bleed
      sum.r_ohm += cm.r_ohm;
    }
    ASSERT_EQ(m.e_v, sum.e_v) << "step " << k;
    ASSERT_EQ(m.r_ohm, sum.r_ohm) << "step " << k;
    b.advance(i, f, ambient);
    for (int c = 0; c < 4; ++c) {
      auto& cell = cells[static_cast<std::size_t>(c)];
      cell.advance(i, f, ambient);
      ASSERT_EQ(b.cell(c).terminal_v(), cell.terminal_v()) << "step " << k << " cell " << c;
      ASSERT_EQ(b.cell(c).soc(), cell.soc()) << "step " << k << " cell " << c;
      ASSERT_EQ(b.cell(c).temperature_c(), cell.temperature_c()) << "step " << k << " cell " << c;
      ASSERT_EQ(b.cell(c).heat_w(), cell.heat_w()) << "step " << k << " cell " << c;
      ASSERT_EQ(b.cell(c).unavailable_soc(), cell.unavailable_soc()) << "step " << k << " cell " << c;
      ASSERT_EQ(b.cell(c).ocv_v(), cell.ocv_v()) << "step " << k << " cell " << c;
      low = low || cell.soc() < 0.10;
      high = high || cell.soc() > 1.0;
      warm = warm || cell.temperature_c() > 25.0;
      cold_well = cold_well || cell.unavailable_soc() > 0.0;
    }
  }
  // The run went where the branches are: below 10 % SOC, above full, from below 0 °C to above 25 °C, charge
  // held back by the cold.
  EXPECT_TRUE(low);
  EXPECT_TRUE(high);
  EXPECT_TRUE(warm);
  EXPECT_TRUE(cold_well);
  EXPECT_EQ(b.cell(3).temperature_c(), -5.0);   // held
}
