// Agreement between two runs (rig/compare.hpp): verdict/margin rules, per-unit tolerances, matching, the files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "rig/compare.hpp"
#include "rig/html_compare.hpp"
#include "rig/writers.hpp"

namespace rig::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

checks::CheckResult check(const std::string& name, Verdict v, double margin, const std::string& unit,
                          std::optional<double> limit = std::nullopt) {
  checks::CheckResult r;
  r.name = name;
  r.kind = unit == "s" ? "lead" : "bounded";
  r.verdict = v;
  r.margin = margin;
  r.measured_unit = unit;
  r.limit = limit;
  r.measured = limit ? std::optional<double>(*limit + margin) : std::nullopt;
  return r;
}

CaseResult one_case(const std::string& file, const std::string& name, const std::string& mode,
                    std::vector<checks::CheckResult> checks) {
  CaseResult c;
  c.scenario_file = file;
  c.name = name;
  c.mode = mode;
  c.checks = std::move(checks);
  c.verdict = checks::combine(c.checks);
  return c;
}

RunResult run_of(const std::string& mode, std::vector<CaseResult> cases) {
  RunResult r;
  r.mode = mode;
  r.firmware_version = "0.1.0";
  r.cases = std::move(cases);
  return r;
}

// A SIL side and a HIL side, one case with one check each.
Comparison sil_vs_hil(checks::CheckResult a, checks::CheckResult b) {
  const auto A = compare_side(run_of("sil", {one_case("scenarios/x.yaml", "x", "sil", {std::move(a)})}), "a.json");
  const auto B = compare_side(run_of("hil", {one_case("scenarios/x.yaml", "x", "hil", {std::move(b)})}), "b.json");
  return compare(A, B);
}

const ComparisonRow& only_row(const Comparison& c) {
  EXPECT_EQ(c.rows.size(), 1u);
  return c.rows.front();
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("bmsrig-compare-test-" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
};

TEST(Compare, EqualVerdictsAgreeWhateverTheMargins) {
  // both pass, margins far apart: the verdicts are what must agree
  const auto c = sil_vs_hil(check("lead", Verdict::kPass, 5.0, "s"), check("lead", Verdict::kPass, 0.5, "s"));
  const auto& r = only_row(c);
  EXPECT_EQ(r.status, Agreement::kAgree);
  ASSERT_TRUE(r.difference);
  EXPECT_NEAR(*r.difference, 4.5, 1e-12);
  EXPECT_TRUE(c.agree());
  EXPECT_THAT(comparison_text(c), HasSubstr("verdict: agree"));
}

TEST(Compare, DifferentVerdictsBeyondToleranceDisagree) {
  const auto c = sil_vs_hil(check("lead", Verdict::kPass, 0.5, "s"), check("lead", Verdict::kFail, -0.3, "s"));
  const auto& r = only_row(c);
  EXPECT_EQ(r.status, Agreement::kDisagree);
  EXPECT_FALSE(c.agree());
  EXPECT_EQ(c.counts().disagree, 1u);
  const auto text = comparison_text(c);
  EXPECT_THAT(text, HasSubstr("DISAGREE"));
  EXPECT_THAT(text, HasSubstr("verdict: DISAGREE"));
}

TEST(Compare, BorderlinePairIsBorderlineNotDisagreement) {
  // SIL one tick (0.010 s) + HIL two loop periods (0.020 s) = 0.030 s
  const auto c = sil_vs_hil(check("lead", Verdict::kPass, 0.004, "s"), check("lead", Verdict::kFail, -0.012, "s"));
  const auto& r = only_row(c);
  ASSERT_TRUE(r.tolerance);
  EXPECT_NEAR(*r.tolerance, 0.030, 1e-12);
  EXPECT_EQ(r.status, Agreement::kBorderline);
  EXPECT_TRUE(c.agree());
  EXPECT_EQ(c.counts().borderline, 1u);
  EXPECT_THAT(comparison_text(c), HasSubstr("borderline"));
  // the same pair just outside the tolerance (a margin 0.031 s from zero) disagrees
  const auto d = sil_vs_hil(check("lead", Verdict::kPass, 0.004, "s"), check("lead", Verdict::kFail, -0.031, "s"));
  EXPECT_EQ(only_row(d).status, Agreement::kDisagree);
  // a difference within tolerance but one margin far from zero is no borderline
  EXPECT_EQ(judge_margins(Verdict::kPass, 1.01, Verdict::kFail, 0.99, 0.03), Agreement::kDisagree);
  // an unjudged check is never borderline
  EXPECT_EQ(judge_margins(Verdict::kPass, 0.0, Verdict::kError, 0.0, 0.03), Agreement::kDisagree);
}

TEST(Compare, CaseOnlyInOneSideIsListedAndDoesNotDisagree) {
  auto A = compare_side(run_of("sil", {one_case("s/a.yaml", "a", "sil", {check("c", Verdict::kPass, 1, "s")}),
                                       one_case("s/only_a.yaml", "only a", "sil", {check("c", Verdict::kPass, 1, "s")})}),
                        "a.json");
  auto B = compare_side(run_of("hil", {one_case("s/only_b.yaml", "only b", "hil", {check("c", Verdict::kFail, -1, "s")}),
                                       one_case("s/a.yaml", "a", "hil", {check("c", Verdict::kPass, 2, "s")})}),
                        "b.json");
  const auto c = compare(A, B);
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].case_name, "a");
  EXPECT_EQ(c.rows[0].status, Agreement::kAgree);
  EXPECT_EQ(c.rows[1].case_name, "only a");
  EXPECT_EQ(c.rows[1].status, Agreement::kOnlyInA);
  EXPECT_EQ(c.rows[2].case_name, "only b");
  EXPECT_EQ(c.rows[2].status, Agreement::kOnlyInB);
  EXPECT_EQ(c.counts().only_in_a, 1u);
  EXPECT_EQ(c.counts().only_in_b, 1u);
  EXPECT_TRUE(c.agree());
  const auto text = comparison_text(c);
  EXPECT_THAT(text, HasSubstr("only in A"));
  EXPECT_THAT(text, HasSubstr("only in B"));
}

