// The alternator-path controller (ALT-1..ALT-7): turns the measured alternator-port voltage, Li-port voltage,
// alternator-port current and limiter heatsink temperature into the limiter command (path on/off and a
// current limit in mA). Pure and heap-free; time comes in as dt_ms (any period ≤ fw::kTickMs).
//
// The command is the minimum of five limits, each clamped to 0..I_lim:
//   1. I_lim = min(0.9 × fuse_rating_a, 100 A)                                    (ALT-3)
//   2. thermal derating of I_lim: 100 % at ≤ 85 °C, linear to 0 % at ≥ 100 °C, with 10 °C
//      hysteresis as a backlash: the temperature used follows a rising heatsink at once and a falling one
//      only once it is 10 °C below, i.e. T_used ∈ [T, T + 10 °C]. The red LED is on while T_used > 85 °C,
//      so it goes off once the heatsink is back at ≤ 75.0 °C.                    (ALT-6)
//      A heatsink reading outside −50..150 °C (open / shorted sensor) derates to 0.
//   3. soft start: I_lim × t_on / 1.0 s (ALT-4). t_on restarts from 0 each time the current resumes from zero:
//      when the path (re)opens, on every sample the floor commands 0 or the path is off for a reversal, and —
//      without the path re-opening (a fuse replaced, a loose lug, a command of 0 from another limit) — once no
//      current (I_alt ≤ kNoCurrentMa = 0.2 A) has been measured for kNoCurrentRearmMs = 50 ms: t_on is then held
//      at kSoftStartFirstStepMs = 10 ms, the soft start's first step (1 % of I_lim), until current flows again.
//   4. input-voltage floor (ALT-1, O-01): current may flow only while the port exceeds 13.000 V.
//      - Every sample with V_alt ≤ 13.000 V (kAltFloorMv) commands 0 on that sample, so current flows at or
//        under 13.000 V for at most one tick plus the power stage's response; the current then resumes from 0
//        with soft start. Once the port has been ≤ 13.000 V for kFloorOffMs = 500 ms the path is off (engine
//        off / source gone); it re-opens, with soft start, on the first sample above 13.000 V.
//      - Above 13.000 V the command is the minimum of a PI regulator and a knee cap.
//      PI: e = V_alt − 13.050 V (kAltFloorTargetMv: the set-point sits 50 mV above the floor, half the rig's
//        ±0.1 V threshold tolerance, so that the regulation ripple and the ADC's noise do not reach the floor
//        and cut the current); I_pi = clamp(I_int + 10 mA/mV × e, 0, I_lim);
//        I_int += 1 mA/(mV·ms) × e × dt, clamped to 0..I_lim and to min(soft start, knee cap), so it
//        never winds up behind another limit and takes over from it without overshooting the set-point. When
//        e < 0 and I_int is above the measured current + 1 A, I_int first drops to measured + 1 A. I_int
//        starts at 0 each time the path opens and after every cut.
//        Closed-loop time constant ≈ 1 / (Ki × R_source): 100 ms with a 10 mΩ source (alternator droop, a
//        charge-accepting starter battery's slope), 25 ms at 40 mΩ; stable (per-10 ms-tick loop gain < 2) for
//        source resistances up to 0.2 Ω. A source that can hold 13.0 V at some current (a resistive feed, a
//        starter battery with graded charge acceptance behind an alternator at its ceiling) is regulated there
//        without on/off switching.
//      Knee cap (docs/findings.md D-1): a source whose voltage collapses past some current (an alternator at its ceiling in
//        front of a battery that accepts no more, a hard current clamp) has no operating point at 13.0 V; the
//        cap keeps the current under that knee. I_good = the measured current at the last sample above 13.000 V.
//        - First sample at ≤ 13.000 V: knee K = I_good and cap = K − (0.5 A + K/16); if the measured current is
//          below I_good − (0.5 A + 1/16 of it) (the source itself fell: belt slip, engine slowing), K = the
//          measured current and cap = K / 2.
//        - Each further sample at ≤ 13.000 V: cap falls by I_lim per kFloorCutRampMs = 100 ms.
//        - Samples above 13.000 V: the cap climbs by one back-off (0.5 A + K/16) per kKneeCreepMs = 1 s while
//          within that back-off under K (a knee that stays put is crossed about once per second, each crossing
//          cut on its first sample), and at the soft-start rate (I_lim per 1 s) elsewhere. It stops binding
//          once it reaches I_lim, and is inactive (= I_lim) each time the path opens.
//   5. Li-port over-voltage, the same PI structure on e = 14.380 V − V_li (ALT-5; the set-point is 20 mV under the
//      14.400 V limit, kLiPortTargetMv, because the loop overshoots ≈ 12 mV on first contact with a charging bank
//      (docs/findings.md D-8)); its integrator starts at I_lim when the path opens (it only acts once the Li port nears 14.4 V).
// The path is off (command 0) when not permitted by the BMS (started, enabled, ATC true for ≥ 3 s, remote
// on: CD-2, CD-3, RMT-2, ALT-7), on every sample with V_alt ≤ V_li or a current measured flowing back (I_alt < 0)
// (one-way, ALT-2; a reversal shorter than kOneWayResetMs = 100 ms keeps the regulators' state, a longer one
// restarts them; the current resumes with soft start either way), while the floor has timed out, and
// while the over-voltage block is set: V_alt > 16.0 V for ≥ 100 ms raises AR 0x0010 and blocks the path;
// the block and the alarm clear once V_alt ≤ 15.5 V for ≥ 1 s, then the path re-opens with soft start (ALT-5).
// Alternator-charging LED (O-01): on once I_alt > 0.5 A for 2 s; off once I_alt < 0.2 A for 10 s.
#pragma once

