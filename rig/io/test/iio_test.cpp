#include <gtest/gtest.h>

#include "rig/io/fake/fake_iio_tree.hpp"
#include "rig/io/iio.hpp"

namespace rig::io {
namespace {

using fake::FakeIioTree;

AnalogSpec volts(double lo, double hi, double safe = 0.0) {
  AnalogSpec s;
  s.limits = {lo, hi};
  s.safe_value = safe;
  return s;
}

class Iio : public ::testing::Test {
 protected:
  FakeIioTree tree;
  std::filesystem::path adc = tree.add_device("ads1115");
  std::filesystem::path dac = tree.add_device("ad5686");
  void SetUp() override {
    for (int k = 0; k < 4; ++k) tree.set(dac, "out_voltage" + std::to_string(k) + "_raw", "0");
    tree.set(dac, "out_voltage_scale", "0.5");  // shared: 0.5 mV per code
    tree.set(adc, "in_voltage0_raw", "0");
  }
  IioChannelSpec at(const std::string& device, int channel) { return {tree.root(), device, channel, {}, {}}; }
};

TEST_F(Iio, FindsDeviceByNameFileAndByDirectoryName) {
  EXPECT_EQ(find_iio_device(tree.root(), "ad5686"), dac);
  EXPECT_EQ(find_iio_device(tree.root(), "iio:device0"), adc);
}

TEST_F(Iio, MissingDeviceErrorListsWhatExists) {
  try {
    find_iio_device(tree.root(), "mcp4728");
    FAIL();
  } catch (const ChannelError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("mcp4728"), std::string::npos);
    EXPECT_NE(what.find("iio:device1 (ad5686)"), std::string::npos);
  }
}

TEST_F(Iio, DacWritesCodeFromSharedScale) {
  IioAnalogOut ch("bank/battery[0]/cell[0]/sensed_voltage_v", volts(0.0, 5.0, 2.5), at("ad5686", 2));
  ch.configure();
  ch.activate();
  EXPECT_EQ(tree.get(dac, "out_voltage2_raw"), "5000");  // safe 2.5 V at 0.5 mV/code
  ch.write(3.3);
  EXPECT_EQ(tree.get(dac, "out_voltage2_raw"), "6600");
  ch.write(0.0005);  // a shorter number after a longer one: no stale digits
  EXPECT_EQ(tree.get(dac, "out_voltage2_raw"), "1");
}

TEST_F(Iio, PerChannelScaleAndOffsetOverrideShared) {
  tree.set(dac, "out_voltage1_scale", "0.25");
  tree.set(dac, "out_voltage1_offset", "10");
  IioAnalogOut ch("c", volts(0.0, 5.0), at("ad5686", 1));
  ch.configure();
  ch.activate();
  EXPECT_DOUBLE_EQ(ch.scaling().scale_mv, 0.25);
  ch.write(1.0);  // 1000 mV / 0.25 - 10
  EXPECT_EQ(tree.get(dac, "out_voltage1_raw"), "3990");
}

TEST_F(Iio, CalibrationMapsPhysicalToPinVolts) {
  auto spec = volts(0.0, 16.0);
  spec.calibration = {0.25, 0.0};  // 16 V port through a 1:4 divider-amplifier
  IioAnalogOut ch("alternator/port_voltage_v", spec, at("ad5686", 0));
  ch.configure();
  ch.activate();
  ch.write(14.4);  // 3.6 V at the pin
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "7200");
}

TEST_F(Iio, RawCodeClampedToConverterRangeOnBothSides) {
  auto spec = at("ad5686", 3);
  spec.raw_min = 0;
  spec.raw_max = 4095;
  IioAnalogOut ch("c", volts(-1.0, 5.0), spec);
  ch.configure();
  ch.activate();
  ch.write(2.0475);  // exactly 4095
  EXPECT_EQ(tree.get(dac, "out_voltage3_raw"), "4095");
  ch.write(2.048);  // 4096 → 4095
  EXPECT_EQ(tree.get(dac, "out_voltage3_raw"), "4095");
  ch.write(-0.5);
  EXPECT_EQ(tree.get(dac, "out_voltage3_raw"), "0");
}

TEST_F(Iio, MissingChannelFileFailsConfigureWithPath) {
  IioAnalogOut ch("c", volts(0.0, 5.0), at("ad5686", 7));
  try {
    ch.configure();
    FAIL();
  } catch (const ChannelError& e) {
    EXPECT_NE(std::string(e.what()).find("out_voltage7_raw"), std::string::npos);
  }
  EXPECT_EQ(ch.state(), ChannelState::kUnconfigured);
}

TEST_F(Iio, MalformedScaleFailsConfigure) {
  tree.set(dac, "out_voltage0_scale", "fast");
  IioAnalogOut ch("c", volts(0.0, 5.0), at("ad5686", 0));
  EXPECT_THROW(ch.configure(), ChannelError);
}

TEST_F(Iio, AdcReadsScaledVoltsWithDefaultScale) {
  IioAnalogIn ch("alternator/current_sense_v", volts(-10.0, 10.0), at("ads1115", 0));
  ch.configure();
  ch.activate();
  tree.set(adc, "in_voltage0_raw", "1250");  // no scale file: 1 mV per code
  EXPECT_DOUBLE_EQ(ch.read(), 1.25);
  tree.set(adc, "in_voltage0_raw", "-300");
  EXPECT_DOUBLE_EQ(ch.read(), -0.3);
}

TEST_F(Iio, AdcAppliesOffsetThenScale) {
  tree.set(adc, "in_voltage0_scale", "2");
  tree.set(adc, "in_voltage0_offset", "-34");
  IioAnalogIn ch("c", volts(-10.0, 10.0), at("ads1115", 0));
  ch.configure();
  ch.activate();
  tree.set(adc, "in_voltage0_raw", "1234");
  EXPECT_DOUBLE_EQ(ch.read(), 2.4);
}

TEST_F(Iio, MalformedAdcReadingFaultsChannel) {
  IioAnalogIn ch("c", volts(-10.0, 10.0), at("ads1115", 0));
  ch.configure();
  ch.activate();
  tree.set(adc, "in_voltage0_raw", "12x");
  EXPECT_THROW(ch.read(), ChannelError);
  EXPECT_EQ(ch.state(), ChannelState::kFaulted);
}

TEST_F(Iio, DeactivateWritesSafeCode) {
  IioAnalogOut ch("c", volts(0.0, 5.0, 1.0), at("ad5686", 0));
  ch.configure();
  ch.activate();
  ch.write(4.0);
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "8000");
  EXPECT_TRUE(ch.deactivate());
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "2000");
}

}  // namespace
}  // namespace rig::io
