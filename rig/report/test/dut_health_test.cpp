// The device's own health counts in the results: JSON "dut_health" (round trip, absent when the Dut keeps none,
// malformed counts refused), the JUnit suite properties dut.* and the case's system-out.
#include <gtest/gtest.h>

#include <string>

#include "rig/writers.hpp"

namespace rig::report {
namespace {

RunResult pil_run(std::uint64_t resets) {
  RunResult run;
  run.mode = "pil";
  CaseResult c;
  c.scenario_file = "scenarios/x.yaml";
  c.name = "x";
  c.mode = "pil";
  c.verdict = Verdict::kPass;
  c.health = {{"board_resets", resets, true, "restarts the board did by itself"},
              {"ticks", 400, false, "ticks the board executed"}};
  run.cases.push_back(c);
  CaseResult sil = c;
  sil.name = "y";
  sil.mode = "sil";
  sil.health.clear();
  run.cases.push_back(sil);
  return run;
}

TEST(DutHealth, OnlyFaultCountsAboveZeroAreFaults) {
  EXPECT_TRUE(pil_run(0).cases[0].health_faults().empty());
  const auto f = pil_run(2).cases[0].health_faults();
  ASSERT_EQ(f.size(), 1u);  // ticks is a count, not a fault
  EXPECT_EQ(f[0], "board_resets = 2 (restarts the board did by itself)");
}

TEST(DutHealth, JsonCarriesTheCountsOfCasesThatHaveThemAndReadsThemBack) {
  const std::string j = results_json(pil_run(1));
  EXPECT_EQ(j.find("\"dut_health\""), j.rfind("\"dut_health\""));  // the SIL case has none
  const RunResult back = read_json_text(j, "r.json");
  ASSERT_EQ(back.cases.size(), 2u);
  EXPECT_TRUE(back.cases[1].health.empty());
  ASSERT_EQ(back.cases[0].health.size(), 2u);
  const auto& h = back.cases[0].health[0];
  EXPECT_EQ(h.name, "board_resets");
  EXPECT_EQ(h.value, 1u);
  EXPECT_TRUE(h.fault_count);
  EXPECT_EQ(h.meaning, "restarts the board did by itself");
  EXPECT_FALSE(back.cases[0].health[1].fault_count);
  EXPECT_EQ(back.cases[0].health[1].value, 400u);
}

TEST(DutHealth, ReaderRefusesACountThatIsNotAWholeNumber) {
  std::string j = results_json(pil_run(1));
  const std::string one = "\"value\": 1,";
  const auto at = j.find(one);
  ASSERT_NE(at, std::string::npos) << j;
  for (const char* bad : {"\"value\": -1,", "\"value\": 1e30,", "\"value\": 1.5,", "\"value\": \"1\","}) {
    std::string k = j;
    k.replace(at, one.size(), bad);
    EXPECT_THROW((void)read_json_text(k, "r.json"), WriteError) << bad;
  }
}

TEST(DutHealth, JunitSumsTheFaultCountsAndSaysEachFaultInTheCase) {
  RunResult run = pil_run(1);
  run.cases.push_back(run.cases[0]);
  run.cases.back().name = "z";
  const std::string x = junit_xml(run);
  EXPECT_NE(x.find("<property name=\"dut.board_resets\" value=\"2\"/>"), std::string::npos) << x;
  EXPECT_EQ(x.find("<property name=\"dut.ticks\""), std::string::npos);  // not a fault count
  EXPECT_NE(x.find("device: board_resets 1, ticks 400"), std::string::npos);
  EXPECT_NE(x.find("DEVICE FAULT: board_resets = 1 (restarts the board did by itself)"), std::string::npos);
  EXPECT_EQ(junit_xml(pil_run(0)).find("DEVICE FAULT"), std::string::npos);
}

}  // namespace
}  // namespace rig::report
