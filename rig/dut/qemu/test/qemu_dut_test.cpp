// QemuDut (PIL, label `pil`): the cross-compiled image in QEMU gives exactly the InProcessDut (SIL) results,
// QEMU never outlives its QemuDut, and missing QEMU / image give clear errors.
#include <gtest/gtest.h>

#include <cstdlib>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "fw/vedirect_text.hpp"
#include "fw/version.hpp"
#include "rig/in_process_dut.hpp"
#include "rig/qemu_dut.hpp"

namespace {

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

void require_image() {
  const auto image = rig::default_pil_image();
  ASSERT_TRUE(std::filesystem::exists(image))
      << "PIL image missing: " << image << " — build it with `cmake --preset cross-cm3 && cmake --build --preset cross-cm3`";
}

// A deterministic input history that crosses the interesting edges: start-up, a slow discharge through the
// pre-alarm and load-disconnect thresholds (30 s lead), alternator charging with current steps, a remote
// off/on, recovery.
// As the plant would present it (SI); half an LSB above each code so the boards' ADC model reads exactly that code.
rig::BoardSample inputs_at(fw::Millis t_ms) {
  rig::BoardSample in;
  in.batteries = 1;
  const double t = t_ms / 1000.0;
  std::int32_t cell = 3300;
  if (t > 5) cell = 3300 - static_cast<std::int32_t>((t - 5) * 20);  // 20 mV/s down
  if (cell < 2700) cell = 2700;
  if (t > 60) cell = 3350;                                            // recharged
  auto v = [](std::int32_t mv) { return (mv + 0.5) / 1000.0; };
  for (int i = 0; i < fw::kCellsPerBattery; ++i) {
    in.cell_v[i] = v(cell + i * 3);
    in.cell_temp_c[i] = (250 + i + 0.5) / 10.0;
  }
  in.li_port_v = v(cell * 4);
  in.alt_port_v = v(t > 62 ? 14200 : 12600);
  in.alt_current_a = (t > 62 ? static_cast<std::int32_t>((t_ms / 10) % 7) * 5000 + 5 : 0) / 1000.0;
  in.heatsink_c = (300 + (t_ms / 1000) % 5 + 0.5) / 10.0;
  const bool remote_on = !(t > 65 && t < 66);
  in.remote_h_v = v(remote_on ? 5000 : 0);
  in.remote_l_v = v(remote_on ? 0 : 12000);
  return in;
}

struct RunResult {
  std::vector<fw::Outputs> outputs;
  std::size_t exchanges = 0;
};

// Drives a Dut like the rig's runner: batches assume the last outputs, the Dut stops early on a change.
RunResult run(rig::Dut& dut, fw::Millis duration_ms, std::size_t batch) {
  RunResult r;
  fw::Outputs last{};
  fw::Millis now = 0;
  std::vector<rig::BoardSample> in(batch);
  std::vector<fw::Outputs> out(batch);
  while (now < duration_ms) {
    const std::size_t k = std::min<std::size_t>(batch, (duration_ms - now) / fw::kTickMs);
    for (std::size_t i = 0; i < k; ++i) in[i] = inputs_at(now + static_cast<fw::Millis>(i) * fw::kTickMs);
    const std::size_t n = dut.step_ticks(std::span<const rig::BoardSample>(in.data(), k), now, last, out);
    EXPECT_GE(n, 1u);
    for (std::size_t i = 0; i < n; ++i) r.outputs.push_back(out[i]);
    last = out[n - 1];
    now += static_cast<fw::Millis>(n) * fw::kTickMs;
    ++r.exchanges;
  }
  return r;
}

}  // namespace

TEST(QemuDut, MissingQemuIsAClearError) {
  rig::QemuDutOptions o;
  o.qemu = "qemu-system-arm-does-not-exist";
  try {
    rig::QemuDut dut(o);
    FAIL() << "no error";
  } catch (const rig::DutError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("qemu-system-arm-does-not-exist"), std::string::npos) << what;
    EXPECT_NE(what.find("install"), std::string::npos) << what;
  }
}

TEST(QemuDut, MissingImageIsAClearError) {
  rig::QemuDutOptions o;
  o.image = "/nonexistent/fw.elf";
  try {
    rig::QemuDut dut(o);
    FAIL() << "no error";
  } catch (const rig::DutError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/nonexistent/fw.elf"), std::string::npos) << what;
    EXPECT_NE(what.find("cmake --build --preset cross-cm3"), std::string::npos) << what;
  }
}

// QEMU's working folder (its UART socket, its log) goes under $TMPDIR: a TMPDIR that cannot hold it is named.
TEST(QemuDut, WorkingFolderGoesUnderTmpdir) {
  require_image();
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TMPDIR", "/nonexistent-bmsrig-tmp", 1);
  std::string what;
  try {
    rig::QemuDutOptions o;
    o.image = rig::default_pil_image();
    rig::QemuDut dut(o);
  } catch (const rig::DutError& e) {
    what = e.what();
  }
  if (old != nullptr) ::setenv("TMPDIR", saved.c_str(), 1);
  else ::unsetenv("TMPDIR");
  EXPECT_NE(what.find("mkdtemp in /nonexistent-bmsrig-tmp failed"), std::string::npos) << what;
}

