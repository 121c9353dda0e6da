// The margin history: every run's verdicts and margins in an SQLite database, and the trend over the last runs.
//
// Schema (PRAGMA user_version = 1; journal_mode WAL, so readers never block the nightly's writer):
//   runs(id, results_sha256 UNIQUE, date, added, mode, host, firmware_version, firmware_hash, firmware_target,
//        rig_version, complete, verdict)
//   cases(run_id, case_id, scenario_file, scenario_sha256, name, verdict, wall_s, simulated_s)
//   checks(run_id, case_id, check_name, kind, verdict, margin, unit, uncertainty, measured, limit_text)
// A check's row is keyed by run (mode, firmware identity, rig version), case id (scenario file and matrix
// combination, with the scenario's SHA-256 beside it) and check name. `uncertainty` is what the run can resolve on
// that margin (bmsrig compare's tolerance of one side: the results file's declared uncertainty, else the mode's
// default).
//
// An add is one transaction: a process killed halfway leaves the database as it was.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/result.hpp"
#include "rig/writers.hpp"

namespace rig::app {

inline constexpr int kHistorySchemaVersion = 1;

// A database that cannot be opened, is not a bmsrig history, or has a newer schema; the message names the file.
struct HistoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The identity of a case across runs: the scenario file from its `scenarios/` folder on (else its folder and name)
// without ".yaml", then the matrix combination: "requirements/ld2_lead[fuse_a=60,soc=0.1]".
std::string case_id(const std::string& scenario_file, const std::vector<std::pair<std::string, std::string>>& parameters);
std::string case_id(const rig::report::CaseResult& c);

struct HistoryAdd {
  long long run_id = 0;
  bool already_recorded = false;  // the same results file (by SHA-256) was added before; nothing changed
  std::size_t cases = 0, checks = 0;
};

// Adds a results file (bmsrig run --json, certify's or merge's results.json). `after_row`, if given, is called after
// each row written inside the transaction (tests use it to kill the process mid-add). Throws HistoryError for the
// database, rig::report::WriteError for an unreadable results file.
HistoryAdd history_add(const std::filesystem::path& db, const std::filesystem::path& results_json,
                       const std::function<void(std::size_t rows)>& after_row = {});

struct HistoryPoint {
  long long run_id = 0;
  std::string date, firmware_version, firmware_hash, rig_version, scenario_sha256;
  std::string verdict;  // "pass", "fail", "error"
  std::optional<double> margin;
  double uncertainty = 0.0;
};

struct CheckSeries {
  std::string mode, case_id, check, unit;
  std::vector<HistoryPoint> points;  // oldest first, one per run of `mode` that had the check (at most the last K)
  std::vector<std::string> flags;    // why this check is flagged (empty: not flagged)
};

struct TrendFlag {
  std::string kind;  // "verdict_changed", "margin_shrank", "case_appeared", "case_vanished"
  std::string mode, case_id, check;
  std::string text;  // one line for people
};

struct Trend {
  std::size_t last_k = 0;
  std::vector<std::string> modes;   // the modes with runs
  std::vector<CheckSeries> series;  // flagged first, then by case id and check
  std::vector<TrendFlag> flags;
  bool flagged() const { return !flags.empty(); }
};

// The trend over the last `last_k` runs of each mode (of `mode` only, if given). Per mode, against the latest run:
// - verdict_changed: a check's verdict differs from the run before;
// - margin_shrank: the latest margin is below the largest margin of the earlier runs in the window by more than the
//   two points' uncertainties together (what the runs can resolve; a drift within it is noise, not a trend);
// - case_appeared / case_vanished: a case id in the latest run and not in the one before, or the reverse.
Trend history_trend(const std::filesystem::path& db, std::size_t last_k, const std::string& mode = {});
std::string trend_text(const Trend& t);

// The margin history the HTML report draws for `run` (one sparkline per check): the trend of the run's mode over its
// last `last_k` runs as it will be once `run` is recorded — computed on a copy of `db` with `run` added (the database
// itself is not changed; a missing one counts as empty), so this run is the last point and the flags include it.
// `results_json`, when the run was written there, is what is added (a file recorded before is not added twice).
// Throws HistoryError.
rig::report::MarginHistory margin_history(const std::filesystem::path& db, const rig::report::RunResult& run,
                                          std::size_t last_k, const std::filesystem::path& results_json = {});
std::string trend_json(const Trend& t);

}  // namespace rig::app
