#include <gtest/gtest.h>

#include "rig/io/config.hpp"

namespace rig::io {
namespace {

const std::string kExample = std::string(BMSRIG_EXAMPLES_DIR) + "/bench-4s1p.yaml";

TEST(RigConfig, ExampleBenchLoads) {
  const RigConfig rig = load_rig_config(kExample);
  EXPECT_EQ(rig.name, "bench-4s1p");
  EXPECT_DOUBLE_EQ(rig.loop.rate_hz, 1000.0);
  ASSERT_EQ(rig.instruments.size(), 2u);
  EXPECT_EQ(rig.instruments[0].connection.expected_idn, "ITECH,IT6012C");
  EXPECT_EQ(rig.instruments[1].model.name, "scpi-eload");
  ASSERT_TRUE(rig.telemetry);
  EXPECT_EQ(rig.telemetry->silence_timeout, std::chrono::milliseconds(3000));
  int dac_cells = 0;
  for (const auto& c : rig.channels)
    if (std::holds_alternative<IioBinding>(c.binding) && c.direction == Direction::kOut) ++dac_cells;
  EXPECT_EQ(dac_cells, 4);

  const auto* cell = rig.find("bank/battery[0]/cell[2]/voltage_v");
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(std::get<IioBinding>(cell->binding).channel, 2);
  EXPECT_EQ(cell->analog.unit, "V");
  EXPECT_DOUBLE_EQ(cell->analog.limits.max, 3.8);
  EXPECT_DOUBLE_EQ(cell->analog.safe_value, 3.3);
  EXPECT_DOUBLE_EQ(cell->analog.calibration.gain, 1.0003);

  const auto* load = rig.find("bms/out/load");
  ASSERT_NE(load, nullptr);
  const auto& g = std::get<GpiodBinding>(load->binding);
  EXPECT_EQ(load->direction, Direction::kIn);
  EXPECT_TRUE(g.line.active_low);
  EXPECT_EQ(g.line.bias, Bias::kPullUp);
  EXPECT_EQ(g.line.debounce, std::chrono::milliseconds(1));

  const auto* alt = rig.find("alternator/current_a");
  ASSERT_NE(alt, nullptr);
  EXPECT_EQ(std::get<ScpiBinding>(alt->binding).quantity, ScpiQuantity::kCurrent);
  EXPECT_EQ(alt->analog.unit, "A");

  const auto* cable = rig.find("bank/battery[0]/cable/connected");
  ASSERT_NE(cable, nullptr);
  EXPECT_TRUE(cable->digital.safe_level);
  EXPECT_EQ(cable->where.line, 96);
}

// Parses `yaml` expecting a ConfigError whose message contains every fragment.
void expect_error(const std::string& yaml, std::initializer_list<std::string> fragments) {
  try {
    parse_rig_config(yaml, "bench.yaml");
    ADD_FAILURE() << "no error for:\n" << yaml;
  } catch (const ConfigError& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what() << "\nmissing: " << f;
  }
}

const std::string kHead = "rig: t\nchannels:\n";

TEST(RigConfig, UnknownKeyReportedWithLineColumnAndAllowedKeys) {
  expect_error(kHead +
                   "  bms/out/load:\n"
                   "    in: { gpiod: { chip: gpiochip0, line: 17, debounse_ms: 1 } }\n",
               {"bench.yaml:4:47: channels.bms/out/load.in.gpiod: found key 'debounse_ms', expected one of:",
                "debounce_ms"});
}

TEST(RigConfig, OutputWithoutSafeStateRefused) {
  expect_error(kHead + "  remote/h_v:\n    out: { gpiod: { chip: c, line: 1 } }\n",
               {"bench.yaml:4:5:", "no 'safe'", "every output declares its safe state"});
  expect_error(kHead + "  x/y_v:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [0, 5]\n",
               {"no 'safe'"});
}

TEST(RigConfig, SafeValueMustLieWithinLimits) {
  const std::string base = kHead + "  x/y_v:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [2.0, 3.8]\n";
  EXPECT_NO_THROW(parse_rig_config(base + "    safe: 3.8\n", "b"));
  expect_error(base + "    safe: 3.81\n", {"bench.yaml:6:11:", "found '3.81', expected a value within the limits"});
  EXPECT_NO_THROW(parse_rig_config(base + "    safe: 2.0\n", "b"));
  expect_error(base + "    safe: 1.99\n", {"within the limits"});
}

TEST(RigConfig, AnalogChannelNeedsLimitsAndAUnit) {
  expect_error(kHead + "  x/y_v:\n    in: { iio: { device: d, channel: 0 } }\n", {"no 'limits'"});
  expect_error(kHead + "  x/level:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [0, 1]\n",
               {"no unit suffix", "_v, _a, _c"});
  EXPECT_NO_THROW(parse_rig_config(kHead + "  x/level:\n    in: { iio: { device: d, channel: 0 } }\n    unit: V\n    limits: [0, 1]\n", "b"));
  expect_error(kHead + "  x/y_v:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [3, 1]\n", {"min <= max"});
}

TEST(RigConfig, ExactlyOneBackendAndOneDirection) {
  expect_error(kHead + "  x/y_v:\n    in: { iio: { device: d, channel: 0 }, gpiod: { chip: c, line: 0 } }\n    limits: [0, 1]\n",
               {"found 2 backends, expected exactly one of iio, gpiod, scpi"});
  expect_error(kHead + "  x/y_v:\n    limits: [0, 1]\n", {"no 'in' or 'out'"});
  expect_error(kHead + "  x/y_v:\n    in: { spi: { bus: 0 } }\n", {"found key 'spi'", "iio, gpiod, scpi"});
}

TEST(RigConfig, ScpiChannelMustNameADeclaredInstrument) {
  const std::string inst = "rig: t\ninstruments:\n  psu: { model: scpi-psu, port: /dev/ttyUSB0, idn: X }\nchannels:\n";
  EXPECT_NO_THROW(parse_rig_config(inst + "  a/b_v:\n    out: { scpi: { instrument: psu, quantity: voltage } }\n    limits: [0, 15]\n    safe: 0\n", "b"));
  expect_error(inst + "  a/b_v:\n    out: { scpi: { instrument: pus, quantity: voltage } }\n    limits: [0, 15]\n    safe: 0\n",
               {"found 'pus', expected an instrument declared under 'instruments' (psu)"});
  expect_error(inst + "  a/b_v:\n    out: { scpi: { instrument: psu, quantity: power } }\n    limits: [0, 15]\n    safe: 0\n",
               {"found 'power', expected one of: voltage, current"});
  const auto rig = parse_rig_config(inst + "  a/b_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 1 } }\n    limits: [0, 15]\n    safe: 0\n", "b");
  EXPECT_EQ(std::get<ScpiBinding>(rig.channels[0].binding).update_period, std::chrono::milliseconds(1));
  expect_error(inst + "  a/b_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 0 } }\n    limits: [0, 15]\n    safe: 0\n",
               {"found '0', expected an integer in [1, 10000]"});
  expect_error(inst + "  a/b_a:\n    in: { scpi: { instrument: psu, quantity: current, update_ms: 50 } }\n    limits: [0, 15]\n",
               {"update period on an input"});
}

TEST(RigConfig, UnknownInstrumentModelListsKnownOnes) {
  expect_error("rig: t\ninstruments:\n  psu: { model: korad, port: /dev/ttyUSB0, idn: X }\nchannels:\n  a/b_v:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [0, 1]\n",
               {"bench.yaml:3:17:", "found 'korad', expected one of: scpi-psu, scpi-eload"});
}

TEST(RigConfig, GpioSettingsValidated) {
  expect_error(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1, bias: up } }\n",
               {"found 'up', expected one of: as-is, disabled, pull-up, pull-down"});
  expect_error(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1, debounce_ms: -1 } }\n",
               {"found '-1', expected a duration in [0, 1000] ms"});
  EXPECT_NO_THROW(parse_rig_config(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1, debounce_ms: 1000 } }\n", "b"));
  expect_error(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1, debounce_ms: 1000.5 } }\n", {"[0, 1000] ms"});
  expect_error(kHead + "  remote/h_v:\n    out: { gpiod: { chip: c, line: 1, debounce_ms: 1 } }\n    safe: low\n",
               {"debounce on an output"});
  expect_error(kHead + "  remote/h_v:\n    out: { gpiod: { chip: c, line: 1 } }\n    safe: off\n", {"found 'off', expected one of: low, high"});
  expect_error(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n    safe: low\n", {"a safe state on an input"});
  expect_error(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: x } }\n", {"found 'x', expected an integer in [0, 1023]"});
}