TEST(Compare, CasesMatchByParametersAndChecksByName) {
  auto a1 = one_case("s/m.yaml", "m", "sil", {check("first", Verdict::kPass, 1, "s"), check("second", Verdict::kFail, -1, "V", 14.4)});
  a1.parameters = {{"soc", "0.1"}};
  auto a2 = one_case("s/m.yaml", "m", "sil", {check("first", Verdict::kPass, 1, "s")});
  a2.parameters = {{"soc", "0.9"}};
  // B: the combinations in the other order, the checks of the first in the other order, the path spelled otherwise
  auto b2 = one_case("./s/m.yaml", "m", "hil", {check("first", Verdict::kFail, -1, "s")});
  b2.parameters = {{"soc", "0.9"}};
  auto b1 = one_case("./s/m.yaml", "m", "hil", {check("second", Verdict::kFail, -1.2, "V", 14.4), check("first", Verdict::kPass, 1.5, "s")});
  b1.parameters = {{"soc", "0.1"}};
  const auto c = compare(compare_side(run_of("sil", {a1, a2})), compare_side(run_of("hil", {b2, b1})));
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].case_name, "m [soc=0.1]");
  EXPECT_EQ(c.rows[0].check, "first");
  EXPECT_EQ(c.rows[0].index_b, std::optional<std::size_t>(1));
  EXPECT_EQ(c.rows[0].status, Agreement::kAgree);
  EXPECT_EQ(c.rows[1].check, "second");
  EXPECT_EQ(c.rows[1].status, Agreement::kAgree);
  EXPECT_EQ(c.rows[2].case_name, "m [soc=0.9]");
  EXPECT_EQ(c.rows[2].status, Agreement::kDisagree);  // pass +1 s vs fail -1 s
}

