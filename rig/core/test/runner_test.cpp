// The run loop: determinism bit for bit, batched (speculative) stepping identical to single ticks, timeline
// semantics, and "recorded only when changed".
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "rig/runner.hpp"
#include "test_duts.hpp"

namespace {

const std::string kDir = std::string(BMSRIG_SOURCE_DIR) + "/scenarios/requirements/";

rig::scenario::Scenario load(const std::string& file, std::size_t index = 0, std::optional<std::uint64_t> seed = {}) {
  rig::scenario::LoadOptions opt;
  opt.seed = seed;
  return rig::scenario::load_file(kDir + file, opt).at(index);
}

// True when both traces hold the same signals with bit-identical samples.
bool identical(const rig::Trace& a, const rig::Trace& b, std::string* why) {
  if (a.signal_count() != b.signal_count()) return *why = "signal count", false;
  if (a.end_time() != b.end_time()) return *why = "end time", false;
  for (rig::SignalId i = 0; i < a.signal_count(); ++i) {
    const auto& x = a.samples(i);
    const auto& y = b.samples(i);
    if (a.info(i).name != b.info(i).name) return *why = "name " + a.info(i).name, false;
    if (x.size() != y.size()) return *why = "sample count of " + a.info(i).name, false;
    for (std::size_t k = 0; k < x.size(); ++k)
      if (x[k].t != y[k].t || std::memcmp(&x[k].value, &y[k].value, sizeof(double)) != 0)
        return *why = "sample " + std::to_string(k) + " of " + a.info(i).name, false;
  }
  return true;
}

std::size_t total_samples(const rig::Trace& t) {
  std::size_t n = 0;
  for (rig::SignalId i = 0; i < t.signal_count(); ++i) n += t.samples(i).size();
  return n;
}

}  // namespace

TEST(Runner, SameScenarioSameSeedGivesABitIdenticalTrace) {
  const auto sc = load("prealarm_lead_fast_cell_collapse.yaml");
  rig::InProcessDut d1, d2;
  const auto r1 = rig::run_scenario(sc, d1);
  const auto r2 = rig::run_scenario(sc, d2);
  ASSERT_TRUE(r1.error.empty()) << r1.error;
  std::string why;
  EXPECT_TRUE(identical(*r1.trace, *r2.trace, &why)) << why;
  EXPECT_EQ(r1.verdict, rig::Verdict::kPass);
}

TEST(Runner, AnotherSeedGivesAnotherTrace) {
  rig::InProcessDut d1, d2;
  const auto r1 = rig::run_scenario(load("prealarm_lead_fast_cell_collapse.yaml", 0, 1), d1);
  const auto r2 = rig::run_scenario(load("prealarm_lead_fast_cell_collapse.yaml", 0, 2), d2);
  std::string why;
  EXPECT_FALSE(identical(*r1.trace, *r2.trace, &why));
}

TEST(Runner, BatchedSpeculativeSteppingGivesTheSameTraceAsSingleTicks) {
  const auto sc = load("prealarm_lead_fast_cell_collapse.yaml");
  rig::test::BatchingDut single(1);  // the same Dut one tick at a time (VE.Direct telemetry is not recorded from either)
  rig::test::BatchingDut batched(16);
  const auto r1 = rig::run_scenario(sc, single);
  const auto r2 = rig::run_scenario(sc, batched);
  ASSERT_TRUE(r2.error.empty()) << "error: " << r2.error;
  std::string why;
  EXPECT_TRUE(identical(*r1.trace, *r2.trace, &why)) << why;
  // Batching did happen: far fewer calls than ticks.
  EXPECT_LT(batched.calls() * 4, batched.ticks());
  EXPECT_EQ(r2.verdict, rig::Verdict::kPass);
}

