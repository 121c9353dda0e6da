// Kernel tier: the libgpiod adapter and the GPIO channels against the kernel's gpio-sim (Linux ≥ 5.19,
// CONFIG_GPIO_SIM, configfs mounted, root). Skipped where gpio-sim is absent (development machines, CI).
#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rig/io/gpio.hpp"

namespace rig::io {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kGpioSim = "/sys/kernel/config/gpio-sim";

void put(const fs::path& p, const std::string& v) {
  std::ofstream out(p);
  out << v;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
}
std::string get(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// One simulated chip with 8 lines, removed at the end.
class GpioSim : public ::testing::Test {
 protected:
  fs::path dev = kGpioSim / ("bmsrig-" + std::to_string(::getpid()));
  std::string chip;
  fs::path lines_dir;
  void SetUp() override {
    std::error_code ec;
    if (!fs::is_directory(kGpioSim, ec)) GTEST_SKIP() << "gpio-sim not available (" << kGpioSim << ")";
    fs::create_directory(dev, ec);
    if (ec) GTEST_SKIP() << "cannot create a gpio-sim device: " << ec.message();
    fs::create_directory(dev / "bank0");
    put(dev / "bank0" / "num_lines", "8");
    put(dev / "live", "1");
    chip = get(dev / "bank0" / "chip_name");
    lines_dir = fs::path("/sys/devices/platform") / get(dev / "dev_name") / chip;
  }
  void TearDown() override {
    std::error_code ec;
    if (chip.empty()) return;
    put(dev / "live", "0");
    fs::remove(dev / "bank0", ec);
    fs::remove(dev, ec);
  }
  void pull(int line, bool up) { put(lines_dir / ("sim_gpio" + std::to_string(line)) / "pull", up ? "pull-up" : "pull-down"); }
  std::string value(int line) { return get(lines_dir / ("sim_gpio" + std::to_string(line)) / "value"); }
  static std::int64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  }
};

TEST_F(GpioSim, InputEdgeCarriesKernelTimestampOnRunTime) {
  boost::asio::io_context io;
  const RunClock clock = RunClock::start_now();
  GpioLineSpec spec;
  spec.chip = chip;
  spec.line = 3;
  GpioDigitalIn ch("bms/out/load", spec, std::make_unique<GpiodLinePort>(), io, clock);
  std::vector<EdgeEvent> edges;
  ch.on_edge([&](const EdgeEvent& e) {
    edges.push_back(e);
    io.stop();
  });
  ch.configure();
  ch.activate();
  const auto before = mono_ns() - clock.start_monotonic_ns();
  pull(3, true);
  const auto after = mono_ns() - clock.start_monotonic_ns();
  io.run_for(2s);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_TRUE(edges[0].level);
  EXPECT_GE(edges[0].t.count(), before);
  EXPECT_LE(edges[0].t.count(), after);
}

TEST_F(GpioSim, OutputDrivesLineAndReturnsToSafeLevel) {
  GpioLineSpec spec;
  spec.chip = chip;
  spec.line = 5;
  GpioDigitalOut ch("remote/h", DigitalSpec{false}, spec, std::make_unique<GpiodLinePort>());
  ch.configure();
  ch.activate();
  EXPECT_EQ(value(5), "0");
  ch.set(true);
  EXPECT_EQ(value(5), "1");
  ch.deactivate();
  EXPECT_EQ(value(5), "0");
}

TEST_F(GpioSim, ActiveLowOutputInvertsPhysicalLevel) {
  GpioLineSpec spec;
  spec.chip = chip;
  spec.line = 6;
  spec.active_low = true;
  GpioDigitalOut ch("relay/cable_break", DigitalSpec{false}, spec, std::make_unique<GpiodLinePort>());
  ch.configure();
  ch.activate();
  EXPECT_EQ(value(6), "1");
  ch.set(true);
  EXPECT_EQ(value(6), "0");
}

}  // namespace
}  // namespace rig::io