TEST(Compare, TimeAndCurrentChecksUseTheirOwnTolerance) {
  // HIL current check with limit 100 A: 1 % of the limit = 1 A (SIL adds 0 A)
  const auto cur = sil_vs_hil(check("peak", Verdict::kPass, 0.6, "A", 100.0), check("peak", Verdict::kFail, -0.3, "A", 100.0));
  const auto& rc = only_row(cur);
  EXPECT_EQ(rc.quantity, Quantity::kValue);
  ASSERT_TRUE(rc.tolerance);
  EXPECT_NEAR(*rc.tolerance, 1.0, 1e-12);
  EXPECT_EQ(rc.status, Agreement::kBorderline);
  ASSERT_TRUE(rc.b);
  EXPECT_EQ(rc.b->tolerance_source, "default hil");
  // the same margins on a time check: 0.030 s, far too small for 0.9 s
  const auto tim = sil_vs_hil(check("lead", Verdict::kPass, 0.6, "s"), check("lead", Verdict::kFail, -0.3, "s"));
  const auto& rt = only_row(tim);
  EXPECT_EQ(rt.quantity, Quantity::kTime);
  EXPECT_NEAR(*rt.tolerance, 0.030, 1e-12);
  EXPECT_EQ(rt.status, Agreement::kDisagree);
  // a time in ms: the same 30 ms expressed in the check's unit
  const auto ms = sil_vs_hil(check("settle", Verdict::kPass, 10, "ms"), check("settle", Verdict::kFail, -15, "ms"));
  EXPECT_NEAR(*only_row(ms).tolerance, 30.0, 1e-9);
  EXPECT_EQ(only_row(ms).status, Agreement::kBorderline);
  // a voltage on the SIL side alone: exact, zero tolerance, so a sign flip disagrees
  const auto A = compare_side(run_of("sil", {one_case("x.yaml", "x", "sil", {check("v", Verdict::kPass, 0.01, "V", 14.4)})}));
  const auto B = compare_side(run_of("pil", {one_case("x.yaml", "x", "pil", {check("v", Verdict::kFail, -0.01, "V", 14.4)})}));
  const auto sp = compare(A, B);
  EXPECT_EQ(only_row(sp).tolerance, std::optional<double>(0.0));
  EXPECT_EQ(only_row(sp).status, Agreement::kDisagree);
}

TEST(Compare, UncertaintyFromResultsFileAndToleranceFile) {
  TempDir dir;
  auto hil = run_of("hil", {one_case("x.yaml", "x", "hil", {check("lead", Verdict::kFail, -0.2, "s"),
                                                            check("peak", Verdict::kFail, -2.0, "A", 100.0)})});
  std::string text = results_json(hil);
  // declare a run-level time uncertainty of 0.25 s and, on the current check, an absolute 3 A
  auto j = nlohmann::ordered_json::parse(text);
  j["uncertainty"] = {{"time_s", 0.25}};
  j["cases"][0]["checks"][1]["uncertainty"] = {{"value", 3.0}};
  const auto b_path = dir.write("b.json", j.dump(2));
  auto sil = run_of("sil", {one_case("x.yaml", "x", "sil", {check("lead", Verdict::kPass, 0.02, "s"),
                                                            check("peak", Verdict::kPass, 0.5, "A", 100.0)})});
  write_json(sil, dir.path / "a.json");
  const auto A = load_compare_side(dir.path / "a.json");
  const auto B = load_compare_side(b_path);
  const auto c = compare(A, B);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_NEAR(*c.rows[0].tolerance, 0.26, 1e-12);  // 0.01 (SIL tick) + 0.25 (declared)
  EXPECT_EQ(c.rows[0].b->tolerance_source, "results run");
  EXPECT_EQ(c.rows[0].status, Agreement::kBorderline);
  EXPECT_NEAR(*c.rows[1].tolerance, 3.0, 1e-12);  // the check's own 3 A, not 1 % of 100 A
  EXPECT_EQ(c.rows[1].b->tolerance_source, "results check");
  EXPECT_EQ(c.rows[1].status, Agreement::kBorderline);
  // without the declarations the defaults (0.03 s, 1 A) make both disagree
  const auto plain = compare(A, compare_side(hil));
  EXPECT_EQ(plain.rows[0].status, Agreement::kDisagree);
  EXPECT_EQ(plain.rows[1].status, Agreement::kDisagree);
  // a tolerance file overrides for its mode
  const auto tol = load_tolerance_file(dir.write("tol.json", R"({"hil": {"time_s": 0.001, "value_rel": 0.5}})"));
  const auto over = compare(A, B, tol);
  EXPECT_NEAR(*over.rows[0].tolerance, 0.011, 1e-12);
  EXPECT_EQ(over.rows[0].status, Agreement::kDisagree);
  EXPECT_NEAR(*over.rows[1].tolerance, 50.0, 1e-12);
  EXPECT_EQ(over.rows[1].b->tolerance_source, "tolerance file");
  EXPECT_THROW(load_tolerance_file(dir.write("bad_tol.json", R"({"hil": {"time": 1}})")), CompareError);
}

