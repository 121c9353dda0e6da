// The virtual bench on its own: bmsrig_virtual_board with its power stage and three SCPI instruments on PTYs,
// talked to by the rig's own SCPI driver (io::ScpiInstrument with the built-in "scpi-psu" / "scpi-eload" models),
// exactly as the rig will. The currents read back are consequences of the firmware's decisions (soft start,
// ALT-1 floor, one-way path) — or, on a board started with --fault, of the broken stage.
//
// Figures the tolerances come from: default fuse 100 A → I_lim = 0.9 × 100 A = 90 A (ALT-3), soft start
// I_lim × t_on / 1 s (ALT-4) commanded every 10 ms tick, stage τ = 2 ms (settles to 99.3 % within a tick),
// readbacks "%.4f" A, firmware commands in whole mA. A settled reading is therefore exact to 0.5 mA + rounding:
// ±0.05 A is generous. Ramp timing: the sampling period (~10 ms) plus one tick plus the host's scheduling → ±60 ms.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rig/io/fake/fake_iio_tree.hpp"
#include "rig/io/fake/pty_pair.hpp"
#include "rig/io/scpi.hpp"

namespace rig {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr double kLimA = 90.0;        // 0.9 × 100 A default fuse
constexpr double kSettledTolA = 0.05;
constexpr double kRampTolS = 0.06;

struct Sample {
  double t_s;  // since the board was started
  double a;
};

class VirtualBench : public ::testing::Test {
 protected:
  io::fake::FakeIioTree tree;
  std::filesystem::path dac = tree.add_device("ad5686r");
  std::filesystem::path gpio = tree.root() / "gpio";
  io::fake::PtyPair vedirect, psu_pty, battery_pty, eload_pty;
  int fifo[3] = {-1, -1, -1};
  pid_t board = -1;
  Clock::time_point started;
  std::shared_ptr<io::ScpiInstrument> psu, battery, eload;

  void TearDown() override {
    if (board > 0) {
      ::kill(board, SIGKILL);
      ::waitpid(board, nullptr, 0);
    }
    for (int fd : fifo)
      if (fd >= 0) ::close(fd);
  }

  // Starts the board (cells at 3.30 V) and connects the three instruments.
  void start(const char* fault = nullptr) {
    tree.set(dac, "out_voltage_scale", "1");
    for (int k = 0; k < 4; ++k) tree.set(dac, "out_voltage" + std::to_string(k) + "_raw", "3300");
    std::filesystem::create_directory(gpio);
    for (int k = 0; k < 3; ++k) {
      const auto path = gpio / ("line" + std::to_string(k));
      ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
      fifo[k] = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);  // edges pile up unread: fine for a few s
      ASSERT_GE(fifo[k], 0);
    }
    started = Clock::now();
    board = ::fork();
    ASSERT_GE(board, 0);
    if (board == 0) {
      ::dup2(vedirect.master(), 100);  // fresh descriptors: dup2 clears close-on-exec
      ::dup2(psu_pty.master(), 101);
      ::dup2(battery_pty.master(), 102);
      ::dup2(eload_pty.master(), 103);
      std::vector<const char*> args = {BMSRIG_VIRTUAL_BOARD, "--dac-dir", dac.c_str(), "--gpio-dir", gpio.c_str(),
                                       "--vedirect-fd", "100", "--psu-fd", "101", "--battery-fd", "102",
                                       "--eload-fd", "103"};
      if (fault) {
        args.push_back("--fault");
        args.push_back(fault);
      }
      args.push_back(nullptr);
      ::execv(BMSRIG_VIRTUAL_BOARD, const_cast<char* const*>(args.data()));
      ::_exit(127);
    }
    psu = instrument("alternator-psu", "scpi-psu", psu_pty, "VIRTUAL-PSU");
    battery = instrument("battery-emulator", "scpi-psu", battery_pty, "VIRTUAL-BATTERY");
    eload = instrument("eload", "scpi-eload", eload_pty, "VIRTUAL-ELOAD");
    psu->connect();
    battery->connect();
    eload->connect();
  }

  static std::shared_ptr<io::ScpiInstrument> instrument(const char* name, const char* model, const io::fake::PtyPair& pty,
                                                        const char* idn) {
    io::ScpiConnection c;
    c.port = pty.slave_path();
    c.serial = io::SerialSettings{115200};
    c.expected_idn = idn;
    return std::make_shared<io::ScpiInstrument>(name, *io::find_scpi_model(model), c);
  }

