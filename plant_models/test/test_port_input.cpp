// The plant split at the board's terminals: the alternator-port current imposed as a measured input (the
// stage model bypassed) and the terminal source descriptions of both sides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "kirchhoff.hpp"
#include "plant/world.hpp"

namespace {

using plant::PortSource;
using plant::World;
using plant::WorldParams;

// A discharged two-battery bank behind a 180 A alternator (a 120 A one cannot push 90 A through the wiring).
WorldParams charging_params() {
  WorldParams p;
  plant::BatteryParams b;
  b.initial_soc = 0.15;
  p.bank.batteries.assign(2, b);
  p.bank.spread = {0.02, 0.10, 0.02, 11};
  p.alternator.rated_current_a = 180.0;
  p.loads[0].current_a = 5.0;
  p.loads[1].power_w = 60.0;
  p.power_stage.gain_error = 0.0;       // an exact limit loop: the comparisons below count steps at the limit
  p.power_stage.offset_a = 0.0;
  p.power_stage.windup_fraction = 0.0;
  return p;
}

// Relative agreement: |a - b| <= rel * max(|b|, 1).
::testing::AssertionResult agree(double a, double b, double rel) {
  if (std::fabs(a - b) <= rel * std::max(std::fabs(b), 1.0)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (diff " << a - b << ")";
}

using plant::test::expect_kirchhoff;
using plant::test::kLeakTolA;

// (a) Feeding a World, step by step, the current another World's stage model produced reproduces that World:
// the split at the terminals is exact. Covers the stage at its limit, in its linear (droop-limited) regime,
// off, and the limit loop's ramp. Tolerance 1e-9 relative: the two solves differ only by round-off where
// the model solves the stage and the nodes together (linear regime).
TEST(PortCurrentInput, ReproducesTheStageModelToRoundOff) {
  const auto p = charging_params();
  World model(p), fed(p);
  model.set_engine_rpm(1500.0);
  fed.set_engine_rpm(1500.0);
  model.set_command(true, 90.0);   // the fed world's stage stays commanded off: the measurement decides
  const double dt = 1e-3;
  int at_limit = 0, linear = 0, off = 0;
  for (int k = 0; k < 60000; ++k) {
    if (k == 30000) model.set_command(true, 150.0);   // above what the alternator can push: linear regime
    if (k == 45000) model.set_command(false, 150.0);
    if (k == 46000) model.set_command(true, 90.0);
    model.step(dt);
    const double i = model.alt_port_current_a();
    const double lim = model.power_stage().effective_limit_a();
    if (i == 0.0) ++off;
    else if (std::fabs(i - lim) < 1e-9) ++at_limit;
    else if (i < lim - 1.0) ++linear;
    fed.set_alt_port_current_input(i);
    fed.step(dt);
    ASSERT_EQ(fed.alt_port_current_a(), i);
    ASSERT_TRUE(agree(fed.li_port_v(), model.li_port_v(), 1e-9)) << "t=" << model.time_s();
    ASSERT_TRUE(agree(fed.alt_port_v(), model.alt_port_v(), 1e-9)) << "t=" << model.time_s();
    ASSERT_TRUE(agree(fed.starter_voltage_v(), model.starter_voltage_v(), 1e-9)) << "t=" << model.time_s();
    ASSERT_TRUE(agree(fed.bank_current_a(), model.bank_current_a(), 1e-9)) << "t=" << model.time_s();
  }
  EXPECT_GT(at_limit, 20000);
  EXPECT_GT(linear, 5000);
  EXPECT_GE(off, 1000);
  EXPECT_GT(model.bank_soc(), p.bank.batteries[0].initial_soc + 0.005);  // it did charge
  EXPECT_TRUE(agree(fed.bank_soc(), model.bank_soc(), 1e-9));
  for (int b = 0; b < model.battery_count(); ++b) {
    EXPECT_TRUE(agree(fed.battery_soc(b), model.battery_soc(b), 1e-9));
    for (int c = 0; c < 4; ++c) {
      EXPECT_TRUE(agree(fed.cell_soc(b, c), model.cell_soc(b, c), 1e-9));
      EXPECT_TRUE(agree(fed.cell_true_voltage_v(b, c), model.cell_true_voltage_v(b, c), 1e-9));
      EXPECT_TRUE(agree(fed.cell_voltage_v(b, c), model.cell_voltage_v(b, c), 1e-9));
    }
  }
  EXPECT_TRUE(agree(fed.starter_soc(), model.starter_soc(), 1e-9));
  EXPECT_TRUE(agree(fed.alternator_temperature_c(), model.alternator_temperature_c(), 1e-9));
  EXPECT_TRUE(agree(fed.heatsink_true_temperature_c(), model.heatsink_true_temperature_c(), 1e-9));
  EXPECT_GT(fed.heatsink_true_temperature_c(), p.ambient_c + 2.0);  // the stage heated from the imposed current
  EXPECT_TRUE(agree(fed.fuse().heat(), model.fuse().heat(), 1e-9));
  EXPECT_TRUE(agree(fed.energy().stage_loss_j, model.energy().stage_loss_j, 1e-9));
  EXPECT_EQ(fed.solver_fallback_count(), 0u);
  expect_kirchhoff(fed);
}

// (b) Reverse conduction of a broken board: integrated as measured, never clamped.
TEST(PortCurrentInput, NegativeCurrentDischargesTheBankIntoTheAlternatorNode) {
  WorldParams p;
  plant::BatteryParams b;
  b.initial_soc = 0.9;
  p.bank.batteries.assign(2, b);
  p.starter.initial_soc = 0.2;   // takes 20 A well below the Li bus (graded charge acceptance)
  World w(p);                  // engine off: the alternator delivers nothing
  WorldParams pm = p;
  pm.power_stage.reverse_conduction = false;
  World model(pm);             // the same circuit with an ideal one-way stage model: it blocks
  w.set_command(true, 90.0);
  model.set_command(true, 90.0);
  const double soc0 = w.bank_soc(), starter0 = w.starter_soc(), hs0 = w.heatsink_true_temperature_c();
  w.set_alt_port_current_input(-20.0);
  ASSERT_EQ(w.alt_port_current_input(), std::optional<double>(-20.0));
  for (int k = 0; k < 6000; ++k) {
    w.step(1e-2);
    model.step(1e-2);
    ASSERT_EQ(w.alt_port_current_a(), -20.0);
    ASSERT_EQ(model.alt_port_current_a(), 0.0);
  }
  EXPECT_NEAR(w.bank_current_a(), -20.0, 1e-3);     // discharging (no loads on the bus)
  EXPECT_NEAR(w.starter_current_a(), 20.0, 1e-3);   // charging from the Li bus
  // 60 s × 10 A per 100 Ah battery.
  EXPECT_NEAR(w.bank_soc(), soc0 - 10.0 * 60.0 / (100.0 * 3600.0), 1e-5);
  EXPECT_GT(w.starter_soc(), starter0);
  EXPECT_NEAR(model.bank_soc(), soc0, 1e-6);
  // The port sits above the node by I·R_wiring; the Li bus is above the port, so the stage dissipates.
  EXPECT_NEAR(w.alt_port_v() - w.alt_node_v(), 20.0 * p.power_stage.wiring_ohm, 1e-12);
  EXPECT_GT(w.li_port_v(), w.alt_port_v());
  EXPECT_GT(w.heatsink_true_temperature_c(), hs0 + 0.5);
  EXPECT_GT(w.fuse().heat(), 0.03);                 // (20/100)² heats the fuse as forward current does
  EXPECT_LT(w.energy().bank_in_j, 0.0);
  expect_kirchhoff(w);
}

// (c) The measurement wins over the stage's command and over a blown fuse; the fuse still heats and blows.
TEST(PortCurrentInput, FlowsWithTheCommandOffAndThroughABlownFuse) {
  auto p = charging_params();
  p.loads[0].current_a = 0.0;
  p.loads[1].power_w = 0.0;
  World w(p);
  w.set_engine_rpm(1500.0);
  w.set_command(false, 0.0);
  w.set_alt_port_current_input(30.0);
  for (int k = 0; k < 1000; ++k) w.step(1e-3);
  EXPECT_FALSE(w.power_stage().path_on());
  EXPECT_EQ(w.power_stage().effective_limit_a(), 0.0);
  EXPECT_EQ(w.alt_port_current_a(), 30.0);
  EXPECT_NEAR(w.bank_current_a(), 30.0, 1e-3);
  EXPECT_EQ(w.power_stage().current_a(), 30.0);     // the stage's recorded current is the measured one
  expect_kirchhoff(w);

  w.blow_fuse();
  w.step(1e-3);
  EXPECT_TRUE(w.fuse_blown());
  EXPECT_EQ(w.alt_port_current_a(), 30.0);
  EXPECT_NEAR(w.bank_current_a(), 30.0, 1e-3);

  // 3 × the rating blows a fresh fuse in ≈ 2.9 s; the measured current keeps flowing afterwards.
  w.replace_fuse();
  w.set_alt_port_current_input(3.0 * p.fuse.rating_a);
  double blown_at = -1.0;
  const double t0 = w.time_s();
  for (int k = 0; k < 5000; ++k) {
    w.step(1e-3);
    if (blown_at < 0.0 && w.fuse_blown()) blown_at = w.time_s() - t0;
  }
  EXPECT_NEAR(blown_at, 2.9, 0.2);
  EXPECT_EQ(w.alt_port_current_a(), 300.0);
  EXPECT_NEAR(w.bank_current_a(), 300.0, 1e-3);
  expect_kirchhoff(w);
}

// (d) nullopt returns to the stage model; set-and-clear before a step leaves the run bit-identical.
TEST(PortCurrentInput, ClearingReturnsToTheStageModel) {
  const auto p = charging_params();
  World ref(p), w(p);
  for (World* x : {&ref, &w}) {
    x->set_engine_rpm(1500.0);
    x->set_command(true, 40.0);
  }
  w.set_alt_port_current_input(10.0);
  w.set_alt_port_current_input(std::nullopt);
  for (int k = 0; k < 2000; ++k) {
    ref.step(1e-3);
    w.step(1e-3);
  }
  EXPECT_EQ(w.li_port_v(), ref.li_port_v());
  EXPECT_EQ(w.alt_port_current_a(), ref.alt_port_current_a());
  EXPECT_EQ(w.bank_soc(), ref.bank_soc());

  w.set_alt_port_current_input(10.0);
  for (int k = 0; k < 1000; ++k) w.step(1e-3);
  EXPECT_EQ(w.alt_port_current_a(), 10.0);
  EXPECT_NEAR(w.power_stage().effective_limit_a(), 40.0, 1e-6);  // the limit loop kept following the command
  w.set_alt_port_current_input(std::nullopt);
  EXPECT_FALSE(w.alt_port_current_input().has_value());
  for (int k = 0; k < 1000; ++k) w.step(1e-3);
  EXPECT_NEAR(w.alt_port_current_a(), 40.0, 1e-6);                // back at the stage's limit
  EXPECT_NEAR(w.alt_port_current_a(), ref.alt_port_current_a(), 1e-6);
  expect_kirchhoff(w);
}

// (e) Non-finite measurements are rejected and leave the present input in force.
TEST(PortCurrentInput, RejectsNonFiniteCurrents) {
  World w;
  w.set_alt_port_current_input(5.0);
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    try {
      w.set_alt_port_current_input(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("set_alt_port_current_input"), std::string::npos) << e.what();
    }
    EXPECT_EQ(w.alt_port_current_input(), std::optional<double>(5.0));
  }
  EXPECT_NO_THROW(w.set_alt_port_current_input(-1e4));  // large or negative but finite: a measurement
  EXPECT_NO_THROW(w.set_alt_port_current_input(std::nullopt));
}

// Terminal sources: consistent with the solved operating point, and the slope predicts the voltage for
// another port current. Within one set of regimes the network is linear, so the prediction is exact to
// round-off (1e-9 V); the currents below keep every element in its regime (checked).
TEST(PortSources, DescribeBothSidesAtTheOperatingPoint) {
  auto p = charging_params();
  World w(p);
  w.set_engine_rpm(1500.0);
  w.set_command(true, 60.0);
  for (int k = 0; k < 5000; ++k) w.step(1e-3);
  ASSERT_NEAR(w.alt_port_current_a(), 60.0, 1e-6);
  const PortSource a = w.alt_port_source(), l = w.li_port_source();
  EXPECT_NEAR(a.open_circuit_v - a.internal_ohm * w.alt_port_current_a(), w.alt_port_v(), 1e-9);
  EXPECT_NEAR(l.open_circuit_v - l.internal_ohm * -w.alt_port_current_a(), w.li_port_v(), 1e-9);
  // Alternator in its droop regime (with the field's transient resistance), starter battery charging
  // through its acceptance resistance (below gassing): R = (alternator ∥ starter charge branch ∥ the 1 MΩ
  // leak) + wiring.
  const auto sm = w.starter().step_model(w.ambient_c(), 1e-3);
  ASSERT_GT(w.starter_current_a(), 0.0);
  ASSERT_LT(w.alt_node_v(), sm.gassing_v);
  const double g = 1.0 / w.alternator().transient_ohm() + 1.0 / sm.r_charge_ohm + 1e-6;
  EXPECT_NEAR(a.internal_ohm, 1.0 / g + p.power_stage.wiring_ohm, 1e-9);
  EXPECT_GT(a.open_circuit_v, w.alt_port_v());
  EXPECT_LT(l.open_circuit_v, w.li_port_v());
  EXPECT_GT(l.internal_ohm, 0.5e-3);   // two ≈ 2 mΩ packs in parallel, plus the step-averaged RC parts
  EXPECT_LT(l.internal_ohm, 2.0e-3);
  EXPECT_TRUE(std::isinf(l.current_limit_a));
  EXPECT_NEAR(a.current_limit_a, w.alternator().ceiling_a(), 1e-9);  // no vehicle load or crank

  // From one checkpoint: zero port current, and a small imposed one.
  World c0 = w, c1 = w;
  c0.set_alt_port_current_input(0.0);
  c1.set_alt_port_current_input(5.0);
  c0.step(1e-3);
  c1.step(1e-3);
  const PortSource a0 = c0.alt_port_source(), l0 = c0.li_port_source();
  EXPECT_EQ(a0.open_circuit_v, c0.alt_port_v());
  EXPECT_EQ(l0.open_circuit_v, c0.li_port_v());
  ASSERT_GT(c1.alternator_current_a(), 0.0);                        // alternator still below its ceiling
  ASSERT_LT(c1.alternator_current_a(), c1.alternator().ceiling_a());
  EXPECT_NEAR(a0.open_circuit_v - a0.internal_ohm * 5.0, c1.alt_port_v(), 1e-9);
  EXPECT_NEAR(l0.open_circuit_v - l0.internal_ohm * -5.0, c1.li_port_v(), 1e-9);
  EXPECT_GT(std::fabs(c1.alt_port_v() - c0.alt_port_v()), 0.01);  // the slope is not negligible
}

// The alternator side's current limit: the ceiling minus what the node's own loads draw; beyond it an
// imposed port current pulls the node down (an isolated alternator node cannot hold its voltage).
TEST(PortSources, AlternatorCurrentLimitIsTheCeilingLessTheNodeLoads) {
  World w;  // 120 A alternator
  w.set_engine_rpm(1500.0);
  w.set_vehicle_load_a(20.0);
  w.set_starter_connected(false);
  w.set_alt_port_current_input(0.0);
  for (int k = 0; k < 1000; ++k) w.step(1e-3);
  const PortSource a = w.alt_port_source();
  ASSERT_GT(w.alternator().ceiling_a(), 60.0);
  EXPECT_NEAR(a.current_limit_a, w.alternator().ceiling_a() - 20.0, 1e-9);
  EXPECT_NEAR(a.internal_ohm, w.alternator().transient_ohm() + w.params().power_stage.wiring_ohm, 1e-9);

  World below = w, above = w;
  below.set_alt_port_current_input(a.current_limit_a - 5.0);
  above.set_alt_port_current_input(a.current_limit_a + 5.0);
  for (int k = 0; k < 200; ++k) {
    below.step(1e-3);
    above.step(1e-3);
  }
  EXPECT_GT(below.alt_port_v(), 11.0);
  EXPECT_NEAR(below.vehicle_load_current_a(), 20.0, 1e-6);
  EXPECT_LT(above.alt_node_v(), 1.0);   // the vehicle load falls off, the node collapses
  EXPECT_EQ(above.alt_port_current_a(), a.current_limit_a + 5.0);
}

}  // namespace