TEST(Compare, MalformedOrMissingFileIsAnErrorNamingTheFile) {
  TempDir dir;
  const auto bad = dir.write("broken_results.json", "{\"format\": \"bmsrig-results\", \"cases\": [");
  try {
    (void)load_compare_side(bad);
    FAIL() << "no error on a malformed file";
  } catch (const CompareError& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken_results.json"));
  }
  const auto other = dir.write("other.json", "{\"format\": \"something-else\"}");
  try {
    (void)load_compare_side(other);
    FAIL() << "no error on a foreign file";
  } catch (const CompareError& e) {
    EXPECT_THAT(e.what(), HasSubstr("other.json"));
  }
  try {
    (void)load_compare_side(dir.path / "absent.json");
    FAIL() << "no error on a missing file";
  } catch (const CompareError& e) {
    EXPECT_THAT(e.what(), HasSubstr("absent.json"));
  }
  try {
    (void)load_tolerance_file(dir.write("tol_broken.json", "{"));
    FAIL() << "no error on a malformed tolerance file";
  } catch (const CompareError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tol_broken.json"));
  }
}

TEST(Compare, CaseErrorOnOneSideIsACaseLevelDisagreement) {
  auto a = one_case("x.yaml", "x", "sil", {check("lead", Verdict::kPass, 1, "s")});
  CaseResult b;
  b.scenario_file = "x.yaml";
  b.name = "x";
  b.mode = "hil";
  b.verdict = Verdict::kError;
  b.error = "bench: board lost";
  const auto c = compare(compare_side(run_of("sil", {a})), compare_side(run_of("hil", {b})));
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].check, "(case)");
  EXPECT_EQ(c.rows[0].status, Agreement::kDisagree);
  EXPECT_THAT(c.rows[0].note, HasSubstr("board lost"));
  EXPECT_EQ(c.rows[1].status, Agreement::kOnlyInA);
  EXPECT_FALSE(c.agree());
}

TEST(Compare, JsonOutputCarriesRowsAndCounts) {
  const auto c = sil_vs_hil(check("lead", Verdict::kPass, 0.004, "s"), check("lead", Verdict::kFail, -0.012, "s"));
  const auto j = nlohmann::json::parse(comparison_json(c));
  EXPECT_EQ(j["format"], "bmsrig-comparison");
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["a"]["mode"], "sil");
  EXPECT_EQ(j["b"]["mode"], "hil");
  EXPECT_EQ(j["agree"], true);
  EXPECT_EQ(j["counts"]["borderline"], 1);
  ASSERT_EQ(j["rows"].size(), 1u);
  const auto& r = j["rows"][0];
  EXPECT_EQ(r["status"], "borderline");
  EXPECT_EQ(r["quantity"], "time");
  EXPECT_EQ(r["unit"], "s");
  EXPECT_EQ(r["a"]["verdict"], "pass");
  EXPECT_EQ(r["b"]["verdict"], "fail");
  EXPECT_NEAR(r["difference"].get<double>(), 0.016, 1e-12);
  EXPECT_NEAR(r["tolerance"].get<double>(), 0.030, 1e-12);
  EXPECT_NEAR(r["b"]["tolerance"].get<double>(), 0.020, 1e-12);
}

TEST(Compare, HtmlReportShowsTheAgreementSection) {
  const auto c = sil_vs_hil(check("lead & more", Verdict::kPass, 0.5, "s"), check("lead & more", Verdict::kFail, -0.3, "s"));
  const auto run = run_of("sil", {one_case("scenarios/x.yaml", "x", "sil", {check("lead & more", Verdict::kPass, 0.5, "s")})});
  const auto html = html_report(run, HtmlOptions{}, c);
  EXPECT_THAT(html, HasSubstr("<h2 id=\"agreement\">Agreement with HIL</h2>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"agree-disagree\">"));
  EXPECT_THAT(html, HasSubstr("lead &amp; more"));
  EXPECT_THAT(html, HasSubstr("DISAGREE"));
  // without a comparison there is no such section
  EXPECT_THAT(html_report(run, HtmlOptions{}), Not(HasSubstr("id=\"agreement\"")));
}

}  // namespace
}  // namespace rig::report
