#include <gtest/gtest.h>

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
      y += "  bank/battery[0]/cell[" + std::to_string(k) + "]/voltage_v:\n    out: { iio: { device: ad5686r, channel: " +
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
  static fw::Inputs cells(std::int32_t mv, std::int32_t remote_h_mv) {
    fw::Inputs in;
    for (int c = 0; c < 4; ++c) in.cell_mv[c] = mv + c;
    in.remote_h_mv = remote_h_mv;
    return in;
  }
  std::size_t step(BenchDut& dut, const fw::Inputs& in, fw::Millis now, fw::Outputs& out) {
    return dut.step_ticks(std::span<const fw::Inputs>(&in, 1), now, fw::Outputs{}, std::span<fw::Outputs>(&out, 1));
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

TEST_F(BenchDutOnFakes, StepWritesCellsAndRemoteFromFirmwareInputs) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
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
    fw::Inputs in = cells(3300, 0);
    in.alt_port_mv = 13000 + static_cast<std::int32_t>(now);  // a new value every tick
    step(dut, in, now, out);
  }
  int volt = 0;
  for (const auto& c : psu.commands()) volt += c.rfind("VOLT ", 0) == 0;
  EXPECT_EQ(volt, 3);  // the safe 0 V, then t = 0 and t = 50 ms only
  EXPECT_DOUBLE_EQ(psu.voltage_setpoint_v(), 13.05);
  EXPECT_TRUE(psu.output_on());
  dut.stop();
  EXPECT_FALSE(psu.output_on());
}

TEST_F(BenchDutOnFakes, ResetIsRefusedWithoutAResetRelay) {
  BenchDut dut(io::parse_rig_config(yaml(), "fakes.yaml"), options());
  dut.start(fw::Config{});
  EXPECT_THROW(dut.reset(), DutError);
}

}  // namespace
}  // namespace rig
