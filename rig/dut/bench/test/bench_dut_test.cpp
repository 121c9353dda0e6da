#include <gtest/gtest.h>

#include <cmath>

#include "rig/bench_dut.hpp"
#include "rig/io/fake/fake_gpio.hpp"
#include "rig/io/fake/fake_iio_tree.hpp"
#include "rig/io/fake/pty_pair.hpp"
#include "rig/io/fake/fake_scpi_instrument.hpp"

namespace rig {
namespace {

using namespace std::chrono_literals;

// A bench on fakes: 4 cells on a fake IIO DAC, the LD output and Remote H on fake GPIO lines.
class BenchDutOnFakes : public ::testing::Test {
 protected:
  io::fake::FakeIioTree tree;
  std::filesystem::path dac = tree.add_device("ad5686r");
  std::vector<std::shared_ptr<io::fake::FakeGpioLine>> lines;  // [0] remote/h_v, [1] bms/out/load

  void SetUp() override {
    for (int k = 0; k < 4; ++k) tree.set(dac, "out_voltage" + std::to_string(k) + "_raw", "0");
  }
  std::string yaml(const std::string& extra = "") const {
    std::string y = "rig: fakes\niio_root: " + tree.root().string() + "\nloop: { realtime: false }\n" + extra + "channels:\n";
    for (int k = 0; k < 4; ++k)
      y += "  bank/battery[0]/cell[" + std::to_string(k) + "]/sensed_voltage_v:\n    out: { iio: { device: ad5686r, channel: " +
           std::to_string(k) + " } }\n    limits: [2.0, 3.8]\n    safe: 3.3\n";
    y += "  remote/h_v:\n    out: { gpiod: { chip: c, line: 5, threshold: 6.0 } }\n    safe: low\n"
         "  bms/out/load:\n    in: { gpiod: { chip: c, line: 17 } }\n";
    return y;
  }
  BenchDutOptions options(bool pace = false) {
    BenchDutOptions o;
    o.pace = pace;
    o.gpio_ports = [this] {
      lines.push_back(std::make_shared<io::fake::FakeGpioLine>());
      return std::make_unique<io::fake::FakeGpioLinePort>(lines.back());
    };
    return o;
  }
  // The plant's values of the driven signals, in driven_signals() order: cells 0..3 (mv + c millivolts), Remote H.
  static std::vector<double> cells(std::int32_t mv, std::int32_t remote_h_mv) {
    std::vector<double> v;
    for (int c = 0; c < 4; ++c) v.push_back((mv + c) / 1000.0);
    v.push_back(remote_h_mv / 1000.0);
    return v;
  }
  std::size_t step(BenchDut& dut, const std::vector<double>& drive, fw::Millis now, fw::Outputs& out) {
    dut.drive(drive);
    const BoardSample in{};
    return dut.step_ticks(std::span<const BoardSample>(&in, 1), now, fw::Outputs{}, std::span<fw::Outputs>(&out, 1));
  }
};

TEST_F(BenchDutOnFakes, StartPutsEveryOutputInItsSafeState) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  EXPECT_EQ(dut.mode(), "hil");
  dut.start(fw::Config{});
  for (int k = 0; k < 4; ++k) EXPECT_EQ(tree.get(dac, "out_voltage" + std::to_string(k) + "_raw"), "3300");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[0]->level);
  EXPECT_EQ(dut.firmware_info().target, "bench:fakes");
}

TEST_F(BenchDutOnFakes, StepWritesEveryDrivenChannelFromThePlantsPhysicalValues) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  const std::vector<std::string> driven{"bank/battery[0]/cell[0]/sensed_voltage_v", "bank/battery[0]/cell[1]/sensed_voltage_v",
                                        "bank/battery[0]/cell[2]/sensed_voltage_v", "bank/battery[0]/cell[3]/sensed_voltage_v",
                                        "remote/h_v"};
  EXPECT_EQ(dut.driven_signals(), driven);
  EXPECT_TRUE(dut.measured_signals().empty());  // bms/out/load is recorded from its edges
  dut.start(fw::Config{});
  fw::Outputs out;
  EXPECT_EQ(step(dut, cells(3200, 5999), 0, out), 1u);
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3200");
  EXPECT_EQ(tree.get(dac, "out_voltage3_raw"), "3203");
  EXPECT_FALSE(lines[0]->level);  // 5.999 V: below the 6 V threshold
  step(dut, cells(3200, 6000), 10, out);
  EXPECT_TRUE(lines[0]->level);  // at the threshold: relay closed
  step(dut, cells(1500, 6000), 20, out);
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "2000");  // clamped to the 2.0 V limit
}

