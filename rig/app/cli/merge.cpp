// bmsrig merge: the shards of one run (run|certify --shard K/N) into what a single run gives.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/console.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/shard.hpp"
#include "rig/writers.hpp"

namespace rig::app::cli {

Command add_merge(CLI::App& app, const Context& ctx) {
  struct Options {
    std::vector<std::string> dirs;
    std::string out, requirements, command_line, history;
  };
  auto o = std::make_shared<Options>();
  o->command_line = ctx.command_line;
  auto* merge = app.add_subcommand(
      "merge", "merge the shard folders of one run (results.json, shard.json, traces/) into results.json, junit.xml, "
               "traces/, report.html and MANIFEST.sha256 in --out, as one run of the whole set would give; shards of "
               "different scenarios, firmware, rig version or mode are refused. Exit as run (with --requirements: "
               "as certify)");
  merge->add_option("dirs", o->dirs, "the shard folders")->required()->check(CLI::ExistingDirectory);
  merge->add_option("--out", o->out, "output folder")->required();
  merge->add_option("--requirements", o->requirements,
                    "REQUIREMENTS.md: traceability matrix and certification verdict (uncovered requirements: exit 2)")
      ->check(CLI::ExistingFile);
  merge->add_option("--history", o->history,
                    "a margin history database: report.html shows each check's margin over the last runs (the merged "
                    "run last) as a sparkline, flagged ones first");
  return {merge, [o]() -> int {
            rig::app::MergeSpec spec;
            for (const auto& d : o->dirs) spec.inputs.emplace_back(d);
            spec.out = o->out;
            spec.requirements = o->requirements;
            spec.history = o->history;
            spec.command_line = o->command_line;
            rig::report::RunResult run;
            try {
              run = rig::app::merge(spec);
            } catch (const MergeError& e) {
              std::fprintf(stderr, "bmsrig merge: %s\n", e.what());
              return kExitBadInput;
            } catch (const std::exception& e) {
              std::fprintf(stderr, "bmsrig merge: %s\n", e.what());
              return kExitError;
            }
            const auto counts = run.counts();
            std::printf("merged %zu shards (%s): %zu cases, passed %zu, failed %zu, errors %zu, incomplete %zu\n",
                        o->dirs.size(), run.mode.c_str(), counts.total, counts.passed, counts.failed, counts.errors,
                        counts.incomplete);
            auto verdict = run.verdict();
            if (!o->requirements.empty()) {
              const auto ids = rig::report::parse_requirement_ids(o->requirements);
              std::vector<std::string> uncovered;
              for (const auto& r : rig::report::traceability(run, ids))
                if (!r.covered()) uncovered.push_back(r.id);
              std::printf("%zu of %zu requirements covered%s%s\n", ids.size() - uncovered.size(), ids.size(),
                          uncovered.empty() ? "" : "; uncovered: ", join(uncovered).c_str());
              verdict = rig::report::certification_verdict(run, ids);
            }
            std::printf("manifest: %s/MANIFEST.sha256\nreport: %s/report.html\n", o->out.c_str(), o->out.c_str());
            if (run.interrupted) return kExitInterrupted;
            return verdict == rig::Verdict::kPass ? kExitPass : verdict == rig::Verdict::kFail ? kExitFail : kExitError;
          }};
}

}  // namespace rig::app::cli
