// Throughput of the expression language and the checks on long traces (run: build/<dir>/rig/checks/rig_checks_bench).
#include <benchmark/benchmark.h>

#include "rig/checks.hpp"

namespace {

// A 24 h-like trace: `n` changes of a cell voltage and a current, a digital output toggling every 1000 changes.
rig::Trace long_trace(std::int64_t n) {
  rig::Trace t;
  const auto v = t.add_signal({"bank/battery[0]/cell[0]/voltage_v", "V", rig::SignalKind::kAnalog, 0.0});
  const auto a = t.add_signal({"alternator/current_a", "A", rig::SignalKind::kAnalog, 0.0});
  const auto d = t.add_signal({"bms/out/load", "", rig::SignalKind::kDigital, 0.0});
  for (std::int64_t i = 0; i < n; ++i) {
    const rig::Time at{i * 10'000'000};  // every 10 ms
    t.append_raw(v, {at, 3.2 + 0.2 * static_cast<double>((i * 7919) % 1000) / 1000.0});
    t.append_raw(a, {at, static_cast<double>((i * 104729) % 1000) / 10.0 - 1.0});
    if (i % 1000 == 0) t.append_raw(d, {at, static_cast<double>((i / 1000) % 2)});
  }
  t.set_end_time(rig::Time{n * 10'000'000});
  return t;
}

void BM_ConditionIntervals(benchmark::State& state) {
  const auto t = long_trace(state.range(0));
  const auto c = rig::expr::Condition::parse(
      "bank/battery[0]/cell[0]/voltage_v < 3.3 V and (alternator/current_a > 50 or not bms/out/load)",
      rig::expr::resolver_for(t));
  for (auto _ : state) benchmark::DoNotOptimize(c.intervals(t));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_ConditionIntervals)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_NeverCheckWithMargin(benchmark::State& state) {
  const auto t = long_trace(state.range(0));
  const rig::checks::CheckSpec spec{
      "", "", rig::checks::Never{rig::expr::Condition::parse("alternator/current_a < -0.1", rig::expr::resolver_for(t))}, {}};
  for (auto _ : state) benchmark::DoNotOptimize(rig::checks::evaluate(spec, t));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_NeverCheckWithMargin)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_LiveEvaluate(benchmark::State& state) {
  const auto t = long_trace(10);
  const auto c = rig::expr::Condition::parse("bms/out/load == high and alternator/current_a < -0.1",
                                             rig::expr::resolver_for(t));
  double x = 0;
  const rig::expr::ValueFn fn = [&x](rig::SignalId id) -> std::optional<double> { return id == 2 ? 1.0 : x; };
  for (auto _ : state) {
    x = -x - 0.2;
    benchmark::DoNotOptimize(c.evaluate(fn));
  }
}
BENCHMARK(BM_LiveEvaluate);

}  // namespace
