#include <gtest/gtest.h>

#include "rig/io/bench.hpp"
#include "rig/io/fake/fake_gpio.hpp"
#include "rig/io/fake/fake_iio_tree.hpp"
#include "rig/io/fake/fake_scpi_instrument.hpp"

namespace rig::io {
namespace {

using namespace std::chrono_literals;
using namespace fake;

// A complete small bench on fakes: DAC in a fake IIO tree, PSU + load on fake instruments, GPIO on fake lines.
class BenchOnFakes : public ::testing::Test {
 protected:
  FakeIioTree tree;
  std::filesystem::path dac = tree.add_device("ad5686r");
  FakeScpiInstrument psu{FakeScpiSettings{"ITECH,IT6012C,123,1.0"}};
  FakeScpiInstrument load{FakeScpiSettings{"RIGOL TECHNOLOGIES,DL3021,9,1.0"}};
  std::vector<std::shared_ptr<FakeGpioLine>> lines;
  boost::asio::io_context io;
  RunClock clock = RunClock::start_now();

  void SetUp() override {
    for (int k = 0; k < 4; ++k) tree.set(dac, "out_voltage" + std::to_string(k) + "_raw", "0");
    tree.set(dac, "out_voltage_scale", "0.0762939");  // 5 V / 65536
  }

  std::string yaml(const std::string& psu_idn = "ITECH,IT6012C") {
    std::string y = "rig: fakes\niio_root: " + tree.root().string() +
                    "\ninstruments:\n"
                    "  psu: { model: scpi-psu, port: " + psu.port_path() + ", baud: 115200, idn: \"" + psu_idn + "\", timeout_ms: 200 }\n"
                    "  load: { model: scpi-eload, port: " + load.port_path() + ", baud: 115200, idn: DL3021, timeout_ms: 200 }\n"
                    "channels:\n";
    for (int k = 0; k < 4; ++k)
      y += "  bank/battery[0]/cell[" + std::to_string(k) + "]/sensed_voltage_v:\n    out: { iio: { device: ad5686r, channel: " +
           std::to_string(k) + ", raw_min: 0, raw_max: 65535 } }\n    limits: [2.0, 3.8]\n    safe: 3.3\n";
    y += "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage } }\n    limits: [0, 15]\n    safe: 0\n"
         "  alternator/current_a:\n    in: { scpi: { instrument: psu, quantity: current } }\n    limits: [-60, 60]\n    accuracy: 0.05\n"
         "  li/load_current_a:\n    out: { scpi: { instrument: load, quantity: current } }\n    limits: [0, 30]\n    safe: 0\n"
         "  bms/out/load:\n    in: { gpiod: { chip: gpiochip0, line: 17, debounce_ms: 1 } }\n"
         "  remote/h_v:\n    out: { gpiod: { chip: gpiochip0, line: 5, threshold: 6 } }\n    safe: low\n";
    return y;
  }

  Bench make(const std::string& text) {
    return Bench(parse_rig_config(text, "fakes.yaml"), io, clock, [this] {
      lines.push_back(std::make_shared<FakeGpioLine>());
      return std::make_unique<FakeGpioLinePort>(lines.back());
    });
  }
};

TEST_F(BenchOnFakes, BuildsEveryChannelWithTheRightKind) {
  Bench bench = make(yaml());
  EXPECT_EQ(bench.channels().size(), 9u);
  EXPECT_NE(bench.analog_out("bank/battery[0]/cell[3]/sensed_voltage_v"), nullptr);
  EXPECT_NE(bench.analog_out("alternator/port_voltage_v"), nullptr);
  EXPECT_NE(bench.analog_in("alternator/current_a"), nullptr);
  EXPECT_NE(bench.digital_in("bms/out/load"), nullptr);
  EXPECT_NE(bench.digital_out("remote/h_v"), nullptr);
  EXPECT_EQ(bench.analog_in("remote/h_v"), nullptr);
  EXPECT_EQ(bench.analog_out("nothing"), nullptr);
}

TEST_F(BenchOnFakes, ActivateStartsEveryOutputInItsSafeState) {
  Bench bench = make(yaml());
  bench.configure();
  bench.activate();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(tree.get(dac, "out_voltage" + std::to_string(k) + "_raw"), "43254");  // 3.3 V
  EXPECT_FALSE(psu.output_on());
  EXPECT_FALSE(load.output_on());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[1]->level);  // remote/h_v relay open
}

TEST_F(BenchOnFakes, DriveSafeReturnsEveryOutputToSafeState) {
  Bench bench = make(yaml());
  bench.configure();
  bench.activate();
  bench.analog_out("bank/battery[0]/cell[1]/sensed_voltage_v")->write(2.5);
  bench.analog_out("alternator/port_voltage_v")->write(14.4);
  bench.analog_out("li/load_current_a")->write(10.0);
  bench.digital_out("remote/h_v")->set(true);
  EXPECT_TRUE(psu.output_on());
  EXPECT_TRUE(load.output_on());
  EXPECT_TRUE(bench.drive_safe().empty());
  EXPECT_EQ(tree.get(dac, "out_voltage1_raw"), "43254");
  EXPECT_FALSE(psu.output_on());
  EXPECT_DOUBLE_EQ(psu.voltage_setpoint_v(), 0.0);
  EXPECT_FALSE(load.output_on());
  EXPECT_FALSE(lines[1]->level);
}

TEST_F(BenchOnFakes, WrongInstrumentRefusesTheWholeBenchAndSaysWhere) {
  Bench bench = make(yaml("KEYSIGHT,E36312A"));
  try {
    bench.configure();
    FAIL();
  } catch (const ChannelError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("2 of 9 channels failed to configure; refusing to start"), std::string::npos) << what;
    EXPECT_NE(what.find("fakes.yaml:23:3: alternator/port_voltage_v"), std::string::npos) << what;
    EXPECT_NE(what.find("ITECH,IT6012C"), std::string::npos);
  }
}

TEST_F(BenchOnFakes, MissingDacReportedWithLocation) {
  std::filesystem::remove_all(dac);
  Bench bench = make(yaml());
  try {
    bench.configure();
    FAIL();
  } catch (const ChannelError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("4 of 9 channels failed"), std::string::npos) << what;
    EXPECT_NE(what.find("fakes.yaml:7:3: bank/battery[0]/cell[0]/sensed_voltage_v"), std::string::npos) << what;
  }
}

TEST_F(BenchOnFakes, LostInstrumentListedByDriveSafeWhileTheRestGoesSafe) {
  Bench bench = make(yaml());
  bench.configure();
  bench.activate();
  bench.analog_out("li/load_current_a")->write(10.0);
  bench.analog_out("bank/battery[0]/cell[0]/sensed_voltage_v")->write(2.2);
  psu.disconnect();
  const auto failures = bench.drive_safe();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].rfind("alternator/port_voltage_v: ", 0), 0u) << failures[0];
  EXPECT_FALSE(load.output_on());
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "43254");
}

}  // namespace
}  // namespace rig::io
