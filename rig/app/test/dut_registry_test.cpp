// The Dut registry: the one place a mode becomes a Dut.
#include <gtest/gtest.h>

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
