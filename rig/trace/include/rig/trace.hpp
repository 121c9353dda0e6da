// The recorded trace of one run: named signals, each a sequence of (time, value) changes.
// This is the single data model shared by the recorder (rig/core), the checks (rig/checks) and the writers
// (rig/report). Checks judge only this trace, so a verdict can be recomputed from a trace file alone.
//
// Time is virtual (SIL/PIL) or kernel time relative to the run start (HIL), in nanoseconds.
// Values are doubles in SI units (V, A, °C, s) or 0/1 for digital signals; the unit is in the signal name
// (`_v`, `_a`, `_c`) or in SignalInfo::unit. A signal's value holds from one sample until the next
// (zero-order hold); the first sample of every signal is at the time it was first recorded.
//
// Not thread-safe; one Trace per run.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rig {

using Time = std::chrono::nanoseconds;

constexpr double to_seconds(Time t) { return static_cast<double>(t.count()) * 1e-9; }
constexpr Time from_seconds(double s) { return Time{static_cast<std::int64_t>(s * 1e9 + (s >= 0 ? 0.5 : -0.5))}; }

enum class SignalKind : std::uint8_t {
  kAnalog,   // a physical quantity; recorded when it moves by at least `resolution`
  kDigital,  // 0 or 1 (an output pin: 1 = high, 0 = floating; a flag)
  kInteger,  // an integer code (alarm reason bits, error code); recorded on every change
};

struct SignalInfo {
  std::string name;           // e.g. "bank/battery[0]/cell[3]/voltage_v", "bms/out/load"
  std::string unit;           // "V", "A", "degC", "" for digital
  SignalKind kind = SignalKind::kAnalog;
  double resolution = 0.0;    // analog: smallest change that is recorded (0 = every change)
};

struct Sample {
  Time t;
  double value;
};

using SignalId = std::uint32_t;

class Trace {
 public:
  // Registers a signal; registering an existing name returns its id (the info must agree).
  SignalId add_signal(SignalInfo info) {
    if (auto it = index_.find(info.name); it != index_.end()) return it->second;
    const auto id = static_cast<SignalId>(signals_.size());
    index_.emplace(info.name, id);
    signals_.push_back(Series{std::move(info), {}});
    return id;
  }

  // Records `value` at `t` if it differs from the last recorded value by at least the signal's
  // resolution (always for the first sample). Times must not decrease per signal.
  void record(SignalId id, Time t, double value) {
    auto& s = signals_[id];
    if (!s.samples.empty()) {
      const double last = s.samples.back().value;
      const double delta = value > last ? value - last : last - value;
      if (s.info.kind == SignalKind::kAnalog ? (delta < s.info.resolution || delta == 0.0) : value == last)
        return;
      if (s.samples.back().t == t) {  // same instant: keep the latest value only
        s.samples.back().value = value;
        return;
      }
    }
    s.samples.push_back(Sample{t, value});
  }

  // Records `value` at `t` if it differs from the last recorded value at all (resolution ignored): the recorder
  // uses it where an instant must be exact (a watched condition changes truth).
  void record_exact(SignalId id, Time t, double value) {
    auto& s = signals_[id];
    if (!s.samples.empty()) {
      if (s.samples.back().value == value) return;
      if (s.samples.back().t == t) {
        s.samples.back().value = value;
        return;
      }
    }
    s.samples.push_back(Sample{t, value});
  }

  // Appends unconditionally (used when loading a trace from a file).
  void append_raw(SignalId id, Sample sample) { signals_[id].samples.push_back(sample); }

  std::optional<SignalId> find(std::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  std::size_t signal_count() const { return signals_.size(); }
  const SignalInfo& info(SignalId id) const { return signals_[id].info; }
  const std::vector<Sample>& samples(SignalId id) const { return signals_[id].samples; }

  // Zero-order-hold value at t; nullopt before the first sample.
  std::optional<double> value_at(SignalId id, Time t) const {
    const auto& v = signals_[id].samples;
    std::size_t lo = 0, hi = v.size();
    while (lo < hi) {  // first sample with time > t
      const std::size_t mid = (lo + hi) / 2;
      if (v[mid].t <= t) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return std::nullopt;
    return v[lo - 1].value;
  }

  // The run covers [0, end_time()]; set by the runner when the run stops.
  Time end_time() const { return end_; }
  void set_end_time(Time t) { end_ = t; }

 private:
  struct Series {
    SignalInfo info;
    std::vector<Sample> samples;
  };
  std::vector<Series> signals_;
  std::unordered_map<std::string, SignalId> index_;
  Time end_{0};
};

}  // namespace rig
