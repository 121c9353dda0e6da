#include "rig/result.hpp"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rig/writers.hpp"
#include "sample_run.hpp"

namespace rig::report {
namespace {

using ::testing::ElementsAre;

TEST(CaseResult, DisplayNameCarriesTheMatrixCombination) {
  CaseResult c;
  c.name = "alternator limit";
  EXPECT_EQ(c.display_name(), "alternator limit");
  c.parameters = {{"fuse_a", "60"}, {"soc", "0.5"}};
  EXPECT_EQ(c.display_name(), "alternator limit [fuse_a=60, soc=0.5]");
}

TEST(CaseResult, ClassnameIsTheScenarioFolder) {
  CaseResult c;
  c.scenario_file = "scenarios/requirements/ld2.yaml";
  EXPECT_EQ(c.classname(), "scenarios.requirements");
  c.scenario_file = "./scenarios/faults/x.yaml";
  EXPECT_EQ(c.classname(), "scenarios.faults");
  c.scenario_file = "x.yaml";
  EXPECT_EQ(c.classname(), "scenarios");
}

TEST(RunResult, CountsAndVerdict) {
  auto run = test::make_run(false);
  auto c = run.counts();
  EXPECT_EQ(c.total, 3u);
  EXPECT_EQ(c.passed, 1u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.errors, 1u);
  EXPECT_EQ(run.verdict(), Verdict::kError);
  run.cases.pop_back();
  EXPECT_EQ(run.verdict(), Verdict::kFail);
  run.cases.pop_back();
  EXPECT_EQ(run.verdict(), Verdict::kPass);
  run.interrupted = true;
  EXPECT_EQ(run.verdict(), Verdict::kError);  // an interrupted run never passes
}

TEST(Requirements, ParsesIdsFromSpecLines) {
  const auto ids = parse_requirement_ids_text(
      "# Title\n- TOP-1 One BMS serves\n  - not-an-id\n- LD-2 LD goes floating\n- LD-2 twice\n- lower-1 x\n"
      "-LD-9 no space\n- ALT-10 ten\n- CELL-3\n");
  EXPECT_THAT(ids, ElementsAre("TOP-1", "LD-2", "ALT-10", "CELL-3"));
}

TEST(Requirements, TheProjectSpecListsTheKnownIds) {
  const auto ids = parse_requirement_ids(BMSRIG_REQUIREMENTS_MD);
  EXPECT_GE(ids.size(), 30u);
  for (const char* id : {"TOP-1", "CELL-1", "LD-2", "PA-3", "CD-2", "ALT-3", "RMT-1", "FLT-3", "TEL-1", "ENV-1"})
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
}

TEST(Requirements, TraceabilityCombinesVerdictsAndFlagsUncovered) {
  const auto run = test::make_run(false);
  const auto rows = traceability(run, {"LD-2", "LD-3", "FLT-1", "ENV-1"});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].verdict, Verdict::kPass);
  EXPECT_THAT(rows[0].cases, ElementsAre(0u));
  EXPECT_EQ(rows[1].verdict, Verdict::kFail);
  EXPECT_EQ(rows[2].verdict, Verdict::kError);
  EXPECT_FALSE(rows[3].covered());
}

TEST(Requirements, CertificationNeedsEveryRequirementCoveredAndPassing) {
  auto run = test::make_run(false);
  run.cases.erase(run.cases.begin() + 1, run.cases.end());  // only the passing LD-2/PA-3 case
  EXPECT_EQ(certification_verdict(run, {"LD-2", "PA-3"}), Verdict::kPass);
  EXPECT_EQ(certification_verdict(run, {"LD-2", "PA-3", "ENV-1"}), Verdict::kError);  // ENV-1 uncovered
  auto failing = test::make_run(false);
  failing.cases.pop_back();  // drop the error case: one pass, one fail
  EXPECT_EQ(certification_verdict(failing, {"LD-2", "LD-3"}), Verdict::kFail);
  run.interrupted = true;
  EXPECT_EQ(certification_verdict(run, {"LD-2"}), Verdict::kError);
}


