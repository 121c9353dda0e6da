// InProcessDut: the SIL device under test — the firmware core (fw::Bms) linked into the rig process.
// Depth: the firmware's step() seam (ARCHITECTURE.md); its board is the ADC model adc_sample() (dut.hpp).
// Deterministic; not thread-safe (one per run). step_ticks() executes every tick it is given.
#pragma once

#include <array>
#include <cstdint>

#include "fw/bms.hpp"
#include "fw/config_store.hpp"
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
  // kWatchdog: fw::Bms::reset(). kPower: a new fw::Bms that loads its configuration from the board's NVM (a
  // fw::ConfigStore over two in-memory slots, written by start()), as the product boots.
  void reset(ResetKind kind) override;
  void stop() noexcept override {}

  // VE.Direct in process (TEL-1, TEL-2): after every step the firmware's own text encoder (fw_protocol) emits a
  // block each 1000 ms (the first at 1 s) and the firmware's HEX register handler answers a get of every register
  // the observer names whenever the outputs or the configuration changed; the bytes go through the observer's
  // decoders, so vedirect/ signals show what a host on the port would read.
  std::optional<double> observed(std::string_view signal) const override { return observer_.value(signal); }
  // A Dut stepped one tick at a time: its observations change only when its observer takes a block or an answer.
  std::uint64_t observed_version(fw::Millis) const override { return observer_.changes(); }
  std::string vedirect_request(std::string_view line) override;

 private:
  // Two NVM slots in memory (erased = 0xFF), as the product's flash holds them.
  class RamStorage final : public fw::Storage {
   public:
    std::size_t slot_size() const override { return fw::ConfigStore::kRecordSize; }
    bool read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) override;
    bool write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) override;
    bool erase(int slot) override;

   private:
    std::array<std::array<std::uint8_t, fw::ConfigStore::kRecordSize>, kSlots> bytes_ = erased();
    static std::array<std::array<std::uint8_t, fw::ConfigStore::kRecordSize>, kSlots> erased();
  };
  fw::Bms bms_{};
  RamStorage nvm_;

  void observe(const fw::Inputs& in, const fw::Outputs& out, fw::Millis now);
  std::string handle(std::string_view line, fw::Millis now, bool poll);

  fw::vedirect::RegisterHandler registers_{bms_};
  VeDirectObserver observer_{};
  fw::Millis next_text_ms_ = 1000;
  fw::Millis last_now_ = 0;
  bool polled_ = false;
  fw::Outputs last_polled_{};
};


}  // namespace rig
