// Google Benchmark: one plant::World step. Budget: <= 1 µs for 5 batteries (20 cells) with
// alternator, starter battery and loads. Run: build/<dir>/plant_models/bench/plant_bench
#include <benchmark/benchmark.h>

#include "plant/world.hpp"

namespace {

plant::World make_world(int batteries) {
  plant::WorldParams p;
  plant::BatteryParams b;
  b.initial_soc = 0.5;
  p.bank.batteries.assign(static_cast<std::size_t>(batteries), b);
  p.bank.spread = {0.02, 0.10, 0.02, 7};
  p.engine_rpm = 2000;
  p.loads[0].current_a = 20.0;
  p.loads[0].power_w = 150.0;
  p.loads[1].current_a = 10.0;
  plant::World w(p);
  w.set_command(true, 90.0);
  w.set_pins(true, true, false);
  w.set_vehicle_load_a(10.0);
  return w;
}

void BM_WorldStep(benchmark::State& state) {
  auto w = make_world(static_cast<int>(state.range(0)));
  const double dt = 1e-3 * static_cast<double>(state.range(1));
  for (auto _ : state) {
    w.step(dt);
    benchmark::DoNotOptimize(w.li_port_v());
  }
  state.counters["cells"] = static_cast<double>(4 * state.range(0));
}
// args: batteries, dt in ms
BENCHMARK(BM_WorldStep)->Args({5, 1})->Args({5, 10})->Args({1, 1});

// Engine cranking and a load dump in progress (extra elements on the alternator node).
void BM_WorldStepCrankAndDump(benchmark::State& state) {
  auto w = make_world(5);
  for (auto _ : state) {
    state.PauseTiming();
    w.start_crank();
    w.start_load_dump(plant::LoadDumpParams{});
    state.ResumeTiming();
    for (int i = 0; i < 100; ++i) w.step(1e-3);
    benchmark::DoNotOptimize(w.alt_port_v());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_WorldStepCrankAndDump);

// Checkpoint cost (the PIL runner rolls back by copying).
void BM_WorldCopy(benchmark::State& state) {
  const auto w = make_world(5);
  for (auto _ : state) {
    plant::World c = w;
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_WorldCopy);

}  // namespace
