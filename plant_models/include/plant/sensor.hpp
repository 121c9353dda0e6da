// Sensor faults applied between a physical quantity and what the BMS reads. Depth: the reading only
// (the physical quantity is untouched). Noise comes from a seeded generator held in the object, so a copy
// of the world replays the same noise (deterministic checkpoints).
#pragma once

#include <cstdint>

namespace plant {

enum class SensorFaultKind : std::uint8_t {
  kNone = 0,
  kOpen = 1,    // open wire / open input: reads what the front end's ADC gives open (0 V for a cell-sense
                //   wire; a thermistor's full-scale code, about -100 °C with the default NTC front end)
  kStuck = 2,   // holds the reading it had when the fault was set (or `value` if hold_current is false)
  kNoisy = 3,   // adds Gaussian noise of standard deviation `sigma` (plus `value` as an offset)
  kOffset = 4,  // adds `value`
  kShort = 5,   // shorted input: what the ADC gives shorted (0 V; a thermistor's code 1, about +800 °C)
};

// Thermistor front end of a temperature input (values [I]): NTC (R25, B) to minus, pull-up to the ADC
// reference, `adc_bits` ADC, converted back to °C with the same B equation. Gives the temperature the
// conversion reports for the open and the shorted input (full-scale code and code 1).
struct NtcFrontEnd {
  double r25_ohm = 10.0e3;
  double beta_k = 3435.0;
  double pullup_ohm = 10.0e3;
  int adc_bits = 12;
  double reading_c(double code) const;    // temperature the conversion reports for an ADC code
  double open_c() const;                  // full-scale code
  double short_c() const;                 // code 1
  void validate() const;
};

// Normal (fault-free) imperfection of a sensor: a fixed offset and Gaussian noise per sample, drawn from
// a seed (the same seed gives the same trace on every platform; a copy replays it).
struct SensorNoise {
  double offset = 0.0;
  double sigma = 0.0;
  std::uint64_t seed = 1;
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
  // What the input reads open / shorted (set by the owner from its front end; defaults 0).
  void set_front_end(double open_reading, double short_reading) {
    open_reading_ = open_reading;
    short_reading_ = short_reading;
  }
  void set_noise(const SensorNoise& n) { noise_ = n; noise_rng_ = Rng(n.seed); }
  const SensorNoise& noise() const { return noise_; }
  // Computes and stores the reading of `physical`; returns it. Inline for a healthy, noise-free sensor (the
  // common case, 40 samples per plant step with five batteries); faults and noise take the full path.
  double sample(double physical) {
    if (fault_.kind == SensorFaultKind::kNone && !(noise_.sigma > 0.0)) return reading_ = physical + noise_.offset;
    return sample_full(physical);
  }
  double reading() const { return reading_; }
 private:
  double sample_full(double physical);
  SensorFault fault_{};
  Rng rng_{1};
  SensorNoise noise_{};
  Rng noise_rng_{1};
  double open_reading_ = 0.0, short_reading_ = 0.0;
  double reading_ = 0.0;
  double stuck_ = 0.0;
};

}  // namespace plant
