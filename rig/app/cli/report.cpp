// bmsrig report: the HTML report again from a results JSON.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/compare.hpp"
#include "rig/app/history.hpp"
#include "rig/html_compare.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace rig::app::cli {

namespace {

// Reads a trace file named in a results file: as written (relative to the current directory), else relative to the
// results file's folder, else by its name in that folder or its traces/ subfolder (a copied result folder).
std::string locate_trace(const std::string& f, const fs::path& json_dir) {
  std::error_code ec;
  const fs::path p(f);
  for (const fs::path& c : {p, json_dir / p, json_dir / p.filename(), json_dir / "traces" / p.filename()})
    if (fs::exists(c, ec)) return c.string();
  return f;
}

// bmsrig report: the HTML report again from a results JSON and the traces it names.
int cmd_report(const std::string& json_file, const std::string& out_html, const std::string& requirements,
               bool no_requirements, const std::string& compare_json, const std::string& history) {
  rig::report::RunResult run;
  try {
    run = rig::report::read_json(json_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig report: %s\n", e.what());
    return kExitBadInput;
  }
  // --compare: the agreement of this run (A) with another run of the same scenarios (B)
  std::optional<rig::report::Comparison> agreement;
  if (!compare_json.empty()) {
    try {
      agreement = rig::report::compare(rig::report::load_compare_side(json_file),
                                       rig::report::load_compare_side(compare_json));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bmsrig report: %s\n", e.what());
      return kExitBadInput;
    }
  }
  const fs::path dir = fs::path(json_file).parent_path();
  std::size_t with_trace = 0;
  for (auto& c : run.cases) {
    for (auto& f : c.trace_files) f = locate_trace(f, dir);
    if (std::any_of(c.trace_files.begin(), c.trace_files.end(),
                    [](const std::string& f) { return f.ends_with(".csv") && fs::exists(f); }))
      ++with_trace;
  }
  rig::report::HtmlOptions ho;
  if (run.command_line.find(" certify") != std::string::npos) ho.title = "bmsrig certification report";
  std::string req = requirements;
  if (req.empty() && !no_requirements) {
    if (const auto found = default_requirements()) req = found->string();
  }
  try {
    if (!req.empty()) {
      ho.requirement_ids = rig::report::parse_requirement_ids(req);
      ho.requirement_texts = rig::report::parse_requirements(req);
    }
    if (!history.empty()) ho.history = margin_history(history, run, 20, json_file);
    if (agreement) rig::report::write_html_report(run, ho, *agreement, out_html);
    else rig::report::write_html_report(run, ho, out_html);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig report: %s\n", e.what());
    return kExitError;
  }
  std::printf("%zu test cases from %s (%zu with a trace file); requirements: %s\n", run.cases.size(), json_file.c_str(),
              with_trace, req.empty() ? "none" : req.c_str());
  if (agreement) std::printf("agreement with %s: %s\n", compare_json.c_str(), rig::report::comparison_summary(*agreement).c_str());
  std::printf("report: %s\n", out_html.c_str());
  return kExitPass;
}

}  // namespace

Command add_report(CLI::App& app, const Context&) {
  struct Options {
    std::string json, out, requirements, compare, history;
    bool no_requirements = false;
  };
  auto o = std::make_shared<Options>();
  auto* report = app.add_subcommand("report", "write the HTML report again from a results JSON (and its trace CSVs)");
  report->add_option("results", o->json, "results.json written by run --json or certify")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--out", o->out, "the HTML file to write")->required();
  report->add_option("--requirements", o->requirements,
                     "REQUIREMENTS.md for the traceability matrix (default: docs/spec/REQUIREMENTS.md as for certify)")
      ->check(CLI::ExistingFile);
  report->add_flag("--no-requirements", o->no_requirements, "no traceability matrix against a spec");
  report->add_option("--compare", o->compare,
                     "another results.json of the same scenarios (e.g. the HIL run): adds a section \"Agreement with "
                     "<its mode>\" (as bmsrig compare)");
  report->add_option("--history", o->history, "a margin history database (bmsrig history): the HTML report shows each check's margin over the last runs as a sparkline, flagged ones first");
  return {report, [o] { return cmd_report(o->json, o->out, o->requirements, o->no_requirements, o->compare, o->history); }};
}

}  // namespace rig::app::cli
