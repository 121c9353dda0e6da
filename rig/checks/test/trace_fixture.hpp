// Hand-made traces for the checks' unit tests.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "rig/trace.hpp"

namespace rig::test {

inline Time s(double seconds) { return from_seconds(seconds); }

// Adds a signal with samples given as {time_s, value} pairs (appended raw, in order).
inline SignalId add(Trace& trace, const std::string& name, SignalKind kind,
                    std::initializer_list<std::pair<double, double>> samples, std::string unit = {}) {
  const SignalId id = trace.add_signal(SignalInfo{name, std::move(unit), kind, 0.0});
  for (const auto& [t, v] : samples) trace.append_raw(id, Sample{s(t), v});
  return id;
}

// The flavour trace: pre-alarm rises at 100 s, load falls at `load_fall_s`, a cell voltage that sags,
// an alternator current, an alternator-port voltage; the run ends at 200 s.
inline Trace lead_trace(double load_fall_s) {
  Trace t;
  add(t, "bms/out/prealarm", SignalKind::kDigital, {{0, 0}, {100, 1}});
  add(t, "bms/out/load", SignalKind::kDigital, {{0, 0}, {1, 1}, {load_fall_s, 0}});
  add(t, "bank/battery[0]/cell[3]/voltage_v", SignalKind::kAnalog,
      {{0, 3.3}, {50, 3.2}, {98, 3.09}, {120, 2.95}, {130, 2.79}}, "V");
  add(t, "alternator/current_a", SignalKind::kAnalog, {{0, 0.0}, {10, 50.0}, {20, 90.0}, {150, -0.05}}, "A");
  add(t, "alternator/port_v", SignalKind::kAnalog, {{0, 12.5}, {10, 13.8}}, "V");
  t.set_end_time(s(200));
  return t;
}

}  // namespace rig::test
