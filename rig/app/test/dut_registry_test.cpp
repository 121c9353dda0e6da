// The Dut registry: the one place a mode becomes a Dut.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "rig/app/dut_registry.hpp"
#include "rig/in_process_dut.hpp"

namespace {

TEST(DutRegistry, SilIsAlwaysThereAndIsTheInProcessFirmware) {
  rig::app::DutRegistry reg;
  ASSERT_TRUE(reg.has("sil"));
  const auto dut = reg.make("sil", {});
  EXPECT_EQ(dut->mode(), "sil");
  EXPECT_NE(dynamic_cast<rig::InProcessDut*>(dut.get()), nullptr);
}

TEST(DutRegistry, UnknownModeNamesTheModeAndTheBuild) {
  rig::app::DutRegistry reg;
  EXPECT_FALSE(reg.has("hil"));
  try {
    reg.make("hil", {});
    FAIL() << "an unregistered mode made a Dut";
  } catch (const rig::DutError& e) {
    EXPECT_EQ(std::string(e.what()), "mode 'hil' is not available in this build");
  }
}

TEST(DutRegistry, AFactoryGetsTheCommandLineConfig) {
  rig::app::DutRegistry reg;
  std::string seen_rig, seen_firmware;
  reg.add("hil", [&](const rig::app::DutConfig& c) -> std::unique_ptr<rig::Dut> {
    seen_rig = c.rig_config;
    seen_firmware = c.firmware;
    return std::make_unique<rig::InProcessDut>();
  });
  EXPECT_TRUE(reg.has("hil"));
  reg.make("hil", {"bench/rig.yaml", "fw.elf"});
  EXPECT_EQ(seen_rig, "bench/rig.yaml");
  EXPECT_EQ(seen_firmware, "fw.elf");
  EXPECT_EQ(reg.modes(), (std::vector<std::string>{"hil", "sil"}));
}

}  // namespace

#include "rig/app/shard.hpp"

namespace {

TEST(Shard, ParseAcceptsKOverNWithinRangeOnly) {
  ASSERT_TRUE(rig::app::parse_shard("2/3"));
  EXPECT_EQ(rig::app::parse_shard("2/3")->index, 2);
  EXPECT_EQ(rig::app::parse_shard("1/1")->count, 1);
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/3x", "-1/3", "1/0", "1/1001"})
    EXPECT_FALSE(rig::app::parse_shard(bad)) << bad;
}

// Longest first to the least-loaded part: every part within one longest item of every other, and the same answer
// whatever order the cases come in.
TEST(Shard, PartitionIsBalancedByDurationAndIndependentOfInputOrder) {
  std::vector<rig::app::ShardItem> items = {{"a", 300}, {"b", 160}, {"c", 160}, {"d", 60}, {"e", 30},
                                            {"f", 30},  {"g", 10},  {"h", 5},   {"i", 5}};
  const auto part = rig::app::partition(items, 3);
  double load[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < items.size(); ++i) load[part[i]] += items[i].expected_s;
  const double hi = std::max({load[1], load[2], load[3]}), lo = std::min({load[1], load[2], load[3]});
  EXPECT_LE(hi - lo, 300.0);
  EXPECT_GT(lo, 0.0);
  auto reversed = items;
  std::reverse(reversed.begin(), reversed.end());
  const auto part_r = rig::app::partition(reversed, 3);
  for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ(part[i], part_r[items.size() - 1 - i]) << items[i].case_id;
}

}  // namespace
