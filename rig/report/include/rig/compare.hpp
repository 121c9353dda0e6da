// Agreement between two runs of the same scenarios, e.g. SIL (firmware in process, virtual time, exact) against
// HIL (a real board on a bench, real time, currents measured by instruments): `bmsrig compare A.json B.json`.
//
// Matching
//   Cases: by scenario file + case name + matrix parameters (the k-th occurrence of a key in A with the k-th in B);
//   a case whose path differs (another working directory) is matched by the file's name when that is unambiguous.
//   Checks of a matched case: by check name (k-th occurrence with k-th occurrence); an unnamed check by index.
//   A case (or check) present on one side only is listed as "only in A" / "only in B"; it does not count as a
//   disagreement. A case that has no checks on a side, or that carries an error on a side, also gets a row
//   "(case)" comparing the two case verdicts.
//
// Tolerances (each side contributes its own; a row's tolerance is tolerance_A + tolerance_B)
//   A check's measured_unit says what its margin is: a time ("s", "ms", "us", "min") uses the time uncertainty
//   (converted into that unit), anything else (A, V, degC, "" ...) the value uncertainty:
//     value tolerance = value + value_rel × |limit|   (value_rel ignored when the check has no limit).
//   Where a side's uncertainty comes from, first that declares it (time and value resolved separately):
//     1. a tolerance file given on the command line, entry for the side's mode;
//     2. "uncertainty" of the check in the results file, then of the case, then of the run (top level);
//     3. the defaults of the side's mode (case mode, else run mode):
//        sil, pil: time 0.010 s (one firmware tick, fw::kTickMs), value 0 (the plant is simulated exactly);
//        hil:      time 0.020 s (2 bench loop periods of 10 ms), value_rel 0.01 (1 % of the limit: channel
//                  accuracy). These are placeholders until the bench's rig.yaml declares its loop period and
//                  channel accuracy and the run records them as "uncertainty".
//        any other or missing mode: the hil defaults (the wider ones).
//
//   "uncertainty" object (results file: top level, in a case object, or in a check object; tolerance file: per mode):
//     {"time_s": 0.02, "value": 0.5, "value_rel": 0.01}   every field optional; value in the check's
//                                                         measured_unit, value_rel a fraction of |limit|.
//   Tolerance file (JSON): {"sil": {...uncertainty...}, "pil": {...}, "hil": {...}}   (modes optional).
//
// Agreement of a check present on both sides
//   agree       both verdicts equal (whatever the margins);
//   borderline  verdicts differ, but |margin_A − margin_B| ≤ tolerance and |margin_A| ≤ tolerance and
//               |margin_B| ≤ tolerance: both sit on the limit within what the measurements can resolve;
//   disagree    otherwise (also when the verdicts differ and a margin is missing).
//   The comparison agrees (exit 0) when no row disagrees; borderline and one-sided rows do not spoil it.
//
// JSON written by comparison_json() / `bmsrig compare --json OUT`:
//   {"format": "bmsrig-comparison", "format_version": 1,
//    "a": {"file", "mode", "firmware_version", "firmware_hash", "host", "date"},  "b": {...same...},
//    "agree": bool,
//    "counts": {"rows", "compared", "agree", "borderline", "disagree", "only_in_a", "only_in_b"},
//    "rows": [{"scenario_file", "case", "parameters": {k: v}, "check", "index_a", "index_b", "kind",
//              "unit", "quantity": "time" | "value" | "none",
//              "a": {"verdict", "margin", "measured", "limit", "tolerance", "tolerance_source"} | null,
//              "b": {...} | null,
//              "difference" (margin_A − margin_B, or null), "tolerance" (sum, or null),
//              "status": "agree" | "borderline" | "disagree" | "only_in_a" | "only_in_b",
//              "note"}]}
//   "case" is the case's display name ("name [k=v, ...]"); "check" is "(case)" for a case-level row (then the
//   verdicts are the case verdicts and "index_*" are null); "index_*" are 0-based check indices; margins,
//   differences and tolerances are in "unit"; "tolerance_source" says where the side's tolerance came from
//   ("default hil", "results check", "results case", "results run", "tolerance file").
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/result.hpp"

