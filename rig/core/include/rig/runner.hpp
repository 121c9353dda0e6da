// The lockstep run loop (ARCHITECTURE.md "one tick, in order") on virtual time, for SIL and PIL Duts.
//
// Every firmware tick t (a multiple of fw::kTickMs):
//   1. tick-rate signals (cells, SOC, temperatures) are sampled at t and recorded;
//   2. the timeline fires every entry due at t (`when:` conditions see the values recorded up to t);
//   3. the plant's sensor values at the board's terminals (sample_board(), SI) go to the Dut, which turns them into
//      what its board sees (the in-process and QEMU boards: their ADC model, adc_sample());
//   4. the Dut steps (now = t in ms) and returns fw::Outputs, recorded at t (bms/*);
//      (a Dut that timestamps its own outputs — HIL, Dut::drain_output_edges() — has bms/out/{load,charge,
//      prealarm} recorded at those instants instead);
//   5. the plant applies the outputs and integrates to t + tick in plant steps (default 1 ms); ramps are updated
//      before every plant step and fast electrical signals are recorded after every plant step.
// Signals are recorded only when they change (by their resolution, signals.hpp), so long runs stay small.
// Deterministic: same scenario (and seed) → the same trace, bit for bit; nothing reads a clock except the wall-time
// figure in RunOutput.
//
// Batched Duts (preferred_batch() > 1, e.g. PIL over a link): the loop speculates. It copies the whole simulation
// state (the plant::World is a value type), runs up to N ticks ahead assuming the previous outputs stay unchanged,
// hands the N input samples to step_ticks(), and then replays, for real and recording, exactly the ticks the Dut
// executed with the outputs it returned. The Dut stops after the first tick whose outputs differ from the assumed
// ones, so every input it received was computed from the right history: the trace is identical to single-tick
// stepping (tested with a batching wrapper around InProcessDut).
//
// Thread safety: run_scenario() may run concurrently on different Scenario/Dut pairs (a Scenario is shared
// read-only).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fw/io.hpp"
#include "plant/world.hpp"
#include "rig/checks.hpp"
#include "rig/dut.hpp"
#include "rig/scenario.hpp"
#include "rig/trace.hpp"
#include "rig/uncertainty.hpp"

namespace rig {

// What the plant presents at the board's terminals and sense inputs, in SI units (the Dut seam's sample).
BoardSample sample_board(const plant::World& world);
// That sample through the in-process board's ADC model (adc_sample(): truncating, 1 mV, 10 mA, 0.1 °C): what the
// firmware reads in SIL and PIL.
fw::Inputs sample_inputs(const plant::World& world);

struct RunOptions {
  const std::atomic<bool>* stop = nullptr;  // when it becomes true the run stops at the next tick (incomplete)
  // Called about every `progress_every` of simulated time with (now, max_duration); may be empty.
  std::function<void(Time now, Time total)> progress;
  Time progress_every{std::chrono::seconds(60)};
};

struct FiredEntry {
  Time t{0};
  std::string what;  // "timeline[2] (label) at file:line"
};

struct RunOutput {
  std::shared_ptr<Trace> trace;
  std::vector<checks::CheckResult> checks;
  Verdict verdict = Verdict::kError;
  bool completed = false;      // false: stopped (RunOptions::stop) before the scenario ended
  std::string error;           // non-empty: the run could not be judged (plant refused an action, DutError)
  Time simulated{0};
  double wall_s = 0.0;
  std::vector<FiredEntry> fired;  // timeline entries as they fired
  std::optional<LoopReport> loop; // HIL: the Dut's pacing jitter and real-time status (Dut::loop_report())
  // HIL: every recorded signal the Dut measured or timestamped itself, with what it declares (Dut::uncertainty()).
  std::vector<std::pair<std::string, SignalUncertainty>> measured;
};

// Builds the world, starts the Dut with the scenario's firmware config, runs to the end and judges the checks.
// Never throws for scenario or Dut problems: they become RunOutput::error with verdict kError.
RunOutput run_scenario(const scenario::Scenario& scenario, Dut& dut, const RunOptions& options = {});

// The accuracy of each signal a run of `scenario` on `dut` records (rig/uncertainty.hpp): SIL/PIL from the
// registry's resolution and sample period, HIL from the bench's declared accuracy plus its loop period. Holds
// references to both.
checks::AccuracyFn signal_accuracy(const scenario::Scenario& scenario, const Dut& dut);

// The initial plant::World of a scenario (params, cell temperatures, ambient).
plant::World make_world(const scenario::Scenario& scenario);

}  // namespace rig
