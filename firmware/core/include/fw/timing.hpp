// Small timing primitives used by the core. All are plain aggregates (trivially copyable), take the elapsed
// time since the previous sample (dt_ms) rather than reading a clock, and saturate instead of wrapping, so
// they are correct at any call period and for any run length.
#pragma once

#include <cstdint>

namespace fw::detail {

inline constexpr std::uint32_t kSaturatedMs = 0x7fffffffu;

constexpr std::uint32_t sat_add(std::uint32_t a, std::uint32_t b) {
  const std::uint64_t r = std::uint64_t{a} + b;
  return r > kSaturatedMs ? kSaturatedMs : static_cast<std::uint32_t>(r);
}

// How long a condition has held without interruption. The first sample on which it is true counts as 0 ms;
// each later true sample adds the time since the previous sample. A false sample resets it.
// So "held for D ms" is true on the first sample taken at least D ms after the condition was first seen.
struct HoldTimer {
  std::uint32_t held_ms = 0;
  bool active = false;

  constexpr std::uint32_t update(bool condition, std::uint32_t dt_ms) {
    if (!condition) {
      active = false;
      held_ms = 0;
      return 0;
    }
    held_ms = active ? sat_add(held_ms, dt_ms) : 0;
    active = true;
    return held_ms;
  }
  constexpr void clear() {
    held_ms = 0;
    active = false;
  }
};

// A deglitched logic level: a new raw level is accepted once it has been seen continuously for `period_ms`
// (the first sample showing it counts as 0 ms). seed() sets the level without delay (first sample after reset).
struct Deglitch {
  bool level = false;
  HoldTimer change;

  constexpr void seed(bool raw) {
    level = raw;
    change.clear();
  }
  constexpr bool update(bool raw, std::uint32_t dt_ms, std::uint32_t period_ms) {
    if (change.update(raw != level, dt_ms) >= period_ms) {
      level = raw;
      change.clear();
    }
    return level;
  }
};

}  // namespace fw::detail
