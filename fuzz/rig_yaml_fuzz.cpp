// libFuzzer harness: the bench description loader (rig.yaml, rig::io::parse_rig_config). Refused text is a
// ConfigError; anything else is a finding. Nothing is opened: parsing only describes the bench.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rig/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)rig::io::parse_rig_config(text, "fuzz/rig.yaml");
  } catch (const rig::io::ConfigError&) {
  }
  return 0;
}