TEST(RigConfig, SignalNamesAndDuplicatesChecked) {
  expect_error(kHead + "  Bank/Cell 1:\n    in: { gpiod: { chip: c, line: 1 } }\n", {"found signal name 'Bank/Cell 1'"});
  expect_error(kHead + "  a/b:\n    in: { gpiod: { chip: c, line: 1 } }\n  a/b:\n    in: { gpiod: { chip: c, line: 2 } }\n",
               {"bench.yaml:5:3:", "'a/b' twice"});
}

TEST(RigConfig, TopLevelErrors) {
  expect_error("channels:\n  a/b:\n    in: { gpiod: { chip: c, line: 1 } }\n", {"no 'rig'"});
  expect_error("rig: t\nchannels: {}\n", {"channels: found a mapping, expected a mapping of plant signals"});
  expect_error("rig: t\nchannels:\n  a: [\n", {"bench.yaml:", "not valid YAML"});
  expect_error("rig: t\nloop: { rate_hz: 0.5 }\nchannels:\n  a/b:\n    in: { gpiod: { chip: c, line: 1 } }\n",
               {"bench.yaml:2:18:", "a rate in [1, 20000] Hz"});
  EXPECT_THROW(load_rig_config("/nonexistent/rig.yaml"), ConfigError);
}

}  // namespace
}  // namespace rig::io
