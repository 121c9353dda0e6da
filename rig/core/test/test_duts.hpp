// Test-only Duts (rig_core tests only, never in production code): wrappers around the real InProcessDut.
// Depth: the Dut seam — they change what the firmware's outputs look like to the plant and the recorder, without
// any hook in the firmware itself.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rig/in_process_dut.hpp"

namespace rig::test {

// Presents InProcessDut as a batching Dut (like QemuDut over a link): preferred_batch() = `batch`, and step_ticks()
// honours the "stop after the first tick whose outputs differ from `assumed`" contract.
class BatchingDut final : public Dut {
 public:
  explicit BatchingDut(std::size_t batch) : batch_(batch) {}
  FirmwareInfo firmware_info() const override { return inner_.firmware_info(); }
  std::string mode() const override { return "sil"; }
  void start(const fw::Config& c) override { inner_.start(c); }
  std::size_t step_ticks(std::span<const BoardSample> in, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override {
    ++calls_;
    const std::size_t n = inner_.step_ticks(in, first_now, assumed, out);
    ticks_ += n;
    return n;
  }
  std::size_t preferred_batch() const override { return batch_; }
  void reset(ResetKind kind) override { inner_.reset(kind); }
  void stop() noexcept override {}
  std::size_t calls() const { return calls_; }
  std::size_t ticks() const { return ticks_; }

 private:
  InProcessDut inner_;
  std::size_t batch_;
  std::size_t calls_ = 0, ticks_ = 0;
};

// A batching Dut that logs the order of its steps and VE.Direct requests ("step <first_now> <count>",
// "request <line>"), forwarding both to an in-process board.
class LoggingDut final : public Dut {
 public:
  explicit LoggingDut(std::size_t batch) : batch_(batch) {}
  FirmwareInfo firmware_info() const override { return inner_.firmware_info(); }
  std::string mode() const override { return "sil"; }
  void start(const fw::Config& c) override { inner_.start(c); }
  std::size_t step_ticks(std::span<const BoardSample> in, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override {
    const std::size_t n = inner_.step_ticks(in, first_now, assumed, out);
    log_.push_back("step " + std::to_string(first_now) + " " + std::to_string(n));
    return n;
  }
  std::size_t preferred_batch() const override { return batch_; }
  void reset(ResetKind kind) override { inner_.reset(kind); }
  std::optional<double> observed(std::string_view signal) const override { return inner_.observed(signal); }
  std::string vedirect_request(std::string_view line) override {
    log_.push_back("request " + std::string(line));
    return inner_.vedirect_request(line);
  }
  void stop() noexcept override {}
  const std::vector<std::string>& log() const { return log_; }

 private:
  InProcessDut inner_;
  std::size_t batch_;
  std::vector<std::string> log_;
};

// Distorts the firmware's outputs as a faulty firmware would:
// - ld_lead_ms: LD floats once discharge is disallowed (ATD false) and the pre-alarm has been active for this long
//   (a firmware with a 20 s lead makes LD fall 10 s early);
// - alt_limit_scale: the alternator current-limit command is multiplied (1.2 = 20 % over the limit).
class DistortingDut final : public Dut {
 public:
  struct Distortion {
    std::uint32_t ld_lead_ms = 0;  // 0 = LD untouched
    double alt_limit_scale = 1.0;
  };
  explicit DistortingDut(Distortion d) : d_(d) {}
  FirmwareInfo firmware_info() const override { return inner_.firmware_info(); }
  std::string mode() const override { return "sil"; }
  void start(const fw::Config& c) override {
    inner_.start(c);
    pa_since_.reset();
  }
  std::size_t step_ticks(std::span<const BoardSample> in, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override {
    const std::size_t n = inner_.step_ticks(in.first(1), first_now, assumed, out.first(1));
    auto& o = out[0];
    if (o.prealarm_active) {
      if (!pa_since_) pa_since_ = first_now;
    } else {
      pa_since_.reset();
    }
    if (d_.ld_lead_ms > 0 && pa_since_ && !o.atd && first_now - *pa_since_ >= d_.ld_lead_ms) o.load = fw::Pin::kFloating;
    o.alt_limit_ma = static_cast<std::int32_t>(o.alt_limit_ma * d_.alt_limit_scale);
    return n;
  }
  void reset(ResetKind kind) override {
    inner_.reset(kind);
    pa_since_.reset();
  }
  void stop() noexcept override {}

 private:
  InProcessDut inner_;
  Distortion d_;
  std::optional<fw::Millis> pa_since_;
};

}  // namespace rig::test
