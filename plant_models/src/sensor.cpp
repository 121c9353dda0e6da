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

double NtcFrontEnd::reading_c(double code) const {
  const double full = std::ldexp(1.0, adc_bits);
  const double r = pullup_ohm * code / (full - code);   // divider: code / full = R / (R + R_pullup)
  return 1.0 / (1.0 / 298.15 + std::log(r / r25_ohm) / beta_k) - 273.15;
}
double NtcFrontEnd::open_c() const { return reading_c(std::ldexp(1.0, adc_bits) - 1.0); }
double NtcFrontEnd::short_c() const { return reading_c(1.0); }

double Sensor::sample_full(double physical) {
  if (noise_.sigma > 0.0) physical += noise_.offset + noise_.sigma * noise_rng_.gaussian();
  else physical += noise_.offset;
  switch (fault_.kind) {
    case SensorFaultKind::kNone: reading_ = physical; break;
    case SensorFaultKind::kOpen: reading_ = open_reading_; break;
    case SensorFaultKind::kShort: reading_ = short_reading_; break;
    case SensorFaultKind::kStuck: reading_ = stuck_; break;
    case SensorFaultKind::kNoisy: reading_ = physical + fault_.value + fault_.sigma * rng_.gaussian(); break;
    case SensorFaultKind::kOffset: reading_ = physical + fault_.value; break;
  }
  return reading_;
}

}  // namespace plant
