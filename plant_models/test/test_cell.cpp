// LFP cell equivalent circuit: RC step response, charge conservation, energy balance, step-size independence.
#include <gtest/gtest.h>

#include <cmath>

#include "plant/cell.hpp"
#include "plant/ocv.hpp"

namespace {

using plant::CellParams;
using plant::CellStepFactors;
using plant::LfpCell;

// Integral of the piecewise-linear OCV over SOC, by fine trapezoids (exact to round-off at this step
// because the curve is linear on 0.5 % segments and 1e-6 divides them).
double ocv_integral(double s0, double s1) {
  const int n = 200000;
  const double h = (s1 - s0) / n;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += 0.5 * (plant::lfp_ocv_v(s0 + i * h) + plant::lfp_ocv_v(s0 + (i + 1) * h)) * h;
  return sum;
}

TEST(LfpCell, RcPairsFollowTheAnalyticStepResponse) {
  CellParams p;
  LfpCell cell(p, 0.5, 25.0);
  cell.set_temperature_hold(true);
  const double i = 50.0, dt = 0.01;
  const auto f = CellStepFactors::make(p, dt);
  const double q_as = p.capacity_ah * 3600.0;
  for (int k = 1; k <= 60000; ++k) {  // 600 s
    cell.advance(i, f, 25.0);
    if (k % 5000 == 0) {
      const double t = k * dt;
      const double expect_v1 = i * p.r1_ohm * (1.0 - std::exp(-t / p.tau1_s));
      const double expect_v2 = i * p.r2_ohm * (1.0 - std::exp(-t / p.tau2_s));
      EXPECT_NEAR(cell.v1_v(), expect_v1, 1e-12) << t;
      EXPECT_NEAR(cell.v2_v(), expect_v2, 1e-12) << t;
      const double ocv = plant::lfp_ocv_v(0.5 + i * t / q_as);
      EXPECT_NEAR(cell.terminal_v(), ocv + i * p.r0_ohm + expect_v1 + expect_v2, 1e-9) << t;
    }
  }
  // After 5 τ2 both pairs carry I·R within 1 %.
  EXPECT_NEAR(cell.v1_v(), i * p.r1_ohm, 0.01 * i * p.r1_ohm);
}

TEST(LfpCell, RcResponseIsExactForLargeSteps) {
  CellParams p;
  LfpCell a(p, 0.5, 25.0), b(p, 0.5, 25.0);
  a.set_temperature_hold(true);
  b.set_temperature_hold(true);
  const auto fa = CellStepFactors::make(p, 0.1);
  const auto fb = CellStepFactors::make(p, 1e-4);
  for (int k = 0; k < 100; ++k) a.advance(-80.0, fa, 25.0);
  for (int k = 0; k < 100000; ++k) b.advance(-80.0, fb, 25.0);
  EXPECT_NEAR(a.v1_v(), b.v1_v(), 1e-12);
  EXPECT_NEAR(a.v2_v(), b.v2_v(), 1e-12);
  EXPECT_NEAR(a.soc(), b.soc(), 1e-10);
}

TEST(LfpCell, ChargeIsConservedTo1e6) {
  CellParams p;
  LfpCell cell(p, 0.3, 25.0);
  cell.set_capacity_scale(0.97);
  double q_in_as = 0.0;
  const auto f = CellStepFactors::make(p, 0.05);
  for (int k = 0; k < 72000; ++k) {  // 1 h of a varying current
    const double t = k * 0.05;
    const double i = 40.0 * std::sin(t / 300.0) + 25.0 * std::cos(t / 17.0) + 10.0;
    cell.advance(i, f, 25.0);
    q_in_as += i * 0.05;
  }
  const double dq_ah = (cell.soc() - 0.3) * cell.capacity_ah();
  EXPECT_NEAR(dq_ah, q_in_as / 3600.0, 1e-6 * std::fabs(q_in_as / 3600.0) + 1e-9);
}

TEST(LfpCell, EnergyBalanceWithinPointOnePercent) {
  // Terminal energy in = chemical energy stored (∫OCV dQ) + heat + change of RC stored energy.
  CellParams p;
  LfpCell cell(p, 0.2, 25.0);
  cell.set_temperature_hold(true);
  const double dt = 0.5, i = 60.0;
  const auto f = CellStepFactors::make(p, dt);
  double e_term = 0.0, e_heat = 0.0;
  for (int k = 0; k < 4200; ++k) {  // 35 min at 0.6 C: 20 % -> 55 %
    const auto m = cell.step_model(f);
    e_term += (m.e_v + i * m.r_ohm) * i * dt;  // step-average terminal voltage × charge
    cell.advance(i, f, 25.0);
    e_heat += cell.heat_w() * dt;
  }
  const double c1 = p.tau1_s / p.r1_ohm, c2 = p.tau2_s / p.r2_ohm;
  const double e_rc = 0.5 * c1 * cell.v1_v() * cell.v1_v() + 0.5 * c2 * cell.v2_v() * cell.v2_v();
  const double e_chem = ocv_integral(0.2, cell.soc()) * p.capacity_ah * 3600.0;
  const double rhs = e_chem + e_heat + e_rc;
  EXPECT_NEAR(e_term, rhs, 1e-3 * e_term);
  EXPECT_GT(e_heat, 0.0);
}

TEST(LfpCell, ColdCellKeepsItsRestOcvAndLosesAvailableChargeUnderCurrent) {
  CellParams p;
  LfpCell warm(p, 0.5, 25.0), cold(p, 0.5, -20.0);
  // At rest the OCV has no temperature shift (research-notes §4.1): a healthy cold cell reads its OCV.
  EXPECT_NEAR(cold.ocv_v(), warm.ocv_v(), 1e-12);
  EXPECT_NEAR(cold.ocv_v(), plant::lfp_ocv_v(0.5), 1e-12);
  EXPECT_NEAR(cold.r0_ohm() / warm.r0_ohm(), 4.0, 1e-9);
  // 10 Ah out at -20 °C (k = 0.5): the available SOC has fallen by about twice that, the charge by 10 %.
  const auto f = CellStepFactors::make(p, 1.0);
  cold.set_temperature_hold(true);   // no self-heating: k stays at -20 °C
  warm.set_temperature_hold(true);
  for (int k = 0; k < 360; ++k) { cold.advance(-100.0, f, -20.0); warm.advance(-100.0, f, 25.0); }
  EXPECT_NEAR(cold.soc(), 0.4, 1e-9);
  EXPECT_NEAR(warm.available_soc(), 0.4, 1e-9);
  EXPECT_NEAR(cold.available_soc(), 0.3, 0.002);   // 0.5 - 0.1/0.5, plus the refill over 0.1 h of a 10 h τ
  EXPECT_GT(cold.available_soc(), 0.3);
  // At rest the unavailable charge comes back with cold_recovery_tau_s.
  for (int k = 0; k < 36000; ++k) cold.advance(0.0, f, -20.0);
  EXPECT_NEAR(cold.unavailable_soc(), 0.1 * std::exp(-1.0), 0.002);
}

TEST(LfpCell, HeatsUnderLoadTowardsTheAnalyticSteadyState) {
  CellParams p;
  LfpCell cell(p, 0.5, 25.0);
  const auto f = CellStepFactors::make(p, 1.0);
  for (int k = 0; k < 20000; ++k) { cell.advance(100.0, f, 25.0); cell.set_soc(0.5); }
  const double r = p.r0_ohm + p.r1_ohm + p.r2_ohm;  // all at factor 1 only at 25 °C; allow for the warm-up
  EXPECT_GT(cell.temperature_c(), 25.0 + 0.5 * 100.0 * 100.0 * r * p.thermal_resistance_k_per_w);
  EXPECT_LT(cell.temperature_c(), 25.0 + 100.0 * 100.0 * r * p.thermal_resistance_k_per_w + 1e-9);
}

TEST(LfpCell, HysteresisMovesTowardsCurrentDirection) {
  CellParams p;
  p.hysteresis_v = 0.010;
  LfpCell cell(p, 0.5, 25.0);
  cell.set_temperature_hold(true);
  const double base = plant::lfp_ocv_v(0.5);
  const auto f = CellStepFactors::make(p, 1.0);
  for (int k = 0; k < 3600; ++k) { cell.advance(20.0, f, 25.0); cell.set_soc(0.5); }
  EXPECT_NEAR(cell.ocv_v(), base + 0.010, 1e-4);
  for (int k = 0; k < 3600; ++k) { cell.advance(-20.0, f, 25.0); cell.set_soc(0.5); }
  EXPECT_NEAR(cell.ocv_v(), base - 0.010, 1e-4);
}

TEST(LfpCell, RejectsMeaninglessParameters) {
  CellParams p;
  p.capacity_ah = -5.0;
  try {
    p.validate();
    FAIL() << "negative capacity accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("capacity_ah"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("-5"), std::string::npos);
  }
  EXPECT_THROW(LfpCell(CellParams{}, 1.2, 25.0), std::invalid_argument);
  EXPECT_THROW(LfpCell(CellParams{}, -0.2, 25.0), std::invalid_argument);
  EXPECT_NO_THROW(LfpCell(CellParams{}, 1.0, 25.0));
  CellParams q;
  q.r0_ohm = 0.0;
  EXPECT_THROW(q.validate(), std::invalid_argument);
  q = CellParams{};
  q.tau1_s = -1.0;
  EXPECT_THROW(q.validate(), std::invalid_argument);
}

}  // namespace
