// Margins with uncertainty: a margin within the uncertainty of what was measured is inconclusive, on both sides
// of the rule (−u ≤ margin < u).
#include "rig/uncertainty.hpp"

#include <gtest/gtest.h>

namespace rig::checks {
namespace {

AccuracyFn table() {
  return [](const std::string& name) -> std::optional<SignalAccuracy> {
    if (name == "alternator/current_a") return SignalAccuracy{"A", {0.01, 0.001, "sample period 1 ms, resolution 0.01 A"}};
    if (name == "bank/battery[0]/cell[0]/voltage_v") return SignalAccuracy{"V", {1e-4, 0.010, "sample period 10 ms"}};
    if (name == "bms/out/load" || name == "bms/out/prealarm") return SignalAccuracy{"", {0.0, 0.0, "exact"}};
    return std::nullopt;
  };
}

CheckResult result(const std::string& kind, Verdict v, double margin, const std::string& unit,
                   std::vector<std::string> signals) {
  CheckResult r;
  r.kind = kind;
  r.verdict = v;
  r.margin = margin;
  r.measured_unit = unit;
  r.signals = std::move(signals);
  r.message = "original";
  return r;
}

TEST(Uncertainty, RuleOnBothSidesOfTheUncertainty) {
  EXPECT_FALSE(within_uncertainty(0.010, 0.010));   // margin == u: certain pass (limits inclusive)
  EXPECT_TRUE(within_uncertainty(0.0099, 0.010));
  EXPECT_TRUE(within_uncertainty(0.0, 0.010));
  EXPECT_TRUE(within_uncertainty(-0.010, 0.010));   // the true value may be at the limit: not a certain fail
  EXPECT_FALSE(within_uncertainty(-0.0101, 0.010));
  EXPECT_FALSE(within_uncertainty(0.0, 0.0));       // exact: a margin of 0 passes
}

TEST(Uncertainty, ValueMarginWithinResolutionIsInconclusive) {
  auto r = result("never", Verdict::kPass, 0.005, "A", {"alternator/current_a"});
  apply_uncertainty(r, table());
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  ASSERT_TRUE(r.uncertainty);
  EXPECT_DOUBLE_EQ(*r.uncertainty, 0.01);
  EXPECT_NE(r.message.find("inconclusive"), std::string::npos);
  EXPECT_NE(r.uncertainty_basis.find("alternator/current_a"), std::string::npos);

  auto ok = result("never", Verdict::kPass, 0.02, "A", {"alternator/current_a"});
  apply_uncertainty(ok, table());
  EXPECT_EQ(ok.verdict, Verdict::kPass);
  EXPECT_EQ(ok.message, "original");
}

TEST(Uncertainty, FailWithinUncertaintyIsInconclusiveFailBeyondStaysFail) {
  auto r = result("eventually", Verdict::kFail, -0.0005, "s", {"alternator/current_a"});
  apply_uncertainty(r, table());
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  auto f = result("eventually", Verdict::kFail, -0.002, "s", {"alternator/current_a"});
  apply_uncertainty(f, table());
  EXPECT_EQ(f.verdict, Verdict::kFail);
}

TEST(Uncertainty, FirmwareOutputsAreExactSoAZeroMarginPasses) {
  auto r = result("lead", Verdict::kPass, 0.0, "s", {"bms/out/prealarm", "bms/out/load"});
  apply_uncertainty(r, table());
  EXPECT_EQ(r.verdict, Verdict::kPass);
  ASSERT_TRUE(r.uncertainty);
  EXPECT_EQ(*r.uncertainty, 0.0);
}

TEST(Uncertainty, LeadAddsBothEndsTimeUncertainty) {
  auto r = result("lead", Verdict::kPass, 0.0105, "s", {"bank/battery[0]/cell[0]/voltage_v", "alternator/current_a"});
  apply_uncertainty(r, table());
  ASSERT_TRUE(r.uncertainty);
  EXPECT_DOUBLE_EQ(*r.uncertainty, 0.011);
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
}

TEST(Uncertainty, ValueUnitMustMatchAndErrorsAreUntouched) {
  auto r = result("bounded", Verdict::kPass, 0.00001, "V", {"alternator/current_a"});  // A signal, V margin
  apply_uncertainty(r, table());
  EXPECT_EQ(r.verdict, Verdict::kPass);
  auto e = result("bounded", Verdict::kError, 0.0, "A", {"alternator/current_a"});
  apply_uncertainty(e, table());
  EXPECT_EQ(e.verdict, Verdict::kError);
}

TEST(Uncertainty, CombineRanksInconclusiveBetweenFailAndPass) {
  std::vector<CheckResult> v(2);
  v[0].verdict = Verdict::kPass;
  v[1].verdict = Verdict::kInconclusive;
  EXPECT_EQ(combine(v), Verdict::kInconclusive);
  v[0].verdict = Verdict::kFail;
  EXPECT_EQ(combine(v), Verdict::kFail);
  EXPECT_STREQ(to_string(Verdict::kInconclusive), "inconclusive");
}

}  // namespace
}  // namespace rig::checks
