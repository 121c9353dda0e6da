// The scenario loader: good files load with the right values; every malformed file is refused before anything runs,
// with file:line:column, what was found and what was expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "rig/scenario.hpp"

namespace fs = std::filesystem;
using rig::scenario::load_text;
using rig::scenario::ScenarioError;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string kHead = "name: t\nduration: 1 min\n";
const std::string kExpect = "expect:\n  - never: bms/out/load == low\n";

// Loads and returns the error text ("" if it loaded).
std::string error_of(const std::string& text, const std::string& file = "s.yaml") {
  try {
    load_text(text, file);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Loader, LoadsAMinimalScenarioWithDefaults) {
  const auto cases = load_text(kHead + kExpect, "s.yaml");
  ASSERT_EQ(cases.size(), 1u);
  const auto& sc = cases[0];
  EXPECT_EQ(sc.name, "t");
  EXPECT_EQ(sc.max_duration, std::chrono::minutes(1));
  EXPECT_EQ(sc.plant_step, std::chrono::milliseconds(1));
  EXPECT_EQ(sc.firmware.battery_count, 1);
  EXPECT_EQ(sc.firmware.prealarm_mv, 3100);
  EXPECT_EQ(sc.world.bank.batteries.size(), 1u);
  EXPECT_EQ(sc.expect.size(), 1u);
}

TEST(Loader, ConvertsUnitsToWhatTheKeyExpects) {
  const auto sc = load_text(kHead +
                                "bank: { batteries: 3, soc: 8 %, temperature_c: 20 }\n"
                                "firmware: { prealarm_v: 3050 mV, load_disconnect_v: 2.7, fuse_rating_a: 60 A, "
                                "low_temp_charge_c: -5 degC, prealarm_mode: intermittent }\n"
                                "plant: { step: 500 us }\n" +
                                kExpect,
                            "s.yaml")[0];
  EXPECT_EQ(sc.world.bank.batteries.size(), 3u);
  EXPECT_DOUBLE_EQ(sc.world.bank.batteries[0].initial_soc, 0.08);
  EXPECT_EQ(sc.firmware.battery_count, 3);
  EXPECT_EQ(sc.firmware.prealarm_mv, 3050);
  EXPECT_EQ(sc.firmware.load_disconnect_mv, 2700);
  EXPECT_EQ(sc.firmware.fuse_rating_a, 60);
  EXPECT_EQ(sc.firmware.low_temp_charge_dc, -50);
  EXPECT_EQ(sc.firmware.prealarm_mode, fw::PreAlarmMode::kIntermittent);
  EXPECT_EQ(sc.plant_step, std::chrono::microseconds(500));
  EXPECT_DOUBLE_EQ(sc.world.fuse.rating_a, 60.0);  // the plant fuse follows the firmware's rating unless given
}

TEST(Loader, TimelineTriggersAndActions) {
  const auto sc = load_text(kHead +
                                "loads: [{ current_a: 0, switched_by: ld }]\n"
                                "timeline:\n"
                                "  - at: 2 s\n    set: { engine_rpm: 2000, remote_mode: b }\n"
                                "  - when: rise(bms/out/prealarm)\n    after: 5 s\n    fault: { weak_cell: { battery: 0, cell: 2, drop_v: 0.6 V } }\n"
                                "  - after: 1 min\n    ramp:\n      load[0]/current_a: { to: 90 A, over: 10 s }\n"
                                "  - at: 10 s\n    repeat: { every: 1 s, count: 3 }\n    fault: { firmware_reset: true }\n"
                                "  - at: 20 min\n    end: true\n" +
                                kExpect,
                            "s.yaml")[0];
  ASSERT_EQ(sc.timeline.size(), 5u);
  EXPECT_EQ(sc.timeline[0].trigger.at, std::chrono::seconds(2));
  EXPECT_EQ(sc.timeline[0].actions.size(), 2u);
  EXPECT_EQ(sc.timeline[1].trigger.kind, rig::scenario::Trigger::Kind::kWhen);
  EXPECT_EQ(sc.timeline[1].trigger.at, std::chrono::seconds(5));
  EXPECT_EQ(sc.timeline[2].trigger.kind, rig::scenario::Trigger::Kind::kAfterPrevious);
  ASSERT_TRUE(std::holds_alternative<rig::scenario::RampAction>(sc.timeline[2].actions[0]));
  EXPECT_DOUBLE_EQ(std::get<rig::scenario::RampAction>(sc.timeline[2].actions[0]).to, 90.0);
  ASSERT_TRUE(sc.timeline[3].repeat.has_value());
  EXPECT_EQ(sc.timeline[3].repeat->count, 3);
  EXPECT_TRUE(std::holds_alternative<rig::scenario::FirmwareResetAction>(sc.timeline[3].actions[0]));
  EXPECT_EQ(sc.max_duration, std::chrono::minutes(1));  // duration: caps the run
  EXPECT_EQ(sc.timeline[1].loc.str(), "s.yaml:7:5");
}

TEST(Loader, MatrixExpandsIntoCasesWithSubstitution) {
  const auto cases = load_text("name: fuse ${fuse} A\nduration: 1 min\nmatrix:\n  fuse: [60, 100, 125]\n  soc: [0.2, 0.5]\n"
                               "bank: { soc: \"${soc}\" }\nfirmware: { fuse_rating_a: \"${fuse} A\" }\n" + kExpect,
                               "m.yaml");
  ASSERT_EQ(cases.size(), 6u);
  EXPECT_EQ(cases[0].name, "fuse 60 A");
  EXPECT_EQ(cases[0].firmware.fuse_rating_a, 60);
  EXPECT_DOUBLE_EQ(cases[1].world.bank.batteries[0].initial_soc, 0.5);
  EXPECT_EQ(cases[5].firmware.fuse_rating_a, 125);
  EXPECT_EQ(cases[5].parameters, (std::vector<std::pair<std::string, std::string>>{{"fuse", "125"}, {"soc", "0.5"}}));
}

TEST(Loader, MatrixListOfCombinations) {
  const auto cases = load_text("name: x\nduration: 1 min\nmatrix:\n  - { fuse: 40, limit: 36 }\n  - { fuse: 125, limit: 100 }\n"
                               "firmware:\n  fuse_rating_a: ${fuse}\n" + kExpect,
                               "m.yaml");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[1].firmware.fuse_rating_a, 125);
  EXPECT_EQ(cases[1].parameters[1].second, "100");
}

