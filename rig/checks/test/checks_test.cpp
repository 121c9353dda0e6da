#include "rig/checks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trace_fixture.hpp"

namespace rig::checks {
namespace {

using ::testing::HasSubstr;
using test::s;

expr::Condition cond(const Trace& t, std::string_view text) { return expr::Condition::parse(text, expr::resolver_for(t)); }
expr::Event event(const Trace& t, std::string_view text) { return expr::Event::parse(text, expr::resolver_for(t)); }
expr::SignalRef sig(const Trace& t, const std::string& name) {
  const auto id = *t.find(name);
  return expr::SignalRef{name, id, t.info(id).unit, t.info(id).kind};
}
Anchor at_event(const Trace& t, std::string_view text, Time offset = Time{0}) {
  return Anchor{event(t, text), Time{0}, offset};
}
Anchor at_time(Time at) { return Anchor{std::nullopt, at, Time{0}}; }

CheckResult lead(const Trace& t, std::optional<Time> at_least, std::optional<Time> at_most) {
  CheckSpec spec{"", "", Lead{event(t, "rise(bms/out/prealarm)"), event(t, "fall(bms/out/load)"), at_least, at_most}, {}};
  return evaluate(spec, t);
}

// ---- lead ------------------------------------------------------------------------------------------------------
TEST(Lead, PassesWithMarginWhenThenComesLater) {
  const Trace t = test::lead_trace(135.5);
  const auto r = lead(t, s(30), s(40));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, 35.5);
  EXPECT_DOUBLE_EQ(*r.margin, 4.5);  // closer limit: 40 s
  EXPECT_EQ(r.kind, "lead");
  ASSERT_EQ(r.instants.size(), 2u);
  EXPECT_EQ(r.instants[0].t, s(100));
  EXPECT_EQ(r.instants[1].t, s(135.5));
  EXPECT_THAT(r.signals, ::testing::ElementsAre("bms/out/prealarm", "bms/out/load"));
}

TEST(Lead, ExactlyAtTheLimitPasses) {
  const Trace t = test::lead_trace(130.0);
  const auto r = lead(t, s(30), std::nullopt);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_THAT(r.evidence, ::testing::StartsWith("lead 30.000 s, limit ≥ 30 s, margin +0.000 s"));
  EXPECT_EQ(lead(t, std::nullopt, s(30)).verdict, Verdict::kPass);
}

TEST(Lead, OneMillisecondShortFailsWithNegativeMargin) {
  const Trace t = test::lead_trace(129.999);
  const auto r = lead(t, s(30), std::nullopt);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("lead 29.999 s, limit ≥ 30 s, margin -0.001 s"));
  EXPECT_NEAR(*r.margin, -0.001, 1e-12);
  // and too late against at_most
  const Trace late = test::lead_trace(131.001);
  const auto r2 = lead(late, s(30), s(31));
  EXPECT_EQ(r2.verdict, Verdict::kFail);
  EXPECT_THAT(r2.message, HasSubstr("limit [30 s, 31 s], margin -0.001 s"));
}

TEST(Lead, FirstEventNeverHappenedFails) {
  Trace t = test::lead_trace(130.0);
  CheckSpec spec{"", "", Lead{event(t, "rise(alternator/port_v > 20 V)"), event(t, "fall(bms/out/load)"), s(30), {}}, {}};
  const auto r = evaluate(spec, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("first event 'rise(alternator/port_v > 20 V)' never happened"));
}

TEST(Lead, ThenEventNeverHappenedFails) {
  const Trace t = test::lead_trace(300.0);  // load falls after the trace end
  const auto r = lead(t, s(30), std::nullopt);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("then event 'fall(bms/out/load)' never happened after t=100.000 s"));
  EXPECT_FALSE(r.measured.has_value());
}

TEST(Lead, ThenBeforeFirstFailsWithNegativeLead) {
  const Trace t = test::lead_trace(60.0);
  const auto r = lead(t, s(30), std::nullopt);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(*r.measured, -40.0);
  EXPECT_THAT(r.message, HasSubstr("then event happened before the first event"));
}

