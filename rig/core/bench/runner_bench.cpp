// Simulation speed of the whole SIL loop (Google Benchmark): scenario timeline, plant, the firmware in process,
// recording of every catalogue signal and the checks, on real scenario files. The counter "sim_x" is the real-time
// factor (simulated seconds per wall second).
// Run: build/<dir>/rig/core/rig_core_bench   (one scenario: --benchmark_filter=FiveBatteries)
//   FiveBatteries  rig/core/bench/scenarios/five_batteries_discharge_then_charge.yaml: 5 batteries (20 cells),
//                  1 ms plant step, 2 h simulated — the speed reference of the README's table.
//   Soak24h        scenarios/soak/drive_cycle_24h.yaml: 2 batteries, 10 ms plant step, 24 h simulated.
//   SlowDischarge, CurrentLimit: two library scenarios (1 ms plant step).
#include <benchmark/benchmark.h>

#include "rig/in_process_dut.hpp"
#include "rig/runner.hpp"

namespace {

void run_file(benchmark::State& state, const std::string& file) {
  const auto sc = rig::scenario::load_file(std::string(BMSRIG_SOURCE_DIR) + "/" + file).at(0);
  double simulated = 0.0;
  for (auto _ : state) {
    rig::InProcessDut dut;
    const auto out = rig::run_scenario(sc, dut);
    if (out.verdict != rig::Verdict::kPass) state.SkipWithError("the scenario did not pass");
    simulated += rig::to_seconds(out.simulated);
    benchmark::DoNotOptimize(out.verdict);
  }
  state.counters["sim_x"] = benchmark::Counter(simulated, benchmark::Counter::kIsRate);
}

void BM_FiveBatteries(benchmark::State& s) { run_file(s, "rig/core/bench/scenarios/five_batteries_discharge_then_charge.yaml"); }
void BM_Soak24h(benchmark::State& s) { run_file(s, "scenarios/soak/drive_cycle_24h.yaml"); }
void BM_SlowDischarge(benchmark::State& s) { run_file(s, "scenarios/requirements/prealarm_lead_slow_discharge.yaml"); }
void BM_CurrentLimit(benchmark::State& s) { run_file(s, "scenarios/requirements/alternator_current_limit_fuses.yaml"); }
BENCHMARK(BM_FiveBatteries)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Soak24h)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_SlowDischarge)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CurrentLimit)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