TEST(Loader, IncludesFragmentsAndTheScenarioOverridesThem) {
  const fs::path dir = fs::temp_directory_path() / "bmsrig_loader_test";
  fs::create_directories(dir / "fragments");
  std::ofstream(dir / "fragments" / "bank.yaml") << "bank: { batteries: 4, soc: 0.3 }\nfirmware: { prealarm_v: 3.0 }\n";
  std::ofstream(dir / "main.yaml") << "name: inc\ninclude: fragments/bank.yaml\nbank: { soc: 0.6 }\n" << kHead.substr(8) << kExpect;
  const auto sc = rig::scenario::load_file(dir / "main.yaml")[0];
  EXPECT_EQ(sc.world.bank.batteries.size(), 4u);
  EXPECT_DOUBLE_EQ(sc.world.bank.batteries[0].initial_soc, 0.6);
  EXPECT_EQ(sc.firmware.prealarm_mv, 3000);

  std::ofstream(dir / "fragments" / "bad.yaml") << "bank:\n  batteris: 2\n";
  std::ofstream(dir / "main2.yaml") << "name: inc\ninclude: fragments/bad.yaml\n" << kHead.substr(8) << kExpect;
  try {
    rig::scenario::load_file(dir / "main2.yaml");
    FAIL() << "expected an error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.loc().file, (dir / "fragments" / "bad.yaml").string());  // the error names the fragment
    EXPECT_EQ(e.loc().line, 2);
    EXPECT_EQ(e.loc().column, 3);
  }
}

TEST(Loader, SeedOptionOverridesTheSpreadSeed) {
  rig::scenario::LoadOptions opt;
  opt.seed = 42;
  const auto sc = load_text(kHead + "bank: { spread: { seed: 7, soc: 1 % } }\n" + kExpect, "s.yaml", opt)[0];
  EXPECT_EQ(sc.seed, 42u);
  EXPECT_EQ(sc.world.bank.spread.seed, 42u);
}

// ---- refusals: each message checked ---------------------------------------------------------------------------------

// A YAML syntax error is reported at the line of the mistake, in plain words (yaml-cpp reports an unclosed '{' a
// line late as "end of map flow not found").
TEST(LoaderErrors, YamlSyntax) {
  EXPECT_EQ(error_of("name: t\nbank: { batteries: 2\nalternator: { rated_a: 90 A }\n"),
            "s.yaml:2:7: found invalid YAML: a '{' that is never closed, expected a matching '}'");
  EXPECT_EQ(error_of("name: t\nexpect: [ a, b\nduration: 3 s\n"),
            "s.yaml:2:9: found invalid YAML: a '[' that is never closed, expected a matching ']'");
  EXPECT_THAT(error_of("name: t\nbank: { batteries: 2 }}\n"),
              HasSubstr("s.yaml:2:23: found invalid YAML: a '}' that closes nothing"));
  EXPECT_THAT(error_of("name: t\nbank: batteries: 2\n"),
              HasSubstr("s.yaml:2:"));
  EXPECT_THAT(error_of("name: t\nbank: batteries: 2\n"), HasSubstr("a second ':' on one line"));
  EXPECT_THAT(error_of("name: t\nexpect:\n  - never: a\n   - always: b\n"),
              HasSubstr("s.yaml:4:4: found invalid YAML: a line indented differently from the lines above it"));
  EXPECT_THAT(error_of("name: t\n\tbank: 1\n"), HasSubstr("s.yaml:2:1: found invalid YAML: a tab used for indentation"));
  // brackets inside a flow map, unquoted: the hint names the fix
  EXPECT_THAT(error_of("name: t\ntimeline:\n  - at: 1 s\n    set: { load[0]/current_a: 3 }\n"),
              HasSubstr("to be quoted, e.g. { 'load[0]/current_a': 40 A }"));
  // no parser words left
  EXPECT_THAT(error_of("name: t\nbank: { batteries: 2\n"), Not(HasSubstr("flow not found")));
  EXPECT_THAT(error_of("name: t\nbank: { batteries: 2\n"), Not(HasSubstr("YAML map of scenario keys")));
}

