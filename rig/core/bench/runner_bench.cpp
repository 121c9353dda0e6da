// Simulation speed of the SIL run loop (Google Benchmark): simulated seconds per wall second on library scenarios.
// Run: build/<dir>/rig/core/rig_core_bench   (the counter "sim_x" is the real-time factor; budget ≥ 1000).
#include <benchmark/benchmark.h>

#include "rig/in_process_dut.hpp"
#include "rig/runner.hpp"

namespace {

void run_file(benchmark::State& state, const char* file) {
  const auto sc = rig::scenario::load_file(std::string(BMSRIG_SOURCE_DIR) + "/scenarios/requirements/" + file).at(0);
  double simulated = 0.0;
  for (auto _ : state) {
    rig::InProcessDut dut;
    const auto out = rig::run_scenario(sc, dut);
    simulated += rig::to_seconds(out.simulated);
    benchmark::DoNotOptimize(out.verdict);
  }
  state.counters["sim_x"] = benchmark::Counter(simulated, benchmark::Counter::kIsRate);
}

void BM_SlowDischarge(benchmark::State& s) { run_file(s, "prealarm_lead_slow_discharge.yaml"); }
void BM_CurrentLimit(benchmark::State& s) { run_file(s, "alternator_current_limit_fuses.yaml"); }
BENCHMARK(BM_SlowDischarge)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CurrentLimit)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
