#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "rig/io/bench.hpp"
#include "rig/io/fake/fake_channels.hpp"
#include "rig/io/fake/fake_gpio.hpp"
#include "rig/io/fake/fake_iio_tree.hpp"
#include "rig/io/runtime.hpp"

namespace rig::io {
namespace {

using namespace std::chrono_literals;

TEST(JitterStats, NearestRankPercentiles) {
  JitterStats j(1000);
  for (int i = 100; i >= 1; --i) j.add(std::chrono::microseconds(i));
  const auto s = j.summarize();
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.p50, 50us);
  EXPECT_EQ(s.p99, 99us);
  EXPECT_EQ(s.max, 100us);
  EXPECT_DOUBLE_EQ(s.mean_ns, 50'500.0);
  EXPECT_EQ(j.describe(), "p50 50.0 us, p99 99.0 us, max 100.0 us (n=100)");
}

TEST(JitterStats, BeyondCapacityCountedNotKept) {
  JitterStats j(2);
  j.add(1us);
  j.add(2us);
  j.add(3us);
  const auto s = j.summarize();
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.dropped, 1u);
  EXPECT_EQ(s.max, 2us);
  EXPECT_EQ(JitterStats(4).summarize().count, 0u);
}

TEST(PacedLoop, TicksInOrderOnTheDeadlineGrid) {
  boost::asio::io_context io;
  PacedLoop loop(io, 200.0);
  std::vector<std::uint64_t> ticks;
  std::vector<Nanos> scheduled;
  loop.start([&](std::uint64_t tick, Nanos at) {
    ticks.push_back(tick);
    scheduled.push_back(at);
    return tick < 9;
  });
  io.run_for(5s);
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks.back(), 9u);
  EXPECT_EQ(ticks.size() + loop.missed(), 10u);  // every tick either ran or was counted as missed (a loaded host)
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    if (i > 0) EXPECT_GT(ticks[i], ticks[i - 1]);
    EXPECT_EQ(scheduled[i], 5ms * static_cast<std::int64_t>(ticks[i] + 1));
  }
  EXPECT_EQ(loop.jitter().summarize().count, ticks.size());
  EXPECT_FALSE(loop.running());
}

TEST(PacedLoop, OverrunSkipsTicksInsteadOfBursting) {
  boost::asio::io_context io;
  PacedLoop loop(io, 1000.0);
  std::vector<Nanos> scheduled;
  std::vector<std::uint64_t> ticks;
  // The overrun is made in the third call, whatever its tick number (a loaded machine may already have skipped
  // ticks before it): every later delay only widens the gap that is checked.
  loop.start([&](std::uint64_t tick, Nanos at) {
    scheduled.push_back(at);
    ticks.push_back(tick);
    if (scheduled.size() == 3) std::this_thread::sleep_for(5ms);  // an overrun of several periods
    return scheduled.size() < 6;
  });
  io.run_for(5s);
  EXPECT_GE(loop.missed(), 3u);
  ASSERT_EQ(scheduled.size(), 6u);
  EXPECT_GE(scheduled[3] - scheduled[2], 4ms);  // the missed ticks were skipped: no burst to catch up
  EXPECT_GE(ticks[3] - ticks[2], 5u);
  EXPECT_EQ(scheduled[3], 1ms * static_cast<std::int64_t>(ticks[3] + 1));  // back on the deadline grid
}

TEST(PacedLoop, RejectsNonPositiveRate) {
  boost::asio::io_context io;
  EXPECT_THROW(PacedLoop(io, 0.0), std::invalid_argument);
}

TEST(RealtimeStatus, DescribesWhatWasRefused) {
  RealtimeStatus st;
  st.fifo_error = "Operation not permitted";
  st.lock_error = "Cannot allocate memory";
  EXPECT_EQ(st.describe(),
            "SCHED_OTHER (SCHED_FIFO refused: Operation not permitted), memory not locked (mlockall refused: Cannot "
            "allocate memory)");
  st = RealtimeStatus{true, true, 80, "", ""};
  EXPECT_EQ(st.describe(), "SCHED_FIFO priority 80, memory locked");
}

class Supervisor : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  int safe_calls = 0;
  SafetySupervisor::SafeAction action = [this] {
    ++safe_calls;
    return std::vector<std::string>{};
  };
};

TEST_F(Supervisor, AbortMakesSafeOnceAndKeepsFirstReason) {
  SafetySupervisor sup(io, action);
  std::vector<std::string> reasons;
  sup.on_abort([&](const std::string& r) { reasons.push_back(r); });
  sup.abort("lost device: ad5686r");
  sup.abort("signal SIGINT");
  EXPECT_EQ(safe_calls, 1);
  EXPECT_EQ(sup.reason(), "lost device: ad5686r");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_TRUE(io.stopped());
}

