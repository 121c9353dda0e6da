// The result model of a run, shared by the runner/CLI (which fills it) and the writers (JUnit XML, JSON, HTML).
// A run is a list of test cases; a case is one scenario file × one matrix combination.
//
// Plain data; not thread-safe (the runner collects results from its workers and hands the finished RunResult to
// the writers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rig/checks.hpp"
#include "rig/trace.hpp"

namespace rig::report {

// HIL: how well the real-time loop kept its pace (lateness of each tick's wake-up) and what the OS granted.
struct LoopJitter {
  std::size_t ticks = 0;          // wake-ups measured
  double p50_us = 0.0, p99_us = 0.0, max_us = 0.0;
  bool sched_fifo = false;        // SCHED_FIFO granted
  bool mlockall = false;          // mlockall granted
  std::string realtime_status;    // e.g. "SCHED_FIFO refused (Operation not permitted); mlockall granted"
};

// HIL: a signal the bench measured (an instrument, an input line) and what the bench declares about it.
struct MeasuredSignal {
  std::string signal;
  double accuracy = 0.0;  // in the signal's unit
  double time_s = 0.0;    // timing uncertainty of its instants (reading period, timestamp resolution)
};

// What the device counted about its own health during the case (rig::Dut::health(); PIL: the board's own restarts,
// its overruns). A fault count above zero means the device misbehaved by itself, whatever the checks judged.
struct HealthCount {
  std::string name;
  std::uint64_t value = 0;
  bool fault_count = false;  // a count of faults (else a figure: ticks, the longest step)
  std::string meaning;
};

struct CaseResult {
  std::string scenario_file;     // path as given on the command line, e.g. "scenarios/requirements/ld2_lead.yaml"
  std::string scenario_sha256;   // hex SHA-256 of the scenario file's bytes ("" if unknown; see sha256.hpp)
  std::string name;              // the scenario's `name:`
  std::vector<std::pair<std::string, std::string>> parameters;  // matrix combination, e.g. {"fuse_a", "60"}
  std::vector<std::string> requirements;  // e.g. {"LD-2", "PA-3"}
  std::string mode;              // "sil", "pil", "hil"

  Verdict verdict = Verdict::kError;
  std::string error;             // why the case could not be judged (verdict kError), e.g. a DutError text
  bool completed = true;         // false: the run was stopped (Ctrl-C) before the scenario ended
  std::vector<checks::CheckResult> checks;

  double simulated_s = 0.0;      // simulated (virtual) duration of the run
  double wall_s = 0.0;           // wall-clock duration
  std::vector<std::string> trace_files;  // written trace files (CSV, VCD)
  std::optional<LoopJitter> loop_jitter;  // HIL only (JSON "loop_jitter", JUnit properties hil.loop.*)
  // HIL only: the measured signals (JSON "measured"); the JSON writer derives each check's "uncertainty" from them.
  std::vector<MeasuredSignal> measured;
  std::vector<HealthCount> health;  // JSON "dut_health", JUnit properties dut.*; empty when the Dut keeps none
  // The fault counts above zero, e.g. "board_resets = 1 (restarts the board did by itself ...)"; empty when none.
  std::vector<std::string> health_faults() const;

  // The recorded trace, for the HTML waveforms (not serialised). If null, the HTML writer reads the first
  // ".csv" of trace_files (read_trace_csv) when it exists; otherwise the case is shown without waveforms.
  std::shared_ptr<const Trace> trace;

  // "name [fuse_a=60, soc=0.1]" (just the name without parameters).
  std::string display_name() const;
  // The scenario folder as a JUnit classname: "scenarios/requirements/x.yaml" → "scenarios.requirements"
  // ("scenarios" if the file has no folder).
  std::string classname() const;
};

struct RunResult {
  std::string firmware_version;  // rig::FirmwareInfo::version
  std::string firmware_hash;     // rig::FirmwareInfo::build_hash
  std::string firmware_target;   // rig::FirmwareInfo::target
  std::string mode;              // "sil", "pil", "hil"
  std::string host;              // host name
  std::string date;              // ISO 8601 UTC start of the run, e.g. "2026-11-29T05:14:01Z"
  std::string rig_version;       // e.g. "0.1.0+abc123def456"
  std::string command_line;      // how the run was started (optional)
  double wall_s = 0.0;           // the whole run
  bool interrupted = false;      // stopped early (Ctrl-C): writers mark the output incomplete
  std::vector<CaseResult> cases;

  struct Counts {
    std::size_t total = 0, passed = 0, failed = 0, errors = 0, incomplete = 0;
    std::size_t inconclusive = 0;  // cases whose worst check was inconclusive (not passed, not failed)
  };
  Counts counts() const;
  Verdict verdict() const;  // error > fail > inconclusive > pass over all cases; an interrupted run is at least kError
};

// Helpers for the CLI: the current host name, and the current UTC time as ISO 8601 ("...Z").
std::string host_name();
std::string utc_now_iso8601();

}  // namespace rig::report
