// bmsrig bench check: the command line (the check itself: bench.cpp, or bench_unavailable.cpp).
#include <memory>

#include "commands.hpp"

namespace rig::app::cli {

Command add_bench(CLI::App& app, const Context&) {
  auto rig_file = std::make_shared<std::string>();
  auto* bench = app.add_subcommand("bench", "bring up a bench described by a rig.yaml");
  auto* check = bench->add_subcommand(
      "check", "open every channel and instrument (*IDN?), set safe states, print each channel's calibration and "
               "present reading; changes nothing else");
  check->add_option("rig", *rig_file, "the rig file")->required();
  bench->require_subcommand(1);
  return {bench, [rig_file] { return bench_check(*rig_file); }};
}

}  // namespace rig::app::cli
