// Configuration validation and refusal (FLT-4), version.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "fw/version.hpp"
#include "harness.hpp"

using fw::Config;
using fw::ConfigError;

namespace {

struct Edge {
  const char* name;
  std::function<void(Config&)> set;
  ConfigError expected;
};

const Edge kEdges[] = {
    {"battery_count 0", [](Config& c) { c.battery_count = 0; }, ConfigError::kBatteryCount},
    {"battery_count 1", [](Config& c) { c.battery_count = 1; }, ConfigError::kOk},
    {"battery_count 5", [](Config& c) { c.battery_count = 5; }, ConfigError::kOk},
    {"battery_count 6", [](Config& c) { c.battery_count = 6; }, ConfigError::kBatteryCount},
    {"load_disconnect 2599", [](Config& c) { c.load_disconnect_mv = 2599; }, ConfigError::kLoadDisconnect},
    {"load_disconnect 2600", [](Config& c) { c.load_disconnect_mv = 2600; }, ConfigError::kOk},
    {"load_disconnect 2800", [](Config& c) { c.load_disconnect_mv = 2800; }, ConfigError::kOk},
    {"load_disconnect 2801", [](Config& c) { c.load_disconnect_mv = 2801; }, ConfigError::kLoadDisconnect},
    {"prealarm 2849", [](Config& c) { c.prealarm_mv = 2849; }, ConfigError::kPrealarm},
    {"prealarm 2850", [](Config& c) { c.prealarm_mv = 2850; }, ConfigError::kOk},
    {"prealarm 3150", [](Config& c) { c.prealarm_mv = 3150; }, ConfigError::kOk},
    {"prealarm 3151", [](Config& c) { c.prealarm_mv = 3151; }, ConfigError::kPrealarm},
    {"overvoltage 3599", [](Config& c) { c.cell_overvoltage_mv = 3599; }, ConfigError::kCellOvervoltage},
    {"overvoltage 3600", [](Config& c) { c.cell_overvoltage_mv = 3600; }, ConfigError::kOk},
    {"overvoltage 4200", [](Config& c) { c.cell_overvoltage_mv = 4200; }, ConfigError::kOk},
    {"overvoltage 4201", [](Config& c) { c.cell_overvoltage_mv = 4201; }, ConfigError::kCellOvervoltage},
    {"low_temp -201", [](Config& c) { c.low_temp_charge_dc = -201; }, ConfigError::kLowTempCharge},
    {"low_temp -200", [](Config& c) { c.low_temp_charge_dc = -200; }, ConfigError::kOk},
    {"low_temp 200", [](Config& c) { c.low_temp_charge_dc = 200; }, ConfigError::kOk},
    {"low_temp 201", [](Config& c) { c.low_temp_charge_dc = 201; }, ConfigError::kLowTempCharge},
    // ALT-3: only the Megafuse ratings the product supports; both sides of each one are refused.
    {"fuse 39", [](Config& c) { c.fuse_rating_a = 39; }, ConfigError::kFuseRating},
    {"fuse 40", [](Config& c) { c.fuse_rating_a = 40; }, ConfigError::kOk},
    {"fuse 41", [](Config& c) { c.fuse_rating_a = 41; }, ConfigError::kFuseRating},
    {"fuse 49", [](Config& c) { c.fuse_rating_a = 49; }, ConfigError::kFuseRating},
    {"fuse 50", [](Config& c) { c.fuse_rating_a = 50; }, ConfigError::kOk},
    {"fuse 51", [](Config& c) { c.fuse_rating_a = 51; }, ConfigError::kFuseRating},
    {"fuse 59", [](Config& c) { c.fuse_rating_a = 59; }, ConfigError::kFuseRating},
    {"fuse 60", [](Config& c) { c.fuse_rating_a = 60; }, ConfigError::kOk},
    {"fuse 61", [](Config& c) { c.fuse_rating_a = 61; }, ConfigError::kFuseRating},
    {"fuse 69", [](Config& c) { c.fuse_rating_a = 69; }, ConfigError::kFuseRating},
    {"fuse 70", [](Config& c) { c.fuse_rating_a = 70; }, ConfigError::kOk},
    {"fuse 71", [](Config& c) { c.fuse_rating_a = 71; }, ConfigError::kFuseRating},
    {"fuse 79", [](Config& c) { c.fuse_rating_a = 79; }, ConfigError::kFuseRating},
    {"fuse 80", [](Config& c) { c.fuse_rating_a = 80; }, ConfigError::kOk},
    {"fuse 81", [](Config& c) { c.fuse_rating_a = 81; }, ConfigError::kFuseRating},
    {"fuse 90", [](Config& c) { c.fuse_rating_a = 90; }, ConfigError::kFuseRating},
    {"fuse 99", [](Config& c) { c.fuse_rating_a = 99; }, ConfigError::kFuseRating},
    {"fuse 100", [](Config& c) { c.fuse_rating_a = 100; }, ConfigError::kOk},
    {"fuse 101", [](Config& c) { c.fuse_rating_a = 101; }, ConfigError::kFuseRating},
    {"fuse 124", [](Config& c) { c.fuse_rating_a = 124; }, ConfigError::kFuseRating},
    {"fuse 125", [](Config& c) { c.fuse_rating_a = 125; }, ConfigError::kOk},
    {"fuse 126", [](Config& c) { c.fuse_rating_a = 126; }, ConfigError::kFuseRating},
    {"input_mode 2", [](Config& c) { c.input_mode = static_cast<fw::InputMode>(2); }, ConfigError::kInputMode},
    {"prealarm_mode 2", [](Config& c) { c.prealarm_mode = static_cast<fw::PreAlarmMode>(2); },
     ConfigError::kPrealarmMode},
    {"floor 0 (disabled)", [](Config& c) { c.lvd_emergency_floor_mv = 0; }, ConfigError::kOk},
    {"floor 1999", [](Config& c) { c.lvd_emergency_floor_mv = 1999; }, ConfigError::kEmergencyFloor},
    {"floor 2000", [](Config& c) { c.lvd_emergency_floor_mv = 2000; }, ConfigError::kOk},
    {"floor 2790", [](Config& c) { c.lvd_emergency_floor_mv = 2790; }, ConfigError::kOk},
    {"floor 2791", [](Config& c) { c.lvd_emergency_floor_mv = 2791; }, ConfigError::kEmergencyFloor},
    {"floor at load_disconnect", [](Config& c) {
       c.load_disconnect_mv = 2600;
       c.lvd_emergency_floor_mv = 2600;
     }, ConfigError::kEmergencyFloor},
    {"floor below load_disconnect", [](Config& c) {
       c.load_disconnect_mv = 2600;
       c.lvd_emergency_floor_mv = 2599;
     }, ConfigError::kOk},
};

}  // namespace

