// Test helper: Kirchhoff's current law at both nodes of a plant::World, and the bank current as the sum of its
// batteries' currents. Test-only.
#pragma once

#include <gtest/gtest.h>

#include "plant/world.hpp"

namespace plant::test {

inline constexpr double kLeakTolA = 1e-4;  // the nodes' 1 MΩ leakage (≤ 20 µA) plus round-off

inline void expect_kirchhoff(const World& w) {
  // Li bus: in from the power stage and the charger = out to loads, pins and the bank.
  const double li = w.alt_port_current_a() + w.charger_current_a() - w.total_load_current_a() - w.pin_current_a() -
                    w.bank_current_a();
  EXPECT_NEAR(li, 0.0, kLeakTolA) << "t=" << w.time_s();
  // Alternator / starter node.
  const double an = w.alternator_current_a() + w.load_dump_current_a() - w.starter_current_a() -
                    w.crank_current_a() - w.vehicle_load_current_a() - w.alt_port_current_a();
  if (w.starter().connected()) EXPECT_NEAR(an, 0.0, kLeakTolA) << "t=" << w.time_s();
  double sum = 0.0;
  for (int b = 0; b < w.battery_count(); ++b) sum += w.battery_current_a(b);
  EXPECT_NEAR(sum, w.bank_current_a(), 1e-9);
}

}  // namespace plant::test
