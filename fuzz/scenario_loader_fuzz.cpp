// libFuzzer harness: the scenario loader (rig::scenario::load_text) on arbitrary text. A refused file is a
// ScenarioError; anything else escaping, a crash, a hang or unbounded memory is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rig/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // Includes resolve relative to a folder that holds no scenario files.
    (void)rig::scenario::load_text(text, "/nonexistent/fuzz/scenario.yaml");
  } catch (const rig::scenario::ScenarioError&) {
  }
  return 0;
}