// A `set:` written as a list (a fuzzer's find: a YAML error about map iterators escaped the loader without a place).
TEST(LoaderErrors, SetMustBeAMapOfSetPoints) {
  EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 0 s\n    set:\n    - engine_rpm: 2000\n" + kExpect),
            "s.yaml:6:5: found a list for set, expected { <set-point>: <value>, ... }");
  EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 0 s\n    set: 2000\n" + kExpect),
            "s.yaml:5:10: found a value for set, expected { <set-point>: <value>, ... }");
  EXPECT_NO_THROW(load_text(kHead + "timeline:\n  - at: 0 s\n    set:\n      engine_rpm: 2000\n" + kExpect, "s.yaml"));
}

TEST(LoaderErrors, UnknownKeyWithDidYouMean) {
  EXPECT_THAT(error_of(kHead + "firmware:\n  prealarm_vv: 3.1\n" + kExpect),
              HasSubstr("s.yaml:4:3: found unknown key 'prealarm_vv' in firmware (did you mean 'prealarm_v'?), "
                        "expected one of: input_mode, load_disconnect_v"));
}

TEST(LoaderErrors, UnknownTopLevelKey) {
  EXPECT_THAT(error_of(kHead + "timelime: []\n" + kExpect),
              HasSubstr("s.yaml:3:1: found unknown key 'timelime' in the scenario (did you mean 'timeline'?)"));
}

TEST(LoaderErrors, WrongUnit) {
  EXPECT_EQ(error_of(kHead + "firmware: { prealarm_v: 3.1 A }\n" + kExpect),
            "s.yaml:3:25: found '3.1 A' (unit 'A'), expected a voltage (V, mV) for 'prealarm_v'");
}

TEST(LoaderErrors, DurationWithoutUnit) {
  EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 30\n    end: true\n" + kExpect),
            "s.yaml:4:9: found '30' without a unit, expected a duration with its unit (e.g. '30 s', '500 ms') for 'at'");
}

TEST(LoaderErrors, UnknownSignalInACheck) {
  EXPECT_EQ(error_of(kHead + "expect:\n  - never: bms/out/lod == low\n"),
            "s.yaml:4:12: found unknown signal 'bms/out/lod' (did you mean 'bms/out/load'?) in never "
            "'bms/out/lod == low'");
}

TEST(LoaderErrors, UnknownSignalInAWhenConditionPointsAtTheColumn) {
  const auto e = error_of(kHead + "timeline:\n  - when: bms/out/load == low and bank/min_cel_v < 2.9\n    end: true\n" + kExpect);
  EXPECT_THAT(e, HasSubstr("s.yaml:4:35: found unknown signal 'bank/min_cel_v' (did you mean 'bank/min_cell_v'"));
}

TEST(LoaderErrors, OutOfRangeValue) {
  EXPECT_EQ(error_of(kHead + "bank: { batteries: 6 }\n" + kExpect),
            "s.yaml:3:20: found batteries = 6, expected an integer in [1, 5]");
}

TEST(LoaderErrors, FirmwareRefusesTheConfiguration) {
  EXPECT_EQ(error_of(kHead + "firmware:\n  prealarm_v: 3.3 V\n" + kExpect),
            "s.yaml:4:15: found firmware prealarm_v = 3.3 V, which the firmware refuses (fw::validate: prealarm_mv), "
            "expected 2.85..3.15 V");
}

TEST(LoaderErrors, PlantRefusesAParameter) {
  EXPECT_THAT(error_of(kHead + "alternator:\n  rated_a: 5000 A\n" + kExpect),
              HasSubstr("s.yaml:4:12: found a value the plant model refuses (plant: AlternatorParams.rated_current_a"));
}

TEST(LoaderErrors, UnknownMatrixParameter) {
  EXPECT_EQ(error_of("name: x ${fuse}\nduration: 1 min\nmatrix: { fuse: [60] }\nfirmware:\n  fuse_rating_a: ${fuze}\n" + kExpect),
            "s.yaml:5:18: found unknown parameter '${fuze}', expected one of the matrix parameters (fuse)");
}

