// Sensor faults applied between a physical quantity and what the BMS reads. Depth: the reading only
// (the physical quantity is untouched). Noise comes from a seeded generator held in the object, so a copy
// of the world replays the same noise (deterministic checkpoints).
#pragma once

#include <cstdint>

namespace plant {

enum class SensorFaultKind : std::uint8_t {
  kNone = 0,
  kOpen = 1,    // open wire / open input: reads `value` (default 0 V for a cell-sense wire)
  kStuck = 2,   // holds the reading it had when the fault was set (or `value` if hold_current is false)
  kNoisy = 3,   // adds Gaussian noise of standard deviation `sigma` (plus `value` as an offset)
  kOffset = 4,  // adds `value`
};

struct SensorFault {
  SensorFaultKind kind = SensorFaultKind::kNone;
  double value = 0.0;
  double sigma = 0.0;
  bool hold_current = true;     // kStuck: freeze the present reading
  std::uint64_t seed = 1;       // kNoisy
  void validate() const;
};

// Small deterministic generator (splitmix64); copyable state.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : s_(seed) {}
  std::uint64_t next_u64();
  double uniform();              // [0, 1)
  double uniform_pm1();          // [-1, 1)
  double gaussian();             // N(0, 1), Box–Muller (one value per call)
 private:
  std::uint64_t s_;
};

class Sensor {
 public:
  void set_fault(const SensorFault& f);   // throws std::invalid_argument on a bad fault
  void clear_fault() { set_fault(SensorFault{}); }
  const SensorFault& fault() const { return fault_; }
  // Computes and stores the reading of `physical`; returns it.
  double sample(double physical);
  double reading() const { return reading_; }
 private:
  SensorFault fault_{};
  Rng rng_{1};
  double reading_ = 0.0;
  double stuck_ = 0.0;
};

}  // namespace plant
