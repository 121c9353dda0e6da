// --mode hil: BenchDut (rig/dut/bench) with --rig rig.yaml. Linked into bmsrig when rig_dut_bench is part of the build.
// With --firmware FILE: before any case the board is powered and flashed through OpenOCD when the rig file has
// board.program (a failure refuses the run, exit 5); every case's start then checks the board's identity
// (VE.Direct HEX 0x0100, 0x0102, 0x21A0) against FILE's (FILE.identity.json) and errors the case when it differs.
#include <cstdio>

#include "rig/app/dut_registry.hpp"
#include "rig/bench_dut.hpp"
#include "rig/board_setup.hpp"
#include "rig/io/config.hpp"

namespace {

void prepare(const rig::app::DutConfig& config) {
  if (config.firmware.empty() || config.rig_config.empty()) return;
  try {
    const auto rig = rig::io::load_rig_config(config.rig_config);
    const auto image = rig::image_identity(config.firmware);  // refused before anything moves when it is missing
    if (rig.board.program) {
      std::printf("flashing %s: %s\n", config.firmware.c_str(),
                  rig::shell_line(rig::openocd_command(*rig.board.program, config.firmware)).c_str());
      rig::program_board(rig, config.firmware);
    } else {
      std::printf("%s: no board.program in the rig file; the board is not flashed, only identified\n", rig.name.c_str());
    }
    std::printf("image: %s (%s)\n", config.firmware.c_str(), rig::describe(image).c_str());
  } catch (const rig::BoardSetupError& e) {
    throw rig::app::DutPreparationError(e.what());
  } catch (const rig::io::ConfigError& e) {
    throw rig::app::DutPreparationError(e.what());
  } catch (const std::exception& e) {
    throw rig::app::DutPreparationError(std::string("board set-up: ") + e.what());
  }
}

const rig::app::DutRegistrar hil(
    "hil",
    [](const rig::app::DutConfig& config) -> std::unique_ptr<rig::Dut> {
      if (config.rig_config.empty()) throw rig::DutError("mode 'hil' needs --rig <rig.yaml> (the bench description)");
      const auto rig = rig::io::load_rig_config(config.rig_config);
      rig::BenchDutOptions opt;
      opt.handle_signals = false;  // bmsrig's own Ctrl-C handling stops the run; Dut::stop() makes the bench safe
      if (!config.firmware.empty()) {
        opt.expected_identity = rig::image_identity(config.firmware);
        opt.image = config.firmware;
        if (rig.board.program) opt.identity_wait += rig.board.program->boot;  // a board just flashed is booting
      }
      return std::make_unique<rig::BenchDut>(rig, opt);
    },
    prepare);

}  // namespace
