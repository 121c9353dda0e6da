// bmsrig run: run scenarios and judge their expectations.
#include <memory>

#include "commands.hpp"
#include "rig/app/execution.hpp"

namespace rig::app::cli {

Command add_run(CLI::App& app, const Context& ctx) {
  auto spec = std::make_shared<RunSpec>();
  auto seed_value = std::make_shared<std::uint64_t>(0);
  spec->command_line = ctx.command_line;
  auto* run = app.add_subcommand("run", "run scenarios and judge their expectations");
  run->add_option("paths", spec->inputs, "scenario files or folders (searched recursively)")->required();
  run->add_option("--mode", spec->mode, "device under test: sil (in process), pil (QEMU), hil (bench)")
      ->check(CLI::IsMember({"sil", "pil", "hil"}));
  run->add_option("-j,--jobs", spec->jobs, "cases run in parallel threads (hil: always 1)")->check(CLI::Range(1, 256));
  run->add_option("--rig", spec->dut.rig_config, "the bench description rig.yaml (hil)");
  run->add_option("--firmware", spec->dut.firmware,
                  "the firmware image (ELF) for pil (default: BMSRIG_PIL_IMAGE, else this tree's cross-cm3 build)");
  run->add_option("--html", spec->html.path, "write the self-contained HTML report here");
  run->add_option("--requirements", spec->html.requirements,
                  "REQUIREMENTS.md: requirement IDs for the report's traceability matrix")
      ->check(CLI::ExistingFile);
  run->add_option("--junit", spec->junit, "write JUnit XML here");
  run->add_option("--json", spec->json, "write the JSON results here");
  run->add_option("--trace-dir", spec->trace_dir, "write one CSV and one VCD trace per case into this folder");
  run->add_flag("--wide-csv", spec->wide_csv,
                "with --trace-dir, also a wide CSV per case (one column per signal, units in the header)");
  auto* seed_opt = run->add_option("--seed", *seed_value, "override every scenario's spread seed");
  run->add_option("-r,--requirement", spec->filters.requirements,
                  "run only cases covering this requirement ID (repeatable)");
  run->add_option("-k,--name", spec->filters.name, "run only cases whose name contains this text");
  return {run, [spec, seed_value, seed_opt] {
            if (*seed_opt) spec->seed = *seed_value;
            rig::report::RunResult result;
            return execute(*spec, result);
          }};
}

}  // namespace rig::app::cli
