#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rig/writers.hpp"
#include "sample_run.hpp"

namespace rig::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

HtmlOptions options() {
  HtmlOptions o;
  o.requirement_ids = {"LD-2", "LD-3", "PA-3", "ALT-2", "FLT-1"};
  return o;
}

TEST(HtmlReport, OneSvgPerCaseAndSelfContained) {
  const auto run = test::make_run(false);
  const auto html = html_report(run, options());
  EXPECT_EQ(count(html, "<svg "), run.cases.size());
  EXPECT_EQ(count(html, "</svg>"), run.cases.size());
  EXPECT_THAT(html, ::testing::StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
}

TEST(HtmlReport, TraceabilityMarksUncoveredRequirementsAndMargins) {
  const auto html = html_report(test::make_run(false), options());
  EXPECT_THAT(html, HasSubstr("<tr class=\"uncovered\" id=\"req-ALT-2\"><td>ALT-2</td><td>NOT COVERED</td>"));
  EXPECT_THAT(html, Not(HasSubstr("id=\"req-LD-2\"><td>LD-2</td><td>NOT COVERED")));
  EXPECT_THAT(html, HasSubstr("<tr class=\"pass\" id=\"req-LD-2\">"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"fail\" id=\"req-LD-3\">"));
  EXPECT_THAT(html, HasSubstr("— margin lead +0.000 s; never +0.050 A"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\" id=\"count-covered\">4</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\" id=\"count-uncovered\">1</td>"));
  EXPECT_THAT(html, HasSubstr("Not in the requirement list</strong> (named by scenarios): <code>XYZ-9</code>"));
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
  EXPECT_GE(count(html, "class=\"instant\""), 4u);
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
  EXPECT_EQ(count(html, "<svg "), run.cases.size());  // still one SVG per case
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

}  // namespace
}  // namespace rig::report
