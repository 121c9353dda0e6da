// PIL tier (label `pil`): every scenario of the library (except soak/, see scenario_files()) runs in PIL (QemuDut, the cross-compiled image in QEMU)
// and in SIL (InProcessDut); the overall verdict and, check by check, the verdict, the measured value and the
// margin must be identical (exact equality: lockstep makes the two traces identical). A mismatch fails with
// both values. Also prints the wall time of both runs (PIL speed next to SIL's).
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "rig/in_process_dut.hpp"
#include "rig/qemu_dut.hpp"
#include "rig/runner.hpp"
#include "rig/scenario.hpp"

#ifndef BMSRIG_SOURCE_DIR
#define BMSRIG_SOURCE_DIR "."
#endif

namespace {

// requirements/, faults/, examples/ (VE.Direct scenarios included: the image answers HEX on UART1 and QemuDut records
// the vedirect/ signals at the ticks they belong to); soak/ (hours of simulated time: a 24 h drive cycle is ~30 min
// of PIL) only with BMSRIG_PIL_SOAK=1.
std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  const std::filesystem::path root = std::filesystem::path(BMSRIG_SOURCE_DIR) / "scenarios";
  std::vector<const char*> dirs = {"requirements", "faults", "examples"};
  if (const char* soak = std::getenv("BMSRIG_PIL_SOAK"); soak != nullptr && std::string(soak) == "1") dirs.push_back("soak");
  for (const char* dir : dirs) {
    if (!std::filesystem::exists(root / dir)) continue;
    for (const auto& p : rig::scenario::expand_paths({(root / dir).string()})) files.push_back(p.string());
  }
  return files;
}

std::string opt(const std::optional<double>& v) {
  if (!v) return "none";
  std::ostringstream s;
  s.precision(17);
  s << *v;
  return s.str();
}

}  // namespace

// Outside the anonymous namespace: the test class TEST_P derives from it has the program's linkage.
class PilScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(PilScenario, VerdictsAndMarginsEqualSil) {
  const auto image = rig::default_pil_image();
  ASSERT_TRUE(std::filesystem::exists(image))
      << "PIL image missing: " << image << " — build it with `cmake --preset cross-cm3 && cmake --build --preset cross-cm3`";
  const auto cases = rig::scenario::load_file(GetParam());
  for (const auto& sc : cases) {
    SCOPED_TRACE(sc.name);
    rig::InProcessDut sil;
    const auto t0 = std::chrono::steady_clock::now();
    const rig::RunOutput s = rig::run_scenario(sc, sil);
    const auto t1 = std::chrono::steady_clock::now();
    rig::QemuDut pil;
    const rig::RunOutput p = rig::run_scenario(sc, pil);
    const auto t2 = std::chrono::steady_clock::now();
    const double sim_s = std::chrono::duration<double>(s.simulated).count();
    const double sil_s = std::chrono::duration<double>(t1 - t0).count();
    const double pil_s = std::chrono::duration<double>(t2 - t1).count();
    std::printf("[ PIL      ] %s: %.1f s simulated; SIL %.2f s wall (%.0fx), PIL %.2f s wall (%.1fx real time), "
                "%llu exchanges for %llu ticks\n",
                sc.name.c_str(), sim_s, sil_s, sim_s / sil_s, pil_s, sim_s / pil_s,
                static_cast<unsigned long long>(pil.stats().exchanges),
                static_cast<unsigned long long>(pil.stats().ticks));
    EXPECT_EQ(p.error, s.error);
    EXPECT_EQ(p.completed, s.completed);
    EXPECT_EQ(rig::to_string(p.verdict), std::string(rig::to_string(s.verdict)));
    EXPECT_EQ(std::chrono::duration<double>(p.simulated).count(), sim_s);
    ASSERT_EQ(p.checks.size(), s.checks.size());
    for (std::size_t i = 0; i < s.checks.size(); ++i) {
      const auto& a = s.checks[i];
      const auto& b = p.checks[i];
      EXPECT_EQ(b.name, a.name);
      EXPECT_EQ(std::string(rig::to_string(b.verdict)), rig::to_string(a.verdict))
          << a.name << ": SIL " << a.message << " | PIL " << b.message;
      EXPECT_EQ(opt(b.measured), opt(a.measured)) << a.name << " measured: SIL vs PIL";
      EXPECT_EQ(opt(b.margin), opt(a.margin)) << a.name << " margin: SIL vs PIL";
    }
    EXPECT_EQ(pil.stats().overruns, 0u) << "the board's overrun guard fired";
  }
}

INSTANTIATE_TEST_SUITE_P(Library, PilScenario, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = std::filesystem::path(info.param).parent_path().filename().string() + "_" +
                                           std::filesystem::path(info.param).stem().string();
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });
