// Every library scenario (and fragment) validates against scenarios/schema/scenario.schema.json, and the schema
// rejects bad files (so a validator that accepts everything would fail here).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rig/scenario.hpp"
#include "rig/signals.hpp"
#include "schema_check.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kScenarios = fs::path(BMSRIG_SOURCE_DIR) / "scenarios";

json schema() {
  std::ifstream in(kScenarios / "schema" / "scenario.schema.json");
  return json::parse(in);
}

std::vector<std::string> errors_of(const std::string& yaml, bool fragment = false) {
  return rig::test::validate_schema(schema(), rig::test::yaml_to_json(YAML::Load(yaml)), fragment);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST(ScenarioSchema, EveryLibraryFileValidates) {
  std::size_t count = 0;
  for (auto it = fs::recursive_directory_iterator(kScenarios); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().extension() != ".yaml") continue;
    const bool fragment = it->path().parent_path().filename() == "fragments";
    const auto errors =
        rig::test::validate_schema(schema(), rig::test::yaml_to_json(YAML::LoadFile(it->path().string())), fragment);
    EXPECT_TRUE(errors.empty()) << it->path() << ":\n" << join(errors);
    ++count;
  }
  EXPECT_GE(count, 5u);
}

TEST(ScenarioSchema, AcceptsAMinimalScenario) {
  EXPECT_TRUE(errors_of("name: x\nduration: 1 min\nexpect:\n  - never: bms/out/load == low\n").empty());
}

TEST(ScenarioSchema, RejectsUnknownTopLevelKey) {
  const auto e = errors_of("name: x\nexpect: [{never: a/b}]\nfirmwre: {}\n");
  ASSERT_EQ(e.size(), 1u) << join(e);
  EXPECT_NE(e[0].find("unknown property 'firmwre'"), std::string::npos);
}

TEST(ScenarioSchema, RejectsDurationWithoutUnit) {
  const auto e = errors_of("name: x\nexpect: [{never: a/b}]\ntimeline:\n  - at: 30\n    end: true\n");
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].find("/timeline/0/at"), std::string::npos) << join(e);
}

TEST(ScenarioSchema, RejectsWrongUnitForVoltage) {
  const auto e = errors_of("name: x\nexpect: [{never: a/b}]\nfirmware: { prealarm_v: 3.1 A }\n");
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].find("/firmware/prealarm_v"), std::string::npos) << join(e);
}

TEST(ScenarioSchema, RejectsBadEnumAndMissingName) {
  const auto e = errors_of("expect: [{never: a/b}]\nfirmware: { prealarm_mode: sometimes }\n");
  EXPECT_EQ(e.size(), 2u) << join(e);
}

TEST(ScenarioSchema, RejectsLeadWithoutThen) {
  const auto e = errors_of("name: x\nexpect:\n  - lead: { first: rise(bms/out/prealarm), at_least: 30 s }\n");
  ASSERT_FALSE(e.empty());
  EXPECT_NE(join(e).find("missing required 'then'"), std::string::npos) << join(e);
}

TEST(ScenarioSchema, FragmentsNeedNoName) {
  EXPECT_TRUE(errors_of("bank: { batteries: 2 }\n", true).empty());
  EXPECT_FALSE(errors_of("bank: { batteries: 2 }\n", false).empty());
}

// The names a `set:` or `ramp:` may write come from the signal registry (rig/signals.hpp): the schema's pattern is
// the registry's, so an editor completes and checks exactly what the loader accepts.
TEST(ScenarioSchema, SetAndRampNamesAreTheRegistrysWritableSignals) {
  const auto s = schema();
  const auto& entry = s["$defs"]["entry"]["properties"];
  const std::string expected = rig::scenario::writable_name_regex();
  EXPECT_EQ(entry["set"]["propertyNames"]["pattern"].get<std::string>(), expected);
  EXPECT_EQ(entry["ramp"]["propertyNames"]["pattern"].get<std::string>(), expected);
  const std::string head = "name: t\nduration: 1 min\nexpect:\n  - never: bms/out/load\ntimeline:\n  - at: 1 s\n    set: { ";
  EXPECT_EQ(join(errors_of(head + "engine/rpm: 2000, engine_rpm: 1000, 'bank/battery[1]/cell[3]/soc': 0.5 }\n")), "");
  EXPECT_THAT(join(errors_of(head + "engine_rmp: 2000 }\n")), ::testing::HasSubstr("engine_rmp"));
  EXPECT_THAT(join(errors_of(head + "bms/out/load: 1 }\n")), ::testing::HasSubstr("bms/out/load"));
}

// rig.yaml channel names: the registry's signals a bench can carry (its JSON Schema for editors says the same).
TEST(RigSchema, ChannelNamesAreTheRegistrysBenchSignals) {
  std::ifstream in(fs::path(BMSRIG_SOURCE_DIR) / "rig" / "io" / "schema" / "rig.schema.json");
  const auto s = json::parse(in);
  EXPECT_EQ(s["properties"]["channels"]["propertyNames"]["pattern"].get<std::string>(), rig::scenario::bench_name_regex());
}
