// Cost of one fw::Bms::step (budget ≤ 2 µs on the build machine).
//   cmake --build build/<dir> --target fw_core_bench && build/<dir>/firmware/bench/fw_core_bench
#include <benchmark/benchmark.h>

#include <cstdint>

#include "fw/bms.hpp"

namespace {

fw::Inputs healthy_inputs() {
  fw::Inputs in;
  for (int i = 0; i < fw::kMaxCells; ++i) {
    in.cell_mv[i] = 3300 + (i % 7);
    in.cell_temp_dc[i] = static_cast<std::int16_t>(250 + (i % 3));
  }
  in.alt_port_mv = 14000;
  in.li_port_mv = 13300;
  in.alt_current_ma = 45000;
  in.heatsink_temp_dc = 600;
  in.remote_h_mv = 12000;
  in.remote_l_mv = 12000;
  return in;
}

// 20 cells (5 batteries), cell mode, alternator path regulating: the full per-tick work.
void BM_StepCellMode20Cells(benchmark::State& state) {
  fw::Config config;
  config.battery_count = fw::kMaxBatteries;
  fw::Bms bms;
  if (bms.configure(config) != fw::ConfigError::kOk) state.SkipWithError("configure");
  fw::Inputs in = healthy_inputs();
  fw::Millis now = 0;
  for (int i = 0; i < 500; ++i) bms.step(in, now += fw::kTickMs);  // past start-up
  std::int32_t wobble = 0;
  for (auto _ : state) {
    in.cell_mv[7] = 3290 + (wobble & 15);  // vary an input so nothing is hoisted
    in.alt_port_mv = 13990 + (wobble & 31);
    ++wobble;
    fw::Outputs out = bms.step(in, now += fw::kTickMs);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_StepCellMode20Cells);

// Battery-signal mode, 5 batteries.
void BM_StepSignalMode5Batteries(benchmark::State& state) {
  fw::Config config;
  config.input_mode = fw::InputMode::kBatterySignals;
  config.battery_count = fw::kMaxBatteries;
  fw::Bms bms;
  if (bms.configure(config) != fw::ConfigError::kOk) state.SkipWithError("configure");
  fw::Inputs in = healthy_inputs();
  fw::Millis now = 0;
  for (int i = 0; i < 500; ++i) bms.step(in, now += fw::kTickMs);
  std::int32_t wobble = 0;
  for (auto _ : state) {
    in.battery[3].prealarm = (wobble & 1023) == 0;
    in.alt_port_mv = 13990 + (wobble & 31);
    ++wobble;
    fw::Outputs out = bms.step(in, now += fw::kTickMs);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_StepSignalMode5Batteries);

}  // namespace
