// The checks fail end to end when the firmware misbehaves: a test-only Dut wrapper distorts the firmware's outputs
// (no hook in the firmware), and the library scenarios must fail with the right evidence.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rig/runner.hpp"
#include "test_duts.hpp"

using ::testing::HasSubstr;

namespace {

const std::string kRequirementsDir = std::string(BMSRIG_SOURCE_DIR) + "/scenarios/requirements/";

const rig::checks::CheckResult& find_check(const rig::RunOutput& r, const std::string& kind) {
  for (const auto& c : r.checks)
    if (c.kind == kind) return c;
  throw std::runtime_error("no " + kind + " check");
}

}  // namespace

TEST(DistortedFirmware, LoadFalling10sEarlyFailsTheLeadScenarioWithItsEvidence) {
  const auto sc = rig::scenario::load_file(kRequirementsDir + "prealarm_lead_fast_cell_collapse.yaml").at(0);
  rig::test::DistortingDut dut({20000, 1.0});
  const auto r = rig::run_scenario(sc, dut);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.verdict, rig::Verdict::kFail);
  const auto& lead = find_check(r, "lead");
  EXPECT_EQ(lead.verdict, rig::Verdict::kFail);
  ASSERT_TRUE(lead.measured.has_value());
  EXPECT_NEAR(*lead.measured, 20.0, 0.011);
  ASSERT_TRUE(lead.margin.has_value());
  EXPECT_NEAR(*lead.margin, -10.0, 0.011);
  EXPECT_THAT(lead.evidence, HasSubstr("lead 20.000 s"));
  ASSERT_EQ(lead.instants.size(), 2u);
  EXPECT_NEAR(rig::to_seconds(lead.instants[1].t - lead.instants[0].t), 20.0, 0.011);
}

TEST(DistortedFirmware, UndistortedWrapperPassesTheSameScenario) {
  const auto sc = rig::scenario::load_file(kRequirementsDir + "prealarm_lead_fast_cell_collapse.yaml").at(0);
  rig::test::DistortingDut dut({0, 1.0});
  const auto r = rig::run_scenario(sc, dut);
  EXPECT_EQ(r.verdict, rig::Verdict::kPass);
  EXPECT_NEAR(*find_check(r, "lead").measured, 30.0, 0.011);
}

TEST(DistortedFirmware, AlternatorCommand20PercentOverTheLimitFailsTheCurrentLimitScenario) {
  const auto cases = rig::scenario::load_file(kRequirementsDir + "alternator_current_limit_fuses.yaml");
  ASSERT_GE(cases.size(), 3u);
  for (const std::size_t i : {std::size_t{0}, std::size_t{2}}) {  // 40 A and 100 A fuses
    rig::test::DistortingDut dut({0, 1.2});
    const auto r = rig::run_scenario(cases[i], dut);
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.verdict, rig::Verdict::kFail) << cases[i].name;
    const auto& settles = find_check(r, "settles");
    EXPECT_EQ(settles.verdict, rig::Verdict::kFail) << settles.message;
    // The evidence shows the current outside the ±10 % band around the limit.
    EXPECT_THAT(settles.message, HasSubstr("alternator/current_a")) << settles.message;
  }
}

TEST(DistortedFirmware, UndistortedCurrentLimitPasses) {
  const auto cases = rig::scenario::load_file(kRequirementsDir + "alternator_current_limit_fuses.yaml");
  rig::test::DistortingDut dut({0, 1.0});
  EXPECT_EQ(rig::run_scenario(cases[0], dut).verdict, rig::Verdict::kPass);
}