TEST_F(BenchDutOnFakes, BoardOutputEdgesBecomeOutputsAndAreRecordedWithKernelTime) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  dut.start(fw::Config{});
  fw::Outputs out;
  step(dut, cells(3300, 0), 0, out);
  EXPECT_EQ(out.load, fw::Pin::kFloating);
  const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
  lines[1]->inject({t, true});
  step(dut, cells(3300, 0), 10, out);
  EXPECT_EQ(out.load, fw::Pin::kHigh);
  ASSERT_EQ(dut.edges().size(), 1u);
  EXPECT_EQ(dut.edges()[0].signal, "bms/out/load");
  EXPECT_TRUE(dut.edges()[0].edge.level);
}

TEST_F(BenchDutOnFakes, PacedStepsDoNotRunAheadOfRealTime) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options(true));
  dut.start(fw::Config{});
  fw::Outputs out;
  const auto begin = std::chrono::steady_clock::now();
  for (fw::Millis now = 0; now <= 50; now += 10) step(dut, cells(3300, 0), now, out);
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 50ms);  // a lower bound only: never early
  EXPECT_EQ(dut.pacing_jitter().summarize().count, 6u);
}

TEST_F(BenchDutOnFakes, LostDeviceStopsTheRunWithEveryOutputSafe) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  dut.start(fw::Config{});
  fw::Outputs out;
  step(dut, cells(2900, 12000), 0, out);
  EXPECT_TRUE(lines[0]->level);
  lines[1]->fail_reads = true;
  lines[1]->inject({0, true});
  try {
    step(dut, cells(2900, 12000), 10, out);
    FAIL();
  } catch (const DutError& e) {
    EXPECT_NE(std::string(e.what()).find("lost device: bms/out/load: chip unplugged"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3300");
  EXPECT_FALSE(lines[0]->level);
  EXPECT_TRUE(dut.unsafe_outputs().empty());
}

TEST_F(BenchDutOnFakes, MissingDeviceRefusesToStart) {
  std::filesystem::remove_all(dac);
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  try {
    dut.start(fw::Config{});
    FAIL();
  } catch (const DutError& e) {
    EXPECT_NE(std::string(e.what()).find("refusing to start"), std::string::npos) << e.what();
  }
}

TEST_F(BenchDutOnFakes, SilentTelemetryStopsTheRun) {
  io::fake::PtyPair board;  // the board's VE.Direct port, silent
  auto o = options(true);
  o.load_config = false;
  BenchDut dut(io::parse_rig_config(yaml("telemetry: { port: " + board.slave_path() + ", silence_timeout_ms: 100 }\n"), "f.yaml"), o);
  dut.start(fw::Config{});
  fw::Outputs out;
  std::string error;
  for (fw::Millis now = 0; now <= 2000 && error.empty(); now += 10) {
    try {
      step(dut, cells(3000, 12000), now, out);
    } catch (const DutError& e) {
      error = e.what();
    }
  }
  EXPECT_NE(error.find("telemetry silent for"), std::string::npos) << error;
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3300");
  EXPECT_FALSE(lines[0]->level);
}

TEST_F(BenchDutOnFakes, InstrumentSetPointsAreRateLimited) {
  io::fake::FakeScpiInstrument psu(io::fake::FakeScpiSettings{"BMSRIG,FAKE-PSU,1,1", 0ms});
  const std::string inst = "instruments:\n  psu: { model: scpi-psu, port: " + psu.port_path() + ", idn: FAKE-PSU, timeout_ms: 500 }\n";
  std::string y = yaml(inst);
  y += "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 50 } }\n"
       "    limits: [0, 15]\n    safe: 0\n";
  BenchDut dut(io::parse_rig_config(y, "fakes.yaml"), options());
  dut.start(fw::Config{});
  fw::Outputs out;
  for (fw::Millis now = 0; now < 100; now += 10) {
    auto drive = cells(3300, 0);
    drive.push_back(13.0 + now / 1000.0);  // alternator/port_voltage_v: a new value every tick
    step(dut, drive, now, out);
  }
  int volt = 0;
  for (const auto& c : psu.commands()) volt += c.rfind("VOLT ", 0) == 0;
  EXPECT_EQ(volt, 3);  // the safe 0 V, then t = 0 and t = 50 ms only
  EXPECT_DOUBLE_EQ(psu.voltage_setpoint_v(), 13.05);
  EXPECT_TRUE(psu.output_on());
  dut.stop();
  EXPECT_FALSE(psu.output_on());
}

// A measured channel is what HIL judges: read at its instrument's period, held in between, and recorded as measured
// even outside the channel's limits (never clamped).
TEST_F(BenchDutOnFakes, MeasuredChannelsAreReadAtTheirPeriodAndNeverClamped) {
  io::fake::FakeScpiInstrument psu(io::fake::FakeScpiSettings{"BMSRIG,FAKE-PSU,1,1", 0ms});
  const std::string inst = "instruments:\n  psu: { model: scpi-psu, port: " + psu.port_path() + ", idn: FAKE-PSU, timeout_ms: 500 }\n";
  std::string y = yaml(inst);
  y += "  alternator/current_a:\n    in: { scpi: { instrument: psu, quantity: current, update_ms: 30 } }\n"
       "    limits: [-60, 60]\n    accuracy: 0.05\n"
       "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 10 } }\n"
       "    limits: [0, 15]\n    safe: 0\n";
  BenchDut dut(io::parse_rig_config(y, "fakes.yaml"), options());
  ASSERT_EQ(dut.measured_signals(), std::vector<std::string>{"alternator/current_a"});
  dut.start(fw::Config{});
  std::vector<double> measured(1);
  dut.measure(measured);
  EXPECT_TRUE(std::isnan(measured[0]));  // no reading before the first tick
  fw::Outputs out;
  std::vector<double> seen;
  for (fw::Millis now = 0; now < 90; now += 10) {
    psu.set_measured(14.0, 10.0 + now);  // 10 A, 20 A, ... 90 A: the last ones beyond the 60 A limit
    auto drive = cells(3300, 0);
    drive.push_back(14.0);  // the supply's voltage (its output turns on with the first set point)
    step(dut, drive, now, out);
    dut.measure(measured);
    seen.push_back(measured[0]);
  }
  // Read at 0, 30 and 60 ms only; the reading holds in between; 70 A is recorded as 70 A.
  const std::vector<double> expected{10, 10, 10, 40, 40, 40, 70, 70, 70};
  EXPECT_EQ(seen, expected);
  int queries = 0;
  for (const auto& c : psu.commands()) queries += c == "MEAS:CURR?";
  EXPECT_EQ(queries, 3);
}

// An instrument that stops answering mid-run ends the run as an error naming it, with every output safe.
TEST_F(BenchDutOnFakes, SilentInstrumentStopsTheRunWithEveryOutputSafe) {
  io::fake::FakeScpiInstrument psu(io::fake::FakeScpiSettings{"BMSRIG,FAKE-PSU,1,1", 0ms});
  const std::string inst = "instruments:\n  psu: { model: scpi-psu, port: " + psu.port_path() + ", idn: FAKE-PSU, timeout_ms: 100 }\n";
  std::string y = yaml(inst);
  y += "  alternator/current_a:\n    in: { scpi: { instrument: psu, quantity: current, update_ms: 10 } }\n"
       "    limits: [-60, 60]\n    accuracy: 0.05\n"
       "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 10 } }\n"
       "    limits: [0, 15]\n    safe: 0\n";
  BenchDut dut(io::parse_rig_config(y, "fakes.yaml"), options());
  dut.start(fw::Config{});
  fw::Outputs out;
  auto drive = cells(3500, 12000);
  drive.push_back(14.0);
  step(dut, drive, 0, out);
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3500");
  EXPECT_TRUE(psu.output_on());
  psu.mute(true);
  std::string error;
  try {
    step(dut, drive, 10, out);
  } catch (const DutError& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("alternator/current_a"), std::string::npos) << error;
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3300");  // every channel back at its safe state
  EXPECT_FALSE(lines[0]->level);
  EXPECT_THROW(step(dut, drive, 20, out), DutError);      // and the run cannot go on
}

TEST_F(BenchDutOnFakes, ResetIsRefusedWithoutABoardResetOrPowerControl) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  dut.start(fw::Config{});
  try {
    dut.reset(ResetKind::kWatchdog);
    FAIL();
  } catch (const DutError& e) {
    EXPECT_NE(std::string(e.what()).find("board.reset"), std::string::npos) << e.what();
  }
}

// The scenario's `reset` reaches the board through its reset line, asserted for pulse_ms from the next tick, without
// stalling the loop.
TEST_F(BenchDutOnFakes, ResetPulsesTheBoardsResetLine) {
  BenchDut dut(io::parse_rig_config(yaml("board:\n  reset: { gpiod: { chip: c, line: 24, active_low: true }, pulse_ms: 30 }\n"),
                                    "fakes.yaml"),
               options());
  dut.start(fw::Config{});
  ASSERT_EQ(lines.size(), 3u);  // remote/h_v, bms/out/load, then the reset line
  const auto& reset = *lines[2];
  EXPECT_TRUE(reset.as_output);
  EXPECT_TRUE(reset.requested->active_low);
  EXPECT_EQ(reset.driven, std::vector<bool>{false});  // released: the board runs
  fw::Outputs out;
  step(dut, cells(3300, 0), 0, out);
  dut.reset(ResetKind::kWatchdog);
  std::vector<bool> level_at;
  for (fw::Millis now = 10; now <= 60; now += 10) {
    step(dut, cells(3300, 0), now, out);
    level_at.push_back(reset.level);
  }
  // Asserted at 10 ms, held 30 ms, released at 40 ms.
  EXPECT_EQ(level_at, (std::vector<bool>{true, true, true, false, false, false}));
  dut.stop();
  EXPECT_FALSE(reset.level);
  EXPECT_TRUE(reset.released);
}

// Without a reset line, a power relay cycles the board: off for off_ms, then on again; stop leaves it powered.
TEST_F(BenchDutOnFakes, ResetWithoutAResetLinePowerCyclesTheBoard) {
  BenchDut dut(io::parse_rig_config(yaml("board:\n  power: { gpiod: { chip: c, line: 23 }, off_ms: 20 }\n"), "fakes.yaml"),
               options());
  dut.start(fw::Config{});
  ASSERT_EQ(lines.size(), 3u);
  const auto& power = *lines[2];
  EXPECT_TRUE(power.level);  // powered from the start
  fw::Outputs out;
  dut.reset(ResetKind::kWatchdog);
  std::vector<bool> level_at;
  for (fw::Millis now = 0; now <= 40; now += 10) {
    step(dut, cells(3300, 0), now, out);
    level_at.push_back(power.level);
  }
  EXPECT_EQ(level_at, (std::vector<bool>{false, false, true, true, true}));
  dut.stop();
  EXPECT_TRUE(power.level);
}

// With both a reset line and power control, a watchdog reset uses the reset line and a power reset the power relay;
// a power reset without power control is refused.
TEST_F(BenchDutOnFakes, PowerResetCyclesThePowerWatchdogResetPulsesTheResetLine) {
  BenchDut dut(io::parse_rig_config(yaml("board:\n  reset: { gpiod: { chip: c, line: 24 }, pulse_ms: 20 }\n"
                                         "  power: { gpiod: { chip: c, line: 23 }, off_ms: 30 }\n"),
                                    "fakes.yaml"),
               options());
  dut.start(fw::Config{});
  ASSERT_EQ(lines.size(), 4u);
  const auto& reset = *lines[2];
  const auto& power = *lines[3];
  fw::Outputs out;
  dut.reset(ResetKind::kPower);
  std::vector<bool> power_at, reset_at;
  for (fw::Millis now = 0; now <= 50; now += 10) {
    step(dut, cells(3300, 0), now, out);
    power_at.push_back(power.level);
    reset_at.push_back(reset.level);
  }
  EXPECT_EQ(power_at, (std::vector<bool>{false, false, false, true, true, true}));  // off 30 ms
  EXPECT_EQ(reset_at, (std::vector<bool>(6, false)));
  dut.reset(ResetKind::kWatchdog);
  power_at.clear();
  reset_at.clear();
  for (fw::Millis now = 60; now <= 100; now += 10) {
    step(dut, cells(3300, 0), now, out);
    power_at.push_back(power.level);
    reset_at.push_back(reset.level);
  }
  EXPECT_EQ(reset_at, (std::vector<bool>{true, true, false, false, false}));  // asserted 20 ms
  EXPECT_EQ(power_at, (std::vector<bool>(5, true)));
  dut.stop();

  BenchDut only_reset(io::parse_rig_config(yaml("board:\n  reset: { gpiod: { chip: c, line: 24 }, pulse_ms: 20 }\n"),
                                           "fakes.yaml"),
                      options());
  only_reset.start(fw::Config{});
  try {
    only_reset.reset(ResetKind::kPower);
    FAIL();
  } catch (const DutError& e) {
    EXPECT_NE(std::string(e.what()).find("board.power"), std::string::npos) << e.what();
  }
}

// The deadman line is toggled every toggle_ms while the run is alive and left low when it stops: external hardware
// that drops the bench's power when the toggling stops also covers a rig killed outright.
TEST_F(BenchDutOnFakes, DeadmanLineIsToggledWhileTheRunIsAlive) {
  BenchDut dut(io::parse_rig_config(yaml("board:\n  deadman: { gpiod: { chip: c, line: 25 }, toggle_ms: 20 }\n"), "fakes.yaml"),
               options());
  dut.start(fw::Config{});
  ASSERT_EQ(lines.size(), 3u);
  const auto& deadman = *lines[2];
  fw::Outputs out;
  for (fw::Millis now = 0; now <= 70; now += 10) step(dut, cells(3300, 0), now, out);
  // Low at the request, then a toggle at 0, 20, 40 and 60 ms.
  EXPECT_EQ(deadman.driven, (std::vector<bool>{false, true, false, true, false}));
  dut.stop();
  EXPECT_FALSE(deadman.level);
  EXPECT_TRUE(deadman.released);
}

// `bmsrig bench check`: every channel opened, instruments identified, outputs at their safe state, inputs read once,
// and the bench left safe.
TEST_F(BenchDutOnFakes, BenchCheckOpensEverythingAndReportsItWithoutRunning) {
  io::fake::FakeScpiInstrument psu(io::fake::FakeScpiSettings{"BMSRIG,FAKE-PSU,7,1", 0ms});
  std::string y = yaml("instruments:\n  psu: { model: scpi-psu, port: " + psu.port_path() + ", idn: FAKE-PSU, timeout_ms: 500 }\n");
  y += "  alternator/port_voltage_v:\n    out: { scpi: { instrument: psu, quantity: voltage } }\n    limits: [0, 15]\n    safe: 0\n"
       "  alternator/current_a:\n    in: { scpi: { instrument: psu, quantity: current } }\n    limits: [-60, 60]\n    accuracy: 0.05\n";
  psu.set_measured(0.0, 0.0);
  const auto rig = io::parse_rig_config(y, "fakes.yaml");
  const auto r = check_bench(rig, options().gpio_ports);
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.instruments.size(), 1u);
  EXPECT_EQ(r.instruments[0].second, "BMSRIG,FAKE-PSU,7,1");
  ASSERT_EQ(r.channels.size(), 8u);
  EXPECT_EQ(r.channels[0].backend, "iio ad5686r/0");
  EXPECT_DOUBLE_EQ(*r.channels[0].value, 3.3);               // a cell DAC at its safe value
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3300");
  EXPECT_FALSE(*r.channels[4].level);                         // remote/h_v relay safe (open)
  lines[1]->level = true;                                     // (read during the check: the level was low)
  EXPECT_EQ(r.channels[7].config->signal, "alternator/current_a");
  EXPECT_DOUBLE_EQ(*r.channels[7].value, 0.0);                // measured with the supply's output off
  EXPECT_FALSE(psu.output_on());                              // left safe
  bool voltage_set = false;
  for (const auto& c : psu.commands()) voltage_set |= c.rfind("VOLT ", 0) == 0 && std::stod(c.substr(5)) != 0.0;
  EXPECT_FALSE(voltage_set);                                  // nothing but the safe set point was written

  std::filesystem::remove_all(dac);  // a missing DAC: reported with its place in the rig file, nothing driven
  const auto bad = check_bench(io::parse_rig_config(yaml(), "fakes.yaml"), options().gpio_ports);
  EXPECT_FALSE(bad.ok());
  ASSERT_FALSE(bad.problems.empty());
  EXPECT_NE(bad.problems[0].find("fakes.yaml:"), std::string::npos) << bad.problems[0];
}

}  // namespace
}  // namespace rig
