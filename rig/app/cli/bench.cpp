// bmsrig bench check: bring a bench up without running anything (rig/dut/bench check_bench()). Linked into bmsrig
// when rig_dut_bench is part of the build (else bench_unavailable.cpp).
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/bench_dut.hpp"
#include "rig/board_setup.hpp"
#include "rig/io/config.hpp"

namespace rig::app::cli {

int bench_check(const std::string& path) {
  rig::io::RigConfig rig;
  try {
    rig = rig::io::load_rig_config(path);
  } catch (const rig::io::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitBadInput;
  }
  std::printf("bench '%s' (%s)%s%s\n", rig.name.c_str(), path.c_str(), rig.description.empty() ? "" : ": ",
              rig.description.c_str());
  const auto r = rig::check_bench(rig);
  for (const auto& p : r.problems) std::printf("problem: %s\n", p.c_str());
  if (!r.instruments.empty()) std::printf("instruments (*IDN?):\n");
  for (const auto& [name, idn] : r.instruments) std::printf("  %-20s %s\n", name.c_str(), idn.c_str());
  if (!r.channels.empty())
    std::printf("channels (outputs at their safe state, inputs as read now):\n  %-42s %-4s %-36s %-24s %-16s %-9s %s\n",
                "signal", "dir", "backend", "calibration (dev = g*x+o)", "limits", "accuracy", "present");
  for (const auto& c : r.channels) {
    const auto& cfg = *c.config;
    const bool in = cfg.direction == rig::io::Direction::kIn;
    std::string cal = "-", lim = "-", acc = "-", present;
    if (!cfg.is_digital()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "g=%g o=%g", cfg.analog.calibration.gain, cfg.analog.calibration.offset);
      cal = buf;
      std::snprintf(buf, sizeof buf, "[%g, %g] %s", cfg.analog.limits.min, cfg.analog.limits.max, cfg.analog.unit.c_str());
      lim = buf;
      if (in) {
        std::snprintf(buf, sizeof buf, "%g %s", cfg.accuracy, cfg.analog.unit.c_str());
        acc = buf;
      }
    }
    if (!c.problem.empty()) present = "FAILED: " + c.problem;
    else if (c.value) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.4f %s", *c.value, cfg.analog.unit.c_str());
      present = buf;
    } else if (c.level) {
      present = *c.level ? "high" : "low";
    }
    std::printf("  %-42s %-4s %-36s %-24s %-16s %-9s %s\n", cfg.signal.c_str(), in ? "in" : "out", c.backend.c_str(),
                cal.c_str(), lim.c_str(), acc.c_str(), present.c_str());
  }
  for (const auto& u : r.unsafe) std::printf("NOT SAFE: %s\n", u.c_str());
  std::printf("%s\n", r.ok() ? "bench ok: every channel opened, outputs safe, inputs read" : "bench NOT ok (see above)");
  return r.ok() ? kExitPass : kExitError;
}

}  // namespace rig::app::cli

namespace rig::app::cli {

int bench_program(const std::string& path, const std::string& image, bool dry_run) {
  rig::io::RigConfig rig;
  try {
    rig = rig::io::load_rig_config(path);
  } catch (const rig::io::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitBadInput;
  }
  if (!rig.board.program) {
    std::fprintf(stderr, "%s: no board.program (openocd) in the rig file: cannot flash %s\n", path.c_str(), image.c_str());
    return kExitBadInput;
  }
  const auto argv = rig::openocd_command(*rig.board.program, image);
  std::printf("%s\n", rig::shell_line(argv).c_str());
  if (dry_run) return kExitPass;
  try {
    rig::program_board(rig, image);
  } catch (const rig::BoardSetupError& e) {
    std::fprintf(stderr, "bmsrig bench program: %s\n", e.what());
    return kExitBoardRefused;
  }
  std::printf("flashed %s\n", image.c_str());
  return kExitPass;
}

}  // namespace rig::app::cli
