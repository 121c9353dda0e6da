#include "rig/expr.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "trace_fixture.hpp"

namespace rig::expr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::s;

Trace sample_trace() { return test::lead_trace(130.0); }

// Parses and expects a ParseError; returns it.
ParseError parse_error(std::string_view text, const Resolver& r) {
  try {
    Condition::parse(text, r);
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for '" << text << "'";
  return ParseError(0, "");
}

class Live {
 public:
  explicit Live(const Trace& t) : trace_(t) {}
  void set(const std::string& name, double v) { values_[*trace_.find(name)] = v; }
  ValueFn fn() const {
    return [this](SignalId id) -> std::optional<double> {
      auto it = values_.find(id);
      if (it == values_.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  const Trace& trace_;
  std::map<SignalId, double> values_;
};

TEST(ExprParse, ComparisonsLevelsAndLogic) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  const auto c = Condition::parse("bms/out/prealarm == high and not (alternator/current_a < -0.1)", r);
  EXPECT_EQ(c.text(), "bms/out/prealarm == high and not (alternator/current_a < -0.1)");
  ASSERT_EQ(c.signals().size(), 2u);
  EXPECT_EQ(c.signals()[0].name, "bms/out/prealarm");
  EXPECT_EQ(c.signals()[1].unit, "A");
  Live live(t);
  live.set("bms/out/prealarm", 1);
  live.set("alternator/current_a", 5);
  EXPECT_TRUE(c.evaluate(live.fn()));
  live.set("alternator/current_a", -0.2);
  EXPECT_FALSE(c.evaluate(live.fn()));
  live.set("alternator/current_a", -0.1);  // exactly at the edge: not < -0.1
  EXPECT_TRUE(c.evaluate(live.fn()));
  live.set("bms/out/prealarm", 0);
  EXPECT_FALSE(c.evaluate(live.fn()));
}

TEST(ExprParse, OrBindsLooserThanAndAndSymbolsWork) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  const auto c = Condition::parse("bms/out/load || bms/out/prealarm && alternator/current_a > 1", r);
  Live live(t);
  live.set("bms/out/load", 1);
  live.set("bms/out/prealarm", 0);
  live.set("alternator/current_a", 0);
  EXPECT_TRUE(c.evaluate(live.fn()));  // load or (prealarm and ...)
  live.set("bms/out/load", 0);
  EXPECT_FALSE(c.evaluate(live.fn()));
  live.set("bms/out/prealarm", 1);
  live.set("alternator/current_a", 2);
  EXPECT_TRUE(c.evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("!bms/out/load", r).evaluate(live.fn()));
}

TEST(ExprParse, UnknownValueMakesComparisonFalse) {
  const Trace t = sample_trace();
  const auto c = Condition::parse("alternator/current_a < 1", resolver_for(t));
  Live live(t);
  EXPECT_FALSE(c.evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("not alternator/current_a < 1", resolver_for(t)).evaluate(live.fn()));
}

TEST(ExprUnits, NumbersAreConvertedToTheSignalsUnit) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  Live live(t);
  live.set("alternator/current_a", 0.4);
  EXPECT_TRUE(Condition::parse("alternator/current_a < 500 mA", r).evaluate(live.fn()));
  live.set("alternator/current_a", 0.6);
  EXPECT_FALSE(Condition::parse("alternator/current_a < 500 mA", r).evaluate(live.fn()));
  live.set("alternator/port_v", 13.0);
  EXPECT_TRUE(Condition::parse("alternator/port_v >= 13.0 V", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("alternator/port_v >= 13000 mV", r).evaluate(live.fn()));
  EXPECT_FALSE(Condition::parse("alternator/port_v > 13000 mV", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("13 V <= alternator/port_v", r).evaluate(live.fn()));
  live.set("alternator/current_a", -95);
  EXPECT_TRUE(Condition::parse("abs(alternator/current_a) >= 90 A", r).evaluate(live.fn()));
  EXPECT_FALSE(Condition::parse("abs(alternator/current_a) <= 90 A", r).evaluate(live.fn()));
}

TEST(ExprParse, CompactSpellingWithoutSpaces) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  Live live(t);
  live.set("alternator/current_a", -0.2);
  live.set("alternator/port_v", 13.5);
  live.set("bms/out/load", 1);
  EXPECT_TRUE(Condition::parse("alternator/current_a<-0.1", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("alternator/port_v>=13.0V&&bms/out/load==high", r).evaluate(live.fn()));
  EXPECT_FALSE(Condition::parse("(alternator/port_v<13V)||!bms/out/load", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("alternator/current_a > -2.5e-1 and alternator/current_a < -1.5e-1", r).evaluate(live.fn()));
}

TEST(ExprUnits, PercentAgainstRatioAndPercentSignals) {
  Trace t;
  test::add(t, "bank/soc", SignalKind::kAnalog, {{0, 0.08}});
  test::add(t, "bank/soc_pct", SignalKind::kAnalog, {{0, 8}});
  const auto r = resolver_for(t);
  Live live(t);
  live.set("bank/soc", 0.08);
  live.set("bank/soc_pct", 8);
  EXPECT_TRUE(Condition::parse("bank/soc < 10 %", r).evaluate(live.fn()));
  EXPECT_FALSE(Condition::parse("bank/soc < 5 %", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("bank/soc_pct < 10 %", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("bank/soc_pct < 10", r).evaluate(live.fn()));
  EXPECT_FALSE(Condition::parse("bank/soc_pct < 5 %", r).evaluate(live.fn()));
  EXPECT_THROW(Condition::parse("bank/soc < 5 V", r), ParseError);
}

TEST(ExprUnits, UnitInferredFromNameSuffixWhenUndeclared) {
  Trace t;
  test::add(t, "plant/heatsink_c", SignalKind::kAnalog, {{0, 86}});  // no declared unit
  test::add(t, "plant/ripple_mv", SignalKind::kAnalog, {{0, 20}});
  const auto r = resolver_for(t);
  Live live(t);
  live.set("plant/heatsink_c", 86);
  live.set("plant/ripple_mv", 20);
  EXPECT_TRUE(Condition::parse("plant/heatsink_c > 85 degC", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("plant/heatsink_c > 85 °C", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("plant/ripple_mv < 0.021 V", r).evaluate(live.fn()));
  EXPECT_FALSE(Condition::parse("plant/ripple_mv < 0.019 V", r).evaluate(live.fn()));
  EXPECT_THAT(parse_error("plant/heatsink_c > 85 V", r).detail(),
              HasSubstr("unit 'V' does not match signal 'plant/heatsink_c' (degC)"));
}

TEST(ExprErrors, UnitMismatchPointsAtTheUnit) {
  const Trace t = sample_trace();
  const auto e = parse_error("alternator/port_v > 90 A", resolver_for(t));
  EXPECT_EQ(e.column(), 24u);
  EXPECT_EQ(e.detail(), "unit 'A' does not match signal 'alternator/port_v' (V)");
  EXPECT_THAT(e.what(), HasSubstr("column 24: unit 'A'"));
}

TEST(ExprErrors, UnknownUnitListsKnownOnes) {
  const Trace t = sample_trace();
  const auto e = parse_error("alternator/port_v > 13 volts", resolver_for(t));
  EXPECT_EQ(e.column(), 24u);
  EXPECT_THAT(e.detail(), HasSubstr("unknown unit 'volts' (known: V mV"));
}

TEST(ExprErrors, UnitOnDigitalSignalAndLevelOnAnalogAreRefused) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  EXPECT_THAT(parse_error("bms/out/load == 1 V", r).detail(), HasSubstr("signal 'bms/out/load' has no unit"));
  const auto e = parse_error("alternator/port_v == high", r);
  EXPECT_EQ(e.column(), 22u);
  EXPECT_THAT(e.detail(), HasSubstr("'high' compares with digital signals; 'alternator/port_v' is analog (V)"));
}

TEST(ExprErrors, UnknownSignalNamesCloseMatches) {
  const Trace t = sample_trace();
  const auto e = parse_error("bms/out/prealrm == high", resolver_for(t));
  EXPECT_EQ(e.column(), 1u);
  EXPECT_EQ(e.detail(), "unknown signal 'bms/out/prealrm' (did you mean 'bms/out/prealarm'?)");
  const auto e2 = parse_error("x < 1 and bank/battery[1]/cell[3]/voltage_v < 2", resolver_for(t));
  EXPECT_EQ(e2.column(), 1u);  // 'x' is the first unknown
  const auto e3 = parse_error("bms/out/load and bank/battery[1]/cell[3]/voltage_v < 2", resolver_for(t));
  EXPECT_EQ(e3.column(), 18u);
  EXPECT_THAT(e3.detail(), HasSubstr("did you mean 'bank/battery[0]/cell[3]/voltage_v'"));
}

TEST(ExprErrors, SyntaxErrorsGiveColumnAndExpectation) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  auto e = parse_error("bms/out/load ==", r);
  EXPECT_EQ(e.column(), 16u);
  EXPECT_EQ(e.detail(), "expected a signal, a number, high/low/true/false, 'not' or '(', found end of expression");
  e = parse_error("(bms/out/load == high", r);
  EXPECT_EQ(e.column(), 22u);
  EXPECT_THAT(e.detail(), HasSubstr("expected ')'"));
  e = parse_error("bms/out/load == high)", r);
  EXPECT_EQ(e.column(), 21u);
  EXPECT_EQ(e.detail(), "unbalanced ')'");
  e = parse_error("bms/out/load = high", r);
  EXPECT_EQ(e.column(), 14u);
  EXPECT_THAT(e.detail(), HasSubstr("use '=='"));
  e = parse_error("alternator/current_a < 1 < 2", r);
  EXPECT_EQ(e.column(), 26u);
  EXPECT_THAT(e.detail(), HasSubstr("cannot be chained"));
  e = parse_error("bms/out/load high", r);
  EXPECT_EQ(e.column(), 14u);
  EXPECT_THAT(e.detail(), HasSubstr("expected a comparison operator, an arithmetic operator, 'and', 'or' or the end of the expression, found 'high'"));
  e = parse_error("3 < 4", r);
  EXPECT_THAT(e.detail(), HasSubstr("needs a signal"));
  e = parse_error("rise(bms/out/load) and bms/out/prealarm", r);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_THAT(e.detail(), HasSubstr("is an event, not a condition"));
  e = parse_error("", r);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_THAT(e.detail(), HasSubstr("expected a condition"));
  e = parse_error("abs(alternator/current_a)", r);
  EXPECT_THAT(e.detail(), HasSubstr("alone is not one"));
}

TEST(ExprTrace, IntervalsMergeChangePointsOfAllSignals) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  // load is high over [1, 130); prealarm high from 100.
  EXPECT_THAT(Condition::parse("bms/out/load == high", r).intervals(t), ElementsAre(Interval{s(1), s(130)}));
  EXPECT_THAT(Condition::parse("bms/out/load and bms/out/prealarm", r).intervals(t),
              ElementsAre(Interval{s(100), s(130)}));
  EXPECT_THAT(Condition::parse("bms/out/load or bms/out/prealarm", r).intervals(t),
              ElementsAre(Interval{s(1), s(200)}));
  EXPECT_THAT(Condition::parse("bank/battery[0]/cell[3]/voltage_v <= 2.95", r).intervals(t),
              ElementsAre(Interval{s(120), s(200)}));
  EXPECT_THAT(Condition::parse("alternator/current_a > 40 or alternator/current_a < -0.01", r).intervals(t),
              ElementsAre(Interval{s(10), s(200)}));
  EXPECT_THAT(Condition::parse("alternator/current_a >= 50 A and alternator/current_a < 90", r).intervals(t),
              ElementsAre(Interval{s(10), s(20)}));
  EXPECT_TRUE(Condition::parse("alternator/current_a > 1000", r).intervals(t).empty());
}

TEST(ExprTrace, SignalsChangingAtTheSameInstantMakeNoGlitch) {
  Trace t;
  test::add(t, "a/x", SignalKind::kDigital, {{0, 1}, {5, 0}});
  test::add(t, "a/y", SignalKind::kDigital, {{0, 0}, {5, 1}});
  t.set_end_time(s(10));
  EXPECT_THAT(Condition::parse("a/x or a/y", resolver_for(t)).intervals(t), ElementsAre(Interval{s(0), s(10)}));
  EXPECT_TRUE(Condition::parse("a/x and a/y", resolver_for(t)).intervals(t).empty());
}

TEST(ExprTrace, DomainStartsWhenEverySignalHasAValue) {
  Trace t;
  test::add(t, "a/x", SignalKind::kDigital, {{0, 1}});
  test::add(t, "a/y", SignalKind::kDigital, {{3, 1}});
  t.set_end_time(s(10));
  const auto c = Condition::parse("a/x and a/y", resolver_for(t));
  EXPECT_THAT(c.intervals(t), ElementsAre(Interval{s(3), s(10)}));
  ASSERT_TRUE(c.domain(t).has_value());
  EXPECT_EQ(c.domain(t)->begin, s(3));
  Trace other;  // evaluated on a trace without a/y: never true, reported missing
  test::add(other, "a/x", SignalKind::kDigital, {{0, 1}});
  EXPECT_TRUE(c.intervals(other).empty());
  EXPECT_THAT(c.missing_signals(other), ElementsAre("a/y"));
}

TEST(ExprEvents, RiseFallChangeAndWhen) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  EXPECT_THAT(Event::parse("rise(bms/out/prealarm)", r).times(t), ElementsAre(s(100)));
  EXPECT_THAT(Event::parse("fall(bms/out/load)", r).times(t), ElementsAre(s(130)));
  EXPECT_THAT(Event::parse("rise(bms/out/load)", r).times(t), ElementsAre(s(1)));
  EXPECT_THAT(Event::parse(" change( bms/out/load ) ", r).times(t), ElementsAre(s(1), s(130)));
  EXPECT_THAT(Event::parse("change(alternator/current_a)", r).times(t), ElementsAre(s(10), s(20), s(150)));
  EXPECT_THAT(Event::parse("rise(bank/battery[0]/cell[3]/voltage_v < 3.1 V)", r).times(t), ElementsAre(s(98)));
  // when: becomes true, including the start if already true
  EXPECT_THAT(Event::parse("alternator/port_v < 13 V", r).times(t), ElementsAre(s(0)));
  EXPECT_TRUE(Event::parse("rise(alternator/port_v < 13 V)", r).times(t).empty());
  EXPECT_THAT(Event::parse("fall(alternator/port_v < 13 V)", r).times(t), ElementsAre(s(10)));
  const auto e = Event::parse("rise(bms/out/prealarm)", r);
  EXPECT_EQ(e.kind(), EventKind::kRise);
  EXPECT_EQ(e.text(), "rise(bms/out/prealarm)");
  EXPECT_EQ(e.first(t, s(101), s(200)), std::nullopt);
  EXPECT_EQ(e.first(t, s(100), s(100)), s(100));  // bounds inclusive
}

TEST(ExprEvents, EventParseErrors) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  try {
    Event::parse("rise(bms/out/load", r);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), 18u);
    EXPECT_THAT(e.detail(), HasSubstr("expected ')' to close 'rise('"));
  }
  try {
    Event::parse("fall(bms/out/load) + 3", r);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), 20u);
  }
  try {
    Event::parse("rise(bms/out/lod)", r);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), 6u);  // columns are in the whole event text
    EXPECT_THAT(e.detail(), HasSubstr("did you mean 'bms/out/load'"));
  }
}

