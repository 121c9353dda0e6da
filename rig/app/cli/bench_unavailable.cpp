// bmsrig bench check in a build without bench support (rig/dut/bench not built).
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"

namespace rig::app::cli {

namespace {

int cmd_bench_check(const std::string& path) {
  std::fprintf(stderr, "bmsrig: this build has no bench support (rig/dut/bench); cannot check %s\n", path.c_str());
  return kExitError;
}

}  // namespace

Command add_bench(CLI::App& app, const Context&) {
  auto rig_file = std::make_shared<std::string>();
  auto* bench = app.add_subcommand("bench", "bring up a bench described by a rig.yaml");
  auto* bench_check = bench->add_subcommand(
      "check", "open every channel and instrument (*IDN?), set safe states, print each channel's calibration and "
               "present reading; changes nothing else");
  bench_check->add_option("rig", *rig_file, "the rig file")->required();
  bench->require_subcommand(1);
  return {bench, [rig_file] { return cmd_bench_check(*rig_file); }};
}

}  // namespace rig::app::cli
