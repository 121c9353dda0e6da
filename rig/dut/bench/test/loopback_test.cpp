// HIL loopback without hardware: BenchDut drives the firmware core running in its own process
// (bmsrig_virtual_board) through the bench's own interfaces — DAC files of a fake IIO tree, GPIO edge records with
// kernel-clock timestamps, VE.Direct on a PTY (HEX configuration, text telemetry) — in real time.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "fifo_gpio_port.hpp"
#include "rig/bench_dut.hpp"
#include "rig/io/fake/fake_iio_tree.hpp"
#include "rig/io/fake/pty_pair.hpp"
#include "rig/runner.hpp"
#include "rig/scenario.hpp"

namespace rig {
namespace {

using namespace std::chrono_literals;

class Loopback : public ::testing::Test {
 protected:
  io::fake::FakeIioTree tree;
  std::filesystem::path dac = tree.add_device("ad5686r");
  std::filesystem::path gpio = tree.root() / "gpio";
  io::fake::PtyPair vedirect;
  pid_t board = -1;

  void SetUp() override {
    tree.set(dac, "out_voltage_scale", "1");
    for (int k = 0; k < 4; ++k) tree.set(dac, "out_voltage" + std::to_string(k) + "_raw", "0");
    std::filesystem::create_directory(gpio);
    for (int k = 0; k < 3; ++k) ASSERT_EQ(::mkfifo((gpio / ("line" + std::to_string(k))).c_str(), 0600), 0);
    board = ::fork();
    ASSERT_GE(board, 0);
    if (board == 0) {
      ::dup2(vedirect.master(), 100);  // a fresh descriptor: dup2 clears close-on-exec
      ::execl(BMSRIG_VIRTUAL_BOARD, BMSRIG_VIRTUAL_BOARD, "--dac-dir", dac.c_str(), "--gpio-dir", gpio.c_str(),
              "--vedirect-fd", "100", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  void TearDown() override {
    if (board > 0) {
      ::kill(board, SIGKILL);
      ::waitpid(board, nullptr, 0);
    }
  }
  std::string yaml() const {
    std::string y = "rig: loopback\niio_root: " + tree.root().string() + "\nloop: { realtime: false }\n" +
                    "telemetry: { port: " + vedirect.slave_path() + ", baud: 19200, silence_timeout_ms: 3000 }\nchannels:\n";
    for (int k = 0; k < 4; ++k)
      y += "  bank/battery[0]/cell[" + std::to_string(k) + "]/sensed_voltage_v:\n    out: { iio: { device: ad5686r, channel: " +
           std::to_string(k) + " } }\n    limits: [2.0, 3.8]\n    safe: 3.3\n";
    const char* outs[3] = {"load", "charge", "prealarm"};
    for (int k = 0; k < 3; ++k)
      y += std::string("  bms/out/") + outs[k] + ":\n    in: { gpiod: { chip: " + gpio.string() + ", line: " + std::to_string(k) + " } }\n";
    return y;
  }
  BenchDut make() {
    BenchDutOptions o;
    o.gpio_ports = [] { return std::make_unique<test::FifoGpioLinePort>(); };
    return BenchDut(io::parse_rig_config(yaml(), "loopback.yaml"), o);
  }
  // Steps ticks [from, to) driving the cell DACs with the given cell voltages (mV); returns the last outputs.
  static fw::Outputs run(BenchDut& dut, fw::Millis from, fw::Millis to, std::int32_t c0, std::int32_t c3) {
    const auto driven = dut.driven_signals();
    EXPECT_EQ(driven.size(), 4u);
    std::vector<double> values;
    for (const auto& name : driven) {
      const int cell = name[std::string("bank/battery[0]/cell[").size()] - '0';
      values.push_back((cell == 0 ? c0 : cell == 3 ? c3 : 3300) / 1000.0);
    }
    fw::Outputs out;
    for (fw::Millis now = from; now < to; now += fw::kTickMs) {
      const BoardSample in{};
      dut.drive(values);
      dut.step_ticks(std::span<const BoardSample>(&in, 1), now, fw::Outputs{}, std::span<fw::Outputs>(&out, 1));
    }
    return out;
  }
};

TEST_F(Loopback, FirmwareInItsOwnProcessAnswersTheBenchInRealTime) {
  BenchDut dut = make();
  dut.start(fw::Config{});  // includes the HEX configuration, answered by the board's register handler
  fw::Outputs out = run(dut, 0, 2000, 3300, 3300);
  EXPECT_EQ(out.load, fw::Pin::kHigh);  // start-up done: LD and CD driven
  EXPECT_EQ(out.charge, fw::Pin::kHigh);
  EXPECT_TRUE(out.atc);  // BMS flags polled over HEX
  EXPECT_TRUE(out.atd);
  out = run(dut, 2000, 4500, 3300, 3780);  // cell 3 over-voltage (> 3.75 V)
  EXPECT_EQ(out.charge, fw::Pin::kFloating);  // CD floats (CD-2) …
  EXPECT_EQ(out.load, fw::Pin::kHigh);        // … LD stays
  EXPECT_FALSE(out.atc);
  EXPECT_TRUE(out.atd);
  const RecordedEdge* cd_fall = nullptr;
  for (const auto& e : dut.edges())
    if (e.signal == "bms/out/charge" && !e.edge.level) cd_fall = &e;
  ASSERT_NE(cd_fall, nullptr);
  // Measured on the kernel-clock time base: the firmware's ~1 s over-voltage confirmation after the DAC moved.
  const double delay_s = std::chrono::duration<double>(cd_fall->edge.t).count() - 2.0;
  std::printf("CD floated %.3f s after the cell DAC moved past 3.75 V\n", delay_s);
  EXPECT_GT(delay_s, 0.95);
  EXPECT_LT(delay_s, 1.3);
  EXPECT_EQ(dut.firmware_info().version, "0.1.0");  // from the board's telemetry blocks
  dut.stop();
  EXPECT_EQ(tree.get(dac, "out_voltage3_raw"), "3300");
}

TEST_F(Loopback, BoardDyingMidRunStopsTheRunWithEveryChannelSafe) {
  BenchDut dut = make();
  dut.start(fw::Config{});
  run(dut, 0, 1500, 3100, 3200);
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3100");
  ::kill(board, SIGKILL);
  ::waitpid(board, nullptr, 0);
  board = -1;
  std::string error;
  try {
    run(dut, 1500, 5000, 3100, 3200);
  } catch (const DutError& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("went away"), std::string::npos) << error;
  for (int k = 0; k < 4; ++k) EXPECT_EQ(tree.get(dac, "out_voltage" + std::to_string(k) + "_raw"), "3300");
  EXPECT_TRUE(dut.unsafe_outputs().empty());
}

// The end-to-end loop: a YAML scenario, the plant and the runner on the host, the firmware in the virtual board,
// everything in between through the bench interfaces, judged from the recorded trace.
TEST_F(Loopback, ScenarioRunsToAVerdictInHil) {
  const auto scenarios = scenario::load_file(BMSRIG_HIL_SCENARIO);
  ASSERT_EQ(scenarios.size(), 1u);
  BenchDut dut = make();
  const RunOutput r = run_scenario(scenarios[0], dut);
  for (const auto& c : r.checks) std::printf("  %s: %s\n", c.name.c_str(), c.message.c_str());
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.error;
  EXPECT_TRUE(r.completed);
  EXPECT_GE(r.wall_s, 6.9);  // real time: 7 s of scenario took 7 s

  // The outputs are recorded at the board's edge instants (kernel timestamps), not at 10 ms ticks.
  ASSERT_TRUE(r.trace);
  int compared = 0, off_tick = 0;
  for (const char* name : {"bms/out/load", "bms/out/charge"}) {
    const auto id = r.trace->find(name);
    ASSERT_TRUE(id) << name;
    std::vector<io::Nanos> board;
    for (const auto& e : dut.edges())
      if (e.signal == name) board.push_back(e.edge.t);
    const auto& samples = r.trace->samples(*id);
    ASSERT_GE(samples.size(), 2u) << name;  // the level at 0 and at least one edge
    ASSERT_EQ(samples.size() - 1, board.size()) << name;
    for (std::size_t k = 1; k < samples.size(); ++k) {
      EXPECT_EQ(samples[k].t, board[k - 1]) << name << " edge " << k;
      ++compared;
      if (samples[k].t.count() % 10'000'000 != 0) ++off_tick;
    }
  }
  EXPECT_GE(compared, 1);             // at least CD falling on over-voltage
  EXPECT_EQ(off_tick, compared);      // kernel time, not rounded to the 10 ms tick grid
  ASSERT_TRUE(r.loop);                // pacing jitter of the run
  EXPECT_GT(r.loop->ticks, 600u);
  EXPECT_LE(r.loop->p50, r.loop->p99);
  EXPECT_LE(r.loop->p99, r.loop->max);
  std::printf("loop jitter: p50 %.1f us, p99 %.1f us, max %.1f us (n=%zu); %s\n", r.loop->p50.count() / 1e3,
              r.loop->p99.count() / 1e3, r.loop->max.count() / 1e3, r.loop->ticks, r.loop->status.c_str());
}

TEST_F(Loopback, ScenarioEndsAsErrorWhenTheBoardDies) {
  const auto scenarios = scenario::load_file(BMSRIG_HIL_SCENARIO);
  BenchDut dut = make();
  std::thread killer([this] {
    std::this_thread::sleep_for(2s);
    ::kill(board, SIGKILL);
  });
  const RunOutput r = run_scenario(scenarios[0], dut);
  killer.join();
  ::waitpid(board, nullptr, 0);
  board = -1;
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_NE(r.error.find("went away"), std::string::npos) << r.error;
  for (int k = 0; k < 4; ++k) EXPECT_EQ(tree.get(dac, "out_voltage" + std::to_string(k) + "_raw"), "3300");
  // What was recorded up to the loss is kept: the trace covers the ~2 s before the board died.
  EXPECT_GE(r.simulated, 1500ms);
  EXPECT_LE(r.simulated, 3500ms);
  ASSERT_TRUE(r.trace);
  EXPECT_EQ(r.trace->end_time(), r.simulated);
}

// VE.Direct on the bench: the vedirect/ signals come from the bytes on the board's port, the `vedirect:` action
// writes to it, and the rig's own register polls (BenchDutOptions::poll_flags) do not count as the scenario's answers.
TEST_F(Loopback, VeDirectIsReadOnTheBench) {
  const auto scenarios = scenario::load_file(BMSRIG_HIL_VEDIRECT_SCENARIO);
  ASSERT_EQ(scenarios.size(), 1u);
  BenchDut dut = make();
  const RunOutput r = run_scenario(scenarios[0], dut);
  for (const auto& c : r.checks) std::printf("  %s: %s\n", c.name.c_str(), c.message.c_str());
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.error;
  ASSERT_TRUE(r.trace);
  // The board's own answers, not a simulation: the product id appears in the trace only after the get at 2 s.
  const auto pid = r.trace->find("vedirect/hex/0x0100");
  ASSERT_TRUE(pid);
  const auto& samples = r.trace->samples(*pid);
  ASSERT_FALSE(samples.empty());
  EXPECT_GE(samples.front().t, 2s);
  EXPECT_EQ(samples.back().value, 41952.0);
  const auto blocks = r.trace->find("vedirect/text/blocks");
  ASSERT_TRUE(blocks);
  EXPECT_GE(r.trace->samples(*blocks).back().value, 5.0);  // 6.5 s of run: a block at 1, 2, … 6 s
}

}  // namespace
}  // namespace rig
