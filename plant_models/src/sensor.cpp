#include "plant/sensor.hpp"

#include <cmath>
#include <numbers>

namespace plant {

std::uint64_t Rng::next_u64() {
  std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

double Rng::uniform_pm1() { return 2.0 * uniform() - 1.0; }

double Rng::gaussian() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

void Sensor::set_fault(const SensorFault& f) {
  f.validate();
  fault_ = f;
  rng_ = Rng(f.seed);
  stuck_ = f.hold_current ? reading_ : f.value;
}

double Sensor::sample(double physical) {
  switch (fault_.kind) {
    case SensorFaultKind::kNone: reading_ = physical; break;
    case SensorFaultKind::kOpen: reading_ = fault_.value; break;
    case SensorFaultKind::kStuck: reading_ = stuck_; break;
    case SensorFaultKind::kNoisy: reading_ = physical + fault_.value + fault_.sigma * rng_.gaussian(); break;
    case SensorFaultKind::kOffset: reading_ = physical + fault_.value; break;
  }
  return reading_;
}

}  // namespace plant
