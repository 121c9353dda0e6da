// bmsrig run: run scenarios and judge their expectations.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "commands.hpp"
#include "rig/app/execution.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/resources.hpp"

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
  auto rig_pool = std::make_shared<std::vector<std::string>>();
  run->add_option("--rig-pool", *rig_pool,
                  "rig files of several benches (hil, under CTest): run on the bench CTest allocated to this test "
                  "(RESOURCE_GROUPS; see bmsrig resources)")
      ->excludes("--rig");
  run->add_option("--firmware", spec->dut.firmware,
                  "the firmware image (ELF): pil runs it (default: BMSRIG_PIL_IMAGE, else this tree's cross-cm3 build); hil "
                  "flashes it (rig.yaml board.program) and refuses a board whose identity differs (exit 5)");
  run->add_option("--html", spec->html.path, "write the self-contained HTML report here");
  run->add_option("--requirements", spec->html.requirements,
                  "REQUIREMENTS.md: requirement IDs for the report's traceability matrix")
      ->check(CLI::ExistingFile);
  run->add_option("--history", spec->html.history, "a margin history database (bmsrig history): the HTML report shows each check's margin over the last runs as a sparkline, flagged ones first");
  run->add_option("--history-last", spec->html.history_last, "with --history: the last K runs (default 20)");
  run->add_option("--junit", spec->junit, "write JUnit XML here");
  run->add_option("--json", spec->json, "write the JSON results here");
  run->add_option("--trace-dir", spec->trace_dir, "write one CSV and one VCD trace per case into this folder");
  run->add_flag("--wide-csv", spec->wide_csv,
                "with --trace-dir, also a wide CSV per case (one column per signal, units in the header)");
  auto* seed_opt = run->add_option("--seed", *seed_value, "override every scenario's spread seed");
  run->add_option("-r,--requirement", spec->filters.requirements,
                  "run only cases covering this requirement ID (repeatable)");
  run->add_option("-k,--name", spec->filters.name, "run only cases whose name contains this text");
  run->add_option("--case", spec->filters.cases,
                  "run only the case with this id (as `bmsrig list --json` gives it, e.g. "
                  "requirements/ld1_output_levels; repeatable)");
  auto shard_text = std::make_shared<std::string>();
  run->add_option("--shard", *shard_text,
                  "K/N: run only the K-th of N parts of the cases (balanced by expected duration; needs --json, "
                  "beside which shard.json is written for bmsrig merge)");
  run->add_option("--shard-history", spec->shard_history,
                  "a history database: balance the shards by the wall times measured there");
  return {run, [spec, seed_value, seed_opt, shard_text, rig_pool] {
            if (*seed_opt) spec->seed = *seed_value;
            if (!rig_pool->empty()) {
              try {
                spec->dut.rig_config = rig_from_ctest_allocation(*rig_pool, [](const char* n) { return std::getenv(n); });
              } catch (const ResourceError& e) {
                std::fprintf(stderr, "bmsrig run: %s\n", e.what());
                return kExitUsage;
              }
              std::printf("bench allocated by CTest: %s\n", spec->dut.rig_config.c_str());
            }
            if (!shard_text->empty()) {
              spec->shard = parse_shard(*shard_text);
              if (!spec->shard) {
                std::fprintf(stderr, "bmsrig run: --shard %s: expected K/N with 1 <= K <= N\n", shard_text->c_str());
                return kExitUsage;
              }
            }
            rig::report::RunResult result;
            return execute(*spec, result);
          }};
}

}  // namespace rig::app::cli
