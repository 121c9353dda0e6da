// libFuzzer harness: the condition and event parser (rig::expr) over the signal catalogue of a two-battery,
// two-load world, plus quantities and durations. Refused text is a ParseError; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rig/expr.hpp"
#include "rig/scenario.hpp"
#include "rig/signals.hpp"

namespace {
const rig::expr::Resolver& resolver() {
  static const auto catalogue = rig::scenario::signal_catalogue(2, 2);
  static const auto r = rig::scenario::resolver_for(catalogue);
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)rig::expr::Event::parse(text, resolver());
  } catch (const rig::expr::ParseError&) {
  }
  try {
    (void)rig::expr::parse_quantity(text);
  } catch (const rig::expr::ParseError&) {
  }
  try {
    (void)rig::expr::parse_duration(text);
  } catch (const rig::expr::ParseError&) {
  }
  return 0;
}
