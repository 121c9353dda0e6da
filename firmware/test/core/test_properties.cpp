// Property tests: long random input sequences (fixed seeds) with per-tick invariants.
//   P1 (LD-2, PA-3) LD never goes from high to floating less than 30 s after the pre-alarm first rose,
//      unless the LD-5 floor is enabled and fired (lead_violation) or the BMS was disabled (RMT-3).
//   P2 (CD-2, ALT-7) the alternator command is 0 whenever ATC has been false for more than 100 ms
//      (signal mode: the raw wired-AND lines / cable presence; cell mode: the derived ATC, same tick).
//   P3 (RMT-2) the command is 0 whenever the remote pins have read OFF for more than 100 ms.
//   P4 (ALT-1) the command is 0 on every sample with the alternator port at or under 13.000 V (it must exceed
//      13.0 V); the path is off once the port has stayed at or under 13.0 V for kFloorOffMs.
//   P5 (ALT-3, ALT-6) the command never exceeds min(0.9 × fuse, 100 A) derated for the heatsink temperature.
//   P6 (ALT-2) the command is 0 and the path off whenever V_alt ≤ V_li or the current reads negative; the
//      command is 0 when the path is off.
//   P7 (FLT-2) nothing is driven before 1 s of valid inputs after reset.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "harness.hpp"

using fw::Pin;

namespace {

class Generator {
 public:
  Generator(std::uint32_t seed, const fw::Config& c) : rng_(seed), config_(c) {
    in_ = fwtest::nominal_inputs();
  }

  // Inputs for the next sample taken `dt` ms after the previous one.
  const fw::Inputs& next(std::uint32_t dt) {
    auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng_); };
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
    const double per_ms = static_cast<double>(dt);
    if (chance(per_ms / 1500.0)) {  // cell voltage regime
      cell_base_ = uni(2400, 3900);
      bad_cell_ = chance(0.08) ? uni(0, fw::kMaxCells - 1) : -1;
      bad_cell_mv_ = chance(0.5) ? uni(0, 999) : uni(5001, 6000);
    }
    if (chance(per_ms / 4000.0)) {  // temperature regime
      temp_base_ = uni(-100, 600);
      bad_temp_ = chance(0.05) ? uni(0, fw::kMaxCells - 1) : -1;
    }
    for (int i = 0; i < fw::kMaxCells; ++i) {
      in_.cell_mv[i] = (i == bad_cell_) ? bad_cell_mv_ : cell_base_ + uni(-30, 30) - (i == 5 ? 40 : 0);
      in_.cell_temp_dc[i] = static_cast<std::int16_t>(i == bad_temp_ ? -700 : temp_base_ + uni(-5, 5));
    }
    for (int b = 0; b < fw::kMaxBatteries; ++b) {
      fw::BatterySignals& s = lines_[b];
      if (chance(per_ms / 15000.0)) {  // battery regime
        s.allowed_to_charge = chance(0.85);
        s.allowed_to_discharge = chance(0.9);
        s.prealarm = chance(0.2);
        s.connected = chance(0.97);
      }
      in_.battery[b] = s;
    }
    if (glitch_ms_ == 0 && chance(per_ms / 4000.0)) {  // a short glitch on one line (1..80 ms)
      glitch_ms_ = uni(1, 80);
      glitch_battery_ = uni(0, config_.battery_count - 1);
      glitch_line_ = uni(0, 3);
    }
    if (glitch_ms_ > 0) {
      fw::BatterySignals& s = in_.battery[glitch_battery_];
      bool* lines[] = {&s.allowed_to_charge, &s.allowed_to_discharge, &s.prealarm, &s.connected};
      *lines[glitch_line_] = !*lines[glitch_line_];
      glitch_ms_ = glitch_ms_ > static_cast<int>(dt) ? glitch_ms_ - static_cast<int>(dt) : 0;
    }
    if (chance(per_ms / 2500.0)) {  // remote mode A–D and edge levels
      switch (uni(0, 5)) {
        case 0: in_.remote_h_mv = 12000; in_.remote_l_mv = 12000; break;  // A
        case 1: in_.remote_h_mv = 0; in_.remote_l_mv = uni(0, 4999); break;  // B
        case 2: in_.remote_h_mv = uni(3001, 14000); in_.remote_l_mv = 12800; break;  // C
        case 3: in_.remote_h_mv = uni(0, 3000); in_.remote_l_mv = uni(5000, 14000); break;  // D
        default: in_.remote_h_mv = uni(2990, 3010); in_.remote_l_mv = uni(4990, 5010); break;
      }
    }
    if (chance(per_ms / 1200.0)) alt_base_ = uni(12000, 16500);
    if (chance(per_ms / 1200.0)) li_base_ = uni(12000, 14600);
    in_.alt_port_mv = alt_base_ + uni(-20, 20);
    in_.li_port_mv = li_base_ + uni(-10, 10);
    in_.alt_current_ma = uni(0, 100) < 50 ? uni(-200, 1000) : uni(0, 110000);
    if (chance(per_ms / 5000.0)) heatsink_ = static_cast<std::int16_t>(chance(0.03) ? -700 : uni(200, 1100));
    in_.heatsink_temp_dc = heatsink_;
    return in_;
  }

 private:
  std::mt19937 rng_;
  fw::Config config_;
  fw::Inputs in_;
  fw::BatterySignals lines_[fw::kMaxBatteries] = {};
  int glitch_ms_ = 0;
  int glitch_battery_ = 0;
  int glitch_line_ = 0;
  int cell_base_ = 3300;
  int bad_cell_ = -1;
  int bad_cell_mv_ = 0;
  int temp_base_ = 250;
  int bad_temp_ = -1;
  int alt_base_ = 14000;
  int li_base_ = 13300;
  std::int16_t heatsink_ = 250;
};

