#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "rig/writers.hpp"
#include "sample_run.hpp"

namespace rig::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

HtmlOptions options() {
  HtmlOptions o;
  o.requirement_ids = {"LD-2", "LD-3", "PA-3", "ALT-2", "FLT-1"};
  return o;
}

TEST(HtmlReport, OneSvgPerCaseAndSelfContained) {
  const auto run = test::make_run(false);
  const auto html = html_report(run, options());
  EXPECT_EQ(test::occurrences(html, "<svg "), run.cases.size());
  EXPECT_EQ(test::occurrences(html, "</svg>"), run.cases.size());
  EXPECT_THAT(html, ::testing::StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
}

TEST(HtmlReport, TraceabilityMarksUncoveredRequirementsAndMargins) {
  const auto html = html_report(test::make_run(false), options());
  EXPECT_THAT(html, HasSubstr("<tr class=\"uncovered\" id=\"req-ALT-2\"><td>ALT-2</td><td class=\"req-text\"></td>"
                              "<td>NOT COVERED</td>"));
  EXPECT_THAT(html, Not(HasSubstr("id=\"req-LD-2\"><td>LD-2</td><td class=\"req-text\"></td><td>NOT COVERED")));
  EXPECT_THAT(html, HasSubstr("<tr class=\"pass\" id=\"req-LD-2\">"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"fail\" id=\"req-LD-3\">"));
  // margins named by their checks: a generated name for the unnamed lead, the given one for the other
  EXPECT_THAT(html, HasSubstr("— margin lead: rise(bms/out/prealarm) → fall(bms/out/load) at least 30 s +0.000 s; "
                              "no reverse current +0.050 A"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\" id=\"count-covered\">4</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\" id=\"count-uncovered\">1</td>"));
  EXPECT_THAT(html, HasSubstr("Not in the requirement list</strong> (named by scenarios): <code id=\"req-XYZ-9\">XYZ-9</code>"));
}

TEST(HtmlReport, ProvenanceAndEvidence) {
  const auto html = html_report(test::make_run(false), options());
  EXPECT_THAT(html, HasSubstr("abc123def456"));
  EXPECT_THAT(html, HasSubstr("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  EXPECT_THAT(html, HasSubstr("testhost"));
  EXPECT_THAT(html, HasSubstr("2026-11-29T05:14:01Z"));
  EXPECT_THAT(html, HasSubstr("lead 30.000 s, limit ≥ 30 s, margin +0.000 s"));
  EXPECT_THAT(html, HasSubstr("&lt;30 s&gt; &amp; &quot;more&quot;"));  // escaped names
  // the lead is drawn as an arrow labelled with its measured value, the instants are marked
  EXPECT_THAT(html, HasSubstr("font-weight=\"bold\">30.000 s</text>"));
  EXPECT_GE(test::occurrences(html, "class=\"instant\""), 4u);
  EXPECT_THAT(html, HasSubstr(">alternator/current_a</text>"));  // a lane per signal the checks use
  EXPECT_THAT(html, HasSubstr("no trace available for this case"));  // the error case has no trace
}

TEST(HtmlReport, LongRunsGetADetailPanelAroundTheLead) {
  auto run = test::make_run(false);
  EXPECT_THAT(html_report(run, options()), HasSubstr(">detail 93.750 s to 131.250 s</text>"));  // failing 25 s lead
  run.cases.erase(run.cases.begin() + 1);
  {  // passing checks without a lead need no close-up
    auto r2 = run;
    r2.cases[0].checks.erase(r2.cases[0].checks.begin());
    EXPECT_THAT(html_report(r2, options()), Not(HasSubstr(">detail ")));
  }
  // a 30 s lead on a 30 min run gets one
  auto t = std::make_shared<Trace>(*run.cases[0].trace);
  t->set_end_time(from_seconds(1800));
  run.cases[0].trace = t;
  const auto html = html_report(run, options());
  EXPECT_THAT(html, HasSubstr(">detail 92.500 s to 137.500 s</text>"));
  EXPECT_EQ(test::occurrences(html, "<svg "), run.cases.size());  // still one SVG per case
  EXPECT_THAT(html, Not(HasSubstr(">-0 s<")));
}

TEST(HtmlReport, BannerFlagsCoverageGapsEvenWhenAllCasesPass) {
  auto run = test::make_run(false);
  run.cases.erase(run.cases.begin() + 1, run.cases.end());
  auto o = options();
  o.requirement_ids = {"LD-2", "PA-3"};
  EXPECT_THAT(html_report(run, o), HasSubstr("<div class=\"banner pass\" id=\"verdict\">PASS: 1 of 1 test cases passed"));
  o.requirement_ids.push_back("ENV-1");
  EXPECT_THAT(html_report(run, o), HasSubstr("<div class=\"banner error\" id=\"verdict\">INCOMPLETE COVERAGE: 1 of 1"));
}

TEST(HtmlReport, InterruptedRunSaysIncomplete) {
  const auto html = html_report(test::make_run(true), options());
  EXPECT_THAT(html, HasSubstr("<strong>INCOMPLETE:</strong>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"badge error\">INCOMPLETE</span>"));
}

TEST(HtmlReport, WaveformIsDecimatedForLongTraces) {
  auto run = test::make_run(false);
  auto t = std::make_shared<Trace>(*run.cases[0].trace);
  const auto id = *t->find("alternator/current_a");
  Trace big = *t;
  // 200 000 changes on the 200 s trace: the polyline stays bounded by the pixel width
  Trace fresh;
  for (SignalId i = 0; i < big.signal_count(); ++i) {
    const auto nid = fresh.add_signal(big.info(i));
    if (i == id) {
      for (int k = 0; k < 200000; ++k) fresh.append_raw(nid, Sample{from_seconds(k * 0.001), (k % 7) * 1.0});
    } else {
      for (const auto& s : big.samples(i)) fresh.append_raw(nid, s);
    }
  }
  fresh.set_end_time(big.end_time());
  run.cases[0].trace = std::make_shared<Trace>(std::move(fresh));
  const auto html = html_report(run, options());
  EXPECT_LT(html.size(), 400'000u);
  // Split into polylines of a few hundred points: no attribute of many kilobytes.
  std::size_t longest = 0, polylines = 0;
  for (std::size_t at = html.find("points=\""); at != std::string::npos; at = html.find("points=\"", at + 1)) {
    longest = std::max(longest, html.find('"', at + 8) - (at + 8));
    ++polylines;
  }
  EXPECT_GT(polylines, 1u);
  EXPECT_LT(longest, 8000u);
}

// A run of one case: a single analog signal held at `value` for `end_s`, judged by one passing check whose name is
// the YAML it was written as (no name given).
RunResult flat_run(double end_s, double value, const std::string& yaml_name) {
  auto t = std::make_shared<Trace>();
  const auto id = t->add_signal(SignalInfo{"bank/voltage_v", "V", SignalKind::kAnalog, 0.0});
  t->append_raw(id, Sample{Time{0}, value});
  t->set_end_time(from_seconds(end_s));
  checks::CheckResult k;
  k.name = k.description = yaml_name;
  k.kind = "never";
  k.verdict = Verdict::kPass;
  k.window = {Time{0}, from_seconds(end_s)};
  k.signals = {"bank/voltage_v"};
  CaseResult c;
  c.name = "flat";
  c.scenario_file = "scenarios/flat.yaml";
  c.requirements = {"LD-2", "NEW-1"};
  c.verdict = Verdict::kPass;
  c.checks = {k};
  c.trace = t;
  RunResult run;
  run.cases = {c};
  return run;
}

std::vector<std::string> tick_labels(const std::string& html) {
  std::vector<std::string> out;
  const std::regex re("class=\"tick\"[^>]*>([^<]*)</text>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

std::vector<std::string> labels(std::initializer_list<int> values, const std::string& unit) {
  std::vector<std::string> out;
  for (int v : values) out.push_back(std::to_string(v) + " " + unit);
  return out;
}

TEST(HtmlReport, TimeAxisHasOneUnitChosenBySpanAndRoundTicks) {
  // a day in hours on the clock's divisions (not "0 min, 100 s, …"); 3 h is the step for 8 ticks over 24 h
  EXPECT_EQ(tick_labels(html_report(flat_run(86400, 13.2, "x"), options())),
            labels({0, 3, 6, 9, 12, 15, 18, 21, 24}, "h"));
  // 3 h is the first span in hours; just below it, minutes (step 30 min: 179.9 min / 8 is above 20)
  EXPECT_EQ(tick_labels(html_report(flat_run(3 * 3600, 13.2, "x"), options()))[1], "1 h");
  EXPECT_EQ(tick_labels(html_report(flat_run(3 * 3600 - 6, 13.2, "x"), options())),
            labels({0, 30, 60, 90, 120, 150}, "min"));
  // 10 min is the first span in minutes; just below it, seconds in 1-2-5 steps
  EXPECT_EQ(tick_labels(html_report(flat_run(600, 13.2, "x"), options())), labels({0, 2, 4, 6, 8, 10}, "min"));
  EXPECT_EQ(tick_labels(html_report(flat_run(599, 13.2, "x"), options())),
            labels({0, 100, 200, 300, 400, 500}, "s"));
  // 2 s is the first span in seconds; below, milliseconds
  EXPECT_EQ(tick_labels(html_report(flat_run(2, 13.2, "x"), options())).back(), "2.0 s");
  EXPECT_EQ(tick_labels(html_report(flat_run(1.5, 13.2, "x"), options())),
            labels({0, 200, 400, 600, 800, 1000, 1200, 1400}, "ms"));
}

TEST(HtmlReport, FlatSignalGetsAnAxisAroundItsValue) {
  const auto html = html_report(flat_run(60, 13.2, "x"), options());
  // ±10 % of 13.2 V, not ±0.5 V
  EXPECT_THAT(html, HasSubstr(">" + checks::format_value(14.52, "V") + "</text>"));
  EXPECT_THAT(html, HasSubstr(">" + checks::format_value(11.88, "V") + "</text>"));
  EXPECT_THAT(html, Not(HasSubstr(">" + checks::format_value(13.7, "V") + "</text>")));
  // a flat zero gets one unit either side
  const auto zero = html_report(flat_run(60, 0.0, "x"), options());
  EXPECT_THAT(zero, HasSubstr(">" + checks::format_value(1.0, "V") + "</text>"));
  EXPECT_THAT(zero, HasSubstr(">" + checks::format_value(-1.0, "V") + "</text>"));
}

TEST(HtmlReport, UnnamedChecksAreLabelledInWordsNotYaml) {
  const auto html = html_report(
      flat_run(60, 13.2, "{eventually: {that: bms/out/load == low, within: 25 min, after: 2 s}}"), options());
  EXPECT_THAT(html, HasSubstr("<td>eventually: bms/out/load == low within 25 min after 2 s</td>"));
  EXPECT_THAT(html, HasSubstr(">eventually: bms/out/load == low within 25 min after 2 s</text>"));
  EXPECT_THAT(html, Not(HasSubstr("{eventually")));
  const auto lead = html_report(
      flat_run(60, 13.2, "{lead: {first: rise(a), then: fall(b), at_least: 2 s, at_most: 2.01 s}}"), options());
  EXPECT_THAT(lead, HasSubstr("<td>lead: first rise(a) then fall(b) at least 2 s at most 2.01 s</td>"));
  // a check with a name keeps it, even when it looks like YAML
  auto named = flat_run(60, 13.2, "{never: x}");
  named.cases[0].checks[0].name = "{kept as named}";
  EXPECT_THAT(html_report(named, options()), HasSubstr("<td>{kept as named}</td>"));
}

// Every in-page link has exactly one target, and no two elements share an id.
void expect_anchors_resolve(const std::string& html) {
  std::multiset<std::string> ids;
  const std::regex id_re(" id=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), id_re); it != std::sregex_iterator(); ++it)
    ids.insert((*it)[1]);
  for (const auto& id : ids) EXPECT_EQ(ids.count(id), 1u) << "id used twice: " << id;
  std::size_t links = 0;
  const std::regex href_re("href=\"#([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href_re); it != std::sregex_iterator(); ++it, ++links)
    EXPECT_EQ(ids.count((*it)[1]), 1u) << "link to a missing target: #" << (*it)[1];
  EXPECT_GT(links, 0u);
}

TEST(HtmlReport, InPageLinksAllHaveTheirTarget) {
  expect_anchors_resolve(html_report(test::make_run(false), options()));
  expect_anchors_resolve(html_report(flat_run(60, 1, "x"), options()));  // NEW-1: named by the case, not listed
  const auto unlisted = html_report(flat_run(60, 1, "x"), HtmlOptions{});  // no requirement list: no req links
  expect_anchors_resolve(unlisted);
  EXPECT_THAT(unlisted, Not(HasSubstr("href=\"#req-")));
  // an ID with characters an id attribute should not carry is made safe on both sides
  auto odd = flat_run(60, 1, "x");
  odd.cases[0].requirements = {"LD-2", "odd id/<x>"};
  const auto html = html_report(odd, options());
  expect_anchors_resolve(html);
  EXPECT_THAT(html, HasSubstr("href=\"#req-odd_id__x_\""));
}

TEST(HtmlReport, TraceabilityShowsRequirementTextAndHashesComeAfterItFolded) {
  auto o = options();
  o.requirement_texts = parse_requirements_text(
      "# Load\n- LD-2 LD goes floating (load off)\n  when ATD is false.\n- LD-3 Next one.\n\nNot part of it.\n");
  EXPECT_EQ(o.requirement_texts.at("LD-2"), "LD goes floating (load off) when ATD is false.");
  EXPECT_EQ(o.requirement_texts.at("LD-3"), "Next one.");
  const auto html = html_report(test::make_run(false), o);
  EXPECT_THAT(html, HasSubstr("<td class=\"req-text\">LD goes floating (load off) when ATD is false.</td>"));
  const auto trace_at = html.find("id=\"traceability\"");
  const auto files_at = html.find("<details class=\"files\" id=\"scenario-files\">");
  ASSERT_NE(files_at, std::string::npos);
  EXPECT_GT(files_at, trace_at);
  EXPECT_LT(html.find("0123456789abcdef0123456789abcdef"), html.find("</details>"));
}

TEST(RequirementTexts, ContinuationEndsAtTheNextItemOrAnUnindentedLine) {
  const auto t = parse_requirements_text("- A-1 first\n  more\n  - a sub-item is not text\n- B-2 second\nplain\n  x\n");
  EXPECT_EQ(t.at("A-1"), "first more");
  EXPECT_EQ(t.at("B-2"), "second");
  EXPECT_EQ(t.size(), 2u);
}

TEST(HtmlReport, TraceFilesAreLinkedRelativeToTheReport) {
  auto run = flat_run(60, 1, "x");
  run.cases[0].trace_files = {"/srv/out/traces/a case.csv"};
  auto o = options();
  o.link_base = "/srv/out";
  EXPECT_THAT(html_report(run, o), HasSubstr("<a href=\"traces/a%20case.csv\">/srv/out/traces/a case.csv</a>"));
  o.link_base = "/srv/report";
  EXPECT_THAT(html_report(run, o), HasSubstr("<a href=\"../out/traces/a%20case.csv\">"));
  // written next to the traces' folder, the file links relatively too
  const auto dir = std::filesystem::temp_directory_path() / ("rig_report_html_links_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "traces");
  run.cases[0].trace_files = {(dir / "traces" / "t.csv").string()};
  write_html_report(run, options(), dir / "report.html");
  std::ifstream in(dir / "report.html");
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(written, HasSubstr("<a href=\"traces/t.csv\">"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::report
