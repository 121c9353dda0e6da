// TEL-2: the HEX register map and get/set through Bms::configure (FLT-4 semantics).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "fw/bms.hpp"
#include "fw/registers.hpp"
#include "fw/version.hpp"

using namespace fw::vedirect;

namespace {

class Registers : public ::testing::Test {
 protected:
  std::string line(const std::string& request) {
    char out[kMaxHexFrameChars];
    const std::size_t n = handler_.handle_line(request.data(), request.size(), out, sizeof out);
    return std::string(out, n);
  }
  std::string request(const HexFrame& f) {
    char buf[kMaxHexFrameChars];
    return std::string(buf, encode_hex(f, buf, sizeof buf));
  }
  HexFrame answer(const HexFrame& req) {
    HexFrame resp;
    const std::string text = line(request(req));
    EXPECT_EQ(decode_hex(text.data(), text.size(), resp), HexError::kOk) << text;
    return resp;
  }

  fw::Bms bms_;
  RegisterHandler handler_{bms_};
};

TEST_F(Registers, TEL_2_MalformedAnswersErrorFrameAndChangesNothing) {
  const fw::Config before = bms_.config();
  // A valid set of fuse 80 A with a wrong checksum (and other malformed lines).
  std::string good = request(make_register(0x8, reg::kFuseRatingA, 0, 80, 2));
  std::string bad = good;
  bad[bad.size() - 2] = bad[bad.size() - 2] == '0' ? '1' : '0';
  for (const std::string& s : {bad, std::string(":"), std::string("garbage\n"), std::string(":8\n"),
                               std::string(":7\n"), std::string(":7001G0003E\n")}) {
    EXPECT_EQ(line(s), ":4AAAAFD\n") << s;
  }
  EXPECT_EQ(bms_.config().fuse_rating_a, before.fuse_rating_a);
  EXPECT_EQ(handler_.malformed_frames(), 6u);
  // A set without a register id is malformed too.
  EXPECT_EQ(line(request(make_frame(0x8))), ":4AAAAFD\n");
  // The good frame is applied.
  EXPECT_EQ(line(good), request(make_register(0x8, reg::kFuseRatingA, 0, 80, 2)));
  EXPECT_EQ(bms_.config().fuse_rating_a, 80);
}

TEST_F(Registers, TEL_2_PingVersionProductId) {
  EXPECT_EQ(line(":154\n"), request([] {
              HexFrame f = make_frame(0x5);
              f.payload[0] = static_cast<std::uint8_t>(app_version() & 0xFF);
              f.payload[1] = static_cast<std::uint8_t>(app_version() >> 8);
              f.length = 2;
              return f;
            }()));
  EXPECT_EQ(app_version(), 0x0010);  // "0.1.0"
  HexFrame pid = answer(make_frame(0x4));
  EXPECT_EQ(pid.command, 0x1);
  ASSERT_EQ(pid.length, 2);
  EXPECT_EQ(pid.payload[0] | pid.payload[1] << 8, 0xA3E0);
  HexFrame ver = answer(make_frame(0x3));
  EXPECT_EQ(ver.command, 0x1);
}

TEST_F(Registers, TEL_2_RestartHasNoAnswerUnknownCommandAnswersUnknown) {
  EXPECT_EQ(line(request(make_frame(0x6))), "");
  const HexFrame u = answer(make_frame(0x0));  // enter boot: not supported here
  EXPECT_EQ(u.command, 0x3);
  ASSERT_EQ(u.length, 1);
  EXPECT_EQ(u.payload[0], 0x0);
}

TEST_F(Registers, TEL_2_GetBmsRegistersFromOutputs) {
  fw::Outputs out;
  out.bms_flags = (1u << 25) | (1u << 27);
  out.bms_error = 32;
  out.alarm_reason = 0x4000;
  handler_.update(out);
  HexFrame f = answer(make_get(reg::kBmsFlags));
  EXPECT_EQ(f.command, 0x7);
  EXPECT_EQ(f.register_id(), 0x2100);
  EXPECT_EQ(f.flags(), kFlagOk);
  EXPECT_EQ(f.value_size(), 4u);
  EXPECT_EQ(f.value(), (1u << 25) | (1u << 27));
  f = answer(make_get(reg::kBmsError));
  EXPECT_EQ(f.value_size(), 1u);
  EXPECT_EQ(f.value(), 32u);
  f = answer(make_get(reg::kAlarmReason));
  EXPECT_EQ(f.value_size(), 2u);
  EXPECT_EQ(f.value(), 0x4000u);
  f = answer(make_get(reg::kAlarmStatus));
  EXPECT_EQ(f.value(), 1u);
  f = answer(make_get(reg::kProductId));
  EXPECT_EQ(f.value(), 0xA3E0u);
  f = answer(make_get(reg::kFirmwareVersion));
  EXPECT_EQ(f.value_size(), 2u);
  EXPECT_EQ(f.value(), 0x0010u);  // "0.1.0"
  f = answer(make_get(reg::kBuildHash));
  EXPECT_EQ(f.value_size(), 4u);
  EXPECT_EQ(f.value(), fw::vedirect::parse_hash_word(fw::build_hash()));
  // 0x031E 0x4000 → ":71E03000040" + checksum: the exact frame.
}

// The identity registers are read-only: a set answers "not supported" and changes nothing.
TEST_F(Registers, TEL_2_IdentityRegistersAreReadOnly) {
  for (std::uint16_t id : {reg::kProductId, reg::kFirmwareVersion, reg::kBuildHash}) {
    const HexFrame f = answer(make_register(0x8, id, 0, 1, 2));
    EXPECT_EQ(f.flags(), kFlagNotSupported) << std::hex << id;
  }
}

// The build hash word: up to 8 leading hex digits, 0 for a hash that is not hex ("unknown").
TEST(BuildHashWord, TakesTheFirstEightHexDigits) {
  using fw::vedirect::parse_hash_word;
  EXPECT_EQ(parse_hash_word("f7df773"), 0x0f7df773u);
  EXPECT_EQ(parse_hash_word("0123456789ab"), 0x01234567u);
  EXPECT_EQ(parse_hash_word("ABCDEF12"), 0xabcdef12u);
  EXPECT_EQ(parse_hash_word("3743b61-dirty"), 0x03743b61u);
  EXPECT_EQ(parse_hash_word("unknown"), 0u);
  EXPECT_EQ(parse_hash_word(""), 0u);
}

TEST(FirmwareDigits, VictronDigitFormOfTheVersion) {
  EXPECT_STREQ(fw::version_digits(fw::version_word("0.1.0")).text, "0010");
  EXPECT_STREQ(fw::version_digits(fw::version_word("2.0.8")).text, "0208");
  EXPECT_STREQ(fw::version_digits(fw::version_word("1.1.5")).text, "0115");
  EXPECT_STREQ(fw::kFirmwareDigits.text, "0010");
}

TEST_F(Registers, TEL_2_GetUnknownIdAnswersFlag01WithoutValue) {
  const HexFrame f = answer(make_get(0x1000));
  EXPECT_EQ(f.command, 0x7);
  EXPECT_EQ(f.register_id(), 0x1000);
  EXPECT_EQ(f.flags(), kFlagUnknownId);
  EXPECT_EQ(f.value_size(), 0u);
}

TEST_F(Registers, TEL_2_SetReadOnlyIsNotSupported) {
  const HexFrame f = answer(make_register(0x8, reg::kBmsFlags, 0, 0, 4));
  EXPECT_EQ(f.flags(), kFlagNotSupported);
  const HexFrame g = answer(make_register(0x8, 0x1000, 0, 1, 2));
  EXPECT_EQ(g.flags(), kFlagUnknownId);
}

// Each configuration register at both edges of its range: the last valid value is applied, the first invalid
// one is refused with flag 0x04, the previous value stays and is echoed.
TEST_F(Registers, TEL_2_SetConfigRegistersAtRangeEdges) {
  struct Edge {
    std::uint16_t id;
    std::int32_t ok;
    std::int32_t bad;
    std::size_t size;
  };
  const Edge edges[] = {
      {reg::kBatteryCount, 1, 0, 1},          {reg::kBatteryCount, 5, 6, 1},
      {reg::kLoadDisconnectMv, 2600, 2599, 2}, {reg::kLoadDisconnectMv, 2800, 2801, 2},
      {reg::kPrealarmMv, 2850, 2849, 2},       {reg::kPrealarmMv, 3150, 3151, 2},
      {reg::kCellOvervoltageMv, 3600, 3599, 2}, {reg::kCellOvervoltageMv, 4200, 4201, 2},
      {reg::kLowTempChargeDc, -200, -201, 2},  {reg::kLowTempChargeDc, 200, 201, 2},
      {reg::kFuseRatingA, 40, 39, 2},          {reg::kFuseRatingA, 125, 126, 2},
      {reg::kInputMode, 1, 2, 1},              {reg::kPrealarmMode, 1, 2, 1},
      {reg::kPrealarmEnabled, 0, 2, 1},        {reg::kSystemSwitch, 1, 2, 1},
      {reg::kLvdEmergencyFloorMv, 2000, 1999, 2}, {reg::kLvdEmergencyFloorMv, 2599, 2600, 2},
  };
  for (const Edge& e : edges) {
    fw::Bms bms;
    RegisterHandler h(bms);
    if (e.id == reg::kLvdEmergencyFloorMv) {
      // The floor must lie below load_disconnect_mv: put that at its minimum first.
      fw::Config c = bms.config();
      c.load_disconnect_mv = 2600;
      ASSERT_EQ(bms.configure(c), fw::ConfigError::kOk);
    }
    HexFrame ok_resp;
    ASSERT_TRUE(h.handle(make_register(0x8, e.id, 0, static_cast<std::uint32_t>(e.ok), e.size), ok_resp));
    EXPECT_EQ(ok_resp.flags(), kFlagOk) << std::hex << e.id << " " << std::dec << e.ok;
    const fw::Config applied = bms.config();
    HexFrame bad_resp;
    ASSERT_TRUE(h.handle(make_register(0x8, e.id, 0, static_cast<std::uint32_t>(e.bad), e.size), bad_resp));
    EXPECT_EQ(bad_resp.flags(), kFlagParameterError) << std::hex << e.id << " " << std::dec << e.bad;
    HexFrame get;
    ASSERT_TRUE(h.handle(make_get(e.id), get));
    const std::size_t n = get.value_size();
    std::int32_t v = static_cast<std::int32_t>(get.value());
    if (n == 2 && e.id == reg::kLowTempChargeDc) v = static_cast<std::int16_t>(v);
    EXPECT_EQ(v, e.ok) << std::hex << e.id;                    // previous value still in force
    EXPECT_EQ(bad_resp.value(), get.value()) << std::hex << e.id;  // and echoed with the error
    for (std::uint16_t id = reg::kInputMode; id <= reg::kLvdEmergencyFloorMv; ++id) {
      std::uint32_t before_v = 0, after_v = 0;
      std::size_t before_n = 0, after_n = 0;
      ASSERT_TRUE(read_register(id, applied, fw::Outputs{}, before_v, before_n));
      ASSERT_TRUE(read_register(id, bms.config(), fw::Outputs{}, after_v, after_n));
      EXPECT_EQ(before_v, after_v) << std::hex << id;  // nothing else changed either
    }
  }
}

TEST_F(Registers, TEL_2_SetValueSizes) {
  // 1, 2 and 4 bytes accepted; 3 bytes refused.
  for (std::size_t size : {1u, 2u, 4u}) {
    const HexFrame f = answer(make_register(0x8, reg::kFuseRatingA, 0, 100, size));
    EXPECT_EQ(f.flags(), kFlagOk) << size;
  }
  HexFrame three = make_register(0x8, reg::kFuseRatingA, 0, 60, 4);
  three.length = 6;
  EXPECT_EQ(answer(three).flags(), kFlagParameterError);
  EXPECT_EQ(bms_.config().fuse_rating_a, 100);
  // Signed register sent as one byte: 0xEC = -20 (−2.0 °C).
  EXPECT_EQ(answer(make_register(0x8, reg::kLowTempChargeDc, 0, 0xEC, 1)).flags(), kFlagOk);
  EXPECT_EQ(bms_.config().low_temp_charge_dc, -20);
  // A huge unsigned value does not wrap into range.
  EXPECT_EQ(answer(make_register(0x8, reg::kFuseRatingA, 0, 0x80000064u, 4)).flags(), kFlagParameterError);
  EXPECT_EQ(answer(make_register(0x8, reg::kBatteryCount, 0, 0x101, 2)).flags(), kFlagParameterError);
  EXPECT_EQ(bms_.config().battery_count, 1);
}

TEST_F(Registers, TEL_2_SettingsRegisterMapsBits) {
  HexFrame f = answer(make_get(reg::kBmsSettings));
  EXPECT_EQ(f.value(), kSettingUsePrealarm | kSettingAlarmContinuous);  // defaults
  f = answer(make_register(0x8, reg::kBmsSettings, 0, kSettingFollowRemote, 4));
  EXPECT_EQ(f.flags(), kFlagOk);
  EXPECT_FALSE(bms_.config().prealarm_enabled);
  EXPECT_EQ(bms_.config().prealarm_mode, fw::PreAlarmMode::kIntermittent);
  EXPECT_TRUE(bms_.config().system_switch);
  f = answer(make_register(0x8, reg::kBmsSettings, 0, 1u << 3, 4));  // unsupported bit
  EXPECT_EQ(f.flags(), kFlagParameterError);
  EXPECT_TRUE(bms_.config().system_switch);
}

// FLT-4 persistence hook: called once per applied set with the configuration now in force; never for a refused,
// read-only, unknown or malformed set, nor for a get.
TEST_F(Registers, FLT_4_AfterSetHookSeesOnlyAppliedSets) {
  struct Seen {
    int calls = 0;
    fw::Config last{};
  } seen;
  handler_.set_after_set(
      [](void* ctx, const fw::Config& c) {
        auto* s = static_cast<Seen*>(ctx);
        ++s->calls;
        s->last = c;
      },
      &seen);
  EXPECT_EQ(answer(make_register(0x8, reg::kFuseRatingA, 0, 80, 2)).flags(), kFlagOk);
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.last.fuse_rating_a, 80);
  EXPECT_EQ(answer(make_register(0x8, reg::kFuseRatingA, 0, 81, 2)).flags(), kFlagParameterError);  // refused
  EXPECT_EQ(answer(make_register(0x8, reg::kProductId, 0, 1, 2)).flags(), kFlagNotSupported);
  EXPECT_EQ(answer(make_register(0x8, 0x7777, 0, 1, 2)).flags(), kFlagUnknownId);
  EXPECT_EQ(answer(make_get(reg::kFuseRatingA)).value(), 80u);
  EXPECT_EQ(line(":8\n"), ":4AAAAFD\n");
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(answer(make_register(0x8, reg::kPrealarmMv, 0, 3000, 2)).flags(), kFlagOk);
  EXPECT_EQ(seen.calls, 2);
  EXPECT_EQ(seen.last.prealarm_mv, 3000);
  EXPECT_EQ(seen.last.fuse_rating_a, 80);
}

}  // namespace