#include <cstdint>

#include "fw/constants.hpp"
#include "fw/timing.hpp"

namespace fw {

// ALT-3: the undereated current limit for a fuse rating (A), in mA.
constexpr std::int32_t current_limit_ma(std::int32_t fuse_rating_a) {
  const std::int32_t lim = fuse_rating_a * 900;
  return lim < 0 ? 0 : (lim > kAltLimitCapMa ? kAltLimitCapMa : lim);
}

// ALT-6: I_lim derated for the heatsink temperature `temp_dc` (no hysteresis; the controller feeds it the
// hysteresis-adjusted temperature).
constexpr std::int32_t derated_limit_ma(std::int32_t limit_ma, std::int32_t temp_dc) {
  if (temp_dc < kHeatsinkValidMinDc || temp_dc > kHeatsinkValidMaxDc) return 0;
  if (temp_dc <= kDerateStartDc) return limit_ma;
  if (temp_dc >= kDerateEndDc) return 0;
  return static_cast<std::int32_t>(std::int64_t{limit_ma} * (kDerateEndDc - temp_dc) /
                                   (kDerateEndDc - kDerateStartDc));
}

struct AltInputs {
  bool permitted = false;           // started, enabled, ATC (≥ 3 s), remote on
  std::int32_t fuse_rating_a = 100;
  std::int32_t alt_port_mv = 0;
  std::int32_t li_port_mv = 0;
  std::int32_t alt_current_ma = 0;
  std::int16_t heatsink_temp_dc = 250;
};

struct AltStatus {
  bool path_on = false;
  std::int32_t limit_ma = 0;        // command; 0 when the path is off
  std::int32_t derated_limit_ma = 0;  // I_lim after thermal derating
  bool derating = false;            // red LED
  bool overvoltage_block = false;   // AR 0x0010
  bool floor_timed_out = false;     // port < 13.0 V for ≥ kFloorOffMs (path off)
  bool charging_led = false;        // O-01
};

class AltController {
 public:
  // Power-on state: path off, no alarms.
  constexpr void reset() { *this = AltController{}; }
  AltStatus step(const AltInputs& in, std::uint32_t dt_ms);

  // Floor regulator gains (documented above).
  static constexpr std::int32_t kKpMaPerMv = 10;
  static constexpr std::int32_t kKiMaPerMvMs = 1;
  static constexpr std::int32_t kBumpMa = 1000;

 private:
  bool open_ = false;               // path was on at the previous sample
  std::uint32_t on_ms_ = 0;         // time since the path opened (soft start)
  std::int32_t floor_int_ma_ = 0;
  std::int32_t li_int_ma_ = 0;
  bool knee_active_ = false;        // the knee cap binds below I_lim
  std::int32_t knee_cap_ma_ = 0;    // ALT-1 knee cap on the floor command
  std::int32_t knee_ma_ = 0;        // the last good current before the port last fell under 13.0 V
  std::int32_t good_ma_ = 0;        // the current at the last sample with the port ≥ 13.0 V
  bool temp_init_ = false;
  std::int16_t temp_used_dc_ = 0;   // hysteresis-adjusted heatsink temperature
  bool ov_block_ = false;
  detail::HoldTimer ov_set_;
  detail::HoldTimer ov_clear_;
  detail::HoldTimer floor_low_;
  detail::HoldTimer reverse_;
  detail::HoldTimer no_current_;     // ALT-4: no current measured (soft start re-armed)
  bool charging_led_ = false;
  detail::HoldTimer led_on_;
  detail::HoldTimer led_off_;
};

}  // namespace fw