TEST(LoaderErrors, UnknownSetPoint) {
  EXPECT_THAT(error_of(kHead + "timeline:\n  - at: 1 s\n    set: { engine_rmp: 100 }\n" + kExpect),
              HasSubstr("s.yaml:5:12: found unknown set-point 'engine_rmp' (did you mean 'engine_rpm'?)"));
}

// One vocabulary: the recorded names are the write names; today's older write names stay as aliases.
TEST(Loader, SetPointsUseTheRegistrysNamesAndAliases) {
  const std::string head = kHead + "bank: { batteries: 2 }\ntimeline:\n  - at: 1 s\n    set: { ";
  const std::vector<std::pair<std::string, std::string>> given = {
      {"engine/rpm: 2000", "engine/rpm"}, {"engine_rpm: 2000", "engine/rpm"}, {"env/ambient_c: 30", "env/ambient_c"},
      {"ambient_c: 30", "env/ambient_c"}, {"'bank/battery[1]/soc': 0.4", "bank/battery[1]/soc"},
      {"'battery[1]/soc': 0.4", "bank/battery[1]/soc"}, {"vehicle/load_current_a: 5 A", "vehicle/load_current_a"},
      {"vehicle_load_a: 5 A", "vehicle/load_current_a"}, {"remote/mode: b", "remote/mode"}, {"remote_mode: b", "remote/mode"},
      {"charger/shore_power: true", "charger/shore_power"}, {"shore_power: true", "charger/shore_power"},
      {"starter/connected: false", "starter/connected"}, {"belt_slip: 0.1", "alternator/belt_slip"},
      {"'load/current_a': 3 A", "load[0]/current_a"}, {"'battery[1]/cell[2]/temperature_c': 10", "bank/battery[1]/cell[2]/temperature_c"}};
  for (const auto& [pair, canonical] : given) {
    const auto cases = rig::scenario::load_text(head + pair + " }\n" + kExpect, "s.yaml");
    const auto& action = std::get<rig::scenario::SetAction>(cases.at(0).timeline.at(0).actions.at(0));
    EXPECT_EQ(action.target.name, canonical) << pair;
  }
  // A ramp without `from:` starts at the present set point, read from the plant (never a made-up constant).
  const auto cases = rig::scenario::load_text(kHead + "timeline:\n  - at: 1 s\n    set: { engine_rpm: 1200 }\n"
                                                "  - at: 2 s\n    ramp: { engine/rpm: { to: 2000, over: 1 s } }\n" + kExpect, "s.yaml");
  plant::World world(cases.at(0).world);
  const auto& set = std::get<rig::scenario::SetAction>(cases[0].timeline.at(0).actions.at(0));
  set.target.set(world, set.value);
  const auto& ramp = std::get<rig::scenario::RampAction>(cases[0].timeline.at(1).actions.at(0));
  EXPECT_EQ(ramp.target.name, "engine/rpm");
  EXPECT_DOUBLE_EQ(ramp.target.get(world), 1200.0);
  set.target.set(world, 1500.0);
  EXPECT_DOUBLE_EQ(ramp.target.get(world), 1500.0);
}

TEST(LoaderErrors, RecordedButNotWritableSignalIsRefusedWithASuggestion) {
  EXPECT_THAT(error_of(kHead + "timeline:\n  - at: 1 s\n    set: { bms/out/load: 1 }\n" + kExpect),
              HasSubstr("s.yaml:5:12: found 'bms/out/load', which a scenario cannot write (it is a firmware output)"));
  EXPECT_THAT(error_of(kHead + "timeline:\n  - at: 1 s\n    set: { 'bank/battery[0]/cell[0]/voltage_v': 3 V }\n" + kExpect),
              HasSubstr("which a scenario cannot write (it is computed by the plant)"));
  EXPECT_THAT(error_of(kHead + "timeline:\n  - at: 1 s\n    set: { 'battery[3]/soc': 0.5 }\n" + kExpect),
              HasSubstr("found unknown set-point 'battery[3]/soc'"));
}