// A VE.Direct request goes out between the same two firmware steps whether the Dut batches ticks or not: one from
// the timeline before the step of its tick (that tick runs on its own), one from a `when:` after the step of the
// tick its condition became true at (the batch ends with that tick).
TEST(Runner, VeDirectRequestsReachABatchingDutBetweenTheSameSteps) {
  const auto cases = rig::scenario::load_text(R"(
name: requests between steps
bank: { batteries: 1, soc: 0.5, temperature_c: 20 }
timeline:
  - at: 2.5 s
    vedirect: { get: 0x2100 }
  - when: bms/out/load == high
    vedirect: { set: 0x2183, value: 3150 }
  - at: 4 s
    end: true
expect:
  - always: bms/out/charge == high
    from: 2 s
)", "inline.yaml");
  ASSERT_EQ(cases.size(), 1u);
  // Where each request falls: the first_now of the step before and after it (single ticks: the exact instants).
  auto around = [](const std::vector<std::string>& log) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < log.size(); ++i) {
      if (log[i].rfind("request", 0) != 0) continue;
      std::string before = i > 0 ? log[i - 1] : "-", after = i + 1 < log.size() ? log[i + 1] : "-";
      // "step <first_now> <n>": the last tick executed before, the first tick after
      const auto last_tick = [](const std::string& st) {
        const auto a = st.find(' '), b = st.rfind(' ');
        return std::stoul(st.substr(a + 1, b - a - 1)) + (std::stoul(st.substr(b + 1)) - 1) * fw::kTickMs;
      };
      const auto first_tick = [](const std::string& st) { return std::stoul(st.substr(5, st.rfind(' ') - 5)); };
      out.push_back(log[i] + " after tick " + std::to_string(last_tick(before)) + " before tick " +
                    std::to_string(first_tick(after)));
    }
    return out;
  };
  rig::test::LoggingDut single(1), batched(16);
  const auto r1 = rig::run_scenario(cases[0], single);
  const auto r2 = rig::run_scenario(cases[0], batched);
  ASSERT_TRUE(r1.error.empty()) << r1.error;
  ASSERT_TRUE(r2.error.empty()) << r2.error;
  const auto a = around(single.log()), b = around(batched.log());
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a, b);
  // the `when:` set: LD goes high at 1 s (start-up), the request follows that tick's step
  EXPECT_NE(a[0].find("request :88321"), std::string::npos) << a[0];
  EXPECT_NE(a[0].find("after tick 1000 before tick 1010"), std::string::npos) << a[0];
  // the timeline's get at 2.5 s: before that tick's step
  EXPECT_NE(a[1].find("request :7002100"), std::string::npos) << a[1];
  EXPECT_NE(a[1].find("after tick 2490 before tick 2500"), std::string::npos) << a[1];
  EXPECT_LT(batched.log().size() * 4, single.log().size());  // batching did happen
  EXPECT_EQ(r1.verdict, r2.verdict);
}

// A `when:` on a signal the Dut observes (known only after the step) cannot be speculated: the run steps one tick
// at a time even on a batching Dut.
TEST(Runner, WhenOnAVeDirectSignalStepsOneTickAtATime) {
  const auto cases = rig::scenario::load_text(R"(
name: when on VE.Direct
bank: { batteries: 1, soc: 0.5, temperature_c: 20 }
timeline:
  - when: vedirect/text/blocks >= 2
    vedirect: { get: 0x2100 }
  - at: 3 s
    end: true
expect:
  - always: bms/out/charge == high
    from: 2 s
)", "inline.yaml");
  rig::test::LoggingDut batched(16);
  const auto r = rig::run_scenario(cases.at(0), batched);
  ASSERT_TRUE(r.error.empty()) << r.error;
  std::size_t steps = 0;
  for (const auto& l : batched.log()) {
    if (l.rfind("step ", 0) != 0) continue;
    ++steps;
    EXPECT_EQ(l.substr(l.rfind(' ')), " 1") << l;
  }
  EXPECT_EQ(steps, 300u);
  // the `when:` fired (2 blocks: at 2 s) and its request went out
  EXPECT_NE(std::find(batched.log().begin(), batched.log().end(), "request :70021002D\n"), batched.log().end());
}

TEST(Runner, RecordsOnlyChanges) {
  const auto sc = load("alternator_current_limit_fuses.yaml");
  rig::InProcessDut dut;
  const auto r = rig::run_scenario(sc, dut);
  const double ticks = rig::to_seconds(r.trace->end_time()) * 100.0;
  // ~130 signals × 6500 ticks would be ~850 000 samples if everything were stored every tick.
  EXPECT_LT(static_cast<double>(total_samples(*r.trace)), ticks * 5.0);
  const auto load = r.trace->find("bms/out/load");
  ASSERT_TRUE(load);
  EXPECT_LE(r.trace->samples(*load).size(), 3u);
}

TEST(Runner, EndEntryStopsTheRunAndFiredEntriesAreListed) {
  const auto sc = load("ld3_collapse_without_prealarm.yaml");
  rig::InProcessDut dut;
  const auto r = rig::run_scenario(sc, dut);
  EXPECT_EQ(r.trace->end_time(), std::chrono::minutes(3));
  ASSERT_GE(r.fired.size(), 2u);  // the `end` at 3 min coincides with the run's end
  EXPECT_EQ(r.fired[1].t, std::chrono::seconds(60));
  EXPECT_NE(r.fired[1].what.find("weak cell collapses"), std::string::npos);
}

