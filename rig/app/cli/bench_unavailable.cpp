// bmsrig bench check in a build without bench support (rig/dut/bench not built).
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"

namespace rig::app::cli {

int bench_check(const std::string& path) {
  std::fprintf(stderr, "bmsrig: this build has no bench support (rig/dut/bench); cannot check %s\n", path.c_str());
  return kExitError;
}

}  // namespace rig::app::cli

namespace rig::app::cli {

int bench_program(const std::string& path, const std::string&, bool) {
  std::fprintf(stderr, "bmsrig: this build has no bench support (rig/dut/bench); cannot program with %s\n", path.c_str());
  return kExitError;
}

}  // namespace rig::app::cli
