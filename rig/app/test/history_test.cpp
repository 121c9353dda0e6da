// The margin history: add is all-or-nothing, trend flags what changed.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "rig/app/history.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace {

struct Tmp {
  fs::path dir;
  Tmp() {
    dir = fs::temp_directory_path() / ("bmsrig_history_test_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Tmp() { fs::remove_all(dir); }
};

rig::checks::CheckResult check(const std::string& name, rig::Verdict v, std::optional<double> margin,
                               const std::string& unit = "s") {
  rig::checks::CheckResult k;
  k.name = name;
  k.kind = "lead";
  k.verdict = v;
  k.margin = margin;
  k.measured_unit = unit;
  if (margin) {
    k.measured = 30.0 + *margin;
    k.limit = 30.0;
  }
  return k;
}

rig::report::CaseResult one_case(const std::string& file, std::vector<rig::checks::CheckResult> checks) {
  rig::report::CaseResult c;
  c.scenario_file = file;
  c.name = fs::path(file).stem().string();
  c.mode = "sil";
  c.checks = std::move(checks);
  c.verdict = rig::checks::combine(c.checks);
  return c;
}

// A results file of one night: the LD-2 lead with `lead_margin`, a steady check, and optionally an extra case.
fs::path night(const fs::path& dir, int n, double lead_margin, double steady_margin, bool extra_case = false,
               rig::Verdict steady_verdict = rig::Verdict::kPass) {
  rig::report::RunResult run;
  run.mode = "sil";
  run.date = "2026-11-" + std::to_string(10 + n) + "T02:00:00Z";
  run.firmware_version = "0.1." + std::to_string(n);
  run.firmware_hash = "abc" + std::to_string(n);
  run.rig_version = "0.1.0";
  run.cases.push_back(one_case("/ci/checkout/scenarios/requirements/ld2_lead.yaml",
                               {check("lead", rig::Verdict::kPass, lead_margin)}));
  run.cases.push_back(one_case("scenarios/requirements/pa3_prealarm.yaml",
                               {check("prealarm", steady_verdict, steady_margin)}));
  if (extra_case) run.cases.push_back(one_case("scenarios/faults/new_fault.yaml", {check("safe", rig::Verdict::kPass, 1.0)}));
  const fs::path f = dir / ("results" + std::to_string(n) + ".json");
  rig::report::write_json(run, f);
  return f;
}

long long count(const fs::path& db, const char* table) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &s, nullptr);
  long long n = -1;
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

bool has_flag(const rig::app::Trend& t, const std::string& kind, const std::string& case_id) {
  for (const auto& f : t.flags)
    if (f.kind == kind && f.case_id == case_id) return true;
  return false;
}

TEST(History, CaseIdIsTheFileFromItsScenariosFolderAndTheMatrixCombination) {
  EXPECT_EQ(rig::app::case_id("/ci/x/scenarios/requirements/ld2_lead.yaml", {}), "requirements/ld2_lead");
  EXPECT_EQ(rig::app::case_id("scenarios/soak/a.yaml", {{"fuse_a", "60"}, {"soc", "0.1"}}), "soak/a[fuse_a=60,soc=0.1]");
  EXPECT_EQ(rig::app::case_id("elsewhere/bench/b.yaml", {}), "bench/b");
}

// A margin shrinking from 2 s to 0.1 s over five nights, every night still passing, is flagged; a margin that moves
// by less than what the runs resolve (SIL: one 10 ms tick per side) is not.
TEST(History, ShrinkingMarginIsFlaggedDriftWithinUncertaintyIsNot) {
  Tmp tmp;
  const fs::path db = tmp.dir / "history.db";
  const double lead[] = {2.0, 1.9, 1.5, 0.8, 0.1};
  const double steady[] = {0.500, 0.505, 0.495, 0.510, 0.4905};  // largest earlier 0.510, last 0.4905: 0.0195 < 0.02
  for (int n = 0; n < 5; ++n) {
    const auto r = rig::app::history_add(db, night(tmp.dir, n, lead[n], steady[n]));
    EXPECT_FALSE(r.already_recorded);
    EXPECT_EQ(r.cases, 2u);
  }
  const auto t = rig::app::history_trend(db, 5);
  EXPECT_TRUE(t.flagged());
  EXPECT_TRUE(has_flag(t, "margin_shrank", "requirements/ld2_lead"));
  EXPECT_FALSE(has_flag(t, "margin_shrank", "requirements/pa3_prealarm"));
  ASSERT_FALSE(t.series.empty());
  EXPECT_EQ(t.series.front().case_id, "requirements/ld2_lead");  // flagged first
  ASSERT_EQ(t.series.front().points.size(), 5u);
  EXPECT_DOUBLE_EQ(*t.series.front().points.back().margin, 0.1);
  EXPECT_EQ(t.series.front().points.back().firmware_version, "0.1.4");
  EXPECT_NE(rig::app::trend_text(t).find("FLAG sil  requirements/ld2_lead :: lead"), std::string::npos);

  // Over the last 2 runs only: 0.8 -> 0.1 is still a shrink beyond 0.02 s.
  EXPECT_TRUE(has_flag(rig::app::history_trend(db, 2), "margin_shrank", "requirements/ld2_lead"));
}

TEST(History, ShrinkJustBeyondTheUncertaintyIsFlagged) {
  Tmp tmp;
  const fs::path db = tmp.dir / "history.db";
  rig::app::history_add(db, night(tmp.dir, 0, 1.0, 0.510));
  rig::app::history_add(db, night(tmp.dir, 1, 1.0, 0.4895));  // 0.0205 > 0.02
  const auto t = rig::app::history_trend(db, 5);
  EXPECT_TRUE(has_flag(t, "margin_shrank", "requirements/pa3_prealarm"));
  EXPECT_FALSE(has_flag(t, "margin_shrank", "requirements/ld2_lead"));
}

TEST(History, VerdictChangeAndCasesAppearingOrVanishingAreFlagged) {
  Tmp tmp;
  const fs::path db = tmp.dir / "history.db";
  rig::app::history_add(db, night(tmp.dir, 0, 1.0, 0.5));
  auto t = rig::app::history_trend(db, 5);
  EXPECT_FALSE(t.flagged()) << rig::app::trend_text(t);  // one run: nothing to compare

  rig::app::history_add(db, night(tmp.dir, 1, 1.0, 0.5, true, rig::Verdict::kFail));
  t = rig::app::history_trend(db, 5);
  EXPECT_TRUE(has_flag(t, "verdict_changed", "requirements/pa3_prealarm"));
  EXPECT_TRUE(has_flag(t, "case_appeared", "faults/new_fault"));
  EXPECT_FALSE(has_flag(t, "verdict_changed", "requirements/ld2_lead"));

  rig::app::history_add(db, night(tmp.dir, 2, 1.0, 0.5, false, rig::Verdict::kFail));
  t = rig::app::history_trend(db, 5);
  EXPECT_TRUE(has_flag(t, "case_vanished", "faults/new_fault"));
  EXPECT_FALSE(has_flag(t, "verdict_changed", "requirements/pa3_prealarm"));  // failed twice: no change
}

TEST(History, TheSameResultsFileIsRecordedOnce) {
  Tmp tmp;
  const fs::path db = tmp.dir / "history.db";
  const auto f = night(tmp.dir, 0, 1.0, 0.5);
  const auto first = rig::app::history_add(db, f);
  const auto again = rig::app::history_add(db, f);
  EXPECT_TRUE(again.already_recorded);
  EXPECT_EQ(again.run_id, first.run_id);
  EXPECT_EQ(count(db, "runs"), 1);
  EXPECT_EQ(count(db, "checks"), 2);
}

// A process killed in the middle of an add (after the run row and some case rows were written) leaves the database
// as it was; the next add succeeds.
TEST(History, AnInterruptedAddLeavesTheDatabaseAsItWas) {
  Tmp tmp;
  const fs::path db = tmp.dir / "history.db";
  rig::app::history_add(db, night(tmp.dir, 0, 1.0, 0.5));
  ASSERT_EQ(count(db, "runs"), 1);
  ASSERT_EQ(count(db, "cases"), 2);
  const auto second = night(tmp.dir, 1, 0.9, 0.5, true);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rig::app::history_add(db, second, [](std::size_t rows) {
      if (rows == 4) ::_exit(9);  // run, case, check, case written: killed mid-transaction
    });
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 9);  // really stopped halfway
  EXPECT_EQ(count(db, "runs"), 1);
  EXPECT_EQ(count(db, "cases"), 2);
  EXPECT_EQ(count(db, "checks"), 2);
  EXPECT_FALSE(rig::app::history_trend(db, 5).flagged());
  const auto r = rig::app::history_add(db, second);
  EXPECT_FALSE(r.already_recorded);
  EXPECT_EQ(count(db, "runs"), 2);
  EXPECT_EQ(count(db, "cases"), 5);
}

TEST(History, ANewerSchemaAndAForeignDatabaseAreRefused) {
  Tmp tmp;
  const fs::path db = tmp.dir / "history.db";
  rig::app::history_add(db, night(tmp.dir, 0, 1.0, 0.5));
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_exec(h, "PRAGMA user_version = 7", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  try {
    rig::app::history_trend(db, 5);
    FAIL() << "a newer schema was read";
  } catch (const rig::app::HistoryError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 7 is newer"), std::string::npos) << e.what();
  }
  const fs::path other = tmp.dir / "other.db";
  sqlite3_open(other.c_str(), &h);
  sqlite3_exec(h, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  EXPECT_THROW(rig::app::history_add(other, night(tmp.dir, 1, 1.0, 0.5)), rig::app::HistoryError);
  EXPECT_EQ(count(other, "t"), 0);
}

}  // namespace
