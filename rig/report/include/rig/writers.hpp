// Result and trace writers: JUnit XML, JSON results, trace CSV and VCD, the HTML report, and the SHA-256
// manifest.
//
// Every writer writes to "<path>.tmp-<pid>" in the same folder, flushes and renames it over <path>, so an
// interrupted run never leaves a half-written file under the final name. Errors (cannot open, disk full) throw
// WriteError naming the path. Not thread-safe per output path.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rig/result.hpp"
#include "rig/trace.hpp"

namespace rig::report {

struct WriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Writes `content` to `path` atomically (temp file + rename). Creates missing parent folders.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// ---- JUnit XML (valid against docs/spec/junit-10.xsd) -------------------------------------------------
// <testsuites name="bmsrig"> with one <testsuite> per scenario folder (name = classname), one <testcase> per case
// (classname = scenario folder with '.' separators, name = display_name()). Failing cases carry
// <failure message="first failing check's message"> with every failing check's evidence; kError cases carry
// <error>. Every case has <system-out> with each check's one-line message and evidence, the requirements, the
// scenario file and hash and the trace files. Suite <properties>: firmware.version, firmware.hash, mode, host,
// rig.version, incomplete ("true" when interrupted). A case that did not complete is an <error> with
// message "incomplete: run interrupted".
std::string junit_xml(const RunResult& run);
void write_junit(const RunResult& run, const std::filesystem::path& path);

// ---- JSON results ------------------------------------------------------------------------------------------------
// {"format":"bmsrig-results","format_version":1,"complete":bool,"verdict":"pass|fail|error","firmware":{...},
//  "mode","host","date","rig_version","command_line","wall_s","counts":{...},
//  "cases":[{"scenario_file","scenario_sha256","name","parameters":{k:v},"requirements":[],"mode","verdict",
//            "error","completed","simulated_s","wall_s","trace_files":[],
//            "checks":[{"name","kind","description","verdict","measured","measured_unit","limit","limit_text",
//                       "limit_min","limit_max","margin","evidence","message","levels":[],"window":{"begin_s","end_s"},"signals":[],
//                       "instants":[{"label","t_s"}]}]}]}
// Absent optionals are null. JSON Schema: rig/report/schema/results.schema.json (CTest validates CLI output against it).
std::string results_json(const RunResult& run);
void write_json(const RunResult& run, const std::filesystem::path& path);
// Reads a results file written by write_json (traces are not loaded); throws WriteError on a malformed file.
RunResult read_json(const std::filesystem::path& path);
// The same from text in memory; `source` names it in the errors (a file name, or what the text came from).
RunResult read_json_text(std::string_view text, const std::string& source);

// ---- Trace CSV (long format) -------------------------------------------------------------------------------------
// Header "time_s,signal,value", then one row per recorded sample in time order (ties: signal registration order):
// time in seconds with 9 decimals (exact ns), the signal name (quoted if it contains ',' or '"'), the value in
// shortest round-trip form. The last row is "<end_time>,#end," marking the trace end (readers skip '#' names).
// Long format keeps "recorded only when changed" intact and lossless.
std::string trace_csv(const Trace& trace);
void write_trace_csv(const Trace& trace, const std::filesystem::path& path);
// ---- Trace CSV (wide format) ------------------------------------------------------------------------------------
// For spreadsheets and PulseView's CSV import: header "time_s,<signal> [<unit>],..." (no unit for digital and
// integer signals), one row per instant at which any signal changed, each column the value it holds then (empty
// before a signal's first sample). Larger than the long format for long runs (every column on every row).
std::string trace_csv_wide(const Trace& trace);
void write_trace_csv_wide(const Trace& trace, const std::filesystem::path& path);

// Reads a file written by write_trace_csv: signals in order of first appearance; kind is digital if every value is
// 0 or 1 and the name has no unit suffix, otherwise analog; unit inferred from the name suffix.
Trace read_trace_csv(const std::filesystem::path& path);

// ---- Trace VCD ---------------------------------------------------------------------------------------------------
// IEEE 1364 VCD, $timescale 1 ns. Signal names become scopes along '/' ("bank/battery[0]/cell[3]/voltage_v" →
// scope bank, scope battery_0, scope cell_3, var voltage_v): brackets are rewritten because VCD reads them as bit
// selects. Analog → `$var real 64`, digital → `$var wire 1`, integer → `$var integer 32`. Identifiers are printable
// ASCII without '#' and '$'. Times strictly increasing; initial values in $dumpvars at the first instant; a final
// timestamp at the trace end.
std::string trace_vcd(const Trace& trace, std::string_view date = {});
void write_trace_vcd(const Trace& trace, const std::filesystem::path& path, std::string_view date = {});
// The VCD name of a signal (scopes joined by '.'), e.g. "bank.battery_0.cell_3.voltage_v".
std::string vcd_name(std::string_view signal_name);

// ---- HTML report -----------------------------------------------------------------------------------------
// The observation map (docs/spec/observation-map.md): requirement ID → the signal patterns that observe it ('*'
// matches any text). Read from the rows "| ID | signal, signal, ... |" of a Markdown table (backticks allowed).
using ObservationMap = std::map<std::string, std::vector<std::string>>;

// The margin history of the run's checks (bmsrig's history database, the trend including this run): one series per
// check, drawn as a sparkline in the section "Margin history", flagged series first.
struct MarginSeries {
  std::size_t case_index = 0;         // into RunResult::cases
  std::string check;                  // the check's name
  std::string unit;
  std::vector<std::optional<double>> margins;  // oldest first; null where that run had no margin (error)
  std::vector<std::string> verdicts;           // "pass", "fail", "error", per run
  std::vector<std::string> flags;              // why the trend flagged it (empty: not flagged)
};
struct MarginHistory {
  std::string source;    // the database, named in the section
  std::size_t last_k = 0;
  std::vector<MarginSeries> series;  // any order; the report puts the flagged ones first
};

struct HtmlOptions {
  std::string title = "bmsrig report";
  // Given: the section "Margin history" after the summary (a sparkline per check, flagged ones first).
  std::optional<MarginHistory> history;
  // The requirement IDs the traceability matrix lists (e.g. from parse_requirement_ids()). Requirements that no
  // case covers are shown in red; IDs that cases name but the list lacks are listed as "not in the spec".
  std::vector<std::string> requirement_ids;
  // Coverage by observation (docs/spec/observation-map.md); null: coverage by declaration.
  const ObservationMap* observation = nullptr;
  // The text of each requirement (from parse_requirements()), shown beside its ID; IDs without one show none.
  std::map<std::string, std::string> requirement_texts;
  // Trace files are linked relative to this folder (the report's; write_html_report sets it from the output path
  // when empty); empty: linked as written.
  std::filesystem::path link_base;
  int plot_width_px = 900;      // waveform width
  int lane_height_px = 56;      // height of one signal lane
  std::size_t max_signals_per_case = 8;
};
// One self-contained HTML5 file (inline CSS and SVG, no scripts, no external resources): summary, traceability
// matrix, per-case section with one inline <svg> of waveforms (one lane per signal the checks use, check windows
// shaded, measured instants marked; a detail panel zooms on the instants of failing checks, else of leads, else of
// settles/eventually checks, when they are short against the run), provenance (firmware version/hash, scenario
// SHA-256, mode, host, date).
std::string html_report(const RunResult& run, const HtmlOptions& options);
void write_html_report(const RunResult& run, const HtmlOptions& options, const std::filesystem::path& path);

// Requirement IDs from the spec: every line of the form "- XXX-n ..." (e.g. "- LD-2 LD goes floating ..."), in
// file order, each once. Throws WriteError if the file cannot be read.
std::vector<std::string> parse_requirement_ids(const std::filesystem::path& requirements_md);
std::vector<std::string> parse_requirement_ids_text(std::string_view markdown);
// Each requirement's text: the rest of its "- XXX-n" line and the indented lines that continue it, joined by
// single spaces (ID → text). Throws WriteError if the file cannot be read.
std::map<std::string, std::string> parse_requirements(const std::filesystem::path& requirements_md);
std::map<std::string, std::string> parse_requirements_text(std::string_view markdown);

// Parsing of the observation map (ObservationMap above).
ObservationMap parse_observation_map_text(std::string_view markdown);
ObservationMap parse_observation_map(const std::filesystem::path& path);  // throws WriteError when unreadable
bool signal_matches(std::string_view pattern, std::string_view signal);

// A passing check that observes a requirement: case index into run.cases, check index into its checks.
struct Observation {
  std::size_t case_index = 0, check_index = 0;
  std::string signal;  // the observing signal it reads (the first one)
};

// Coverage summary used by the HTML report and by `bmsrig certify`.
struct RequirementStatus {
  std::string id;
  std::vector<std::size_t> cases;  // indices into run.cases that name it
  Verdict verdict = Verdict::kError;  // combined over those cases; kError if uncovered
  // With an observation map: the passing checks, in cases that name the requirement, that read one of its
  // observing signals; the requirement is covered only when there is one. Without a map: coverage by declaration.
  bool by_observation = false;
  std::vector<Observation> observed_by;
  bool covered() const { return by_observation ? !observed_by.empty() : !cases.empty(); }
};
std::vector<RequirementStatus> traceability(const RunResult& run, const std::vector<std::string>& requirement_ids,
                                            const ObservationMap* observation = nullptr);
// The verdict of a certification run: kError if the run is incomplete, any case errored or any requirement is
// uncovered; else kFail if any case failed; else kInconclusive if any case was inconclusive; else kPass.
// (`bmsrig certify` exits non-zero unless kPass.)
Verdict certification_verdict(const RunResult& run, const std::vector<std::string>& requirement_ids,
                              const ObservationMap* observation = nullptr);

}  // namespace rig::report
