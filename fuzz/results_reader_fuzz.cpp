// libFuzzer harness: the results reader (rig::report::read_json, used by `bmsrig report` and `bmsrig compare`).
// The input is written to one file under $TMPDIR per process; a refused file is a WriteError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rig/writers.hpp"

namespace {
std::filesystem::path scratch() {
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  return dir / ("bmsrig_fuzz_results_" + std::to_string(::getpid()) + ".json");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path = scratch();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)rig::report::read_json(path);
  } catch (const rig::report::WriteError&) {
  }
  return 0;
}