  // The charging set-up: battery emulator 13.2 V, PSU 14.0 V with a 120 A limit, e-load off.
  void charge_setup() {
    battery->set_voltage_v(13.2);
    battery->set_output(true);
    eload->set_current_a(0.0);
    eload->set_output(false);
    psu->set_current_a(120.0);
    psu->set_voltage_v(14.0);
    psu->set_output(true);
  }

  double since_start() const { return std::chrono::duration<double>(Clock::now() - started).count(); }

  // Samples the PSU's MEAS:CURR? about every 10 ms until `until_s` after start, or until it has read I_lim
  // (± tolerance) for `settled_s`.
  std::vector<Sample> sample_psu(double until_s, double settle_a, double settled_s) {
    std::vector<Sample> s;
    double settled_since = -1.0;
    while (since_start() < until_s) {
      const double a = psu->measure_current_a();
      const double t = since_start();
      s.push_back({t, a});
      if (std::abs(a - settle_a) <= kSettledTolA) {
        if (settled_since < 0) settled_since = t;
        if (t - settled_since >= settled_s) break;
      } else {
        settled_since = -1.0;
      }
      std::this_thread::sleep_for(10ms);
    }
    return s;
  }

  static double first_time_at_or_above(const std::vector<Sample>& s, double a) {
    for (const auto& x : s)
      if (x.a >= a) return x.t_s;
    return -1.0;
  }

  // Raises the battery emulator above the PSU (14.3 V vs 14.0 V) for a few ms `n` times and reads the PSU current
  // right after each rise (before the firmware's next sample has seen it, most of the time); returns the lowest.
  double reversal_probes(int n) {
    double lowest = 1e9;
    for (int k = 0; k < n; ++k) {
      battery->set_voltage_v(14.3);
      lowest = std::min(lowest, psu->measure_current_a());
      battery->set_voltage_v(13.2);  // back within ms: shorter than ALT-2's 100 ms, the ramp state stays
      std::this_thread::sleep_for(40ms);
    }
    return lowest;
  }
};

// Reads edge records {ns, level} from a non-blocking FIFO until one has `level` or `within` passes.
bool await_level(int fd, bool level, std::chrono::milliseconds within) {
  const auto end = Clock::now() + within;
  while (Clock::now() < end) {
    std::int64_t rec[2];
    const ssize_t n = ::read(fd, rec, sizeof rec);
    if (n == static_cast<ssize_t>(sizeof rec) && (rec[1] != 0) == level) return true;
    if (n <= 0) std::this_thread::sleep_for(5ms);
  }
  return false;
}

// A GPIO line whose reader goes away (a `bench check` that finished before `run` opens it again) waits for the next
// reader instead of ending the board, and the next reader is told the present level.
TEST_F(VirtualBench, OutputLinesWaitForTheNextReader) {
  start();
  const auto line0 = gpio / "line0";
  ASSERT_TRUE(await_level(fifo[0], true, 3000ms)) << "the load output never went high";
  ::close(fifo[0]);
  fifo[0] = -1;
  std::this_thread::sleep_for(300ms);  // thirty ticks with nobody reading line 0
  int status = 0;
  ASSERT_EQ(::waitpid(board, &status, WNOHANG), 0) << "the board ended when its line's reader left";
  fifo[0] = ::open(line0.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fifo[0], 0);
  EXPECT_TRUE(await_level(fifo[0], true, 500ms)) << "a new reader was not told the line is high";
  EXPECT_NEAR(psu->measure_current_a(), 0.0, kSettledTolA);  // and the instruments are still served
}