TEST(Lead, WindowLimitsTheSearch) {
  const Trace t = test::lead_trace(130.0);
  CheckSpec spec{"", "", Lead{event(t, "rise(bms/out/prealarm)"), event(t, "fall(bms/out/load)"), s(30), {}},
                 Window{at_time(s(0)), at_time(s(120))}};
  const auto r = evaluate(spec, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);  // the fall at 130 s is outside the window
  EXPECT_EQ(r.window.end, s(120));
}

// ---- always / never -------------------------------------------------------------------------------------------
TEST(Never, PassesAndReportsClosestApproach) {
  const Trace t = test::lead_trace(130.0);  // current min -0.05 A
  const auto r = evaluate(CheckSpec{"", "", Never{cond(t, "alternator/current_a < -0.1")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, -0.05);
  EXPECT_NEAR(*r.margin, 0.05, 1e-12);
  EXPECT_THAT(r.message, HasSubstr("min -0.05 A, limit ≥ -0.1 A, margin +0.05"));
  EXPECT_THAT(r.levels, ::testing::ElementsAre(-0.1));
}

TEST(Never, ExactlyAtTheLimitPasses) {
  Trace t;
  test::add(t, "alternator/current_a", SignalKind::kAnalog, {{0, 1.0}, {5, -0.1}}, "A");
  t.set_end_time(s(10));
  const auto r = evaluate(CheckSpec{"", "", Never{cond(t, "alternator/current_a < -0.1")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.margin, 0.0);
}

TEST(Never, FailsWithFirstViolationAndDuration) {
  Trace t;
  test::add(t, "alternator/current_a", SignalKind::kAnalog, {{0, 1.0}, {5, -0.2}, {7, 0.0}, {9, -0.3}}, "A");
  t.set_end_time(s(10));
  const auto r = evaluate(CheckSpec{"", "", Never{cond(t, "alternator/current_a < -0.1")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("true at t=5.000 s for 2.000 s, 2 violation(s), 3.000 s in total"));
  EXPECT_NEAR(*r.margin, -0.2, 1e-12);
  EXPECT_DOUBLE_EQ(*r.measured, -0.3);
}

TEST(Never, ViolationAtTheVeryLastInstantCounts) {
  Trace t;
  test::add(t, "alternator/current_a", SignalKind::kAnalog, {{0, 1.0}, {10, -5.0}}, "A");
  t.set_end_time(s(10));
  const auto r = evaluate(CheckSpec{"", "", Never{cond(t, "alternator/current_a < -0.1")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
}

TEST(Always, HoldsInsideAWindowFromAnEvent) {
  const Trace t = test::lead_trace(130.0);
  // The load stays high from the pre-alarm until 30 s after it (the LD-2 hold), half-open window.
  CheckSpec spec{"", "", Always{cond(t, "bms/out/load == high")},
                 Window{at_event(t, "rise(bms/out/prealarm)"), at_event(t, "rise(bms/out/prealarm)", s(30))}};
  auto r = evaluate(spec, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_EQ(r.window.begin, s(100));
  EXPECT_EQ(r.window.end, s(130));
  // The load falls 1 ms early: fails.
  const Trace early = test::lead_trace(129.999);
  CheckSpec spec2{"", "", Always{cond(early, "bms/out/load == high")},
                  Window{at_event(early, "rise(bms/out/prealarm)"), at_event(early, "rise(bms/out/prealarm)", s(30))}};
  r = evaluate(spec2, early);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("false at t=129.999 s for 0.001 s"));
}

TEST(Always, WindowEventThatNeverHappensFails) {
  const Trace t = test::lead_trace(130.0);
  CheckSpec spec{"", "", Always{cond(t, "bms/out/load == high")}, Window{at_event(t, "rise(alternator/port_v > 20)"), {}}};
  const auto r = evaluate(spec, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("from event 'rise(alternator/port_v > 20)' never happened"));
}

TEST(Always, MissingSignalIsAnError) {
  const Trace t = test::lead_trace(130.0);
  const auto c = cond(t, "bms/out/load == high");
  Trace other;
  test::add(other, "bms/out/prealarm", SignalKind::kDigital, {{0, 0}});
  other.set_end_time(s(5));
  const auto r = evaluate(CheckSpec{"", "", Always{c}, {}}, other);
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_THAT(r.message, HasSubstr("signal 'bms/out/load' was never recorded"));
}

TEST(Always, MarginForUpperBound) {
  const Trace t = test::lead_trace(130.0);
  auto r = evaluate(CheckSpec{"", "", Always{cond(t, "alternator/current_a <= 90 A")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;  // exactly 90 A at the peak
  EXPECT_DOUBLE_EQ(*r.margin, 0.0);
  r = evaluate(CheckSpec{"", "", Always{cond(t, "alternator/current_a < 90 A")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
}

// ---- eventually -----------------------------------------------------------------------------------------------
TEST(Eventually, PassFailAndExactlyAtTheDeadline) {
  const Trace t = test::lead_trace(130.0);  // port_v > 13 V from t = 10 s
  auto ev = [&](Time within) {
    return evaluate(CheckSpec{"", "", Eventually{cond(t, "alternator/port_v > 13 V"), within, at_time(s(2))}, {}}, t);
  };
  auto r = ev(s(10));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, 8.0);
  EXPECT_DOUBLE_EQ(*r.margin, 2.0);
  r = ev(s(8));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.margin, 0.0);
  r = ev(s(7.999));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("true after 8.000 s (at t=10.000 s), limit ≤ 7.999 s, margin -0.001 s"));
}

TEST(Eventually, AfterAnEventAndNeverTrue) {
  const Trace t = test::lead_trace(130.0);
  auto r = evaluate(CheckSpec{"", "", Eventually{cond(t, "bms/out/load == low"), s(30), at_event(t, "rise(bms/out/prealarm)")}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, 30.0);
  r = evaluate(CheckSpec{"", "", Eventually{cond(t, "alternator/current_a > 100"), s(30), {}}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("never true within 30 s after t=0.000 s"));
}

// ---- settles --------------------------------------------------------------------------------------------------
Trace step_response() {
  Trace t;
  // A limit step at 1 s: the current overshoots, rings, and settles into [88, 92] A at 1.4 s.
  test::add(t, "alternator/current_a", SignalKind::kAnalog,
            {{0, 40}, {1.0, 60}, {1.1, 100}, {1.2, 85}, {1.3, 91}, {1.35, 93}, {1.4, 90.5}, {3.0, 90.1}}, "A");
  test::add(t, "alt/limit_step", SignalKind::kDigital, {{0, 0}, {1.0, 1}});
  t.set_end_time(s(5));
  return t;
}

TEST(Settles, PassFailExactlyAtTheLimit) {
  const Trace t = step_response();
  auto settle = [&](Time within, bool stays = true) {
    return evaluate(CheckSpec{"", "", Settles{sig(t, "alternator/current_a"), 88, 92, 90.0, within,
                                              at_event(t, "rise(alt/limit_step)"), stays}, {}}, t);
  };
  auto r = settle(s(0.5));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.measured, 0.4, 1e-12);
  EXPECT_NEAR(*r.margin, 0.1, 1e-12);
  EXPECT_THAT(r.message, HasSubstr("settled after 0.400 s (at t=1.400 s), limit ≤ 500 ms, margin +0.100 s"));
  EXPECT_THAT(r.message, HasSubstr("first entry at t=1.300 s did not stay"));
  EXPECT_THAT(r.levels, ::testing::ElementsAre(88.0, 92.0));
  r = settle(s(0.4));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.margin, 0.0, 1e-12);
  r = settle(s(0.399));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  // Without "stays", the first entry (1.3 s) counts.
  r = settle(s(0.3), false);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.measured, 0.3, 1e-12);
}

TEST(Settles, LeavingTheBandAgainFails) {
  Trace t = step_response();
  t.append_raw(*t.find("alternator/current_a"), Sample{s(4.0), 95});
  const auto r = evaluate(CheckSpec{"", "", Settles{sig(t, "alternator/current_a"), 88, 92, {}, s(1), at_time(s(1)), true}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("left it at t=4.000 s (value 95 A)"));
}

TEST(Settles, NeverEnteringFails) {
  const Trace t = step_response();
  const auto r = evaluate(CheckSpec{"", "", Settles{sig(t, "alternator/current_a"), 10, 20, {}, s(1), {}, true}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(r.message, HasSubstr("never entered the band"));
}

// ---- bounded --------------------------------------------------------------------------------------------------
TEST(Bounded, PassesWithValueMarginAndExactlyAtTheBound) {
  const Trace t = step_response();
  auto r = evaluate(CheckSpec{"", "", Bounded{sig(t, "alternator/current_a"), 0.0, 100.0, Time{0}}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;  // peak exactly 100 A
  EXPECT_DOUBLE_EQ(*r.measured, 100.0);
  EXPECT_DOUBLE_EQ(*r.margin, 0.0);
  r = evaluate(CheckSpec{"", "", Bounded{sig(t, "alternator/current_a"), 0.0, 99.9, Time{0}}, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NEAR(*r.margin, -0.1, 1e-9);
}

TEST(Bounded, AllowedExcursionTimeIsInclusive) {
  const Trace t = step_response();  // above 92 A over [1.1, 1.2) and [1.35, 1.4)
  auto bounded = [&](Time allowed) {
    return evaluate(CheckSpec{"", "", Bounded{sig(t, "alternator/current_a"), {}, 92.0, allowed}, {}}, t);
  };
  auto r = bounded(s(0.1));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.measured, 0.1, 1e-12);
  EXPECT_NEAR(*r.margin, 0.0, 1e-12);
  EXPECT_THAT(r.message, HasSubstr("longest excursion 0.100 s at t=1.100 s"));
  EXPECT_THAT(r.message, HasSubstr("2 excursion(s)"));
  r = bounded(s(0.099));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  r = bounded(Time{0});
  EXPECT_EQ(r.verdict, Verdict::kFail);
}

TEST(Bounded, WindowRestrictsTheJudgement) {
  const Trace t = step_response();
  const auto r = evaluate(CheckSpec{"", "", Bounded{sig(t, "alternator/current_a"), 88.0, 92.0, Time{0}},
                                    Window{at_time(s(1.4)), {}}}, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.margin, 1.5, 1e-9);  // 90.5 is 1.5 from 92; 90.1 is 2.1 from 88
}

// ---- misc -------------------------------------------------------------------------------------------------------
TEST(Checks, CombineAndFormatting) {
  std::vector<CheckResult> rs(2);
  rs[0].verdict = Verdict::kPass;
  rs[1].verdict = Verdict::kFail;
  EXPECT_EQ(combine(rs), Verdict::kFail);
  rs[0].verdict = Verdict::kError;
  EXPECT_EQ(combine(rs), Verdict::kError);
  EXPECT_EQ(combine({}), Verdict::kPass);
  EXPECT_EQ(format_duration_limit(s(30)), "30 s");
  EXPECT_EQ(format_duration_limit(s(120)), "2 min");
  EXPECT_EQ(format_duration_limit(std::chrono::milliseconds(500)), "500 ms");
  EXPECT_EQ(format_signed_seconds(0.0), "+0.000 s");
  EXPECT_EQ(format_value(13.2, "V"), "13.2 V");
}

TEST(Checks, DescriptionIsGeneratedWhenNoSource) {
  const Trace t = test::lead_trace(130.0);
  const auto r = lead(t, s(30), s(31));
  EXPECT_EQ(r.description, "lead: rise(bms/out/prealarm) → fall(bms/out/load) at least 30 s at most 31 s");
  EXPECT_EQ(r.name, r.description);
}

}  // namespace
}  // namespace rig::checks