TEST(Runner, StopFlagEndsTheRunIncomplete) {
  const auto sc = load("prealarm_lead_slow_discharge.yaml");
  rig::InProcessDut dut;
  std::atomic<bool> stop{true};
  rig::RunOptions opt;
  opt.stop = &stop;
  const auto r = rig::run_scenario(sc, dut, opt);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.trace->end_time(), rig::Time{0});
}

TEST(Runner, SampleInputsTruncatesLikeAnAdc) {
  plant::WorldParams p;
  plant::World w(p);
  const auto in = rig::sample_inputs(w);
  EXPECT_EQ(in.cell_mv[0], static_cast<std::int32_t>(std::floor(w.cell_voltage_v(0, 0) * 1000.0)));
  EXPECT_EQ(in.alt_current_ma % 10, 0);
  EXPECT_EQ(in.cell_mv[4], 0);  // battery 1 does not exist
}

// bms/in/min_cell_v and max_cell_v are the lowest and highest cell as the firmware reads them: the ADC's extremes,
// in volts. The registry takes the ADC of the extreme cell (one truncation), which must be the same number.
TEST(Runner, FirmwareCellExtremesAreTheAdcExtremes) {
  plant::WorldParams p;
  p.bank.batteries.assign(3, plant::BatteryParams{});
  p.bank.spread = {0.02, 0.1, 0.02, 5};
  p.sensors = plant::SensorParams::realistic(11);   // noisy readings: cells a fraction of a millivolt apart
  p.loads[0].current_a = 50.0;
  plant::World w(p);
  const auto lo = rig::scenario::resolve("bms/in/min_cell_v", 3, static_cast<int>(p.loads.size()));
  const auto hi = rig::scenario::resolve("bms/in/max_cell_v", 3, static_cast<int>(p.loads.size()));
  ASSERT_TRUE(lo && hi);
  const fw::Outputs none{};
  int distinct = 0;
  for (int k = 0; k < 500; ++k) {
    w.step(1e-2);
    const auto in = rig::sample_inputs(w);
    const auto [mn, mx] = std::minmax_element(in.cell_mv, in.cell_mv + 12);
    ASSERT_EQ(lo->def->read(w, none, lo->a, lo->b), *mn / 1000.0) << "step " << k;
    ASSERT_EQ(hi->def->read(w, none, hi->a, hi->b), *mx / 1000.0) << "step " << k;
    distinct += *mn != *mx;
  }
  EXPECT_GT(distinct, 400);   // the extremes were different cells, not one value
}

TEST(Runner, BatchedSteppingStaysIdenticalAcrossFirmwareResetsRampsAndRepeats) {
  const std::string text = R"(name: resets under batching
duration: 90 s
bank: { batteries: 2, soc: 0.4 }
loads: [{ current_a: 5 A, switched_by: ld }]
timeline:
  - at: 2 s
    ramp: { engine_rpm: { to: 2000, over: 3 s } }
  - at: 20 s
    repeat: { every: 25 s, count: 2 }
    fault: { firmware_reset: true }
  - when: fall(bms/out/load)
    after: 130 ms
    set: { vehicle_load_a: 10 A }
  - after: 7 s
    fault: { weak_cell: { battery: 1, cell: 0, drop_v: 0.7 } }
expect:
  - never: alternator/current_a < -0.1
)";
  const auto sc = rig::scenario::load_text(text, "r.yaml").at(0);
  rig::test::BatchingDut single(1);
  rig::test::BatchingDut batched(32);
  const auto r1 = rig::run_scenario(sc, single);
  const auto r2 = rig::run_scenario(sc, batched);
  ASSERT_TRUE(r1.error.empty()) << r1.error;
  ASSERT_TRUE(r2.error.empty()) << r2.error;
  std::string why;
  EXPECT_TRUE(identical(*r1.trace, *r2.trace, &why)) << why;
  // The resets really happened: LD fell at each (start-up floats the outputs again).
  const auto ld = r1.trace->find("bms/out/load");
  ASSERT_TRUE(ld);
  int falls = 0;
  const auto& s = r1.trace->samples(*ld);
  for (std::size_t i = 1; i < s.size(); ++i) falls += (s[i - 1].value == 1.0 && s[i].value == 0.0);
  EXPECT_GE(falls, 2);
  EXPECT_EQ(r1.fired.size(), r2.fired.size());
}

// ---- exact instants ---------------------------------------------------------------------------------------------