TEST_F(VirtualBench, InstrumentsSpeakScpiWithAnErrorQueue) {
  start();
  EXPECT_EQ(psu->identity(), "BMSRIG,VIRTUAL-PSU,0001,1.0");
  EXPECT_EQ(battery->identity(), "BMSRIG,VIRTUAL-BATTERY,0001,1.0");
  EXPECT_EQ(eload->identity(), "BMSRIG,VIRTUAL-ELOAD,0001,1.0");
  psu->set_voltage_v(14.25);
  psu->set_current_a(60.0);
  EXPECT_EQ(psu->query("VOLT?"), "14.2500");
  EXPECT_EQ(psu->query("curr?"), "60.0000");
  EXPECT_EQ(psu->query("OUTP?"), "0");
  EXPECT_EQ(psu->query("MEASure:VOLTage?"), "0.0000");  // output off
  psu->set_output(true);
  EXPECT_EQ(psu->query("OUTPut:STATe?"), "1");
  EXPECT_DOUBLE_EQ(psu->measure_voltage_v(), 14.25);
  EXPECT_EQ(psu->query("VOLT 1.5;VOLT?"), "1.5000");  // several commands in one message
  auto refused = [](auto&& f) {
    try {
      f();
    } catch (const io::ScpiError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused([&] { psu->set_voltage_v(31.0); }).find("-222"), std::string::npos);
  EXPECT_NE(refused([&] { psu->command("VOLT -1"); }).find("-222"), std::string::npos);
  EXPECT_NE(refused([&] { psu->command("BOGUS 3"); }).find("-113"), std::string::npos);
  EXPECT_NE(refused([&] { psu->command("INP ON"); }).find("-113"), std::string::npos);  // a PSU has an output
  EXPECT_NE(refused([&] { psu->command("VOLT abc"); }).find("-104"), std::string::npos);
  EXPECT_NE(refused([&] { eload->command("FUNC VOLT"); }).find("-224"), std::string::npos);
  EXPECT_NE(refused([&] { eload->command("OUTP ON"); }).find("-113"), std::string::npos);  // a load has an input
  for (int k = 0; k < 3; ++k) psu->query("VOLT? ;BOGUS");  // errors queue up until read
  psu->query("VOLT?");
  const auto errors = psu->read_errors();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "-113,\"Undefined header\"");
  EXPECT_EQ(psu->query("SYST:ERR?"), "0,\"No error\"");
  eload->set_current_a(12.5);
  EXPECT_EQ(eload->query("FUNC?"), "CURR");
  EXPECT_EQ(eload->query("CURR?"), "12.5000");
  EXPECT_EQ(eload->measure_current_a(), 0.0);  // input off
  eload->set_output(true);
  EXPECT_EQ(eload->query("INP?"), "1");
  EXPECT_DOUBLE_EQ(eload->measure_current_a(), 12.5);  // bus = the cells' 13.2 V (battery emulator off)
  EXPECT_DOUBLE_EQ(eload->measure_voltage_v(), 13.2);
  eload->command("*RST");
  EXPECT_EQ(eload->query("INP?"), "0");
}

