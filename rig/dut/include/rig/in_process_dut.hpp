// InProcessDut: the SIL device under test — the firmware core (fw::Bms) linked into the rig process.
// Depth: the firmware's step() seam (ARCHITECTURE.md); its board is the ADC model adc_sample() (dut.hpp).
// Deterministic; not thread-safe (one per run). step_ticks() executes every tick it is given.
#pragma once

#include "fw/bms.hpp"
#include "rig/dut.hpp"

namespace rig {

class InProcessDut final : public Dut {
 public:
  FirmwareInfo firmware_info() const override;
  std::string mode() const override { return "sil"; }
  // Resets the firmware and configures it; a refused configuration throws DutError naming fw::ConfigError.
  void start(const fw::Config& config) override;
  std::size_t step_ticks(std::span<const BoardSample> samples, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override;
  void reset() override { bms_.reset(); }
  void stop() noexcept override {}

 private:
  fw::Bms bms_{};
};

// Outputs compare equal when every field does (used for speculation in batched stepping).
bool same_outputs(const fw::Outputs& a, const fw::Outputs& b);

}  // namespace rig
