#include "rig/checks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trace_fixture.hpp"

namespace rig::checks {
namespace {

using ::testing::HasSubstr;
using test::s;
Time ms(double v) { return from_seconds(v / 1000.0); }

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

// A `then` before `first` does not count: the lead is to the first `then` at or after `first`.
TEST(Lead, ThenBeforeFirstIsIgnored) {
  Trace t;
  test::add(t, "bms/out/prealarm", SignalKind::kDigital, {{0, 0}, {100, 1}});
  test::add(t, "bms/out/load", SignalKind::kDigital, {{0, 1}, {60, 0}, {70, 1}, {130, 0}});
  t.set_end_time(s(200));
  const auto r = lead(t, s(30), s(30));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, 30.0);
  // the earlier fall alone (no fall after the rise) is not a negative lead but a missing `then`
  const Trace early = test::lead_trace(60.0);
  const auto r2 = lead(early, s(30), std::nullopt);
  EXPECT_EQ(r2.verdict, Verdict::kFail);
  EXPECT_THAT(r2.message, HasSubstr("never happened after t=100.000 s"));
}

// `until: {event, offset}` is searched from the occurrence that opened the window, not from the window start
// (which the from-offset moved).
TEST(Window, UntilIsSearchedFromTheOpeningOccurrence) {
  Trace t;
  test::add(t, "bms/out/prealarm", SignalKind::kDigital, {{0, 0}, {100, 1}, {102, 0}, {150, 1}, {151, 0}});
  test::add(t, "bms/out/load", SignalKind::kDigital, {{0, 1}});
  t.set_end_time(s(200));
  CheckSpec spec{"", "", Always{cond(t, "bms/out/load == high")},
                 Window{at_event(t, "rise(bms/out/prealarm)", s(5)), at_event(t, "fall(bms/out/prealarm)", s(1))}};
  const auto r = evaluate(spec, t);
  // from = 100 + 5 = 105 s; until = the fall after the rise at 100 s (102 s) + 1 s = 103 s: before the start
  EXPECT_EQ(r.verdict, Verdict::kError) << r.message;
  EXPECT_THAT(r.message, HasSubstr("empty window"));
  spec.window.from = at_event(t, "rise(bms/out/prealarm)", s(-5));
  const auto r2 = evaluate(spec, t);
  EXPECT_EQ(r2.verdict, Verdict::kPass) << r2.message;
  EXPECT_EQ(r2.window.begin, s(95));
  EXPECT_EQ(r2.window.end, s(103));
}

TEST(Window, EqualFromAndUntilIsAnEmptyWindow) {
  const Trace t = test::lead_trace(130.0);
  CheckSpec spec{"", "", Always{cond(t, "bms/out/load == high")}, Window{at_time(s(50)), at_time(s(50))}};
  const auto r = evaluate(spec, t);
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_THAT(r.message, HasSubstr("empty window"));
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


// ---- count / duty / total / for_at_most / each / bounded aggregates ---------------------------------------------
namespace {
// A 15 ms-on / 15 ms-off limit cycle of an over-current from 10 s to 10.3 s (10 pulses), and one more at 50 s.
Trace limit_cycle_trace() {
  Trace t;
  const SignalId id = t.add_signal(SignalInfo{"alternator/current_a", "A", SignalKind::kAnalog, 0.0});
  t.append_raw(id, Sample{s(0), 80.0});
  for (int k = 0; k < 10; ++k) {
    t.append_raw(id, Sample{s(10.0 + 0.030 * k), 100.0});
    t.append_raw(id, Sample{s(10.015 + 0.030 * k), 80.0});
  }
  t.append_raw(id, Sample{s(50), 100.0});
  t.append_raw(id, Sample{s(50.015), 80.0});
  test::add(t, "bms/out/prealarm", SignalKind::kDigital, {{0, 0}, {20, 1}, {21, 0}, {40, 1}, {41, 0}});
  test::add(t, "bms/out/load", SignalKind::kDigital, {{0, 1}, {50, 0}, {55, 1}, {71, 0}});
  t.set_end_time(s(100));
  return t;
}
}  // namespace

TEST(Bounded, LimitCycleFailsACountOrTotalBoundThoughEachExcursionIsShort) {
  const Trace t = limit_cycle_trace();
  Bounded b{sig(t, "alternator/current_a"), {}, 90.0, ms(15)};
  EXPECT_EQ(evaluate(CheckSpec{"", "", b, {}}, t).verdict, Verdict::kPass);  // longest 15 ms: the old check passes
  b.max_excursions = 3;
  auto r = evaluate(CheckSpec{"", "", b, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, 11.0);
  EXPECT_DOUBLE_EQ(*r.margin, -8.0);
  b.max_excursions = 11;  // exactly at the limit passes
  EXPECT_EQ(evaluate(CheckSpec{"", "", b, {}}, t).verdict, Verdict::kPass);
  b.max_excursions.reset();
  b.max_total = ms(164);
  r = evaluate(CheckSpec{"", "", b, {}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.message;  // 11 × 15 ms = 165 ms
  EXPECT_NEAR(*r.measured, 0.165, 1e-9);
  b.max_total = ms(165);
  EXPECT_EQ(evaluate(CheckSpec{"", "", b, {}}, t).verdict, Verdict::kPass);
  // a total alone (no per-excursion limit) allows excursions of any length up to the total
  EXPECT_EQ(evaluate(CheckSpec{"", "", Bounded{sig(t, "alternator/current_a"), {}, 90.0, Time{0}, {}, ms(165)}, {}}, t).verdict,
            Verdict::kPass);
}

TEST(Count, CountsStretchesOfAConditionAndEventsInTheWindow) {
  const Trace t = limit_cycle_trace();
  auto count = [&](std::string_view ev, std::optional<int> lo, std::optional<int> hi, Window w = {}) {
    return evaluate(CheckSpec{"", "", Count{event(t, ev), lo, hi}, w}, t);
  };
  auto r = count("alternator/current_a > 90 A", {}, 2);
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.message;
  EXPECT_DOUBLE_EQ(*r.measured, 11.0);
  EXPECT_EQ(count("alternator/current_a > 90 A", {}, 11).verdict, Verdict::kPass);
  EXPECT_EQ(count("alternator/current_a > 90 A", 12, {}).verdict, Verdict::kFail);
  EXPECT_EQ(count("rise(bms/out/prealarm)", 2, 2).verdict, Verdict::kPass);
  EXPECT_EQ(count("rise(bms/out/prealarm)", 2, 2, Window{at_time(s(30)), {}}).verdict, Verdict::kFail);
  // a stretch already true at the window start counts once
  r = count("bms/out/prealarm", 1, 1, Window{at_time(s(20.5)), at_time(s(30))});
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
}

TEST(Duty, FractionOfTheWindowTrue) {
  const Trace t = limit_cycle_trace();
  // from 10 s to 10.3 s the cycle is 50 % on
  CheckSpec spec{"", "", Duty{cond(t, "alternator/current_a > 90 A"), {}, 0.5}, Window{at_time(s(10)), at_time(s(10.3))}};
  auto r = evaluate(spec, t);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.measured, 50.0, 1e-9);
  spec.kind = Duty{cond(t, "alternator/current_a > 90 A"), {}, 0.49};
  EXPECT_EQ(evaluate(spec, t).verdict, Verdict::kFail);
  spec.kind = Duty{cond(t, "alternator/current_a > 90 A"), 0.51, {}};
  EXPECT_EQ(evaluate(spec, t).verdict, Verdict::kFail);
}

TEST(Total, TotalTimeTrueAgainstItsBounds) {
  const Trace t = limit_cycle_trace();
  auto total = [&](std::optional<Time> lo, std::optional<Time> hi) {
    return evaluate(CheckSpec{"", "", Total{cond(t, "bms/out/load == low"), lo, hi}, {}}, t);
  };
  // low 50..55 s and 71..100 s: 34 s
  auto r = total({}, s(34));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_NEAR(*r.measured, 34.0, 1e-9);
  EXPECT_EQ(total({}, s(33.999)).verdict, Verdict::kFail);
  EXPECT_EQ(total(s(34.001), {}).verdict, Verdict::kFail);
}

TEST(ForAtMost, EveryStretchLastsAtMostTheLimit) {
  const Trace t = limit_cycle_trace();
  auto fam = [&](Time limit) { return evaluate(CheckSpec{"", "", ForAtMost{cond(t, "bms/out/load == low"), limit}, {}}, t); };
  auto r = fam(s(29));  // the second stretch 71..100 s lasts 29 s
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  r = fam(s(28.999));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NEAR(*r.measured, 29.0, 1e-9);
  EXPECT_EQ(r.instants.back().t, s(71));
}

TEST(Each, OneCheckPerOccurrence) {
  const Trace t = limit_cycle_trace();
  // pre-alarm rises at 20 s and 40 s; the load falls at 50 s and 71 s: "every pre-alarm rise is followed by a load
  // fall 30 s to 31 s later"
  auto inner = std::make_shared<CheckSpec>(
      CheckSpec{"", "", Lead{event(t, "rise(bms/out/prealarm)"), event(t, "fall(bms/out/load)"), s(30), s(31)}, {}});
  auto r = evaluate(CheckSpec{"", "", Each{event(t, "rise(bms/out/prealarm)"), inner}, {}}, t);
  // at 20 s: the first fall after it is at 50 s → 30 s (pass); at 40 s: 50 s → 10 s (fail)
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.message;
  EXPECT_THAT(r.message, HasSubstr("1 of 2 occurrence(s) did not pass; first at t=40.000 s"));
  EXPECT_DOUBLE_EQ(*r.measured, 10.0);
  // a single lead check (first occurrence only) would have passed
  EXPECT_EQ(evaluate(*inner, t).verdict, Verdict::kPass);
  // the inner windows end with the outer one: with the outer window ending at 30 s there is no fall in it
  r = evaluate(CheckSpec{"", "", Each{event(t, "rise(bms/out/prealarm)"), inner}, Window{{}, at_time(s(30))}}, t);
  EXPECT_EQ(r.verdict, Verdict::kFail) << r.message;  // the inner window ends at 30 s: no fall in it
  // an event that never happens fails
  r = evaluate(CheckSpec{"", "", Each{event(t, "rise(alternator/current_a > 500 A)"), inner}, {}}, t);
  EXPECT_NE(r.verdict, Verdict::kPass);
}

}  // namespace
}  // namespace rig::checks
