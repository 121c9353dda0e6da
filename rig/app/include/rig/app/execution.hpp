// Loading, running and judging a set of cases, with the outputs of `bmsrig run`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rig/app/dut_registry.hpp"
#include "rig/app/shard.hpp"
#include "rig/result.hpp"

namespace rig::app {

struct HtmlOut {
  std::string path;          // --html
  std::string requirements;  // --requirements REQUIREMENTS.md (IDs for the traceability matrix)
  std::string observation_map;  // the observation map: coverage by observation in the matrix ("": by declaration)
  std::string history;          // --history DB: the section "Margin history" (a sparkline per check, flagged first)
  std::size_t history_last = 20;  // --history-last K: that many runs per check
};

struct Filters {
  std::vector<std::string> requirements;  // keep cases naming any of these IDs
  std::string name;                       // keep cases whose display name contains this
  std::vector<std::string> cases;         // keep only cases with one of these ids (history.hpp case_id)
};

// What one run of cases needs: the inputs, the Dut mode and the output files.
struct RunSpec {
  std::vector<std::string> inputs;
  std::string mode = "sil";
  DutConfig dut;
  int jobs = 1;
  std::string junit, json, trace_dir;
  bool wide_csv = false;  // with trace_dir: also <case>.wide.csv (one column per signal, units in the header)
  std::optional<std::uint64_t> seed;
  std::string command_line;
  Filters filters;
  HtmlOut html;
  std::string html_title = "bmsrig report";
  bool print_output_files = true;  // the closing "junit: …", "report: …" lines (certify prints its own)
  std::optional<Shard> shard;      // --shard K/N: only this part of the cases; shard.json beside `json`
  std::string shard_history;       // --shard-history DB: expected durations measured in past runs
};

// Set by SIGINT, SIGTERM, SIGHUP or SIGQUIT once execute() has installed its handlers: the running cases stop at
// their next tick and every Dut stops (a bench drives every channel to its safe state); a second signal ends the
// process at once.
std::atomic<bool>& stop_requested();

// Loads, runs and judges the cases, writes the requested outputs and prints the per-case lines and the summary.
// `run` receives the results (with in-memory traces). Returns the exit status of `bmsrig run`; `file_count`, if
// given, receives the number of scenario files loaded.
int execute(const RunSpec& spec, rig::report::RunResult& run, std::size_t* file_count = nullptr);

}  // namespace rig::app
