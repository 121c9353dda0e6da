// HIL loop jitter in the results: JSON "loop_jitter" (round trip, absent for SIL/PIL cases) and the
// JUnit suite properties hil.* and the case's system-out.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "rig/writers.hpp"

namespace rig::report {
namespace {

RunResult hil_run() {
  RunResult run;
  run.mode = "hil";
  CaseResult c;
  c.scenario_file = "scenarios/hil/x.yaml";
  c.name = "x";
  c.mode = "hil";
  c.verdict = Verdict::kPass;
  c.loop_jitter = LoopJitter{700, 61.5, 180.25, 950.0, false, true, "SCHED_FIFO refused (Operation not permitted)"};
  run.cases.push_back(c);
  CaseResult sil = c;
  sil.name = "y";
  sil.mode = "sil";
  sil.loop_jitter.reset();
  run.cases.push_back(sil);
  return run;
}

TEST(LoopJitterResults, JsonCarriesTheFiguresOnlyForHilCasesAndReadsThemBack) {
  const RunResult run = hil_run();
  const std::string j = results_json(run);
  EXPECT_NE(j.find("\"loop_jitter\""), std::string::npos);
  EXPECT_EQ(j.find("\"loop_jitter\""), j.rfind("\"loop_jitter\""));  // only the HIL case has it
  const auto path = std::filesystem::temp_directory_path() / ("loop_jitter_" + std::to_string(::getpid()) + ".json");
  write_json(run, path);
  const RunResult back = read_json(path);
  std::filesystem::remove(path);
  ASSERT_EQ(back.cases.size(), 2u);
  ASSERT_TRUE(back.cases[0].loop_jitter);
  EXPECT_FALSE(back.cases[1].loop_jitter);
  const auto& l = *back.cases[0].loop_jitter;
  EXPECT_EQ(l.ticks, 700u);
  EXPECT_DOUBLE_EQ(l.p50_us, 61.5);
  EXPECT_DOUBLE_EQ(l.p99_us, 180.25);
  EXPECT_DOUBLE_EQ(l.max_us, 950.0);
  EXPECT_FALSE(l.sched_fifo);
  EXPECT_TRUE(l.mlockall);
  EXPECT_EQ(l.realtime_status, "SCHED_FIFO refused (Operation not permitted)");
}

TEST(LoopJitterResults, JunitHasSuitePropertiesAndCaseOutput) {
  const std::string x = junit_xml(hil_run());
  EXPECT_NE(x.find("<property name=\"hil.loop.p99_us\" value=\"180.2\"/>"), std::string::npos) << x;
  EXPECT_NE(x.find("<property name=\"hil.loop.max_us\" value=\"950.0\"/>"), std::string::npos);
  EXPECT_NE(x.find("<property name=\"hil.sched_fifo\" value=\"false\"/>"), std::string::npos);
  EXPECT_NE(x.find("<property name=\"hil.mlockall\" value=\"true\"/>"), std::string::npos);
  EXPECT_NE(x.find("loop jitter: p50 61.5 us, p99 180.2 us, max 950.0 us (n=700)"), std::string::npos);
}

TEST(LoopJitterResults, SilRunHasNoHilProperties) {
  RunResult run = hil_run();
  run.cases[0].loop_jitter.reset();
  EXPECT_EQ(junit_xml(run).find("hil."), std::string::npos);
  EXPECT_EQ(results_json(run).find("loop_jitter"), std::string::npos);
}

}  // namespace
}  // namespace rig::report