TEST(Config, FLT_4_DefaultsAreValid) { EXPECT_EQ(fw::validate(Config{}), ConfigError::kOk); }

TEST(Config, FLT_4_EveryFieldBothSidesOfItsRange) {
  for (const Edge& e : kEdges) {
    Config c;
    e.set(c);
    EXPECT_EQ(fw::validate(c), e.expected) << e.name;
  }
}

TEST(Config, FLT_4_StableErrorCodes) {
  EXPECT_EQ(static_cast<int>(ConfigError::kOk), 0);
  EXPECT_EQ(static_cast<int>(ConfigError::kInputMode), 1);
  EXPECT_EQ(static_cast<int>(ConfigError::kBatteryCount), 2);
  EXPECT_EQ(static_cast<int>(ConfigError::kLoadDisconnect), 3);
  EXPECT_EQ(static_cast<int>(ConfigError::kPrealarm), 4);
  EXPECT_EQ(static_cast<int>(ConfigError::kCellOvervoltage), 5);
  EXPECT_EQ(static_cast<int>(ConfigError::kLowTempCharge), 6);
  EXPECT_EQ(static_cast<int>(ConfigError::kPrealarmMode), 7);
  EXPECT_EQ(static_cast<int>(ConfigError::kFuseRating), 8);
  EXPECT_EQ(static_cast<int>(ConfigError::kEmergencyFloor), 9);
  EXPECT_STREQ(fw::to_string(ConfigError::kFuseRating), "fuse_rating_a");
  EXPECT_STREQ(fw::to_string(ConfigError::kOk), "ok");
}

TEST(Config, FLT_4_InvalidConfigRefusedPreviousStaysInForce) {
  Config good;
  good.fuse_rating_a = 60;
  fwtest::Harness h(good);
  h.start();
  h.run_for(2000);
  EXPECT_EQ(h.out.alt_limit_ma, 54000);
  Config bad = good;
  bad.fuse_rating_a = 200;
  EXPECT_EQ(h.bms.configure(bad), ConfigError::kFuseRating);
  EXPECT_EQ(h.bms.config().fuse_rating_a, 60);
  h.run_for(100);
  EXPECT_EQ(h.out.alt_limit_ma, 54000);
  // A valid change takes effect at the next step.
  Config next = good;
  next.fuse_rating_a = 125;
  EXPECT_EQ(h.bms.configure(next), ConfigError::kOk);
  h.run_for(100);
  EXPECT_EQ(h.out.alt_limit_ma, 100000);
}

TEST(Config, FLT_4_RefusalIsAllOrNothing) {
  fwtest::Harness h;
  Config bad;
  bad.prealarm_mv = 2900;      // valid
  bad.battery_count = 9;       // invalid
  EXPECT_EQ(h.bms.configure(bad), ConfigError::kBatteryCount);
  EXPECT_EQ(h.bms.config().prealarm_mv, 3100);
  EXPECT_EQ(h.bms.config().battery_count, 5);
}

TEST(Version, FirmwareVersionAndBuildHash) {
  EXPECT_STREQ(fw::kFirmwareVersion, "0.1.0");
  ASSERT_NE(fw::build_hash(), nullptr);
  EXPECT_GT(std::strlen(fw::build_hash()), 0u);
}