namespace {

// A stuck cell-voltage reading set at 70 s to 1 mV under the 2.80 V threshold (as CELL-1's library scenario does).
const std::string kUnderVoltage = R"(name: exact instants
include: ../fragments/standard_bank.yaml
timeline:
  - at: 10 s
    fault: { cell_voltage_sensor: { battery: 0, cell: 1, kind: stuck, hold_current: false, value_v: 2.8005 V } }
  - at: 70 s
    fault: { cell_voltage_sensor: { battery: 0, cell: 1, kind: stuck, hold_current: false, value_v: 2.7995 V } }
  - when: fall(bms/atd)
    label: at once
    set: { env/ambient_c: 26 }
  - when: fall(bms/atd)
    after: 8 s
    label: eight seconds later
    set: { env/ambient_c: 27 }
  - at: 100 s
    end: true
expect:
  - lead: { first: rise(bms/in/min_cell_v < 2.8 V), then: fall(bms/atd), at_least: 2 s, at_most: 2 s }
)";

rig::scenario::Scenario from_text(const std::string& text) {
  return rig::scenario::load_text(text, kDir + "exact_instants.yaml").at(0);
}

std::optional<rig::Time> first_time(const rig::Trace& t, const std::string& event) {
  return rig::expr::Event::parse(event, rig::expr::resolver_for(t)).first(t, rig::Time{0}, rig::Time::max());
}

}  // namespace

// An input set by the timeline at t is in the trace at t — the instant the firmware first samples it — so a lead
// from the reading to the firmware's reaction measures the firmware's 2.000 s, not 1.990 s.
TEST(RunnerInstants, InputsAreRecordedAtTheInstantTheFirmwareSamplesThem) {
  rig::InProcessDut dut;
  const auto r = rig::run_scenario(from_text(kUnderVoltage), dut);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const auto under = first_time(*r.trace, "rise(bms/in/min_cell_v < 2.8 V)");
  ASSERT_TRUE(under);
  EXPECT_EQ(*under, rig::from_seconds(70.0));  // not 70.010 s
  EXPECT_EQ(*first_time(*r.trace, "fall(bms/atd)"), rig::from_seconds(72.0));
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_EQ(r.checks[0].verdict, rig::Verdict::kPass) << r.checks[0].message;
  EXPECT_DOUBLE_EQ(*r.checks[0].measured, 2.0);
}

// A `when:` acts in the tick its condition became true: with no delay at that instant, with `after: 8 s` exactly 8 s
// later (not one tick late).
TEST(RunnerInstants, WhenActsInTheTickItsConditionBecameTrue) {
  rig::InProcessDut dut;
  const auto r = rig::run_scenario(from_text(kUnderVoltage), dut);
  ASSERT_TRUE(r.error.empty()) << r.error;
  std::optional<rig::Time> at_once, later;
  for (const auto& f : r.fired) {
    if (f.what.find("(at once)") != std::string::npos) at_once = f.t;
    if (f.what.find("(eight seconds later)") != std::string::npos) later = f.t;
  }
  ASSERT_TRUE(at_once && later);
  EXPECT_EQ(*at_once, rig::from_seconds(72.0));
  EXPECT_EQ(*later, rig::from_seconds(80.0));  // not 80.010 s
  // what they set is in the trace at the instant the firmware samples it: the next tick for the immediate one
  // (the firmware had already stepped at 72.000 s), 80.000 s for the delayed one
  EXPECT_EQ(*first_time(*r.trace, "rise(env/ambient_c > 25.5 degC)"), rig::from_seconds(72.01));
  EXPECT_EQ(*first_time(*r.trace, "rise(env/ambient_c > 26.5 degC)"), rig::from_seconds(80.0));
}

// A slowly moving analog signal, recorded with a resolution (0.01 °C) coarser than its change per tick (0.001 °C):
// an event on it is recorded at the very tick its condition changed, not when the dead band next moved.
TEST(RunnerInstants, AnalogEventInstantsAreExactToOneSample) {
  const std::string text = R"(name: slow ramp
include: ../fragments/standard_bank.yaml
timeline:
  - at: 0 s
    ramp: { env/ambient_c: { from: 20, to: 30, over: 100 s } }
  - at: 60 s
    end: true
expect:
  - eventually: { that: env/ambient_c > 25.0045 degC, within: 60 s }
)";
  rig::InProcessDut dut;
  const auto r = rig::run_scenario(from_text(text), dut);
  ASSERT_TRUE(r.error.empty()) << r.error;
  // 20 + 0.1 °C/s · t > 25.0045 from t = 50.045 s: the first tick after is 50.050 s
  const auto t = first_time(*r.trace, "rise(env/ambient_c > 25.0045 degC)");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, rig::from_seconds(50.05));
  // a threshold no check watches lags by up to the resolution's 0.1 s (here: recorded at 25.01 °C, 50.100 s)
  const auto unwatched = first_time(*r.trace, "rise(env/ambient_c > 25.0055 degC)");
  ASSERT_TRUE(unwatched);
  EXPECT_GT(*unwatched, rig::from_seconds(50.06));
}