TEST_F(Supervisor, ExceptionInGuardedCodeAbortsAndPropagates) {
  SafetySupervisor sup(io, action);
  EXPECT_THROW(sup.guard([]() -> int { throw ChannelError("psu: no answer"); }), ChannelError);
  EXPECT_TRUE(sup.aborted());
  EXPECT_EQ(sup.reason(), "exception: psu: no answer");
  EXPECT_EQ(safe_calls, 1);
  EXPECT_EQ(sup.guard([] { return 7; }), 7);
}

TEST_F(Supervisor, DestructionMakesSafeWhenNothingElseDid) {
  { SafetySupervisor sup(io, action); }
  EXPECT_EQ(safe_calls, 1);
  {
    SafetySupervisor sup(io, action);
    sup.make_safe();  // the normal end of a run
  }
  EXPECT_EQ(safe_calls, 2);
}

TEST_F(Supervisor, UnsafeOutputsReported) {
  SafetySupervisor sup(io, [] { return std::vector<std::string>{"alternator/port_voltage_v: not connected"}; });
  sup.abort("x");
  ASSERT_EQ(sup.unsafe().size(), 1u);
}

TEST_F(Supervisor, SilentTelemetryAbortsAtTheTimeoutNotBefore) {
  SafetySupervisor sup(io, action);
  Nanos now = 2999ms;
  sup.watch_silence("telemetry", [&] { return now; }, [] { return Nanos{0}; }, 3s, 1ms);
  io.run_for(30ms);
  EXPECT_FALSE(sup.aborted());  // 2.999 s of silence: still fine
  now = 3000ms;
  io.restart();
  io.run_for(2s);
  EXPECT_TRUE(sup.aborted());
  EXPECT_EQ(sup.reason(), "telemetry silent for 3.0 s");
  EXPECT_EQ(safe_calls, 1);
}

TEST_F(Supervisor, SignalAborts) {
  SafetySupervisor sup(io, action);
  sup.watch_signals();
  std::raise(SIGTERM);
  io.run_for(2s);
  EXPECT_EQ(sup.reason(), "signal SIGTERM");
  EXPECT_EQ(safe_calls, 1);
}

// A lost GPIO chip mid-run: the channel's fault reaches the supervisor, which stops the loop and leaves every
// output of the bench in its safe state.
TEST(SupervisedBench, LostChipMidRunLeavesEveryOutputSafe) {
  fake::FakeIioTree tree;
  const auto dac = tree.add_device("ad5686r");
  tree.set(dac, "out_voltage0_raw", "0");
  const std::string yaml = "rig: t\niio_root: " + tree.root().string() +
                           "\nchannels:\n"
                           "  bank/battery[0]/cell[0]/sensed_voltage_v:\n    out: { iio: { device: ad5686r, channel: 0 } }\n"
                           "    limits: [2.0, 3.8]\n    safe: 3.3\n"
                           "  remote/h_v:\n    out: { gpiod: { chip: c, line: 5 } }\n    safe: low\n"
                           "  bms/out/load:\n    in: { gpiod: { chip: c, line: 17 } }\n";
  boost::asio::io_context io;
  const RunClock clock = RunClock::start_now();
  std::vector<std::shared_ptr<fake::FakeGpioLine>> lines;
  Bench bench(parse_rig_config(yaml, "t.yaml"), io, clock, [&] {
    lines.push_back(std::make_shared<fake::FakeGpioLine>());
    return std::make_unique<fake::FakeGpioLinePort>(lines.back());
  });
  SafetySupervisor sup(io, [&] { return bench.deactivate(); });
  bench.digital_in("bms/out/load")->on_fault([&](const std::string& ch, const std::string& what) {
    sup.abort("lost device: " + ch + ": " + what);
  });
  bench.configure();
  bench.activate();
  PacedLoop loop(io, 1000.0);
  loop.start([&](std::uint64_t tick, Nanos) {
    bench.analog_out("bank/battery[0]/cell[0]/sensed_voltage_v")->write(2.5);
    bench.digital_out("remote/h_v")->set(true);
    if (tick == 5) {
      lines[1]->fail_reads = true;
      lines[1]->inject({clock.start_monotonic_ns(), true});
    }
    return true;
  });
  io.run_for(5s);
  EXPECT_EQ(sup.reason(), "lost device: bms/out/load: chip unplugged");
  EXPECT_EQ(tree.get(dac, "out_voltage0_raw"), "3300");
  EXPECT_FALSE(lines[0]->level);
  EXPECT_TRUE(sup.unsafe().empty());
}

}  // namespace
}  // namespace rig::io
