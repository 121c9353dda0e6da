// libFuzzer harness: the results reader (rig::report::read_json_text, the parser behind read_json that
// `bmsrig report` and `bmsrig compare` use); a refused text is a WriteError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rig/writers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)rig::report::read_json_text(std::string_view(reinterpret_cast<const char*>(data), size), "input");
  } catch (const rig::report::WriteError&) {
  }
  return 0;
}