// Time a condition has held (ms), from the first sample where it was seen.
struct Since {
  bool active = false;
  fw::Millis start = 0;
  std::uint32_t update(bool cond, fw::Millis now) {
    if (!cond) {
      active = false;
      return 0;
    }
    if (!active) {
      active = true;
      start = now;
    }
    return now - start;
  }
};

fw::Config random_config(std::mt19937& rng) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  fw::Config c;
  c.input_mode = uni(0, 1) ? fw::InputMode::kBatterySignals : fw::InputMode::kCells;
  c.battery_count = static_cast<std::uint8_t>(uni(1, 5));
  c.load_disconnect_mv = uni(2600, 2800);
  c.prealarm_mv = uni(2850, 3150);
  c.cell_overvoltage_mv = uni(3600, 4200);
  c.low_temp_charge_dc = static_cast<std::int16_t>(uni(-200, 200));
  c.prealarm_enabled = uni(0, 4) != 0;
  c.prealarm_mode = uni(0, 1) ? fw::PreAlarmMode::kIntermittent : fw::PreAlarmMode::kContinuous;
  const int fuses[] = {40, 50, 60, 70, 80, 100, 125};
  c.fuse_rating_a = fuses[uni(0, 6)];
  c.system_switch = uni(0, 3) == 0;
  c.lvd_emergency_floor_mv = uni(0, 3) == 0 ? uni(2000, c.load_disconnect_mv - 1) : 0;
  if (c.lvd_emergency_floor_mv > 2790) c.lvd_emergency_floor_mv = 2790;
  return c;
}