TEST(QemuDut, HandshakeReportsFirmwareIdentity) {
  require_image();
  rig::QemuDut dut;
  const rig::FirmwareInfo info = dut.firmware_info();
  EXPECT_EQ(info.version, fw::kFirmwareVersion);
  EXPECT_EQ(info.target, "mps2-an385");
  EXPECT_FALSE(info.build_hash.empty());
  EXPECT_EQ(dut.mode(), "pil");
  EXPECT_EQ(dut.preferred_batch(), fw::plant_link::kMaxBatch);
}

TEST(QemuDut, RefusedConfigurationNamesTheError) {
  require_image();
  rig::QemuDut dut;
  fw::Config c;
  c.fuse_rating_a = 126;
  try {
    dut.start(c);
    FAIL() << "no error";
  } catch (const rig::DutError& e) {
    EXPECT_NE(std::string(e.what()).find("fuse_rating_a"), std::string::npos) << e.what();
  }
  c.fuse_rating_a = 125;
  EXPECT_NO_THROW(dut.start(c));
}

// The core of PIL: 80 s of firmware time, batched, equals SIL tick for tick (every Outputs field).
TEST(QemuDut, LockstepOutputsEqualInProcessDut) {
  require_image();
  rig::QemuDut pil;
  rig::InProcessDut sil;
  fw::Config c;
  c.fuse_rating_a = 80;
  pil.start(c);
  sil.start(c);
  constexpr fw::Millis kDuration = 80000;
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult p = run(pil, kDuration, pil.preferred_batch());
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const RunResult s = run(sil, kDuration, 1);
  ASSERT_EQ(p.outputs.size(), s.outputs.size());
  std::size_t changes = 0;
  for (std::size_t i = 0; i < s.outputs.size(); ++i) {
    ASSERT_TRUE(rig::same_outputs(p.outputs[i], s.outputs[i])) << "tick " << i << " (t = " << i * fw::kTickMs << " ms)";
    if (i > 0 && !rig::same_outputs(s.outputs[i], s.outputs[i - 1])) ++changes;
  }
  EXPECT_GT(changes, 10u);  // the history exercised the firmware
  // Sanity of the scenario: the load output floated at some point and came back.
  bool floated = false;
  for (const auto& o : s.outputs) floated = floated || o.load == fw::Pin::kFloating;
  EXPECT_TRUE(floated);
  const auto& st = pil.stats();
  std::printf("[ PIL      ] %zu ticks (%.1f s firmware time) in %.2f s wall = %.1fx real time; %llu exchanges, "
              "%.1f bytes/tick to the board; overruns %u, max step %u cycles\n",
              p.outputs.size(), kDuration / 1000.0, wall_s, kDuration / 1000.0 / wall_s,
              static_cast<unsigned long long>(st.exchanges), static_cast<double>(st.bytes_sent) / p.outputs.size(),
              st.overruns, st.max_step_cycles);
  EXPECT_EQ(st.overruns, 0u);
}

TEST(QemuDut, ResetRestartsTheFirmwareLikeSil) {
  require_image();
  rig::QemuDut pil;
  rig::InProcessDut sil;
  pil.start(fw::Config{});
  sil.start(fw::Config{});
  const RunResult a = run(pil, 3000, 8);
  const RunResult b = run(sil, 3000, 8);
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  EXPECT_EQ(a.outputs.back().load, fw::Pin::kHigh);  // started (valid inputs ≥ 1 s)
  pil.reset(rig::ResetKind::kWatchdog);
  sil.reset(rig::ResetKind::kWatchdog);
  rig::BoardSample in = inputs_at(3000);
  fw::Outputs po, so;
  ASSERT_EQ(pil.step_ticks({&in, 1}, 3000, a.outputs.back(), {&po, 1}), 1u);
  ASSERT_EQ(sil.step_ticks({&in, 1}, 3000, b.outputs.back(), {&so, 1}), 1u);
  EXPECT_TRUE(rig::same_outputs(po, so));
  EXPECT_EQ(po.load, fw::Pin::kFloating);  // FLT-3: safe state after the reset
}

