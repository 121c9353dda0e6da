#include "rig/in_process_dut.hpp"

#include <string>

#include "fw/version.hpp"

namespace rig {

FirmwareInfo InProcessDut::firmware_info() const {
  return FirmwareInfo{fw::kFirmwareVersion, fw::build_hash(), "host"};
}

void InProcessDut::start(const fw::Config& config) {
  bms_ = fw::Bms{};
  const fw::ConfigError err = bms_.configure(config);
  if (err != fw::ConfigError::kOk)
    throw DutError(std::string("firmware refused the configuration: ") + fw::to_string(err) + " (code " +
                   std::to_string(static_cast<int>(err)) + ")");
  bms_.reset();
}

std::size_t InProcessDut::step_ticks(std::span<const fw::Inputs> inputs, fw::Millis first_now,
                                     const fw::Outputs& assumed, std::span<fw::Outputs> out) {
  std::size_t n = 0;
  for (; n < inputs.size() && n < out.size(); ++n) {
    out[n] = bms_.step(inputs[n], first_now + static_cast<fw::Millis>(n) * fw::kTickMs);
    if (!same_outputs(out[n], assumed)) return n + 1;
  }
  return n;
}

bool same_outputs(const fw::Outputs& a, const fw::Outputs& b) {
  return a.load == b.load && a.charge == b.charge && a.prealarm == b.prealarm && a.alt_path_on == b.alt_path_on &&
         a.alt_limit_ma == b.alt_limit_ma && a.leds == b.leds && a.alarm_reason == b.alarm_reason &&
         a.bms_error == b.bms_error && a.bms_flags == b.bms_flags && a.atc == b.atc && a.atd == b.atd &&
         a.prealarm_active == b.prealarm_active && a.remote_on == b.remote_on && a.lead_violation == b.lead_violation;
}

}  // namespace rig