void run_property_sequence(std::uint32_t seed, std::uint32_t duration_ms) {
  std::mt19937 cfg_rng(seed * 7919u + 1u);
  const fw::Config config = random_config(cfg_rng);
  ASSERT_EQ(fw::validate(config), fw::ConfigError::kOk);
  fw::Bms bms;
  ASSERT_EQ(bms.configure(config), fw::ConfigError::kOk);
  Generator gen(seed, config);
  std::mt19937 period_rng(seed + 17u);
  const bool random_period = (seed % 2) == 1;
  const int batteries = config.battery_count;
  const std::int32_t limit = fw::current_limit_ma(config.fuse_rating_a);

  fw::Millis now = seed * 1000003u;  // arbitrary start, wraps for some seeds
  const fw::Millis t_reset = now;
  std::uint32_t dt = 0;
  Since atc_false, remote_off, port_low, valid, cell_under_floor;
  bool prev_load_high = false;
  bool pa_active = false;
  fw::Millis pa_rise = 0;
  bool ever_valid_1s = false;
  std::uint64_t ld_falls = 0, pa_rises = 0, alt_on_ticks = 0;
  std::uint32_t min_lead = ~0u;

  for (fw::Millis elapsed = 0; elapsed < duration_ms; elapsed += dt) {
    const fw::Inputs& in = gen.next(dt);
    const fw::Outputs out = bms.step(in, now);

    // Raw facts from the inputs.
    bool all_valid = true;
    bool raw_atc = true;
    std::int32_t min_valid_cell_mv = 1 << 30;
    if (config.input_mode == fw::InputMode::kBatterySignals) {
      for (int b = 0; b < batteries; ++b) {
        all_valid = all_valid && in.battery[b].connected;
        raw_atc = raw_atc && in.battery[b].connected && in.battery[b].allowed_to_charge;
      }
    } else {
      for (int i = 0; i < batteries * fw::kCellsPerBattery; ++i) {
        all_valid = all_valid && in.cell_mv[i] >= 1000 && in.cell_mv[i] <= 5000 && in.cell_temp_dc[i] >= -500 &&
                    in.cell_temp_dc[i] <= 1200;
        if (in.cell_mv[i] >= 1000 && in.cell_mv[i] <= 5000 && in.cell_mv[i] < min_valid_cell_mv) {
          min_valid_cell_mv = in.cell_mv[i];
        }
      }
      raw_atc = out.atc;
    }
    const bool raw_remote_on = in.remote_l_mv < 5000 || in.remote_h_mv > 3000;
    const std::uint32_t atc_false_ms = atc_false.update(!raw_atc, now);
    const std::uint32_t remote_off_ms = remote_off.update(!raw_remote_on, now);
    const std::uint32_t port_low_ms = port_low.update(in.alt_port_mv <= fw::kAltFloorMv, now);
    const std::uint32_t cell_under_floor_ms =
        cell_under_floor.update(config.input_mode == fw::InputMode::kCells && config.lvd_emergency_floor_mv != 0 &&
                                    min_valid_cell_mv < config.lvd_emergency_floor_mv,
                                now);
    if (valid.update(all_valid, now) >= 1000) ever_valid_1s = true;

    // Where a failure happened, streamed into an assertion's message: gtest evaluates it only when the assertion
    // fails (a SCOPED_TRACE would build its message on every one of the 12 M ticks).
    const auto at = [&] { return ::testing::Message() << "seed " << seed << " t=" << (now - t_reset) << " ms"; };
    // P7
    if (!ever_valid_1s) {
      ASSERT_EQ(out.load, Pin::kFloating) << at();
      ASSERT_EQ(out.charge, Pin::kFloating) << at();
      ASSERT_EQ(out.prealarm, Pin::kFloating) << at();
      ASSERT_FALSE(out.alt_path_on) << at();
    }
    // P1
    if (out.prealarm_active && !pa_active) {
      pa_rise = now;
      ++pa_rises;
    }
    pa_active = out.prealarm_active;
    const bool bms_enabled = (out.leds & fw::kLedBmsActive) != 0;
    if (prev_load_high && out.load == Pin::kFloating) {
      ++ld_falls;
      // LD-5 fires once the lowest valid cell has been below the floor for 50 ms.
      const bool floor_fired = cell_under_floor_ms >= fw::kEmergencyFloorHoldMs;
      const bool exempt = !bms_enabled || floor_fired;
      if (floor_fired && bms_enabled) {
        ASSERT_TRUE(out.lead_violation || (out.prealarm_active && now - pa_rise >= fw::kPrealarmLeadMs && !out.atd))
            << at();
      }
      if (!exempt) {
        ASSERT_TRUE(out.prealarm_active) << at();
        ASSERT_GE(now - pa_rise, fw::kPrealarmLeadMs) << at();
        if (now - pa_rise < min_lead) min_lead = now - pa_rise;
      }
    }
    prev_load_high = out.load == Pin::kHigh;
    // P2..P6
    if (atc_false_ms > 100) {
      ASSERT_EQ(out.alt_limit_ma, 0) << at();
    }
    if (config.input_mode == fw::InputMode::kCells && !out.atc) {
      ASSERT_EQ(out.alt_limit_ma, 0) << at();
    }
    if (remote_off_ms > 100) {
      ASSERT_EQ(out.alt_limit_ma, 0) << at();
    }
    if (in.alt_port_mv <= fw::kAltFloorMv) {
      ASSERT_EQ(out.alt_limit_ma, 0) << at();
    }
    if (port_low_ms >= fw::kFloorOffMs) {
      ASSERT_FALSE(out.alt_path_on) << at();
    }
    ASSERT_LE(out.alt_limit_ma, fw::derated_limit_ma(limit, in.heatsink_temp_dc)) << at();
    ASSERT_LE(out.alt_limit_ma, limit) << at();
    ASSERT_GE(out.alt_limit_ma, 0) << at();
    if (in.alt_port_mv <= in.li_port_mv || in.alt_current_ma < 0) {
      ASSERT_EQ(out.alt_limit_ma, 0) << at();
      ASSERT_FALSE(out.alt_path_on) << at();
    }
    if (!out.alt_path_on) {
      ASSERT_EQ(out.alt_limit_ma, 0) << at();
    }
    // Consistency of the pins with the reported state.
    if (out.charge == Pin::kHigh) {
      ASSERT_TRUE(out.atc) << at();
    }
    if (out.prealarm == Pin::kHigh) {
      ASSERT_TRUE(out.prealarm_active) << at();
    }
    if (out.alt_limit_ma > 0) ++alt_on_ticks;

    dt = random_period ? std::uniform_int_distribution<std::uint32_t>(1, fw::kTickMs)(period_rng) : fw::kTickMs;
    now += dt;
  }
  // The sequence must actually exercise the invariants.
  ::testing::Test::RecordProperty("ld_falls", static_cast<int>(ld_falls));
  ::testing::Test::RecordProperty("pa_rises", static_cast<int>(pa_rises));
  ::testing::Test::RecordProperty("alt_on_ticks", static_cast<int>(alt_on_ticks));
  ::testing::Test::RecordProperty("min_lead_ms", static_cast<int>(min_lead));
  EXPECT_GT(pa_rises, 10u) << "seed " << seed;
  EXPECT_GT(ld_falls, 10u) << "seed " << seed;
  EXPECT_GT(alt_on_ticks, 1000u) << "seed " << seed;
}

}  // namespace