// Times are bounded (7 days, kMaxScenarioTimeS) where they are written: both sides of the limit, and the values that
// used to overflow the nanosecond clock (a check window crashing the run, an entry at 1e10 s firing at t = 0).
TEST(LoaderErrors, TimesBeyondSevenDaysAreRefusedWhereTheyAreWritten) {
  const std::string check = "expect:\n  - never: bms/out/load\n";
  EXPECT_NO_THROW(rig::scenario::load_text("name: t\nduration: 168 h\n" + check, "s.yaml"));
  EXPECT_THAT(error_of("name: t\nduration: 168.01 h\n" + check),
              HasSubstr("s.yaml:2:11: found '168.01 h' for 'duration', expected at most 7 days"));
  EXPECT_THAT(error_of("name: t\nduration: 1e10 s\n" + check), HasSubstr("expected at most 7 days"));
  EXPECT_THAT(error_of(kHead + "timeline:\n  - at: 1e10 s\n    end: true\n" + check),
              HasSubstr("s.yaml:4:9: found '1e10 s' for 'at', expected at most 7 days"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - eventually: { that: bms/out/load, within: 9.3e9 s }\n"),
              HasSubstr("expected at most 7 days"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - never: bms/out/load\n    from: 1e12 s\n"), HasSubstr("expected at most 7 days"));
}

// Only regular files of bounded size are read: a named pipe would block the open forever, a device would be read
// until memory runs out, a folder is no scenario. Each is refused at once, naming what it is.
TEST(LoaderErrors, PipesDevicesFoldersAndHugeFilesAreRefusedWithoutReading) {
  const auto dir = std::filesystem::temp_directory_path() / ("bmsrig-loader-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto fifo = dir / "pipe.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto error_loading = [](const std::filesystem::path& p) -> std::string {
    try {
      rig::scenario::load_file(p);
    } catch (const rig::scenario::ScenarioError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_THAT(error_loading(fifo), HasSubstr("not a regular file"));
  EXPECT_THAT(error_loading("/dev/zero"), HasSubstr("not a regular file"));
  EXPECT_THAT(error_loading(dir), HasSubstr("a folder"));
  const auto inc = dir / "inc.yaml";
  std::ofstream(inc) << "name: t\ninclude: pipe.yaml\nduration: 1 min\n" << kExpect;
  EXPECT_THAT(error_loading(inc), HasSubstr("inc.yaml:2:10: found include"));
  EXPECT_THAT(error_loading(inc), HasSubstr("not a regular file"));
  const auto huge = dir / "huge.yaml";
  {
    std::ofstream out(huge);
    out << "name: t\nduration: 1 min\n" << kExpect << "description: '";
    out << std::string(rig::scenario::kMaxScenarioFileBytes, 'x') << "'\n";
  }
  EXPECT_THAT(error_loading(huge), HasSubstr("larger than 1024 KiB"));
  std::filesystem::remove_all(dir);
}

TEST(LoaderErrors, BadBatteryIndexInAFault) {
  EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 1 s\n    fault: { weak_cell: { battery: 1, cell: 0, drop_v: 0.5 } }\n" + kExpect),
            "s.yaml:5:36: found battery = 1, expected an integer in [0, 0]");
}

TEST(LoaderErrors, NoEnd) {
  EXPECT_EQ(error_of("name: t\n" + kExpect),
            "s.yaml:1:1: found no end, expected 'duration:' or a timeline entry 'at: <time>, end: true'");
}

TEST(LoaderErrors, NoChecks) {
  EXPECT_EQ(error_of(kHead), "s.yaml:1:1: found no 'expect:' checks, expected at least one check");
}

TEST(LoaderErrors, PlantStepMustDivideTheTick) {
  EXPECT_EQ(error_of(kHead + "plant: { step: 3 ms }\n" + kExpect),
            "s.yaml:3:16: found plant step 3 ms, expected a step between 0.1 ms and 10 ms that divides the 10 ms "
            "firmware tick");
}

TEST(LoaderErrors, IncludeCycle) {
  const fs::path dir = fs::temp_directory_path() / "bmsrig_loader_cycle";
  fs::create_directories(dir);
  std::ofstream(dir / "a.yaml") << "include: b.yaml\n";
  std::ofstream(dir / "b.yaml") << "include: a.yaml\n";
  std::ofstream(dir / "main.yaml") << "name: c\ninclude: a.yaml\n" << kHead.substr(8) << kExpect;
  try {
    rig::scenario::load_file(dir / "main.yaml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_THAT(e.message(), HasSubstr("found include 'a.yaml' which includes itself (cycle)"));
  }
}

// Each fragment once per scenario, and a bounded number in all: loading stays linear in what the files say (a
// fragment included twice at each of 20 levels used to be loaded 2^20 times).
TEST(LoaderErrors, FragmentsAreIncludedOnceAndBoundedInNumber) {
  const fs::path dir = fs::temp_directory_path() / ("bmsrig_loader_includes_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (int level = 0; level < 20; ++level)
    std::ofstream(dir / ("l" + std::to_string(level) + ".yaml"))
        << (level < 19 ? "include: [l" + std::to_string(level + 1) + ".yaml, l" + std::to_string(level + 1) + ".yaml]\n"
                       : "ambient_c: 20\n");
  std::ofstream(dir / "twice.yaml") << "name: t\ninclude: l0.yaml\n" << kHead.substr(8) << kExpect;
  try {
    rig::scenario::load_file(dir / "twice.yaml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("l18.yaml:1:21: found include 'l19.yaml' a second time (first at "));
    EXPECT_THAT(e.what(), HasSubstr("expected each fragment once per scenario"));
  }
  // kMaxIncludes distinct fragments load; one more is refused.
  std::string list;
  for (std::size_t k = 0; k <= rig::scenario::kMaxIncludes; ++k) {
    std::ofstream(dir / ("f" + std::to_string(k) + ".yaml")) << "ambient_c: 20\n";
    if (k < rig::scenario::kMaxIncludes) list += (list.empty() ? "" : ", ") + ("f" + std::to_string(k) + ".yaml");
  }
  std::ofstream(dir / "many.yaml") << "name: t\ninclude: [" << list << "]\n" << kHead.substr(8) << kExpect;
  EXPECT_NO_THROW(rig::scenario::load_file(dir / "many.yaml"));
  std::ofstream(dir / "toomany.yaml") << "name: t\ninclude: [" << list << ", f64.yaml]\n" << kHead.substr(8) << kExpect;
  try {
    rig::scenario::load_file(dir / "toomany.yaml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_THAT(e.what(), HasSubstr("found more than 64 included fragments"));
  }
  fs::remove_all(dir);
}

// Counts are bounded (named constants in scenario.hpp), refused at the first item beyond with its place; both sides.
TEST(LoaderErrors, ChecksMatrixCasesAndTimelineEntriesAreBounded) {
  using namespace rig::scenario;
  auto checks = [](std::size_t n) {
    std::string y = "name: t\nduration: 1 min\nexpect:\n";
    for (std::size_t i = 0; i < n; ++i) y += "  - never: alternator/current_a > " + std::to_string(i) + " A\n";
    return y;
  };
  EXPECT_EQ(load_text(checks(kMaxChecks), "s.yaml").at(0).expect.size(), kMaxChecks);
  EXPECT_THAT(error_of(checks(kMaxChecks + 1)), HasSubstr("s.yaml:1004:5: found more than 1000 checks"));
  auto matrix = [](std::size_t n) {
    std::string y = "name: t ${x}\nduration: 1 min\n" + kExpect + "matrix:\n";
    for (std::size_t i = 0; i < n; ++i) y += "  - { x: " + std::to_string(i) + " }\n";
    return y;
  };
  EXPECT_EQ(load_text(matrix(kMaxMatrixCases), "s.yaml").size(), kMaxMatrixCases);
  EXPECT_THAT(error_of(matrix(kMaxMatrixCases + 1)), HasSubstr("found more than 1000 matrix combinations"));
  auto timeline = [](std::size_t n) {
    std::string y = "name: t\nduration: 1 min\n" + kExpect + "timeline:\n";
    for (std::size_t i = 0; i < n; ++i) y += "  - { at: " + std::to_string(i) + " ms, set: { engine_rpm: 1000 } }\n";
    return y;
  };
  EXPECT_EQ(load_text(timeline(kMaxTimelineEntries), "s.yaml").at(0).timeline.size(), kMaxTimelineEntries);
  EXPECT_THAT(error_of(timeline(kMaxTimelineEntries + 1)), HasSubstr("found more than 10000 timeline entries"));
}

// Every name and text reaches reports (XML, JSON, HTML): a file that is not UTF-8 is refused at its first bad byte.
TEST(LoaderErrors, TextThatIsNotUtf8IsRefusedWithItsPlace) {
  EXPECT_THAT(error_of("name: caf\xe9 run\nduration: 1 min\n" + kExpect),
              HasSubstr("s.yaml:1:10: found a byte that is not UTF-8, expected UTF-8 text"));
  EXPECT_NO_THROW(load_text("name: café run ≤ 30 s\nduration: 1 min\n" + kExpect, "s.yaml"));
}

TEST(LoaderErrors, EveryLibraryScenarioLoads) {
  for (const auto& f : rig::scenario::expand_paths({std::string(BMSRIG_SOURCE_DIR) + "/scenarios"})) {
    EXPECT_NO_THROW(rig::scenario::load_file(f)) << f;
  }
}

TEST(Loader, TheArchitectureExampleLoadsAsWritten) {
  const std::string text = R"(name: pre-alarm leads load disconnect by 30 s under a fast cell collapse
requirements: [LD-2, LD-3, PA-3]
bank: { batteries: 2, soc: 0.08, temperature_c: 20 }
firmware: { prealarm_v: 3.10, load_disconnect_v: 2.80, prealarm_mode: continuous }
timeline:
  - at: 0 s
    set: { load/current_a: 60 }
  - when: bms/out/prealarm == high
    after: 5 s
    fault: { weak_cell: { battery: 1, cell: 2, drop_v: 0.6 } }
  - at: 30 min
    end: true
expect:
  - lead: { first: rise(bms/out/prealarm), then: fall(bms/out/load), at_least: 30 s, at_most: 31 s }
  - never: alternator/current_a < -0.1
)";
  const auto sc = load_text(text, "arch.yaml").at(0);
  EXPECT_EQ(sc.requirements, (std::vector<std::string>{"LD-2", "LD-3", "PA-3"}));
  EXPECT_EQ(sc.max_duration, std::chrono::minutes(30));
  ASSERT_EQ(sc.timeline.size(), 3u);
  const auto& set = std::get<rig::scenario::SetAction>(sc.timeline[0].actions.at(0));
  EXPECT_EQ(set.target.name, "load[0]/current_a");
  EXPECT_DOUBLE_EQ(set.value, 60.0);
  ASSERT_EQ(sc.expect.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<rig::checks::Lead>(sc.expect[0].kind));
}

TEST(LoaderErrors, RefusesARepeatFasterThanATick) {
  EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 0 s\n    repeat: { every: 5 ms }\n    end: true\n" + kExpect),
            "s.yaml:5:22: found every = 5 ms, expected at least one firmware tick (10 ms)");
}

TEST(LoaderErrors, RefusesAnEntryWithoutAction) {
  EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 1 s\n    label: nothing\n" + kExpect),
            "s.yaml:4:5: found a timeline entry without an action, expected set:, ramp:, fault:, vedirect: or end: true");
}

// A raw VE.Direct line is what a host writes on the port: ':' and printable characters without a second ':' (a
// board restarts its line there, so SIL and the image would answer different lines).
TEST(LoaderErrors, RefusesAVeDirectSendThatIsNotOneHexLine) {
  const std::string expected = "expected a HEX line: ':' followed by 1..145 printable characters other than ':'";
  for (const std::string bad : {"7002100FF", ":70021:00FF", ":"}) {
    const std::string e = error_of(kHead + "timeline:\n  - at: 1 s\n    vedirect: { send: \"" + bad + "\" }\n" + kExpect);
    EXPECT_NE(e.find("s.yaml:5:"), std::string::npos) << e;
    EXPECT_NE(e.find("found '" + bad + "', " + expected), std::string::npos) << e;
  }
  // Malformed frames are fine (the board's error reply is what a scenario tests): wrong checksum, a non-hex digit.
  for (const std::string ok : {":70021002E", ":7G0021002D"})
    EXPECT_EQ(error_of(kHead + "timeline:\n  - at: 1 s\n    vedirect: { send: \"" + ok + "\" }\n" + kExpect), "") << ok;
}

TEST(LoaderErrors, RefusesAWrongUnitInACheckLimit) {
  EXPECT_EQ(error_of(kHead + "expect:\n  - bounded: { signal: alternator/current_a, max: 90 V }\n"),
            "s.yaml:4:51: found '90 V' (unit 'V'), expected a current (A, mA) for 'max of alternator/current_a'");
}

TEST(LoaderErrors, RefusesAUnitWhereAPlainNumberIsExpected) {
  EXPECT_EQ(error_of(kHead + "alternator: { engine_rpm: 2000 rpm }\n" + kExpect),
            "s.yaml:3:27: found '2000 rpm', expected a plain number for 'engine_rpm' (e.g. '2000')");
}

TEST(LoaderErrors, ReportsSeveralIndependentProblemsAtOnce) {
  try {
    load_text(kHead + "firmware: { prealarm_v: 3.1 A }\nalternator: { rated_a: 90 V }\n" + kExpect, "s.yaml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.count(), 2u);
    EXPECT_EQ(e.loc().line, 3);  // the first problem
    EXPECT_EQ(std::string(e.what()),
              "s.yaml:3:25: found '3.1 A' (unit 'A'), expected a voltage (V, mV) for 'prealarm_v'\n"
              "s.yaml:4:24: found '90 V' (unit 'V'), expected a current (A, mA) for 'rated_a'");
  }
  try {
    load_text(kHead + "timeline:\n  - at: 30\n    end: true\nexpect:\n  - never: bms/out/lod\n  - always: bms/atd\n", "s.yaml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.count(), 2u) << e.what();  // a bad entry and a bad check; the good check is not reported
  }
}

// ---- what validate knows without running ------------------------------------------------------------------------

namespace {
std::size_t error_count(const std::string& text, const rig::scenario::LoadOptions& opt = {}) {
  try {
    load_text(text, "s.yaml", opt);
  } catch (const ScenarioError& e) {
    return e.count();
  }
  return 0;
}
std::string error_with(const std::string& text, const rig::scenario::LoadOptions& opt) {
  try {
    load_text(text, "s.yaml", opt);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(LoaderValidate, UnknownRequirementIdsAgainstTheSpec) {
  rig::scenario::LoadOptions opt;
  opt.known_requirements = {"ALT-1", "ALT-2", "LD-2"};
  opt.requirements_file = "REQUIREMENTS.md";
  const std::string text = kHead + "requirements: [ALT-1, ALT-99, XYZ-1]\n" + kExpect;
  const auto e = error_with(text, opt);
  EXPECT_THAT(e, HasSubstr("s.yaml:3:23: found requirement 'ALT-99', which REQUIREMENTS.md does not define"));
  EXPECT_THAT(e, HasSubstr("s.yaml:3:31: found requirement 'XYZ-1'"));
  EXPECT_THAT(e, Not(HasSubstr("requirement 'ALT-1'")));
  EXPECT_EQ(error_count(text, opt), 2u);
  // without a spec the IDs are only checked for their form
  EXPECT_EQ(error_of(text), "");
  EXPECT_EQ(error_with(kHead + "requirements: [ALT-1, LD-2]\n" + kExpect, opt), "");
}

TEST(LoaderValidate, DigitalSignalComparedWithANumber) {
  EXPECT_THAT(error_of(kHead + "expect:\n  - never: bms/out/load == 5\n"),
              HasSubstr("s.yaml:4:28: found 'bms/out/load' is a digital signal (0 or 1)"));
  EXPECT_EQ(error_of(kHead + "expect:\n  - never: bms/out/load == 0\n"), "");
}

TEST(LoaderValidate, WindowsEmptyOrEndingBeforeTheyStart) {
  EXPECT_THAT(error_of(kHead + "expect:\n  - never: bms/out/load == low\n    from: 10 s\n    until: 10 s\n"),
              HasSubstr("s.yaml:6:12: found an empty window (until equals from)"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - never: bms/out/load == low\n    from: 20 s\n    until: 10 s\n"),
              HasSubstr("found a window that ends before it starts"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - never: bms/out/load == low\n    from: { event: rise(bms/atd), offset: 2 s }\n"
                               "    until: { event: rise(bms/atd), offset: 1 s }\n"),
              HasSubstr("found a window that ends before it starts"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - never: bms/out/load == low\n    from: 2 min\n"),
              HasSubstr("s.yaml:5:11: found a window from 2 min, after the run ends (60 s)"));
  EXPECT_EQ(error_of(kHead + "expect:\n  - never: bms/out/load == low\n    from: 10 s\n    until: 10.01 s\n"), "");
}

// One error in a setup section does not hide the timeline's and the checks' errors of the same file.
TEST(LoaderValidate, SetupErrorDoesNotHideTimelineAndChecks) {
  const std::string text = kHead + "firmware: { prealarm_vv: 3.1 V }\n" +
                           "timeline:\n  - at: 1 s\n    set: { engine/rpmm: 2000 }\n" +
                           "expect:\n  - never: bms/out/lod == low\n";
  const auto e = error_of(text);
  EXPECT_THAT(e, HasSubstr("prealarm_vv"));
  EXPECT_THAT(e, HasSubstr("engine/rpmm"));
  EXPECT_THAT(e, HasSubstr("bms/out/lod"));
  EXPECT_EQ(error_count(text), 3u);
}

// Every bad key of a map is reported, not only the first.
TEST(LoaderValidate, EveryBadKeyOfAMap) {
  const std::string text = kHead + "timeline:\n  - at: 1 s\n    set: { engine/rpmm: 2000, env/ambient: 30, engine/rpm: 100 }\n" +
                           "firmware: { prealarm_vv: 3.1 V, load_disconect_v: 2.8 V }\n" + kExpect;
  const auto e = error_of(text);
  EXPECT_THAT(e, HasSubstr("engine/rpmm"));
  EXPECT_THAT(e, HasSubstr("env/ambient"));
  EXPECT_THAT(e, HasSubstr("prealarm_vv"));
  EXPECT_THAT(e, HasSubstr("load_disconect_v"));
  EXPECT_EQ(error_count(text), 4u);
}

TEST(LoaderValidate, NewCheckKindsLoadAndRefuseBadForms) {
  const std::string ok = kHead +
                         "expect:\n"
                         "  - count: { of: rise(bms/out/prealarm), at_most: 3 }\n"
                         "  - duty: { that: alternator/current_a > 90 A, at_most: 10 % }\n"
                         "  - total: { that: bms/out/load == low, at_most: 5 s }\n"
                         "  - for_at_most: { that: 'bit(bms/flags, 25)', duration: 500 ms }\n"
                         "  - bounded: { signal: alternator/current_a, max: 90 A, excursion: 15 ms, excursions: 3, total: 45 ms }\n"
                         "  - each:\n"
                         "      of: rise(bms/out/prealarm)\n"
                         "      check: { lead: { first: rise(bms/out/prealarm), then: fall(bms/out/load), at_least: 30 s } }\n";
  const auto cases = load_text(ok, "s.yaml");
  ASSERT_EQ(cases[0].expect.size(), 6u);
  const auto& dk = std::get<rig::checks::Duty>(cases[0].expect[1].kind);
  EXPECT_DOUBLE_EQ(*dk.at_most, 0.10);
  const auto& b = std::get<rig::checks::Bounded>(cases[0].expect[4].kind);
  EXPECT_EQ(*b.max_excursions, 3);
  EXPECT_EQ(*b.max_total, std::chrono::milliseconds(45));
  EXPECT_THAT(error_of(kHead + "expect:\n  - count: { of: rise(bms/out/prealarm) }\n"), HasSubstr("count without limits"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - duty: { that: bms/out/load, at_most: 120 % }\n"), HasSubstr("at_most"));
  EXPECT_THAT(error_of(kHead + "expect:\n  - each: { of: rise(bms/out/prealarm), check: { always: bms/out/load, from: 1 s } }\n"),
              HasSubstr("unknown key 'from'"));
}
