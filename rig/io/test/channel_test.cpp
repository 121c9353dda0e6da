#include <gtest/gtest.h>

#include <cmath>

#include "rig/io/fake/fake_channels.hpp"

namespace rig::io {
namespace {

using fake::FakeAnalogIn;
using fake::FakeAnalogOut;
using fake::FakeDigitalIn;
using fake::FakeDigitalOut;

AnalogSpec cell_dac() {
  AnalogSpec s;
  s.unit = "V";
  s.limits = {2.0, 3.8};
  s.calibration = {1000.0, 5.0};  // mV on the DAC, 5 mV offset
  s.safe_value = 2.0;
  return s;
}

TEST(AnalogOut, RefusesWritesUntilActive) {
  FakeAnalogOut ch("bank/battery[0]/cell[0]/sensed_voltage_v", cell_dac());
  EXPECT_THROW(ch.write(3.3), ChannelError);
  ch.configure();
  EXPECT_EQ(ch.state(), ChannelState::kConfigured);
  EXPECT_THROW(ch.write(3.3), ChannelError);
  EXPECT_TRUE(ch.device_writes.empty());
}

TEST(AnalogOut, ActivateDrivesSafeValueFirst) {
  FakeAnalogOut ch("c", cell_dac());
  ch.configure();
  ch.activate();
  ASSERT_EQ(ch.device_writes.size(), 1u);
  EXPECT_DOUBLE_EQ(ch.device_writes[0], 2005.0);
  EXPECT_DOUBLE_EQ(ch.commanded(), 2.0);
}

TEST(AnalogOut, AppliesCalibrationInsideLimits) {
  FakeAnalogOut ch("c", cell_dac());
  ch.configure();
  ch.activate();
  EXPECT_DOUBLE_EQ(ch.write(3.3), 3.3);
  EXPECT_DOUBLE_EQ(ch.device_writes.back(), 3305.0);
  EXPECT_EQ(ch.clamp_count(), 0u);
}

TEST(AnalogOut, ClampsOnBothSidesOfTheLimits) {
  FakeAnalogOut ch("c", cell_dac());
  ch.configure();
  ch.activate();
  EXPECT_DOUBLE_EQ(ch.write(3.8), 3.8);  // on the edge: not clamped
  EXPECT_EQ(ch.clamp_count(), 0u);
  EXPECT_DOUBLE_EQ(ch.write(3.81), 3.8);
  EXPECT_DOUBLE_EQ(ch.device_writes.back(), 3805.0);
  EXPECT_DOUBLE_EQ(ch.write(2.0), 2.0);
  EXPECT_EQ(ch.clamp_count(), 1u);
  EXPECT_DOUBLE_EQ(ch.write(1.99), 2.0);
  EXPECT_EQ(ch.clamp_count(), 2u);
}

TEST(AnalogOut, RefusesNaN) {
  FakeAnalogOut ch("c", cell_dac());
  ch.configure();
  ch.activate();
  EXPECT_THROW(ch.write(std::nan("")), ChannelError);
  EXPECT_EQ(ch.device_writes.size(), 1u);
}

TEST(AnalogOut, RejectsSafeValueOutsideLimitsAndZeroGain) {
  auto s = cell_dac();
  s.safe_value = 1.0;
  EXPECT_THROW(FakeAnalogOut("c", s), std::invalid_argument);
  s = cell_dac();
  s.calibration.gain = 0.0;
  EXPECT_THROW(FakeAnalogOut("c", s), std::invalid_argument);
  s = cell_dac();
  s.limits = {3.0, 2.0};
  EXPECT_THROW(FakeAnalogOut("c", s), std::invalid_argument);
}

TEST(AnalogOut, DeactivateDrivesSafeValue) {
  FakeAnalogOut ch("c", cell_dac());
  ch.configure();
  ch.activate();
  ch.write(3.5);
  EXPECT_TRUE(ch.deactivate());
  EXPECT_DOUBLE_EQ(ch.device_writes.back(), 2005.0);
  EXPECT_EQ(ch.state(), ChannelState::kConfigured);
  EXPECT_THROW(ch.write(3.0), ChannelError);
}

TEST(AnalogOut, LostDeviceFaultsChannelAndDeactivateDoesNotThrow) {
  FakeAnalogOut ch("c", cell_dac());
  ch.configure();
  ch.activate();
  ch.faults.fail_io = true;
  EXPECT_THROW(ch.write(3.0), ChannelError);
  EXPECT_EQ(ch.state(), ChannelState::kFaulted);
  EXPECT_FALSE(ch.deactivate());  // safe state could not be applied, reported, no exception
  EXPECT_NE(ch.last_error().find("device lost"), std::string::npos);
}

TEST(Channel, ConfigureFailureKeepsUnconfiguredAndNamesChannel) {
  FakeAnalogOut ch("alternator/port_voltage_v", cell_dac());
  ch.faults.refuse_configure = true;
  try {
    ch.configure();
    FAIL() << "configure should throw";
  } catch (const ChannelError& e) {
    EXPECT_NE(std::string(e.what()).find("alternator/port_voltage_v"), std::string::npos);
  }
  EXPECT_EQ(ch.state(), ChannelState::kUnconfigured);
  EXPECT_THROW(ch.activate(), ChannelError);
}

TEST(Channel, DriveSafeOnUnconfiguredChannelTouchesNothing) {
  FakeAnalogOut ch("c", cell_dac());
  EXPECT_TRUE(ch.drive_safe());
  EXPECT_TRUE(ch.device_writes.empty());
}

TEST(AnalogIn, InvertsCalibrationAndFlagsOutOfRangeWithoutClamping) {
  AnalogSpec s;
  s.unit = "A";
  s.limits = {-100.0, 100.0};
  s.calibration = {10.0, 2.0};  // device = 10 * A + 2
  FakeAnalogIn ch("alternator/current_a", s);
  ch.configure();
  ch.activate();
  ch.device_value = 502.0;
  EXPECT_DOUBLE_EQ(ch.read(), 50.0);
  EXPECT_FALSE(ch.saturated());
  ch.device_value = 1002.0;  // exactly 100 A: inside
  EXPECT_DOUBLE_EQ(ch.read(), 100.0);
  EXPECT_FALSE(ch.saturated());
  ch.device_value = 1012.0;  // 101 A: recorded as measured, flagged
  EXPECT_DOUBLE_EQ(ch.read(), 101.0);
  EXPECT_TRUE(ch.saturated());
  ch.device_value = -1010.0;  // -101.2 A
  EXPECT_DOUBLE_EQ(ch.read(), -101.2);
  EXPECT_TRUE(ch.saturated());
}

TEST(DigitalOut, SafeLevelOnActivateAndDeactivate) {
  FakeDigitalOut ch("remote/h", DigitalSpec{false});
  ch.configure();
  ch.activate();
  ch.set(true);
  EXPECT_TRUE(ch.level());
  ch.deactivate();
  ASSERT_EQ(ch.sets.size(), 3u);
  EXPECT_FALSE(ch.sets[0]);
  EXPECT_TRUE(ch.sets[1]);
  EXPECT_FALSE(ch.sets[2]);
  EXPECT_FALSE(ch.level());
}

TEST(DigitalOut, SafeLevelMayBeHigh) {
  FakeDigitalOut ch("relay/cable_break", DigitalSpec{true});
  ch.configure();
  ch.activate();
  EXPECT_TRUE(ch.sets.at(0));
}

TEST(DigitalIn, DeliversEdgesToHandler) {
  FakeDigitalIn ch("bms/out/load");
  std::vector<EdgeEvent> seen;
  ch.on_edge([&](const EdgeEvent& e) { seen.push_back(e); });
  ch.configure();
  ch.activate();
  ch.inject({Nanos{1500}, true});
  EXPECT_TRUE(ch.read());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].t, Nanos{1500});
  EXPECT_FALSE(ch.is_output());
  EXPECT_TRUE(ch.drive_safe());  // inputs have nothing to drive
}

}  // namespace
}  // namespace rig::io