TEST(Observation, GlobMatchesSignalNames) {
  EXPECT_TRUE(signal_matches("bms/out/load", "bms/out/load"));
  EXPECT_FALSE(signal_matches("bms/out/load", "bms/out/loads"));
  EXPECT_TRUE(signal_matches("vedirect/text/*", "vedirect/text/V"));
  EXPECT_FALSE(signal_matches("vedirect/text/*", "vedirect/hex/0x2100"));
  EXPECT_TRUE(signal_matches("pin/*_v", "pin/ld_v"));
  EXPECT_FALSE(signal_matches("pin/*_v", "pin/ld_a"));
}

TEST(Observation, ParsesTableRowsAndSkipsHeaderAndProse) {
  const auto m = parse_observation_map_text(
      "# Map\nprose | with bar\n| requirement | observed by |\n|---|---|\n| LD-2 | `bms/out/load`, bms/out/prealarm |\n"
      "| TEL-1 | vedirect/text/* |\n| not-id | x |\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_THAT(m.at("LD-2"), ElementsAre("bms/out/load", "bms/out/prealarm"));
  EXPECT_THAT(m.at("TEL-1"), ElementsAre("vedirect/text/*"));
}

TEST(Observation, TheProjectMapHasARowForEveryRequirement) {
  const std::filesystem::path req = BMSRIG_REQUIREMENTS_MD;
  const auto map = parse_observation_map(req.parent_path() / "observation-map.md");
  for (const auto& id : parse_requirement_ids(req)) {
    ASSERT_TRUE(map.count(id)) << id << " has no row in observation-map.md";
    EXPECT_FALSE(map.at(id).empty()) << id;
  }
}

TEST(Observation, ADeclaredRequirementWhoseSignalsNoPassingCheckReadsIsNotCovered) {
  auto run = test::make_run(false);
  run.cases.erase(run.cases.begin() + 1, run.cases.end());  // the passing LD-2/PA-3 case (lead + no reverse current)
  // LD-2 is observed by the lead check (it reads bms/out/load); PA-3 only by pin/pa_v, which no check reads.
  const ObservationMap map = {{"LD-2", {"bms/out/load"}}, {"PA-3", {"pin/pa_v"}}};
  const auto rows = traceability(run, {"LD-2", "PA-3"}, &map);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].covered());
  ASSERT_EQ(rows[0].observed_by.size(), 1u);
  EXPECT_EQ(rows[0].observed_by[0].check_index, 0u);
  EXPECT_EQ(rows[0].observed_by[0].signal, "bms/out/load");
  EXPECT_FALSE(rows[1].covered());  // declared, never observed
  EXPECT_THAT(rows[1].cases, ElementsAre(0u));
  EXPECT_EQ(certification_verdict(run, {"LD-2", "PA-3"}, &map), Verdict::kError);
  EXPECT_EQ(certification_verdict(run, {"LD-2", "PA-3"}), Verdict::kPass);  // by declaration it would pass
  // Once a passing check reads an observing signal, it covers.
  const ObservationMap map2 = {{"LD-2", {"bms/out/load"}}, {"PA-3", {"alternator/*"}}};
  EXPECT_EQ(certification_verdict(run, {"LD-2", "PA-3"}, &map2), Verdict::kPass);
  // A failing or inconclusive check observes nothing.
  run.cases[0].checks[1].verdict = Verdict::kInconclusive;
  run.cases[0].verdict = Verdict::kInconclusive;
  EXPECT_FALSE(traceability(run, {"PA-3"}, &map2)[0].covered());
  EXPECT_EQ(certification_verdict(run, {"LD-2"}, &map2), Verdict::kInconclusive);
}

TEST(RunResult, InconclusiveRanksBetweenFailAndPassAndIsCounted) {
  auto run = test::make_run(false);
  run.cases.erase(run.cases.begin() + 1, run.cases.end());
  run.cases[0].verdict = Verdict::kInconclusive;
  EXPECT_EQ(run.verdict(), Verdict::kInconclusive);
  EXPECT_EQ(run.counts().inconclusive, 1u);
  EXPECT_EQ(run.counts().passed, 0u);
  auto fail = test::make_run(false);
  fail.cases.pop_back();
  fail.cases[0].verdict = Verdict::kInconclusive;
  EXPECT_EQ(fail.verdict(), Verdict::kFail);
}

}  // namespace
}  // namespace rig::report