TEST(ExprEvents, LiveDetectorFiresOnEdges) {
  const Trace t = sample_trace();
  const auto r = resolver_for(t);
  Live live(t);
  EventDetector rise(Event::parse("rise(bms/out/prealarm)", r));
  EventDetector when(Event::parse("bms/out/prealarm == high", r));
  EventDetector change(Event::parse("change(alternator/current_a)", r));
  live.set("bms/out/prealarm", 1);
  live.set("alternator/current_a", 3);
  EXPECT_FALSE(rise.update(live.fn()));  // first update only primes
  EXPECT_TRUE(when.update(live.fn()));   // already true: fires
  EXPECT_FALSE(change.update(live.fn()));
  live.set("bms/out/prealarm", 0);
  live.set("alternator/current_a", 3);
  EXPECT_FALSE(rise.update(live.fn()));
  EXPECT_FALSE(when.update(live.fn()));
  EXPECT_FALSE(change.update(live.fn()));
  live.set("bms/out/prealarm", 1);
  live.set("alternator/current_a", 4);
  EXPECT_TRUE(rise.update(live.fn()));
  EXPECT_TRUE(when.update(live.fn()));
  EXPECT_TRUE(change.update(live.fn()));
  EXPECT_FALSE(rise.update(live.fn()));
}