// A power reset kills QEMU and boots the image again: a new process, the configuration in force again, and the
// firmware from its power-on state — tick for tick what the in-process board does after its power reset.
TEST(QemuDut, PowerResetRestartsQemuAndMatchesSil) {
  require_image();
  fw::Config c;
  c.prealarm_mv = 3150;  // the falling cell (20 mV/s from 5 s) is under it from 12.55 s: pre-alarm from 14.55 s
  rig::QemuDut pil;
  rig::InProcessDut sil;
  pil.start(c);
  sil.start(c);
  const RunResult a = run(pil, 5000, 8);
  const RunResult b = run(sil, 5000, 8);
  ASSERT_EQ(a.outputs.back().load, fw::Pin::kHigh);
  const pid_t before = pil.pid();
  pil.reset(rig::ResetKind::kPower);
  sil.reset(rig::ResetKind::kPower);
  EXPECT_NE(pil.pid(), before);
  EXPECT_GT(pil.pid(), 0);
  fw::Outputs po = a.outputs.back(), so = b.outputs.back();
  for (fw::Millis now = 5000; now <= 15000; now += fw::kTickMs) {
    rig::BoardSample in = inputs_at(now);
    fw::Outputs pn, sn;
    ASSERT_EQ(pil.step_ticks({&in, 1}, now, po, {&pn, 1}), 1u);
    ASSERT_EQ(sil.step_ticks({&in, 1}, now, so, {&sn, 1}), 1u);
    ASSERT_TRUE(rig::same_outputs(pn, sn)) << "t = " << now << " ms";
    if (now == 5000 || now == 5990) {
      EXPECT_EQ(pn.load, fw::Pin::kFloating) << now;  // FLT-3 until start-up
    }
    if (now == 6000) {
      EXPECT_EQ(pn.load, fw::Pin::kHigh);
    }
    po = pn;
    so = sn;
  }
  EXPECT_TRUE(po.prealarm_active);  // the 3.15 V pre-alarm level is in force after the power cycle (default: 17 s)
}

TEST(QemuDut, NoOrphanAfterDestructionOrException) {
  require_image();
  pid_t pid = -1;
  {
    rig::QemuDut dut;
    pid = dut.pid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(process_exists(pid));
  }
  EXPECT_FALSE(process_exists(pid));

  pid = -1;
  try {
    rig::QemuDut dut;
    pid = dut.pid();
    throw std::runtime_error("scenario failed");
  } catch (const std::runtime_error&) {
  }
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(process_exists(pid));

  rig::QemuDut dut;
  pid = dut.pid();
  dut.stop();
  dut.stop();  // idempotent
  EXPECT_EQ(dut.pid(), -1);
  EXPECT_FALSE(process_exists(pid));
  EXPECT_THROW(dut.reset(rig::ResetKind::kWatchdog), rig::DutError);
  EXPECT_THROW(dut.reset(rig::ResetKind::kPower), rig::DutError);
}

TEST(QemuDut, QemuKilledMidRunIsAClearError) {
  require_image();
  rig::QemuDut dut;
  dut.start(fw::Config{});
  ::kill(dut.pid(), SIGKILL);
  rig::BoardSample in = inputs_at(0);
  fw::Outputs out;
  try {
    dut.step_ticks({&in, 1}, 0, fw::Outputs{}, {&out, 1});
    FAIL() << "no error";
  } catch (const rig::DutError& e) {
    EXPECT_NE(std::string(e.what()).find("QEMU"), std::string::npos) << e.what();
  }
}

// The HardFault path end to end: the fault-test image faults on the first byte it receives (the handshake);
// the board's HardFault handler reports over the plant link and exits; QemuDut throws with the report, and
// QEMU is gone.
TEST(QemuDut, HardFaultIsReportedWithRegisters) {
  require_image();
  rig::QemuDutOptions o;
  o.image = rig::default_pil_image().parent_path() / "fw_mps2_an385_fault_test.elf";
  ASSERT_TRUE(std::filesystem::exists(o.image)) << o.image;
  try {
    rig::QemuDut dut(o);
    FAIL() << "no error";
  } catch (const rig::DutError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("reported a fault: HardFault pc=0x"), std::string::npos) << what;
    EXPECT_NE(what.find("cfsr=0x00010000"), std::string::npos) << what;  // UNDEFINSTR
  }
}

// TEL-1 on the target: the image writes one VE.Direct text block per second of firmware time on UART1 (from 1 s
// on); every block sums to 0 mod 256 and carries the sample of the tick that started its second.
TEST(QemuDut, TEL_1_TelemetryBlocksOnUart1) {
  require_image();
  rig::QemuDut pil;
  pil.start(fw::Config{});
  run(pil, 5000, 16);
  const std::string text = pil.telemetry();
  fw::vedirect::TextDecoder d;
  std::vector<std::string> v_values;
  int errors = 0;
  for (char c : text) {
    const auto e = d.feed(static_cast<std::uint8_t>(c));
    if (e == fw::vedirect::TextDecoder::Event::kBlock) v_values.emplace_back(d.find("V") != nullptr ? d.find("V") : "?");
    if (e == fw::vedirect::TextDecoder::Event::kChecksumError || e == fw::vedirect::TextDecoder::Event::kOverflow) ++errors;
  }
  EXPECT_EQ(errors, 0);
  ASSERT_EQ(v_values.size(), 4u) << text;  // the ticks at 1, 2, 3 and 4 s (the run covers 0 .. 4.99 s)
  for (std::size_t s = 0; s < v_values.size(); ++s) {
    EXPECT_EQ(v_values[s], std::to_string(rig::adc_sample(inputs_at(static_cast<fw::Millis>(s + 1) * 1000)).li_port_mv)) << s;
  }
  EXPECT_STREQ(d.find("PID"), "0xA3E0");
  EXPECT_STREQ(d.find("T"), "25");
}
