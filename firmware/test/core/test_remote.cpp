// Remote on/off (RMT-1..RMT-3).
#include <gtest/gtest.h>

#include "harness.hpp"

using fw::Pin;
using fwtest::Harness;

namespace {

struct Levels {
  const char* name;
  std::int32_t h_mv;
  std::int32_t l_mv;
  bool on;
};

// Pin levels as the board measures them (see bms.hpp: L pulled up, H pulled down inside the BMS).
constexpr Levels kModes[] = {
    {"A: L-H wire loop (H high through the loop)", 12000, 12000, true},
    {"B: L to battery minus, 0 V", 0, 0, true},
    {"B: L at 4.999 V", 0, 4999, true},
    {"B edge: L at 5.000 V", 0, 5000, false},
    {"C: H high 12 V, L open", 12000, 12800, true},
    {"C: H at 3.001 V", 3001, 12800, true},
    {"C edge: H at 3.000 V", 3000, 12800, false},
    {"D: both open", 0, 12800, false},
};

}  // namespace

TEST(Remote, RMT_1_ModesAtoDFromPinLevels) {
  for (const Levels& m : kModes) {
    Harness h;
    h.in.remote_h_mv = m.h_mv;
    h.in.remote_l_mv = m.l_mv;
    h.start();
    EXPECT_EQ(h.out.remote_on, m.on) << m.name;
  }
}

TEST(Remote, RMT_1_Deglitch50ms) {
  Harness h;
  h.start();
  // Off for 49 ms: ignored.
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12800;
  h.run_for(49);
  h.in = fwtest::nominal_inputs();
  h.run_for(100);
  EXPECT_TRUE(h.out.remote_on);
  // Off for good: accepted at 50 ms.
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12800;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 49);
  EXPECT_TRUE(h.out.remote_on);
  h.tick();
  EXPECT_FALSE(h.out.remote_on);
}

TEST(Remote, RMT_2_OffStopsAlternatorWithin100msOutputsKeepWorking) {
  Harness h;
  h.start();
  h.run_for(3000);
  ASSERT_EQ(h.out.alt_limit_ma, 90000);
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12800;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 49);
  EXPECT_TRUE(h.out.alt_path_on);
  h.tick();
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_EQ(h.out.alt_limit_ma, 0);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_TRUE(h.out.leds & fw::kLedBmsActive);
  // LD / PA keep working with the remote off.
  h.in.cell_mv[0] = 2700;
  h.run_for(2100);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  // Remote on again: alternator resumes with a soft start (no 3 s hold-off).
  h.in.cell_mv[0] = 3300;
  h.in.remote_h_mv = 12000;
  h.in.remote_l_mv = 12000;
  h.tick();
  const fw::Millis t_on = h.last() + fw::kRemoteDeglitchMs;
  h.run_until(t_on);
  EXPECT_TRUE(h.out.alt_path_on);
  h.run_until(t_on + 500);
  EXPECT_EQ(h.out.alt_limit_ma, 45000);
}

TEST(Remote, RMT_3_SystemSwitchDisablesTheBms) {
  fw::Config c = fwtest::five_batteries();
  c.system_switch = true;
  Harness h(c);
  h.start();
  h.run_for(3000);
  h.in.cell_mv[0] = 3000;  // pre-alarm request
  h.run_for(2100);
  ASSERT_EQ(h.out.prealarm, Pin::kHigh);
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12800;
  h.tick();
  const fw::Millis t = h.last();
  h.run_until(t + 49);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
  EXPECT_EQ(h.out.charge, Pin::kFloating);
  EXPECT_EQ(h.out.prealarm, Pin::kFloating);
  EXPECT_FALSE(h.out.alt_path_on);
  EXPECT_FALSE(h.out.leds & fw::kLedBmsActive);
  // Back on: outputs driven again; the pre-alarm restarts, so an ATD false now still gets 30 s of lead.
  h.in.remote_h_mv = 12000;
  h.in.remote_l_mv = 12000;
  h.in.cell_mv[0] = 2700;
  h.tick();
  const fw::Millis t_on = h.last() + fw::kRemoteDeglitchMs;  // BMS enabled again here
  h.run_until(t_on);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_EQ(h.out.prealarm, Pin::kHigh);
  h.run_until(t_on + 29999);
  EXPECT_FALSE(h.out.atd);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  h.tick();
  EXPECT_EQ(h.out.load, Pin::kFloating);
}

TEST(Remote, RMT_3_WithoutSystemSwitchRemoteOffKeepsOutputs) {
  Harness h;
  h.start();
  h.in.remote_h_mv = 0;
  h.in.remote_l_mv = 12800;
  h.run_for(1000);
  EXPECT_EQ(h.out.load, Pin::kHigh);
  EXPECT_EQ(h.out.charge, Pin::kHigh);
  EXPECT_TRUE(h.out.leds & fw::kLedBmsActive);
}