TEST_F(VirtualBench, CurrentsFollowTheFirmware) {
  start();
  charge_setup();
  // Soft start (ALT-4) once CD-3's 3 s from power-on (ATC true from the first sample) are done, up to I_lim = 90 A.
  const auto s = sample_psu(5.5, kLimA, 0.3);
  const double t_on = first_time_at_or_above(s, 1.0);
  const double t_25 = first_time_at_or_above(s, 0.25 * kLimA);
  const double t_75 = first_time_at_or_above(s, 0.75 * kLimA);
  const double t_full = first_time_at_or_above(s, kLimA - kSettledTolA);
  std::printf("PSU current: > 1 A at %.3f s, 25 %% at %.3f s, 75 %% at %.3f s, 90 A at %.3f s, last %.4f A (%zu samples)\n",
              t_on, t_25, t_75, t_full, s.back().a, s.size());
  ASSERT_GT(t_on, 0.0);
  ASSERT_GT(t_full, 0.0);
  EXPECT_GT(t_on, 2.95);  // nothing before CD-3's 3 s from power-on (start-up itself completes at 1.0 s)
  EXPECT_NEAR(t_75 - t_25, 0.5, kRampTolS);  // 1 s from 0 to I_lim: linear
  // > 1 A needs t_on ≥ 20 ms (first command above 1 A at 10 ms ticks); 90 A at t_on = 1000 ms.
  EXPECT_NEAR(t_full - t_on, 0.98, kRampTolS);
  double prev = 0.0, peak = 0.0;
  for (const auto& x : s) {
    EXPECT_GE(x.a, prev - 0.001) << "at " << x.t_s << " s";  // rises monotonically
    prev = x.a;
    peak = std::max(peak, x.a);
  }
  EXPECT_LE(peak, kLimA + kSettledTolA);  // no overshoot
  EXPECT_NEAR(s.back().a, kLimA, kSettledTolA);
  EXPECT_NEAR(battery->measure_current_a(), kLimA, kSettledTolA);  // all of it charges the bank
  EXPECT_DOUBLE_EQ(psu->measure_voltage_v(), 14.0);                // CV: 90 A is under the PSU's 120 A limit

  // The e-load takes its share from the Li bus: the emulator reads stage − load.
  eload->set_current_a(20.0);
  eload->set_output(true);
  EXPECT_DOUBLE_EQ(eload->measure_current_a(), 20.0);
  EXPECT_NEAR(battery->measure_current_a(), kLimA - 20.0, kSettledTolA);
  EXPECT_NEAR(psu->measure_current_a(), kLimA, kSettledTolA);
  EXPECT_DOUBLE_EQ(battery->measure_voltage_v(), 13.2);

  // The PSU's own limit below the firmware's: the PSU goes constant-current and its voltage sags.
  psu->set_current_a(50.0);
  std::this_thread::sleep_for(30ms);
  EXPECT_DOUBLE_EQ(psu->measure_current_a(), 50.0);
  EXPECT_NEAR(psu->measure_voltage_v(), 13.2 + 50.0 * 0.005, 1e-4);
  psu->set_current_a(120.0);

  // Battery above the alternator (ALT-2): the path is one-way, no negative current at any instant.
  const double lowest = reversal_probes(8);
  std::printf("lowest PSU current right after the battery rose above the PSU: %.4f A\n", lowest);
  EXPECT_GE(lowest, 0.0);
  battery->set_voltage_v(14.3);
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ(psu->measure_current_a(), 0.0);
    EXPECT_NEAR(battery->measure_current_a(), -20.0, 1e-9);  // the e-load alone, fed by the emulator
    std::this_thread::sleep_for(20ms);
  }

  // ALT-1: an alternator port at 12.8 V (< 13.0 V) gets no current, although the stage could drive
  // (12.8 − 12.5) V / 5 mΩ = 60 A into a 12.5 V bank.
  battery->set_voltage_v(12.5);
  psu->set_voltage_v(12.8);
  std::this_thread::sleep_for(50ms);
  for (int k = 0; k < 30; ++k) {
    EXPECT_EQ(psu->measure_current_a(), 0.0) << "sample " << k;
    std::this_thread::sleep_for(20ms);
  }
  // Back at 14.0 V the path re-opens with a fresh soft start.
  psu->set_voltage_v(14.0);
  std::this_thread::sleep_for(300ms);
  const double resumed = psu->measure_current_a();
  std::printf("0.3 s after the alternator came back: %.3f A\n", resumed);
  EXPECT_GT(resumed, 0.1 * kLimA);
  EXPECT_LT(resumed, 0.5 * kLimA);
}

TEST_F(VirtualBench, BrokenLimitReadsAboveTheCommand) {
  start("limit-at-fuse");
  charge_setup();
  const auto s = sample_psu(5.5, 100.0, 0.3);
  std::printf("limit-at-fuse: settled at %.4f A (firmware commands %.1f A)\n", s.back().a, kLimA);
  EXPECT_NEAR(s.back().a, 100.0, kSettledTolA);  // 90 A / 0.9, capped at the 100 A fuse
}

TEST_F(VirtualBench, ReverseConductingSwitchReadsNegative) {
  start("reverse");
  charge_setup();
  const auto s = sample_psu(5.5, kLimA, 0.1);
  ASSERT_NEAR(s.back().a, kLimA, kSettledTolA);
  const double lowest = reversal_probes(8);
  std::printf("reverse: lowest PSU current right after the battery rose above the PSU: %.4f A\n", lowest);
  EXPECT_NEAR(lowest, (14.0 - 14.3) / 0.005, 0.1);  // -60 A, sunk by the PSU
}

TEST_F(VirtualBench, MissingSoftStartJumpsToTheLimit) {
  start("no-soft-start");
  charge_setup();
  const auto s = sample_psu(5.0, kLimA, 0.2);
  const double t_on = first_time_at_or_above(s, 1.0);
  const double t_full = first_time_at_or_above(s, kLimA - kSettledTolA);
  std::printf("no-soft-start: > 1 A at %.3f s, 90 A at %.3f s\n", t_on, t_full);
  ASSERT_GT(t_on, 0.0);
  EXPECT_LT(t_full - t_on, 0.1);  // one tick and the 2 ms loop lag; the ramp would take ~1 s
}

}  // namespace
}  // namespace rig