TEST(ExprQuantity, DurationsNeedATimeUnit) {
  EXPECT_EQ(parse_duration("30 s"), s(30));
  EXPECT_EQ(parse_duration("2 min"), s(120));
  EXPECT_EQ(parse_duration("500 ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration("1.5h"), s(5400));
  EXPECT_THROW(parse_duration("30"), ParseError);
  EXPECT_THROW(parse_duration("3 V"), ParseError);
  EXPECT_THROW(parse_duration("-1 s"), ParseError);
  // Beyond what nanosecond time holds: refused, never converted (a fuzzer's find: "10E80s").
  EXPECT_EQ(parse_duration("1e9 s"), s(1'000'000'000));
  EXPECT_THROW(parse_duration("1.000001e9 s"), ParseError);
  EXPECT_THROW(parse_duration("10E80s"), ParseError);
  EXPECT_THROW(parse_duration("1e400 s"), ParseError);
  const auto q = parse_quantity("13.2 V");
  EXPECT_DOUBLE_EQ(q.value_si, 13.2);
  EXPECT_EQ(q.unit, "V");
  EXPECT_DOUBLE_EQ(parse_quantity("500 mA").value_si, 0.5);
  EXPECT_EQ(parse_quantity("500 mA").unit_si, "A");
  EXPECT_THROW(parse_quantity("13.2 V extra"), ParseError);
}

TEST(ExprQuantity, CloseMatches) {
  const std::vector<std::string> names{"bms/out/load", "bms/out/prealarm", "bms/out/charge", "alternator/current_a"};
  EXPECT_THAT(close_matches("bms/out/laod", names), ElementsAre("bms/out/load"));
  EXPECT_TRUE(close_matches("something/else", names).empty());
}

}  // namespace
}  // namespace rig::expr

namespace rig::expr {
namespace {

// Nesting is bounded (a deep text is refused with its column, never a stack overflow); both sides of the limit.
TEST(ExprParse, NestingDeeperThanTheLimitIsRefusedNotACrash) {
  const Trace t = sample_trace();
  const Resolver r = resolver_for(t);
  auto nested = [](int levels, const std::string& open, const std::string& close) {
    std::string x;
    for (int i = 0; i < levels; ++i) x += open;
    x += "bms/out/load";
    for (int i = 0; i < levels; ++i) x += close;
    return x;
  };
  EXPECT_NO_THROW(Condition::parse(nested(kMaxConditionNesting, "(", ")"), r));
  EXPECT_NO_THROW(Condition::parse(nested(kMaxConditionNesting, "not ", ""), r));
  EXPECT_NO_THROW(Condition::parse(nested(kMaxConditionNesting / 2, "not (", ")"), r));
  const auto e = parse_error(nested(kMaxConditionNesting + 1, "(", ")"), r);
  EXPECT_EQ(e.column(), static_cast<std::size_t>(kMaxConditionNesting + 1));
  EXPECT_THAT(e.what(), HasSubstr("nested deeper than 64 levels"));
  EXPECT_THAT(parse_error(nested(kMaxConditionNesting + 1, "not ", ""), r).what(), HasSubstr("nested deeper"));
  // The inputs that used to overflow the stack.
  EXPECT_THAT(parse_error(nested(5000, "(", ")"), r).what(), HasSubstr("nested deeper"));
  EXPECT_THAT(parse_error(nested(8000, "not ", ""), r).what(), HasSubstr("nested deeper"));
  // unary minus recurses too (a fuzzer's find: 2,700 '-' overflowed the stack)
  EXPECT_NO_THROW(Condition::parse(nested(kMaxConditionNesting, "-", "") + " < 1", r));
  EXPECT_THAT(parse_error(nested(kMaxConditionNesting + 1, "-", "") + " < 1", r).what(), HasSubstr("nested deeper"));
  EXPECT_THAT(parse_error("!!!" + std::string(2700, '-') + "1 == bms/out/load", r).what(), HasSubstr("nested deeper"));
}

// A '(' is read as a condition and, failing that, as a value, so a name inside n parentheses is met about n times.
// Its suggestions (an edit distance against every signal) are worked out once per name, not once per reading (a
// fuzzer's find: 64 '(' around a misspelt name took 12 s on a loaded machine, under the sanitizers).
TEST(ExprParse, AnUnknownNameInNestedParenthesesIsLookedUpForSuggestionsOnce) {
  const Trace t = sample_trace();
  Resolver r = resolver_for(t);
  int listed = 0;
  const auto names = r.names;
  r.names = [&] { ++listed; return names(); };
  const std::string text = std::string(kMaxConditionNesting - 1, '(') + "bms/out/lod > 1 +";
  const auto e = parse_error(text, r);
  EXPECT_THAT(e.what(), HasSubstr("unknown signal 'bms/out/lod' (did you mean 'bms/out/load'"));
  EXPECT_EQ(listed, 1);
  listed = 0;  // what is kept lives for one parse: the next parse looks the name up again
  EXPECT_THAT(parse_error(std::string(10, '(') + "bms/out/lod > 1 +", r).what(), HasSubstr("did you mean"));
  EXPECT_EQ(listed, 1);
}

// "Did you mean" compares an unknown name only with names of about its length: a 30 000-character name (which took
// seconds of edit distances against every signal) gets no suggestion; a one-letter slip still does.
TEST(ExprParse, VeryLongUnknownNameIsRefusedWithoutSuggestions) {
  const Trace t = sample_trace();
  const Resolver r = resolver_for(t);
  const auto e = parse_error(std::string(30000, 'x') + " == 1", r);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_THAT(e.what(), HasSubstr("unknown signal 'xxx"));
  EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("did you mean")));
  // a long name is still matched against a candidate of about its length
  EXPECT_THAT(close_matches(std::string(300, 'x'), {"bms/out/load", std::string(299, 'x')}),
              ElementsAre(std::string(299, 'x')));
  EXPECT_THAT(parse_error("bms/out/laod == high", r).what(), HasSubstr("did you mean 'bms/out/load'"));
}

// The suggestions' edit distance is computed only up to its limit (name length / 3, at least 2); the choice must be
// the one the full distance gives. Checked against a textbook Levenshtein on random names over a small alphabet,
// so that distances just under, at and just over the limit all occur.
TEST(ExprParse, BoundedSuggestionsMatchTheFullEditDistance) {
  const auto levenshtein = [](const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
      for (std::size_t j = 1; j <= b.size(); ++j)
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    return d[a.size()][b.size()];
  };
  std::mt19937 rng(7);
  const auto word = [&](std::size_t n) {
    std::string w;
    for (std::size_t i = 0; i < n; ++i) w += "ab/c"[rng() % 4];
    return w;
  };
  std::size_t at_limit = 0, over_limit = 0;
  for (int round = 0; round < 400; ++round) {
    const std::string name = word(1 + rng() % 14);
    std::vector<std::string> candidates;
    for (int k = 0; k < 6; ++k) candidates.push_back(word(1 + rng() % 16));
    const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
    std::vector<std::pair<std::size_t, std::string>> expected;
    for (const auto& c : candidates) {
      const std::size_t d = levenshtein(name, c);
      at_limit += d == limit;
      over_limit += d == limit + 1;
      const auto leaf = [](const std::string& s) {
        const auto slash = s.rfind('/');
        return slash == std::string::npos ? s : s.substr(slash + 1);
      };
      if (d <= limit) expected.emplace_back(d, c);
      else if (!leaf(name).empty() && leaf(c) == leaf(name)) expected.emplace_back(limit, c);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> want;
    for (std::size_t i = 0; i < expected.size() && i < 3; ++i) want.push_back(expected[i].second);
    EXPECT_EQ(close_matches(name, candidates, 3), want) << "name " << name;
  }
  EXPECT_GT(at_limit, 20u);    // both sides of the limit were exercised
  EXPECT_GT(over_limit, 20u);
}

// ---- arithmetic, bit tests, functions -------------------------------------------------------------------------
namespace {
Trace arith_trace() {
  Trace t;
  test::add(t, "bms/flags", SignalKind::kInteger, {{0, 0}});
  test::add(t, "bms/out/load", SignalKind::kDigital, {{0, 1}});
  test::add(t, "li/port_voltage_v", SignalKind::kAnalog, {{0, 13.0}}, "V");
  test::add(t, "alternator/port_voltage_v", SignalKind::kAnalog, {{0, 13.0}}, "V");
  test::add(t, "alternator/current_a", SignalKind::kAnalog, {{0, 0}}, "A");
  test::add(t, "x/ripple_mv", SignalKind::kAnalog, {{0, 0}});
  t.set_end_time(s(10));
  return t;
}
}  // namespace

TEST(ExprArithmetic, BitTestsWithBitAndAmpersand) {
  const Trace t = arith_trace();
  const auto r = resolver_for(t);
  Live live(t);
  const auto bit25 = Condition::parse("bit(bms/flags, 25)", r);
  const auto amp = Condition::parse("bms/flags & 0x2000000 != 0", r);
  const auto bare_amp = Condition::parse("bms/flags & 0x2000000", r);
  live.set("bms/flags", 0x2000000 | 0x1);
  EXPECT_TRUE(bit25.evaluate(live.fn()));
  EXPECT_TRUE(amp.evaluate(live.fn()));
  EXPECT_TRUE(bare_amp.evaluate(live.fn()));
  live.set("bms/flags", 0x4000000 | 0x1000000);  // the neighbouring bits only: a whole-value compare would differ too
  EXPECT_FALSE(bit25.evaluate(live.fn()));
  EXPECT_FALSE(amp.evaluate(live.fn()));
  EXPECT_FALSE(bare_amp.evaluate(live.fn()));
  // another flag added does not change the test of bit 25
  live.set("bms/flags", 0x2000000 | 0x8);
  EXPECT_TRUE(bit25.evaluate(live.fn()));
  EXPECT_THAT(parse_error("bit(alternator/current_a, 3)", r).detail(), HasSubstr("integer signal"));
  EXPECT_THAT(parse_error("bit(bms/flags, 60)", r).detail(), HasSubstr("a bit number 0..52"));
  EXPECT_THAT(parse_error("alternator/current_a & 4", r).detail(), HasSubstr("'&' tests bits of integer signals"));
}

// '&' reads its operands as integers: a written number must be a whole number within +-2^53 (both sides of the
// limit), and a signal value beyond that range, or unknown, has no bits (converting it was undefined behaviour; a
// fuzzer's find, kept in fuzz/regressions/expr/).
TEST(ExprArithmetic, AmpersandTakesWholeNumbersWithinTwoToThe53) {
  const Trace t = arith_trace();
  const auto r = resolver_for(t);
  Live live(t);
  EXPECT_NO_THROW(Condition::parse("bms/flags & 9007199254740992 != 0", r));
  EXPECT_NO_THROW(Condition::parse("bms/flags == (3 & 9007199254740992)", r));  // two numbers folded
  EXPECT_NO_THROW(Condition::parse("bms/flags & -9007199254740992 != 0", r));
  EXPECT_THAT(parse_error("bms/flags & 9007199254740994 != 0", r).detail(), HasSubstr("whole numbers within +-2^53"));
  EXPECT_THAT(parse_error("2 & 66666666666666666666666 == 1", r).detail(), HasSubstr("whole numbers within +-2^53"));
  EXPECT_THAT(parse_error("bms/flags & 2.5 == 2", r).detail(), HasSubstr("'2.5' is not one"));
  const auto amp = Condition::parse("bms/flags & 1 != 0", r);
  live.set("bms/flags", 1e300);
  EXPECT_FALSE(amp.evaluate(live.fn()));
  live.set("bms/flags", std::nan(""));
  EXPECT_FALSE(amp.evaluate(live.fn()));
  live.set("bms/flags", 3);
  EXPECT_TRUE(amp.evaluate(live.fn()));
}

TEST(ExprArithmetic, DifferencesBetweenSignalsWithUnits) {
  const Trace t = arith_trace();
  const auto r = resolver_for(t);
  Live live(t);
  // "LD = V_bat - 0.1 V" as a relative band
  const auto c = Condition::parse("alternator/port_voltage_v - li/port_voltage_v >= 100 mV", r);
  const auto bare = Condition::parse("alternator/port_voltage_v - li/port_voltage_v >= 0.1", r);  // in V
  live.set("li/port_voltage_v", 13.2);
  live.set("alternator/port_voltage_v", 13.3);
  EXPECT_TRUE(c.evaluate(live.fn()));
  EXPECT_TRUE(bare.evaluate(live.fn()));
  live.set("alternator/port_voltage_v", 13.29);
  EXPECT_FALSE(c.evaluate(live.fn()));
  EXPECT_FALSE(bare.evaluate(live.fn()));
  // scaling, parentheses, abs, min/max, unary minus, "a -0.1" as a subtraction
  live.set("alternator/port_voltage_v", 13.0);
  live.set("li/port_voltage_v", 14.0);
  EXPECT_TRUE(Condition::parse("abs(alternator/port_voltage_v - li/port_voltage_v) > 0.9 V", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("(li/port_voltage_v - alternator/port_voltage_v) * 2 == 2 V", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("li/port_voltage_v / 2 == 7", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("max(alternator/port_voltage_v, li/port_voltage_v) == 14 V", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("min(alternator/port_voltage_v, li/port_voltage_v) == 13 V", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("-alternator/port_voltage_v < -12 V", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("li/port_voltage_v -1 == 13", r).evaluate(live.fn()));
  EXPECT_TRUE(Condition::parse("li/port_voltage_v / alternator/port_voltage_v > 1.05", r).evaluate(live.fn()));
  // a product of volts and amperes is watts
  live.set("alternator/current_a", 10.0);
  EXPECT_TRUE(Condition::parse("alternator/port_voltage_v * alternator/current_a == 130 W", r).evaluate(live.fn()));
  // a parenthesised condition still works
  live.set("bms/out/load", 1);
  EXPECT_TRUE(Condition::parse("(li/port_voltage_v > 1 V) and (bms/out/load)", r).evaluate(live.fn()));
  // mV and V mix by dimension
  live.set("x/ripple_mv", 500);
  EXPECT_TRUE(Condition::parse("li/port_voltage_v + x/ripple_mv == 14.5 V", r).evaluate(live.fn()));
}

TEST(ExprArithmetic, UnitsAreChecked) {
  const Trace t = arith_trace();
  const auto r = resolver_for(t);
  EXPECT_THAT(parse_error("li/port_voltage_v - alternator/current_a > 0", r).detail(),
              HasSubstr("cannot be subtracted from"));
  EXPECT_THAT(parse_error("li/port_voltage_v - li/port_voltage_v > 2 A", r).detail(),
              HasSubstr("unit 'A' does not match"));
  EXPECT_THAT(parse_error("max(li/port_voltage_v, alternator/current_a) > 2 V", r).detail(), HasSubstr("(A)"));
  EXPECT_THAT(parse_error("li/port_voltage_v * alternator/current_a > 2 V", r).detail(), HasSubstr("(W)"));
  EXPECT_THAT(parse_error("li/port_voltage_v / 0 > 1", r).detail(), HasSubstr("division by zero"));
  // a hint when a signal name swallowed the operator
  EXPECT_THAT(parse_error("li/port_voltage_v/2 > 1", r).detail(), HasSubstr("put spaces around"));
}

TEST(ExprArithmetic, DigitalSignalAgainstANumberOtherThanZeroOrOne) {
  const Trace t = arith_trace();
  const auto r = resolver_for(t);
  const auto e = parse_error("bms/out/load == 5", r);
  EXPECT_THAT(e.detail(), HasSubstr("'bms/out/load' is a digital signal (0 or 1)"));
  EXPECT_EQ(e.column(), 17u);
  EXPECT_NO_THROW(Condition::parse("bms/out/load == 1", r));
  EXPECT_NO_THROW(Condition::parse("bms/out/load == high", r));
}

TEST(ExprArithmetic, ArithmeticOverATrace) {
  Trace t;
  test::add(t, "li/port_voltage_v", SignalKind::kAnalog, {{0, 13.0}, {5, 13.5}}, "V");
  test::add(t, "alternator/port_voltage_v", SignalKind::kAnalog, {{0, 13.05}, {2, 13.2}, {6, 13.55}}, "V");
  t.set_end_time(s(10));
  const auto c = Condition::parse("alternator/port_voltage_v - li/port_voltage_v >= 0.1 V", resolver_for(t));
  EXPECT_THAT(c.intervals(t), ElementsAre(Interval{s(2), s(5)}));
}

}  // namespace
}  // namespace rig::expr

#include "rig/utf8.hpp"

namespace rig {
namespace {

TEST(Utf8, WellFormedTextPassesAndTheFirstBadByteIsFound) {
  EXPECT_EQ(first_invalid_utf8("plain ASCII"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("25 °C, ≤ 30 s, 🔋"), std::nullopt);  // 2-, 3- and 4-byte sequences
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);                          // never a UTF-8 byte
  EXPECT_EQ(first_invalid_utf8("a\xc0\x80"), 1u);                       // overlong NUL
  EXPECT_EQ(first_invalid_utf8("a\xed\xa0\x80"), 1u);                   // a surrogate
  EXPECT_EQ(first_invalid_utf8("a\xf4\x90\x80\x80"), 1u);               // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("a\xf4\x8f\xbf\xbf"), std::nullopt);     // U+10FFFF itself
  EXPECT_EQ(first_invalid_utf8("ab\xc3"), 2u);                          // cut short at the end
  EXPECT_EQ(first_invalid_utf8("ab\xe2\x82x"), 2u);                     // a continuation byte missing
  EXPECT_EQ(line_column_of("ab\ncd\xff", 5), (std::pair<int, int>{2, 3}));
}

}  // namespace
}  // namespace rig
