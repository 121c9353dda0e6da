// bmsrig bench check | program: the command line (the check itself: bench.cpp, or bench_unavailable.cpp).
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
  auto prog_rig = std::make_shared<std::string>();
  auto image = std::make_shared<std::string>();
  auto dry = std::make_shared<bool>(false);
  auto* program = bench->add_subcommand(
      "program", "power the board on and flash an image through OpenOCD (rig.yaml board.program); prints the command");
  program->add_option("rig", *prog_rig, "the rig file")->required();
  program->add_option("image", *image, "the firmware image to flash")->required();
  program->add_flag("--dry-run", *dry, "print the exact OpenOCD command line and stop (nothing is powered or flashed)");
  bench->require_subcommand(1);
  return {bench, [rig_file, check, prog_rig, image, dry] {
            if (*check) return bench_check(*rig_file);
            return bench_program(*prog_rig, *image, *dry);
          }};
}

}  // namespace rig::app::cli
