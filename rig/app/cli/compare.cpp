// bmsrig compare: do two runs of the same scenarios agree?
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/compare.hpp"

namespace rig::app::cli {

namespace {

// bmsrig compare: per case and check, do two runs of the same scenarios (e.g. SIL and HIL) agree within the
// declared tolerances (rig/compare.hpp)?
int cmd_compare(const std::string& a_file, const std::string& b_file, const std::string& out_json,
                const std::string& tolerance_file) {
  rig::report::Comparison cmp;
  try {
    rig::report::ToleranceOverrides overrides;
    if (!tolerance_file.empty()) overrides = rig::report::load_tolerance_file(tolerance_file);
    cmp = rig::report::compare(rig::report::load_compare_side(a_file), rig::report::load_compare_side(b_file),
                               overrides);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig compare: %s\n", e.what());
    return kExitError;
  }
  std::fputs(rig::report::comparison_text(cmp).c_str(), stdout);
  if (!out_json.empty()) {
    try {
      rig::report::write_comparison_json(cmp, out_json);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bmsrig compare: %s\n", e.what());
      return kExitError;
    }
    std::printf("json: %s\n", out_json.c_str());
  }
  return cmp.agree() ? kExitPass : kExitFail;
}

}  // namespace

Command add_compare(CLI::App& app, const Context&) {
  struct Options {
    std::string a, b, json, tolerances;
  };
  auto o = std::make_shared<Options>();
  auto* compare = app.add_subcommand(
      "compare",
      "compare two results files of the same scenarios (e.g. SIL and HIL): per case and check, both verdicts and "
      "margins and whether they agree within the declared tolerances; exit 0 if everything on both sides agrees "
      "(borderline included), 1 if something disagrees, 2 if a file cannot be read");
  compare->add_option("results_a", o->a, "results.json A (bmsrig run --json)")->required();
  compare->add_option("results_b", o->b, "results.json B")->required();
  compare->add_option("--json", o->json, "write the comparison as JSON here (format: rig/report/include/rig/compare.hpp)");
  compare->add_option("--tolerance-file", o->tolerances,
                      "JSON per mode {\"hil\": {\"time_s\": 0.02, \"value\": 0, \"value_rel\": 0.01}, ...}: overrides "
                      "the tolerances of that mode");
  return {compare, [o] { return cmd_compare(o->a, o->b, o->json, o->tolerances); }};
}

}  // namespace rig::app::cli
