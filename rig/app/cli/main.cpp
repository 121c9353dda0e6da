// bmsrig — run YAML scenarios against the BMS firmware and judge them. A thin command line over the rig_app library
// (rig/app/include/rig/app): one source file per subcommand in this folder.
//
//   bmsrig run <files or folders>... [--mode sil|pil|hil] [-j N] [--junit F] [--json F] [--trace-dir D] [--seed N]
//              [-r REQ-ID]... [-k name-text] [--html F [--requirements REQUIREMENTS.md]] [--rig rig.yaml]
//   bmsrig validate <files or folders>...
//   bmsrig list <files or folders>...
//   bmsrig signals [scenario file]
//   bmsrig certify [files or folders]... [--out DIR] [-j N] [--mode sil|pil|hil] [--requirements REQUIREMENTS.md]
//   bmsrig report <results.json> --out F.html [--requirements REQUIREMENTS.md] [--compare OTHER_RESULTS.json]
//   bmsrig compare <A.json> <B.json> [--json OUT] [--tolerance-file TOL.json]
//   bmsrig bench check <rig.yaml> | bench program <rig.yaml> <image> [--dry-run]
//   bmsrig merge <shard folders>... --out DIR [--requirements REQUIREMENTS.md]
//   bmsrig resources <rig.yaml>... [--out F]   # CTest resource spec: one resource per bench
//   bmsrig history add <results.json> --db FILE | history trend --db FILE [--last K] [--mode M] [--json OUT]
//
// Exit status (documented in rig/app/README.md):
//   0 every expectation of every case held          1 at least one check failed
//   2 a case could not be judged (error)            3 bad input: a scenario was refused, nothing ran
//   4 usage error (command line)                    130 interrupted (Ctrl-C); finished cases are still written
//   5 hil: the board does not run the --firmware image, or flashing failed; nothing was judged
// certify: 0 only if every requirement of the spec is covered and every case passed; 1 a check failed;
//   2 a requirement is uncovered or a case errored (and the bad-input/usage/interrupt codes above).
// compare: 0 every check present on both sides agrees (borderline included); 1 something disagrees;
//   2 a results or tolerance file cannot be read (or --json cannot be written); 4 usage error.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"

int main(int argc, char** argv) {
  namespace cli = rig::app::cli;
  auto logger = spdlog::stderr_color_mt("bmsrig");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("bmsrig: %^%l%$: %v");

  CLI::App app{"bmsrig: HIL/SIL test rig for the BMS firmware — runs YAML scenarios and judges them"};
  app.require_subcommand(1);
  cli::Context ctx;
  for (int i = 0; i < argc; ++i) ctx.command_line += (i ? " " : "") + std::string(argv[i]);

  const std::vector<cli::Command> commands = {
      cli::add_run(app, ctx),     cli::add_validate(app, ctx), cli::add_list(app, ctx),
      cli::add_certify(app, ctx), cli::add_report(app, ctx),   cli::add_compare(app, ctx),
      cli::add_signals(app, ctx), cli::add_bench(app, ctx),   cli::add_history(app, ctx), cli::add_merge(app, ctx),
      cli::add_resources(app, ctx),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : rig::app::kExitUsage;
  }
  for (const auto& c : commands)
    if (*c.sub) return c.run();
  return rig::app::kExitUsage;  // not reached: require_subcommand(1)
}
