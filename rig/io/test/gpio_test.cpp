#include <gtest/gtest.h>

#include <chrono>

#include "rig/io/fake/fake_gpio.hpp"
#include "rig/io/gpio.hpp"

namespace rig::io {
namespace {

using namespace std::chrono_literals;
using fake::FakeGpioLine;
using fake::FakeGpioLinePort;

constexpr std::int64_t kMs = 1'000'000;

TEST(EdgeDebouncer, WithoutDebounceEveryLevelChangeIsAnEdge) {
  EdgeDebouncer d(0ns, false);
  auto e = d.on_raw({10, true});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->timestamp_ns, 10);
  EXPECT_TRUE(e->level);
  EXPECT_FALSE(d.on_raw({20, true}));  // same level again (a missed opposite edge): nothing new
  e = d.on_raw({30, false});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->timestamp_ns, 30);
  EXPECT_FALSE(d.deadline_ns());
}

TEST(EdgeDebouncer, BouncingContactConfirmedOnceStableWithFirstEdgeTime) {
  EdgeDebouncer d(std::chrono::nanoseconds(1 * kMs), false);
  EXPECT_FALSE(d.on_raw({100 * kMs, true}));
  EXPECT_FALSE(d.on_raw({100 * kMs + 200'000, false}));
  EXPECT_FALSE(d.on_raw({100 * kMs + 400'000, true}));
  ASSERT_TRUE(d.deadline_ns());
  EXPECT_EQ(*d.deadline_ns(), 101 * kMs + 400'000);
  EXPECT_FALSE(d.poll(101 * kMs + 399'999));  // 1 ns short of stable
  EXPECT_FALSE(d.level());
  auto e = d.poll(101 * kMs + 400'000);  // stable for exactly the debounce time
  ASSERT_TRUE(e);
  EXPECT_EQ(e->timestamp_ns, 100 * kMs);  // the first edge of the burst
  EXPECT_TRUE(e->level);
  EXPECT_TRUE(d.level());
  EXPECT_FALSE(d.deadline_ns());
}

TEST(EdgeDebouncer, GlitchShorterThanDebounceIsDropped) {
  EdgeDebouncer d(std::chrono::nanoseconds(1 * kMs), false);
  EXPECT_FALSE(d.on_raw({0, true}));
  EXPECT_FALSE(d.on_raw({kMs - 1, false}));  // back within the window
  EXPECT_FALSE(d.poll(10 * kMs));
  EXPECT_FALSE(d.level());
}

TEST(EdgeDebouncer, PulseLongerThanDebounceIsTwoEdges) {
  EdgeDebouncer d(std::chrono::nanoseconds(1 * kMs), false);
  EXPECT_FALSE(d.on_raw({0, true}));
  auto rise = d.on_raw({kMs, false});  // exactly debounce later: the high level had settled
  ASSERT_TRUE(rise);
  EXPECT_EQ(rise->timestamp_ns, 0);
  EXPECT_TRUE(rise->level);
  auto fall = d.poll(2 * kMs);
  ASSERT_TRUE(fall);
  EXPECT_EQ(fall->timestamp_ns, kMs);
  EXPECT_FALSE(fall->level);
}

TEST(RunClock, MapsEitherKernelClockToRunTime) {
  const RunClock clock(5'000'000'000, 1'700'000'000'000'000'000);
  EXPECT_EQ(clock.to_run_time(5'250'000'000, KernelClock::kMonotonic), 250ms);
  EXPECT_EQ(clock.to_run_time(1'700'000'000'750'000'000, KernelClock::kRealtime), 750ms);
  EXPECT_EQ(clock.to_run_time(4'999'000'000, KernelClock::kMonotonic), -1ms);
}

TEST(RunClock, DetectsWhichClockStampedAnEvent) {
  const std::int64_t mono = 5'000'000'000, real = 1'700'000'000'000'000'000;
  EXPECT_EQ(detect_kernel_clock(mono - 3'000'000, mono, real), KernelClock::kMonotonic);
  EXPECT_EQ(detect_kernel_clock(real - 3'000'000, mono, real), KernelClock::kRealtime);
}

class GpioIn : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  RunClock clock{RunClock::start_now()};
  std::shared_ptr<FakeGpioLine> line = std::make_shared<FakeGpioLine>();
  std::vector<EdgeEvent> edges;
  GpioLineSpec spec(Nanos debounce = 0ns) {
    GpioLineSpec s;
    s.chip = "gpiochip1";
    s.line = 4;
    s.active_low = true;
    s.bias = Bias::kPullUp;
    s.debounce = debounce;
    return s;
  }
  std::unique_ptr<GpioDigitalIn> make(Nanos debounce = 0ns) {
    auto ch = std::make_unique<GpioDigitalIn>("bms/out/load", spec(debounce), std::make_unique<FakeGpioLinePort>(line),
                                              io, clock);
    ch->on_edge([this](const EdgeEvent& e) { edges.push_back(e); });
    return ch;
  }
  std::int64_t at(std::chrono::milliseconds run_time) const { return clock.start_monotonic_ns() + Nanos(run_time).count(); }
};

TEST_F(GpioIn, ConfigureRequestsLineWithBiasActiveLowAndInitialLevel) {
  line->level = true;
  auto ch = make();
  ch->configure();
  ASSERT_TRUE(line->requested);
  EXPECT_FALSE(line->as_output);
  EXPECT_EQ(line->requested->line, 4u);
  EXPECT_TRUE(line->requested->active_low);
  EXPECT_EQ(line->requested->bias, Bias::kPullUp);
  ch->activate();
  EXPECT_TRUE(ch->read());
}

TEST_F(GpioIn, RefusedRequestFailsConfigure) {
  line->refuse_request = true;
  auto ch = make();
  EXPECT_THROW(ch->configure(), ChannelError);
}

TEST_F(GpioIn, EdgesArriveThroughTheEventFdWithRunTimestamps) {
  auto ch = make();
  ch->configure();
  ch->activate();
  line->inject({at(1500ms), true});
  line->inject({at(2750ms), false});
  io.poll();
  ASSERT_EQ(edges.size(), 2u);
  EXPECT_EQ(edges[0].t, 1500ms);
  EXPECT_TRUE(edges[0].level);
  EXPECT_EQ(edges[1].t, 2750ms);
  EXPECT_FALSE(edges[1].level);
  EXPECT_FALSE(ch->read());
  line->inject({at(3000ms), true});  // the wait is re-armed after each batch
  io.poll();
  EXPECT_EQ(edges.size(), 3u);
}

TEST_F(GpioIn, DebouncedBurstConfirmedByTimerWithFirstEdgeTime) {
  auto ch = make(2ms);
  ch->configure();
  ch->activate();
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  line->inject({now, true});
  line->inject({now + 100'000, false});
  line->inject({now + 200'000, true});
  io.poll();
  EXPECT_TRUE(edges.empty());  // not yet stable
  io.run_for(200ms);           // the debounce timer confirms
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0].t.count(), now - clock.start_monotonic_ns());
  EXPECT_TRUE(ch->read());
}

TEST_F(GpioIn, LostChipFaultsChannelAndTellsSupervisor) {
  auto ch = make();
  std::string fault;
  ch->on_fault([&](const std::string& name, const std::string& what) { fault = name + ": " + what; });
  ch->configure();
  ch->activate();
  line->fail_reads = true;
  line->inject({at(10ms), true});
  io.poll();
  EXPECT_EQ(fault, "bms/out/load: chip unplugged");
  EXPECT_EQ(ch->state(), ChannelState::kFaulted);
  EXPECT_THROW(ch->read(), ChannelError);
}

TEST_F(GpioIn, DeactivatedChannelDeliversNothing) {
  auto ch = make();
  ch->configure();
  ch->activate();
  ch->deactivate();
  line->inject({at(10ms), true});
  io.poll();
  EXPECT_TRUE(edges.empty());
}

TEST(GpioOut, RequestedAtSafeLevelThenDrivenAndReturnedToSafe) {
  auto line = std::make_shared<FakeGpioLine>();
  GpioLineSpec spec;
  spec.chip = "gpiochip0";
  spec.line = 17;
  spec.active_low = true;
  GpioDigitalOut ch("remote/h", DigitalSpec{false}, spec, std::make_unique<FakeGpioLinePort>(line));
  ch.configure();
  ASSERT_TRUE(line->requested);
  EXPECT_TRUE(line->as_output);
  EXPECT_TRUE(line->requested->active_low);
  ASSERT_EQ(line->driven.size(), 1u);  // the request itself drives the safe level
  EXPECT_FALSE(line->driven[0]);
  ch.activate();
  ch.set(true);
  EXPECT_TRUE(line->level);
  ch.deactivate();
  EXPECT_FALSE(line->level);
}

}  // namespace
}  // namespace rig::io
