// The subcommands of the bmsrig command line, one source file each (rig/app/cli/): each adds its CLI11 subcommand
// with its options and returns what to run when that subcommand was given.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace rig::app::cli {

struct Context {
  std::string command_line;  // argv joined by spaces (recorded in the results)
};

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;  // called after parsing if `sub` was given
};

Command add_run(CLI::App& app, const Context& ctx);
Command add_validate(CLI::App& app, const Context& ctx);
Command add_list(CLI::App& app, const Context& ctx);
Command add_certify(CLI::App& app, const Context& ctx);
Command add_report(CLI::App& app, const Context& ctx);
Command add_compare(CLI::App& app, const Context& ctx);
Command add_signals(CLI::App& app, const Context& ctx);
// `bench check RIG`: in bench.cpp, or bench_unavailable.cpp in a build without rig/dut/bench.
int bench_check(const std::string& rig_file);
// `bench program RIG IMAGE [--dry-run]`: prints the OpenOCD command line, then (unless dry) flashes the image.
int bench_program(const std::string& rig_file, const std::string& image, bool dry_run);
Command add_bench(CLI::App& app, const Context& ctx);
Command add_history(CLI::App& app, const Context& ctx);
Command add_merge(CLI::App& app, const Context& ctx);
Command add_resources(CLI::App& app, const Context& ctx);

}  // namespace rig::app::cli
