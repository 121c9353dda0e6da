#include <gtest/gtest.h>

#include "rig/io/config.hpp"

namespace rig::io {
namespace {

const std::string kExample = std::string(BMSRIG_EXAMPLES_DIR) + "/bench-4s1p.yaml";

TEST(RigConfig, ExampleBenchLoads) {
  const RigConfig rig = load_rig_config(kExample);
  EXPECT_EQ(rig.name, "bench-4s1p");
  ASSERT_EQ(rig.instruments.size(), 3u);
  EXPECT_EQ(rig.instruments[0].connection.expected_idn, "ITECH,IT6018C");
  EXPECT_EQ(rig.instruments[2].model.name, "scpi-eload");
  ASSERT_TRUE(rig.telemetry);
  EXPECT_EQ(rig.telemetry->silence_timeout, std::chrono::milliseconds(3000));
  int dac_cells = 0;
  for (const auto& c : rig.channels)
    if (std::holds_alternative<IioBinding>(c.binding) && c.direction == Direction::kOut) ++dac_cells;
  EXPECT_EQ(dac_cells, 4);

  const auto* cell = rig.find("bank/battery[0]/cell[2]/sensed_voltage_v");
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

  // The closed loop: the alternator-path current is measured by the supply, with its declared accuracy.
  const auto* alt = rig.find("alternator/current_a");
  ASSERT_NE(alt, nullptr);
  EXPECT_EQ(alt->direction, Direction::kIn);
  EXPECT_EQ(std::get<ScpiBinding>(alt->binding).quantity, ScpiQuantity::kCurrent);
  EXPECT_EQ(std::get<ScpiBinding>(alt->binding).update_period, std::chrono::milliseconds(20));
  EXPECT_EQ(alt->analog.unit, "A");
  EXPECT_DOUBLE_EQ(alt->accuracy, 0.2);
  ASSERT_NE(rig.find("alternator/ceiling_a"), nullptr);
  ASSERT_NE(rig.find("bank/current_a"), nullptr);
  EXPECT_EQ(rig.find("li/port_voltage_v")->direction, Direction::kOut);
}

TEST(RigConfig, BatterySignalModeExampleLoads) {
  const RigConfig rig = load_rig_config(std::string(BMSRIG_EXAMPLES_DIR) + "/bench-signals.yaml");
  const auto* cable = rig.find("bank/battery[1]/cable/connected");
  ASSERT_NE(cable, nullptr);
  EXPECT_TRUE(cable->digital.safe_level);
  EXPECT_TRUE(std::get<GpiodBinding>(cable->binding).line.active_low);
  EXPECT_EQ(cable->where.line, 53);
  EXPECT_FALSE(rig.find("bank/battery[0]/cable/atd")->digital.safe_level);
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
  expect_error(kHead + "  bank/battery[0]/cell[0]/sensed_voltage_v:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [0, 5]\n",
               {"no 'safe'"});
}

TEST(RigConfig, SafeValueMustLieWithinLimits) {
  const std::string base = kHead + "  bank/battery[0]/cell[0]/sensed_voltage_v:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [2.0, 3.8]\n";
  EXPECT_NO_THROW(parse_rig_config(base + "    safe: 3.8\n", "b"));
  expect_error(base + "    safe: 3.81\n", {"bench.yaml:6:11:", "found '3.81', expected a value within the limits"});
  EXPECT_NO_THROW(parse_rig_config(base + "    safe: 2.0\n", "b"));
  expect_error(base + "    safe: 1.99\n", {"within the limits"});
}

TEST(RigConfig, AnalogChannelNeedsLimitsAUnitAndOnInputsAnAccuracy) {
  expect_error(kHead + "  li/port_voltage_v:\n    in: { iio: { device: d, channel: 0 } }\n", {"no 'limits'"});
  const std::string atc = kHead + "  bank/battery[0]/cable/atc:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [0, 1]\n    safe: 1\n";
  expect_error(atc, {"no 'unit'"});
  EXPECT_NO_THROW(parse_rig_config(atc + "    unit: V\n", "b"));
  expect_error(kHead + "  li/port_voltage_v:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [3, 1]\n", {"min <= max"});
  // What a bench judges is its measurement: an input declares its accuracy, in the signal's unit.
  const std::string in = kHead + "  alternator/current_a:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [-100, 100]\n";
  expect_error(in, {"bench.yaml:4:5:", "no 'accuracy'", "'accuracy: <value in A>'"});
  expect_error(in + "    accuracy: -0.1\n", {"a non-negative number"});
  EXPECT_DOUBLE_EQ(parse_rig_config(in + "    accuracy: 0.25\n", "b").channels[0].accuracy, 0.25);
}

TEST(RigConfig, ExactlyOneBackendAndOneDirection) {
  expect_error(kHead + "  li/port_voltage_v:\n    in: { iio: { device: d, channel: 0 }, gpiod: { chip: c, line: 0 } }\n    limits: [0, 1]\n",
               {"found 2 backends, expected exactly one of iio, gpiod, scpi"});
  expect_error(kHead + "  li/port_voltage_v:\n    limits: [0, 1]\n", {"no 'in' or 'out'"});
  expect_error(kHead + "  li/port_voltage_v:\n    in: { spi: { bus: 0 } }\n", {"found key 'spi'", "iio, gpiod, scpi"});
}

TEST(RigConfig, ScpiChannelMustNameADeclaredInstrument) {
  const std::string inst = "rig: t\ninstruments:\n  psu: { model: scpi-psu, port: /dev/ttyUSB0, idn: X }\nchannels:\n";
  EXPECT_NO_THROW(parse_rig_config(inst + "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage } }\n    limits: [0, 15]\n    safe: 0\n", "b"));
  expect_error(inst + "  alternator/port_voltage_v:\n    out: { scpi: { instrument: pus, quantity: voltage } }\n    limits: [0, 15]\n    safe: 0\n",
               {"found 'pus', expected an instrument declared under 'instruments' (psu)"});
  expect_error(inst + "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: power } }\n    limits: [0, 15]\n    safe: 0\n",
               {"found 'power', expected one of: voltage, current"});
  const auto rig = parse_rig_config(inst + "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 1 } }\n    limits: [0, 15]\n    safe: 0\n", "b");
  EXPECT_EQ(std::get<ScpiBinding>(rig.channels[0].binding).update_period, std::chrono::milliseconds(1));
  expect_error(inst + "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 0 } }\n    limits: [0, 15]\n    safe: 0\n",
               {"found '0', expected an integer in [1, 10000]"});
  // On an input, update_ms is how often the instrument is read.
  const auto in = parse_rig_config(inst + "  alternator/current_a:\n    in: { scpi: { instrument: psu, quantity: current, update_ms: 50 } }\n"
                                          "    limits: [0, 15]\n    accuracy: 0.1\n", "b");
  EXPECT_EQ(std::get<ScpiBinding>(in.channels[0].binding).update_period, std::chrono::milliseconds(50));
}

TEST(RigConfig, UnknownInstrumentModelListsKnownOnes) {
  expect_error("rig: t\ninstruments:\n  psu: { model: korad, port: /dev/ttyUSB0, idn: X }\nchannels:\n  li/port_voltage_v:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [0, 1]\n",
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

TEST(RigConfig, SignalNamesComeFromTheRegistryWithTheirBenchDirection) {
  expect_error(kHead + "  Bank/Cell 1:\n    in: { gpiod: { chip: c, line: 1 } }\n", {"bench.yaml:3:3:", "found unknown signal 'Bank/Cell 1'"});
  expect_error(kHead + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n  bms/out/load:\n    in: { gpiod: { chip: c, line: 2 } }\n",
               {"bench.yaml:5:3:", "'bms/out/load' twice"});
  // The physical cell voltage is not what a cell DAC carries: the sensed one is (sensor faults applied).
  expect_error(kHead + "  bank/battery[0]/cell[0]/voltage_v:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [2, 4]\n    safe: 3.3\n",
               {"bench.yaml:3:3:", "a bench can neither drive nor measure it", "did you mean 'bank/battery[0]/cell[0]/sensed_voltage_v'"});
  // A name that is no signal at all, with a suggestion.
  expect_error(kHead + "  alternator/curent_a:\n    in: { iio: { device: d, channel: 0 } }\n    limits: [0, 1]\n    accuracy: 0.1\n",
               {"found unknown signal 'alternator/curent_a' (did you mean 'alternator/current_a'?)"});
  // The board decides the currents: a bench measures the alternator-port current, it cannot drive it.
  expect_error(kHead + "  alternator/current_a:\n    out: { iio: { device: d, channel: 0 } }\n    limits: [0, 1]\n    safe: 0\n",
               {"'alternator/current_a' as 'out:', but a bench can only measure it (in:)"});
  expect_error(kHead + "  remote/h_v:\n    in: { gpiod: { chip: c, line: 1 } }\n", {"a bench can only drive it (out:)"});
  // Battery 5 does not exist (at most five batteries: 0..4); an index is written without leading zeros.
  expect_error(kHead + "  bank/battery[5]/cable/atc:\n    out: { gpiod: { chip: c, line: 1 } }\n    safe: high\n", {"unknown signal"});
  EXPECT_NO_THROW(parse_rig_config(kHead + "  bank/battery[4]/cable/atc:\n    out: { gpiod: { chip: c, line: 1 } }\n    safe: high\n", "b"));
}

// A 30 000-character channel name (it once overflowed the stack in a regular expression) is refused at its line
// (YAML allows an implicit key of at most 1024 characters); a name one letter off a signal is an unknown signal.
TEST(RigConfig, VeryLongChannelNameIsRefusedAtItsPlace) {
  expect_error(kHead + "  " + std::string(30000, 'a') + ":\n    in: { gpiod: { chip: c, line: 1 } }\n",
               {"bench.yaml:3:", "not valid YAML"});
  expect_error(kHead + "  bms/out/loadd:\n    in: { gpiod: { chip: c, line: 1 } }\n",
               {"bench.yaml:3:3:", "found unknown signal 'bms/out/loadd'"});
}

TEST(RigConfig, TextThatIsNotUtf8IsRefusedWithItsPlace) {
  expect_error("rig: b\xe9nch\n" + kHead.substr(7) + "  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n",
               {"bench.yaml:1:7: found a byte that is not UTF-8"});
}

TEST(RigConfig, RepeatedKeyInsideAChannelIsRefused) {
  expect_error(kHead + "  remote/h_v:\n    out: { gpiod: { chip: c, line: 1 } }\n    safe: low\n    safe: high\n",
               {"bench.yaml:6:5:", "channels.remote/h_v: found key 'safe' twice, expected each key once"});
}

TEST(RigConfig, BoardResetAndPowerControl) {
  const std::string inst = "rig: t\ninstruments:\n  board_psu: { model: scpi-psu, port: /dev/ttyUSB0, idn: X }\n";
  const std::string ch = "channels:\n  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n";
  const auto rig = parse_rig_config(inst + "board:\n  reset: { gpiod: { chip: c, line: 24, active_low: true }, pulse_ms: 50 }\n"
                                           "  power: { scpi: { instrument: board_psu }, off_ms: 2000 }\n" + ch, "b");
  ASSERT_TRUE(rig.board.reset && rig.board.reset->line);
  EXPECT_EQ(rig.board.reset->line->line, 24u);
  EXPECT_TRUE(rig.board.reset->line->active_low);
  EXPECT_EQ(rig.board.reset->hold, std::chrono::milliseconds(50));
  ASSERT_TRUE(rig.board.power);
  EXPECT_EQ(rig.board.power->instrument, "board_psu");
  EXPECT_EQ(rig.board.power->hold, std::chrono::milliseconds(2000));
  expect_error(inst + "board:\n  reset: { scpi: { instrument: board_psu } }\n" + ch, {"board.reset.scpi", "a GPIO line"});
  expect_error(inst + "board:\n  power: { scpi: { instrument: psu } }\n" + ch,
               {"bench.yaml:5:32:", "an instrument declared under 'instruments'"});
  expect_error(inst + "board:\n  power: { off_ms: 10 }\n" + ch, {"no 'gpiod' or 'scpi'"});
  expect_error(inst + "board:\n  rest: {}\n" + ch, {"found key 'rest'", "reset, power, deadman"});
  const auto dm = parse_rig_config(inst + "board:\n  deadman: { gpiod: { chip: c, line: 25 } }\n" + ch, "b");
  ASSERT_TRUE(dm.board.deadman && dm.board.deadman->line);
  EXPECT_EQ(dm.board.deadman->hold, std::chrono::milliseconds(50));  // the default toggle period
  expect_error(inst + "board:\n  deadman: { scpi: { instrument: board_psu } }\n" + ch, {"board.deadman.scpi", "a GPIO line"});
}

TEST(RigConfig, BoardProgrammingThroughOpenOcdAndBenchKind) {
  const std::string ch = "channels:\n  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n";
  const auto rig = parse_rig_config(
      "rig: t\nkind: bench_4s1p\nboard:\n  program:\n    openocd: { config: [interface/stlink.cfg, target/stm32f1x.cfg], "
      "commands: [\"adapter speed 1000\"], timeout_s: 60 }\n    boot_ms: 500\n" + ch, "b");
  EXPECT_EQ(rig.kind, "bench_4s1p");
  ASSERT_TRUE(rig.board.program);
  EXPECT_EQ(rig.board.program->openocd.config, (std::vector<std::string>{"interface/stlink.cfg", "target/stm32f1x.cfg"}));
  EXPECT_EQ(rig.board.program->openocd.commands, std::vector<std::string>{"adapter speed 1000"});
  EXPECT_EQ(rig.board.program->openocd.executable, "openocd");
  EXPECT_EQ(rig.board.program->openocd.timeout, std::chrono::seconds(60));
  EXPECT_EQ(rig.board.program->boot, std::chrono::milliseconds(500));
  EXPECT_EQ(parse_rig_config("rig: t\n" + ch, "b").kind, "bench");  // the default kind
  expect_error("rig: t\nboard:\n  program: { openocd: { config: [] } }\n" + ch,
               {"bench.yaml:3:33:", "board.program.openocd.config: found a list, expected a non-empty list of strings"});
  expect_error("rig: t\nboard:\n  program: { boot_ms: 5 }\n" + ch, {"board.program", "no 'openocd'"});
  expect_error("rig: t\nboard:\n  program: { openocd: { config: [a.cfg], speed: 4 } }\n" + ch, {"found key 'speed'"});
  expect_error("rig: t\nkind: Bench-4\n" + ch, {"bench.yaml:2:7:", "kind: found 'Bench-4'", "CTest resource type"});
}

TEST(RigConfig, TopLevelErrors) {
  expect_error("channels:\n  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n", {"no 'rig'"});
  expect_error("rig: t\nchannels: {}\n", {"channels: found a mapping, expected a mapping of plant signals"});
  expect_error("rig: t\nchannels:\n  a: [\n", {"bench.yaml:", "not valid YAML"});
  expect_error("rig: t\nloop: { rate_hz: 0.5 }\nchannels:\n  bms/out/load:\n    in: { gpiod: { chip: c, line: 1 } }\n",
               {"bench.yaml:2:18:", "a rate in [1, 20000] Hz"});
  EXPECT_THROW(load_rig_config("/nonexistent/rig.yaml"), ConfigError);
  // A device or a folder is refused before it is opened (never read forever, never a blocked open).
  try {
    load_rig_config("/dev/zero");
    ADD_FAILURE() << "no error for /dev/zero";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("expected a rig file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_rig_config("/"), ConfigError);
}

}  // namespace
}  // namespace rig::io
