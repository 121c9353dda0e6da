// Alternator: speed table, regulator, thermal calibration (research-notes §5 item 8), faults;
// starter battery, crank profile; power stage and fuse.
#include <gtest/gtest.h>

#include <cmath>

#include "plant/alternator.hpp"
#include "plant/power_stage.hpp"
#include "plant/starter_battery.hpp"

namespace {

// Time for a 120 A alternator (>= 3000 alternator rpm) delivering `amps` at 14 V from 40 °C to reach 120 °C.
double minutes_to_120c(double amps) {
  plant::Alternator alt(plant::AlternatorParams{}, 40.0);
  alt.set_engine_rpm(1500.0);  // 3600 rpm at the alternator: fan-cooled, R_th = 0.12 K/W
  const double dt = 0.1;
  for (int k = 1; k <= 20 * 60 * 10; ++k) {
    alt.advance(amps, 14.0, dt, 40.0);
    if (alt.temperature_c() >= 120.0) return k * dt / 60.0;
  }
  return INFINITY;
}

TEST(AlternatorThermal, ResearchNotesTableWithinFivePercent) {
  EXPECT_NEAR(minutes_to_120c(120.0), 5.3, 0.05 * 5.3);
  EXPECT_NEAR(minutes_to_120c(100.0), 7.0, 0.05 * 7.0);
  EXPECT_NEAR(minutes_to_120c(90.0), 8.3, 0.05 * 8.3);
  EXPECT_TRUE(std::isinf(minutes_to_120c(54.0)));
}

TEST(AlternatorThermal, FiftyFourAmpsSettlesNear114) {
  plant::Alternator alt(plant::AlternatorParams{}, 40.0);
  alt.set_engine_rpm(1500.0);
  for (int k = 0; k < 3 * 3600; ++k) alt.advance(54.0, 14.0, 1.0, 40.0);
  EXPECT_NEAR(alt.temperature_c(), 114.0, 0.05 * (114.0 - 40.0));
  EXPECT_LT(alt.temperature_c(), 120.0);
}

TEST(AlternatorThermal, IdleCoolsWorse) {
  plant::Alternator alt(plant::AlternatorParams{}, 25.0);
  alt.set_engine_rpm(750.0);  // 1800 rpm at the alternator
  EXPECT_NEAR(alt.thermal_resistance_k_per_w(), 0.18, 1e-12);
  alt.set_engine_rpm(1250.0);
  EXPECT_NEAR(alt.thermal_resistance_k_per_w(), 0.12, 1e-12);
}

TEST(Alternator, SpeedTable) {
  EXPECT_EQ(plant::alternator_speed_factor(900.0), 0.0);
  EXPECT_NEAR(plant::alternator_speed_factor(1500.0), 0.55, 1e-12);
  EXPECT_NEAR(plant::alternator_speed_factor(6000.0), 0.97, 1e-12);
  EXPECT_NEAR(plant::alternator_speed_factor(9000.0), 1.0, 1e-12);
  plant::Alternator alt(plant::AlternatorParams{}, 25.0);
  alt.set_engine_rpm(750.0);  // idle: 1800 rpm at the alternator, f ≈ 0.64
  EXPECT_NEAR(alt.ceiling_a(), 120.0 * (0.55 + 0.15 * 300.0 / 500.0), 1e-9);
  alt.set_belt_slip(0.5);
  EXPECT_EQ(alt.ceiling_a(), 0.0);  // 900 rpm: below cut-in
}

TEST(Alternator, RegulatorTemperatureSlopeAndFirstOrderResponse) {
  plant::Alternator alt(plant::AlternatorParams{}, 25.0);
  EXPECT_NEAR(alt.set_point_v(), 14.4, 1e-12);
  alt.set_regulator_failure(16.5);
  for (int k = 0; k < 100; ++k) alt.advance(0.0, 14.4, 1e-3, 25.0);  // one τ
  EXPECT_NEAR(alt.emf_v(), 16.5 - 2.1 * std::exp(-1.0), 1e-9);
  alt.set_regulator_failure(std::nullopt);
  plant::Alternator hot(plant::AlternatorParams{}, 125.0);
  EXPECT_NEAR(hot.set_point_v(), 14.4 - 0.35, 1e-12);
  plant::Alternator very_hot(plant::AlternatorParams{}, 290.0);  // clamped at the minimum
  EXPECT_NEAR(very_hot.set_point_v(), 13.5, 1e-12);
}

TEST(Alternator, LoadDumpPulseShape) {
  plant::Alternator alt(plant::AlternatorParams{}, 25.0);
  plant::LoadDumpParams ld;
  ld.peak_v = 70.0;
  ld.rise_s = 0.008;
  ld.decay_tau_s = 0.2;
  alt.start_load_dump(ld);
  const double v0 = alt.emf_v();
  for (int k = 0; k < 4; ++k) alt.advance(0.0, 14.4, 1e-3, 25.0);
  EXPECT_NEAR(alt.load_dump_emf_v() - v0, 35.0, 1e-6);  // half-way up the rise
  for (int k = 0; k < 4; ++k) alt.advance(0.0, 14.4, 1e-3, 25.0);
  EXPECT_NEAR(alt.load_dump_emf_v() - v0, 70.0, 1e-6);
  for (int k = 0; k < 200; ++k) alt.advance(0.0, 14.4, 1e-3, 25.0);
  EXPECT_NEAR(alt.load_dump_emf_v() - v0, 70.0 * std::exp(-1.0), 1e-6);
  for (int k = 0; k < 3000; ++k) alt.advance(0.0, 14.4, 1e-3, 25.0);
  EXPECT_FALSE(alt.load_dump_active());
  ld.decay_tau_s = 0.0;
  EXPECT_THROW(alt.start_load_dump(ld), std::invalid_argument);
}

TEST(Alternator, RejectsMeaninglessParameters) {
  plant::AlternatorParams p;
  p.rated_current_a = -10.0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = plant::AlternatorParams{};
  p.efficiency = 1.5;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = plant::AlternatorParams{};
  p.set_point_max_v = 13.0;  // below set_point_min_v
  EXPECT_THROW(p.validate(), std::invalid_argument);
  plant::Alternator alt(plant::AlternatorParams{}, 25.0);
  EXPECT_THROW(alt.set_belt_slip(1.5), std::invalid_argument);
  EXPECT_THROW(alt.set_engine_rpm(-1.0), std::invalid_argument);
}

TEST(StarterBattery, OcvResistanceAndChargeAcceptance) {
  plant::StarterBattery s(plant::StarterBatteryParams{});
  EXPECT_NEAR(s.r0_ohm(25.0), 4.0e-3, 1e-12);
  EXPECT_NEAR(s.r0_ohm(-18.0), 8.0e-3, 1e-12);
  EXPECT_NEAR(s.acceptance_current_a(), 70.0 / 5.0 * 0.1 / 0.2, 1e-9);  // 90 % SOC: 7 A at 14.4 V
  // The charge resistance puts 7 A at 14.4 V: (14.4 - OCV) / R = 7.
  EXPECT_NEAR((14.4 - s.ocv_v(25.0)) / s.charge_resistance_ohm(25.0), 7.0, 1e-9);
  s.set_soc(1.0);
  EXPECT_NEAR(s.acceptance_current_a(), 0.07, 1e-12);   // floored at the float current
  const double q0 = s.soc();
  s.advance(-140.0, 12.0, 1800.0, 25.0);  // 70 Ah out
  EXPECT_NEAR(s.soc(), q0 - 1.0, 1e-12);
  EXPECT_THROW(s.set_soc(1.1), std::invalid_argument);
}

TEST(Crank, InrushThenCrankThenOff) {
  plant::Crank c;
  c.start(plant::CrankProfile{});
  EXPECT_EQ(c.demand_a(), 400.0);
  for (int k = 0; k < 199; ++k) c.advance(1e-3);
  EXPECT_EQ(c.demand_a(), 400.0);
  c.advance(1e-3);
  EXPECT_EQ(c.demand_a(), 150.0);
  for (int k = 0; k < 2999; ++k) c.advance(1e-3);
  EXPECT_TRUE(c.active());
  c.advance(1e-3);
  EXPECT_FALSE(c.active());
  EXPECT_EQ(c.demand_a(), 0.0);
  plant::CrankProfile bad;
  bad.crank_a = -1.0;
  EXPECT_THROW(c.start(bad), std::invalid_argument);
}

TEST(PowerStage, LimitFollowsCommandFirstOrderAndOffIsImmediate) {
  plant::PowerStageParams pp;
  pp.gain_error = 0.0;
  pp.offset_a = 0.0;
  pp.windup_fraction = 0.0;
  plant::PowerStage ps(pp, 25.0);
  ps.set_command(true, 90.0);
  EXPECT_EQ(ps.effective_limit_a(), 0.0);
  for (int k = 0; k < 10; ++k) ps.advance(0.0, 0.0, 1e-3, 25.0);
  EXPECT_NEAR(ps.effective_limit_a(), 90.0 * (1.0 - std::exp(-1.0)), 1e-9);
  for (int k = 0; k < 200; ++k) ps.advance(0.0, 0.0, 1e-3, 25.0);
  EXPECT_NEAR(ps.effective_limit_a(), 90.0, 1e-6);
  ps.set_command(false, 90.0);
  EXPECT_EQ(ps.effective_limit_a(), 0.0);
  ps.set_command(true, 1e6);
  EXPECT_EQ(ps.command_limit_a(), 150.0);
}

TEST(PowerStage, HeatsinkFollowsPowerTimesThermalResistance) {
  plant::PowerStage ps(plant::PowerStageParams{}, 25.0);
  for (int k = 0; k < 36000; ++k) ps.advance(90.0, 1.0, 0.1, 25.0);  // 90 W for 1 h (τ = 240 s)
  EXPECT_NEAR(ps.heatsink_temperature_c(), 25.0 + 90.0 * 0.8, 1e-4);
}

TEST(Fuse, BlowsAtThePredictedTimeAndStaysOpen) {
  plant::Fuse f(plant::FuseParams{});
  const double t_blow = -10.0 * std::log(1.0 - 2.25 / 36.0);  // 600 A on a 100 A fuse: 0.645 s
  double t = 0.0;
  while (!f.blown() && t < 10.0) { f.advance(600.0, 1e-3); t += 1e-3; }
  EXPECT_NEAR(t, t_blow, 2e-3);
  f.advance(0.0, 1.0);
  EXPECT_TRUE(f.blown());
  plant::Fuse g(plant::FuseParams{});
  for (int k = 0; k < 3600; ++k) g.advance(140.0, 1.0);  // 1.4 × I_n for 1 h: holds
  EXPECT_FALSE(g.blown());
  plant::FuseParams bad;
  bad.rating_a = 0.0;
  EXPECT_THROW(plant::Fuse{bad}, std::invalid_argument);
}

}  // namespace
