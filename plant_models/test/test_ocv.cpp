// Static characteristics against the research-notes tables (§4.1, §4.2, §4.3, §4.4).
#include <gtest/gtest.h>

#include <cmath>

#include "plant/ocv.hpp"

namespace {

struct TablePoint { double soc, v; };
// research-notes §4.1 Table A, 5 .. 100 %.
constexpr TablePoint kTableA[] = {
    {1.00, 3.392}, {0.95, 3.314}, {0.90, 3.309}, {0.85, 3.308}, {0.80, 3.304}, {0.75, 3.296}, {0.70, 3.283},
    {0.65, 3.275}, {0.60, 3.271}, {0.55, 3.268}, {0.50, 3.265}, {0.45, 3.264}, {0.40, 3.262}, {0.35, 3.252},
    {0.30, 3.240}, {0.25, 3.226}, {0.20, 3.213}, {0.15, 3.190}, {0.10, 3.177}, {0.05, 3.132}};

TEST(LfpOcv, MatchesTableAAtEveryPoint) {
  for (const auto& p : kTableA) EXPECT_NEAR(plant::lfp_ocv_v(p.soc), p.v, 1e-9) << "SOC " << p.soc;
}

TEST(LfpOcv, PackVoltageIsFourCells) {
  EXPECT_NEAR(4 * plant::lfp_ocv_v(0.5), 13.060, 1e-9);
  EXPECT_NEAR(4 * plant::lfp_ocv_v(1.0), 13.568, 1e-9);
}

TEST(LfpOcv, VictronLowEndAnchors) {
  EXPECT_NEAR(plant::lfp_ocv_v(0.03), 2.80, 1e-9);  // 2.8 V ≈ 3 % remaining
  EXPECT_NEAR(plant::lfp_ocv_v(0.01), 2.60, 1e-9);  // 2.6 V ≈ 1 % remaining
}

TEST(LfpOcv, InterpolatesLinearlyBetweenPoints) {
  EXPECT_NEAR(plant::lfp_ocv_v(0.525), 0.5 * (3.265 + 3.268), 1e-9);
  EXPECT_NEAR(plant::lfp_ocv_v(0.975), 0.5 * (3.314 + 3.392), 1e-9);
}

TEST(LfpOcv, MonotoneAndClampedOutsideTheTable) {
  double last = -1.0;
  for (double s = -0.1; s <= 1.1; s += 0.001) {
    const double v = plant::lfp_ocv_v(s);
    EXPECT_GE(v, last) << s;
    last = v;
  }
  EXPECT_EQ(plant::lfp_ocv_v(-1.0), plant::lfp_ocv_v(-0.10));
  EXPECT_EQ(plant::lfp_ocv_v(-0.10), 0.0);  // an over-discharged cell collapses (model extension)
  EXPECT_EQ(plant::lfp_ocv_v(2.0), plant::lfp_ocv_v(1.05));
}

TEST(LfpOcv, OverchargeKneeBracketsSmartBatteryThresholds) {
  // 3.55 V/cell (14.2 V charge) lies just above full; 3.75 V (ATC off) within about 1 % over-charge.
  EXPECT_LT(plant::lfp_ocv_v(1.0), 3.55);
  EXPECT_GT(plant::lfp_ocv_v(1.005), 3.55);
  EXPECT_LT(plant::lfp_ocv_v(1.005), 3.75);
  EXPECT_GT(plant::lfp_ocv_v(1.01), 3.75);
}

TEST(LfpOcv, SlopeMatchesSegment) {
  double slope = 0.0;
  const double v = plant::lfp_ocv_v_slope(0.52, &slope);
  EXPECT_NEAR(v, plant::lfp_ocv_v(0.52), 1e-12);
  EXPECT_NEAR(slope, (3.268 - 3.265) / 0.05, 1e-9);
}

TEST(LfpCapacity, TemperatureFactorsFromDatasheet) {
  EXPECT_DOUBLE_EQ(plant::lfp_capacity_factor(25.0), 1.0);
  EXPECT_DOUBLE_EQ(plant::lfp_capacity_factor(40.0), 1.0);
  EXPECT_NEAR(plant::lfp_capacity_factor(0.0), 0.8, 1e-12);
  EXPECT_NEAR(plant::lfp_capacity_factor(-20.0), 0.5, 1e-12);
  EXPECT_NEAR(plant::lfp_capacity_factor(12.5), 0.9, 1e-12);
  EXPECT_NEAR(plant::lfp_capacity_factor(-30.0), 0.5, 1e-12);
}

TEST(LfpResistance, TemperatureAndSocFactors) {
  EXPECT_NEAR(plant::lfp_resistance_temp_factor(25.0), 1.0, 1e-12);
  EXPECT_NEAR(plant::lfp_resistance_temp_factor(0.0), 2.0, 1e-12);
  EXPECT_NEAR(plant::lfp_resistance_temp_factor(-20.0), 4.0, 1e-12);
  EXPECT_GT(plant::lfp_resistance_temp_factor(10.0), 1.0);
  EXPECT_LT(plant::lfp_resistance_temp_factor(10.0), 2.0);
  EXPECT_GE(plant::lfp_resistance_temp_factor(60.0), 0.5);
  EXPECT_DOUBLE_EQ(plant::lfp_resistance_soc_factor(0.5), 1.0);
  EXPECT_DOUBLE_EQ(plant::lfp_resistance_soc_factor(0.10), 1.0);
  EXPECT_DOUBLE_EQ(plant::lfp_resistance_soc_factor(0.95), 1.0);
  EXPECT_DOUBLE_EQ(plant::lfp_resistance_soc_factor(0.0), 1.5);
  EXPECT_DOUBLE_EQ(plant::lfp_resistance_soc_factor(1.0), 1.5);
  EXPECT_GT(plant::lfp_resistance_soc_factor(0.05), 1.0);
}

TEST(LeadAcidOcv, MatchesTableAtEveryPoint) {
  const double temps[] = {-17.8, -1.1, 10.0, 26.7, 48.9};
  const double socs[] = {1.0, 0.75, 0.5, 0.25, 0.0};
  const double v[5][5] = {{12.516, 12.316, 12.106, 11.926, 11.756},
                          {12.588, 12.388, 12.178, 11.998, 11.828},
                          {12.622, 12.422, 12.212, 12.032, 11.862},
                          {12.650, 12.450, 12.240, 12.060, 11.890},
                          {12.663, 12.463, 12.253, 12.073, 11.903}};
  for (int t = 0; t < 5; ++t)
    for (int s = 0; s < 5; ++s)
      EXPECT_NEAR(plant::lead_acid_ocv_v(socs[s], temps[t]), v[t][s], 1e-9) << temps[t] << " " << socs[s];
}

TEST(LeadAcidOcv, BilinearBetweenAndClampedOutside) {
  EXPECT_NEAR(plant::lead_acid_ocv_v(0.875, 26.7), 0.5 * (12.650 + 12.450), 1e-9);
  EXPECT_NEAR(plant::lead_acid_ocv_v(1.2, 60.0), 12.663, 1e-9);
  EXPECT_NEAR(plant::lead_acid_ocv_v(-0.2, -40.0), 11.756, 1e-9);
}

TEST(LeadAcidR0, DoublesAtMinus18) {
  EXPECT_DOUBLE_EQ(plant::lead_acid_r0_factor(25.0), 1.0);
  EXPECT_NEAR(plant::lead_acid_r0_factor(-18.0), 2.0, 1e-12);
  EXPECT_NEAR(plant::lead_acid_r0_factor(-30.0), 2.0, 1e-12);
}

}  // namespace