namespace rig::report {

// A results or tolerance file that cannot be read; the message names the file.
struct CompareError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Declared measurement uncertainty (see the header comment); absent fields are "not declared here".
struct Uncertainty {
  std::optional<double> time_s;     // on times, in seconds
  std::optional<double> value;      // on values, in the check's measured_unit
  std::optional<double> value_rel;  // on values, as a fraction of |limit|
  bool declares_time() const { return time_s.has_value(); }
  bool declares_value() const { return value.has_value() || value_rel.has_value(); }
};

// The built-in defaults of a mode ("sil", "pil", "hil"; anything else gets the hil ones).
Uncertainty default_uncertainty(const std::string& mode);

// One side of a comparison: a results file and the uncertainties it declares.
struct CompareSide {
  std::string file;  // shown in reports and messages
  RunResult run;
  Uncertainty run_uncertainty;                              // top-level "uncertainty"
  std::vector<Uncertainty> case_uncertainty;                // per case (parallel to run.cases; may be shorter)
  std::vector<std::vector<Uncertainty>> check_uncertainty;  // per case, per check (may be shorter)
};

// Reads a results file (read_json) and its "uncertainty" objects. Throws CompareError naming the file when it
// cannot be read or is not a well-formed bmsrig results file.
CompareSide load_compare_side(const std::filesystem::path& results_json);
// A side from a result in memory (no declared uncertainties).
CompareSide compare_side(RunResult run, std::string file = {});

// Per-mode overrides from a tolerance file (see the header comment). Throws CompareError naming the file.
using ToleranceOverrides = std::map<std::string, Uncertainty>;
ToleranceOverrides load_tolerance_file(const std::filesystem::path& path);

enum class Agreement { kAgree, kBorderline, kDisagree, kOnlyInA, kOnlyInB };
const char* to_string(Agreement a);  // "agree", "borderline", "disagree", "only_in_a", "only_in_b"

enum class Quantity { kTime, kValue, kNone };  // kNone: no margin on either side (verdicts only)
const char* to_string(Quantity q);             // "time", "value", "none"

struct CheckSideResult {
  Verdict verdict = Verdict::kError;
  std::optional<double> margin, measured, limit;
  double tolerance = 0.0;        // this side's tolerance on the margin, in the row's unit
  std::string tolerance_source;  // "default sil", "results check", "tolerance file", ...
};

struct ComparisonRow {
  std::string scenario_file;
  std::string case_name;  // display name
  std::vector<std::pair<std::string, std::string>> parameters;
  std::string check;      // check name, or "(case)" for a case-level row, "" for a case only on one side
  std::optional<std::size_t> index_a, index_b;  // check indices
  std::string kind;       // check kind ("lead", "bounded", ...)
  std::string unit;       // measured_unit
  Quantity quantity = Quantity::kNone;
  std::optional<CheckSideResult> a, b;  // absent on the side the row is missing from
  std::optional<double> difference;     // margin_A − margin_B
  std::optional<double> tolerance;      // tolerance_A + tolerance_B (when both sides are present)
  Agreement status = Agreement::kAgree;
  std::string note;                     // e.g. "scenario files differ (SHA-256)"
};

struct ComparisonSide {
  std::string file, mode, firmware_version, firmware_hash, host, date;
};

struct Comparison {
  ComparisonSide a, b;
  std::vector<ComparisonRow> rows;

  struct Counts {
    std::size_t rows = 0, compared = 0, agree = 0, borderline = 0, disagree = 0, only_in_a = 0, only_in_b = 0;
  };
  Counts counts() const;
  bool agree() const;  // no row disagrees
};

// The agreement rule on two margins of differing verdicts (see the header comment).
Agreement judge_margins(Verdict verdict_a, std::optional<double> margin_a, Verdict verdict_b,
                        std::optional<double> margin_b, double tolerance);

Comparison compare(const CompareSide& a, const CompareSide& b, const ToleranceOverrides& overrides = {});

// The readable table (one line per row: case, check, A verdict/margin, B verdict/margin, difference, tolerance,
// agree/borderline/DISAGREE/only in A/only in B), a summary line and a last line "verdict: agree" or
// "verdict: DISAGREE".
std::string comparison_text(const Comparison& c);
std::string comparison_summary(const Comparison& c);  // the summary line alone (no newline)
std::string comparison_json(const Comparison& c);
void write_comparison_json(const Comparison& c, const std::filesystem::path& path);  // atomic; throws WriteError

}  // namespace rig::report
