#include <benchmark/benchmark.h>

#include "plant/world.hpp"

static void BM_WorldStep5Batteries(benchmark::State& state) {
  plant::WorldParams p;
  p.bank.batteries.assign(5, plant::BatteryParams{});
  p.engine_rpm = 2000;
  plant::World w(p);
  w.set_command(true, 90.0);
  w.set_load_current_a(0, 20.0);
  w.set_vehicle_load_a(10.0);
  for (auto _ : state) {
    w.step(1e-3);
    benchmark::DoNotOptimize(w.li_port_v());
  }
}
BENCHMARK(BM_WorldStep5Batteries);