// 24 seeds × 1 h of simulated time each (≈ 12 M steps in total: even seeds at 10 ms, odd seeds at random 1–10 ms periods).
class BmsProperties : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(BmsProperties, LD_2_PA_3_CD_2_ALT_1_ALT_3_ALT_6_RMT_2_InvariantsHoldEveryTick) {
  run_property_sequence(GetParam(), 3600u * 1000u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, BmsProperties, ::testing::Range<std::uint32_t>(1, 25));

// A directed property: an ATD false that arrives at a random time after the pre-alarm (0..40 s) never
// floats LD before pre-alarm + 30 s and always floats it at max(t_ATD, t_PA + 30 s) exactly (1 ms tick).
TEST(LoadDisconnectProperty, LD_2_ExactMaxRuleForRandomAtdDelays) {
  std::mt19937 rng(4242);
  for (int trial = 0; trial < 40; ++trial) {
    const std::uint32_t atd_after = std::uniform_int_distribution<std::uint32_t>(0, 40000)(rng);
    fwtest::Harness h(fwtest::signals_config(1));
    h.start();
    h.in.battery[0].prealarm = true;
    h.tick();
    const fw::Millis t_pa = h.last() + fw::kSignalDeglitchMs;
    h.run_until(t_pa + atd_after);
    h.in.battery[0].allowed_to_discharge = false;
    h.tick();
    const fw::Millis t_atd = h.last() + fw::kSignalDeglitchMs;
    const fw::Millis expected = std::max(t_atd - t_pa, fw::kPrealarmLeadMs) + t_pa;
    const fw::Millis fall = h.run_until_pred([](const fw::Outputs& o) { return o.load == Pin::kFloating; }, 80000);
    EXPECT_EQ(fall, expected) << "atd_after " << atd_after;
  }
}
