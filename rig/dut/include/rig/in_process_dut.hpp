// InProcessDut: the SIL device under test — the firmware core (fw::Bms) linked into the rig process.
// Depth: the firmware's step() seam (ARCHITECTURE.md); its board is the ADC model adc_sample() (dut.hpp).
// Deterministic; not thread-safe (one per run). step_ticks() executes every tick it is given.
#pragma once

#include "fw/bms.hpp"
#include "fw/registers.hpp"
#include "rig/dut.hpp"
#include "rig/vedirect_observer.hpp"

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

  // VE.Direct in process (TEL-1, TEL-2): after every step the firmware's own text encoder (fw_protocol) emits a
  // block each 1000 ms (the first at 1 s) and the firmware's HEX register handler answers a get of every register
  // the observer names whenever the outputs or the configuration changed; the bytes go through the observer's
  // decoders, so vedirect/ signals show what a host on the port would read.
  std::optional<double> observed(std::string_view signal) const override { return observer_.value(signal); }
  std::string vedirect_request(std::string_view line) override;

 private:
  void observe(const fw::Inputs& in, const fw::Outputs& out, fw::Millis now);
  std::string handle(std::string_view line, fw::Millis now, bool poll);

  fw::Bms bms_{};
  fw::vedirect::RegisterHandler registers_{bms_};
  VeDirectObserver observer_{};
  fw::Millis next_text_ms_ = 1000;
  fw::Millis last_now_ = 0;
  bool polled_ = false;
  fw::Outputs last_polled_{};
};

// Outputs compare equal when every field does (used for speculation in batched stepping).
bool same_outputs(const fw::Outputs& a, const fw::Outputs& b);

}  // namespace rig
