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
    ASSERT_TRUE(p.outputs[i] == s.outputs[i]) << "tick " << i << " (t = " << i * fw::kTickMs << " ms)";
    if (i > 0 && s.outputs[i] != s.outputs[i - 1]) ++changes;
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
  // The product image takes the mailbox: every frame after the handshake went through it.
  EXPECT_TRUE(pil.mailbox_active());
  EXPECT_EQ(st.mailbox_exchanges, st.exchanges + 1);  // the steps and the kConfig
}

// The byte link stays a full transport: the rig that does not ask for the mailbox gets SIL's outputs over UART0.
TEST(QemuDut, LockstepOverUartWithoutTheMailbox) {
  require_image();
  rig::QemuDutOptions o;
  o.mailbox = false;
  rig::QemuDut pil(o);
  rig::InProcessDut sil;
  fw::Config c;
  pil.start(c);
  sil.start(c);
  constexpr fw::Millis kDuration = 20000;
  const RunResult p = run(pil, kDuration, pil.preferred_batch());
  const RunResult s = run(sil, kDuration, 1);
  ASSERT_EQ(p.outputs.size(), s.outputs.size());
  for (std::size_t i = 0; i < s.outputs.size(); ++i)
    ASSERT_TRUE(p.outputs[i] == s.outputs[i]) << "tick " << i;
  EXPECT_FALSE(pil.mailbox_active());
  EXPECT_EQ(pil.stats().mailbox_exchanges, 0u);
  EXPECT_GT(pil.stats().exchanges, 10u);
}

// A stale or torn mailbox is reported, never used: the board refuses a request whose sequence words disagree, the
// rig an answer whose sequence words disagree.
TEST(QemuDut, StaleOrTornMailboxIsAnError) {
  require_image();
  for (const auto fault : {rig::QemuDut::MailboxFault::kStaleRequest, rig::QemuDut::MailboxFault::kTornAnswer}) {
    rig::QemuDut pil;
    pil.start(fw::Config{});
    ASSERT_TRUE(pil.mailbox_active());
    (void)run(pil, 1000, pil.preferred_batch());
    pil.inject_mailbox_fault_for_test(fault);
    try {
      (void)run(pil, 1000, pil.preferred_batch());
      ADD_FAILURE() << "no error for a bad mailbox";
    } catch (const rig::DutError& e) {
      const std::string what = e.what();
      const char* expected = fault == rig::QemuDut::MailboxFault::kStaleRequest ? "stale request" : "stale or torn mailbox answer";
      EXPECT_NE(what.find(expected), std::string::npos) << what;
    }
  }
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
  EXPECT_TRUE(po == so);
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
    ASSERT_TRUE(pn == sn) << "t = " << now << " ms";
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

namespace {

std::string hex_line(const fw::vedirect::HexFrame& f) {
  char b[fw::vedirect::kMaxHexFrameChars + 1];
  return std::string(b, fw::vedirect::encode_hex(f, b, sizeof b));
}
std::string get_line(std::uint16_t reg) { return hex_line(fw::vedirect::make_get(reg)); }
std::string set_line(std::uint16_t reg, std::uint32_t value, std::size_t size) {
  return hex_line(fw::vedirect::make_register(static_cast<std::uint8_t>(fw::vedirect::HexCommand::kSet), reg, 0, value, size));
}
fw::vedirect::HexFrame decode(const std::string& line) {
  fw::vedirect::HexFrame f;
  std::string l = line;
  while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
  EXPECT_EQ(fw::vedirect::decode_hex(l.data(), l.size(), f), fw::vedirect::HexError::kOk) << line;
  return f;
}

}  // namespace

// TEL-2 on the target: HEX requests written to UART1 are answered by the image (ping, app version, product id, get,
// set, unknown id / command, read-only register, malformed and overlong lines) — each answer the one the firmware's
// register handler gives in process (SIL), and the expected one.
TEST(QemuDut, TEL_2_HexRequestsAnsweredOnUart1) {
  require_image();
  namespace vd = fw::vedirect;
  rig::QemuDut pil;
  rig::InProcessDut sil;
  pil.start(fw::Config{});
  sil.start(fw::Config{});
  run(pil, 2000, 32);
  run(sil, 2000, 1);
  struct Case {
    std::string line;
    std::string expected;  // "" : no answer
  };
  const std::string overlong = ":7" + std::string(80, '0') + "\n";  // longer than the longest frame
  const std::vector<Case> cases = {
      {":154\n", hex_line([] { auto f = vd::make_frame(5); f.payload[0] = vd::app_version() & 0xFF; f.payload[1] = vd::app_version() >> 8; f.length = 2; return f; }())},
      {":352\n", hex_line([] { auto f = vd::make_frame(1); f.payload[0] = vd::app_version() & 0xFF; f.payload[1] = vd::app_version() >> 8; f.length = 2; return f; }())},
      {":451\n", hex_line([] { auto f = vd::make_frame(1); f.payload[0] = 0xE0; f.payload[1] = 0xA3; f.length = 2; return f; }())},
      {get_line(vd::reg::kProductId), hex_line(vd::make_register(7, vd::reg::kProductId, vd::kFlagOk, 0xA3E0, 2))},
      {get_line(vd::reg::kLoadDisconnectMv), hex_line(vd::make_register(7, vd::reg::kLoadDisconnectMv, vd::kFlagOk, 2800, 2))},
      {get_line(0x1234), hex_line(vd::make_register(7, 0x1234, vd::kFlagUnknownId, 0, 0))},
      {set_line(vd::reg::kProductId, 1, 2), hex_line(vd::make_register(8, vd::reg::kProductId, vd::kFlagNotSupported, 0xA3E0, 2))},
      {set_line(vd::reg::kPrealarmMv, 3150, 2), hex_line(vd::make_register(8, vd::reg::kPrealarmMv, vd::kFlagOk, 3150, 2))},
      {get_line(vd::reg::kPrealarmMv), hex_line(vd::make_register(7, vd::reg::kPrealarmMv, vd::kFlagOk, 3150, 2))},
      {":2" "53\n", hex_line([] { auto f = vd::make_frame(3); f.payload[0] = 2; f.length = 1; return f; }())},  // unknown command
      {":70001002E\n", vd::kErrorFrame},  // checksum wrong by one
      {":7G001004E\n", vd::kErrorFrame},  // not a hex digit
      {overlong, vd::kErrorFrame},
      {":64F\n", ""},  // restart: no answer (the board may reset)
      {":154\n", hex_line([] { auto f = vd::make_frame(5); f.payload[0] = vd::app_version() & 0xFF; f.payload[1] = vd::app_version() >> 8; f.length = 2; return f; }())},
  };
  for (const auto& c : cases) {
    const std::string p = pil.vedirect_request(c.line);
    const std::string s = sil.vedirect_request(c.line);
    EXPECT_EQ(p, c.expected) << "request " << c.line;
    EXPECT_EQ(p, s) << "request " << c.line << " PIL vs SIL";
  }
  EXPECT_EQ(pil.observed("vedirect/hex/error_frames"), 3.0);
  EXPECT_EQ(pil.observed("vedirect/hex/0x2183"), 3150.0);
  EXPECT_EQ(pil.stats().overruns, 0u);
}

// FLT-4 over HEX on the target: a set the firmware's validation refuses is answered with flags 0x04 (parameter
// error) and the current value, and changes nothing: every configuration register reads as before, and the
// firmware behaves tick for tick as without the request. A set that is accepted applies from the next tick the
// rig steps (the rig waits for the answer before its next kStep): tick for tick what SIL does with the set at the
// same tick, and unlike the run without it.
TEST(QemuDut, FLT_4_HexSetRefusedChangesNothingAcceptedAppliesAtTheNextTick) {
  require_image();
  namespace vd = fw::vedirect;
  rig::QemuDut pil;
  pil.start(fw::Config{});
  run(pil, 1000, 32);
  std::vector<std::string> before;
  for (std::uint16_t id = vd::reg::kInputMode; id <= vd::reg::kLvdEmergencyFloorMv; ++id) before.push_back(pil.vedirect_request(get_line(id)));
  const std::string refused = pil.vedirect_request(set_line(vd::reg::kLoadDisconnectMv, 2500, 2));  // < 2.60 V
  const auto f = decode(refused);
  EXPECT_EQ(f.command, 8);
  EXPECT_EQ(f.register_id(), vd::reg::kLoadDisconnectMv);
  EXPECT_EQ(f.flags(), vd::kFlagParameterError);
  EXPECT_EQ(f.value(), 2800u);
  const std::string refused_settings = pil.vedirect_request(set_line(vd::reg::kBmsSettings, 0x08, 4));  // unknown bit
  EXPECT_EQ(decode(refused_settings).flags(), vd::kFlagParameterError);
  std::vector<std::string> after;
  for (std::uint16_t id = vd::reg::kInputMode; id <= vd::reg::kLvdEmergencyFloorMv; ++id) after.push_back(pil.vedirect_request(get_line(id)));
  EXPECT_EQ(after, before);
  EXPECT_EQ(pil.observed("vedirect/hex/flags"), 0.0);  // the last answer (a get)

  // Accepted: pre-alarm level 3.15 V set at 5 s. The falling cell (20 mV/s from 5 s) is under 3.15 V from 12.55 s:
  // the pre-alarm is active from 14.55 s with the set, not before 15 s without it (default 3.10 V: 17.05 s).
  auto run_with_set = [](rig::Dut& dut, bool with_set) {
    dut.start(fw::Config{});
    std::vector<fw::Outputs> outs;
    fw::Outputs last{};
    std::vector<rig::BoardSample> in(32);
    std::vector<fw::Outputs> o(32);
    for (fw::Millis now = 0; now < 16000;) {
      if (with_set && now == 5000) {
        const auto a = decode(dut.vedirect_request(set_line(vd::reg::kPrealarmMv, 3150, 2)));
        EXPECT_EQ(a.flags(), vd::kFlagOk);
      }
      // batches that end at 5 s, so the request goes out between the ticks 4.99 s and 5.00 s
      const fw::Millis until = now < 5000 ? 5000 : 16000;
      const std::size_t k = std::min<std::size_t>(32, (until - now) / fw::kTickMs);
      for (std::size_t i = 0; i < k; ++i) in[i] = inputs_at(now + static_cast<fw::Millis>(i) * fw::kTickMs);
      const std::size_t n = dut.step_ticks(std::span<const rig::BoardSample>(in.data(), k), now, last, o);
      for (std::size_t i = 0; i + 1 < n; ++i) outs.push_back(last);
      outs.push_back(o[n - 1]);
      last = o[n - 1];
      now += static_cast<fw::Millis>(n) * fw::kTickMs;
    }
    return outs;
  };
  rig::InProcessDut sil;
  const auto p = run_with_set(pil, true);
  const auto s = run_with_set(sil, true);
  ASSERT_EQ(p.size(), s.size());
  for (std::size_t i = 0; i < s.size(); ++i) ASSERT_TRUE(p[i] == s[i]) << "t = " << i * fw::kTickMs << " ms";
  EXPECT_FALSE(p[1454].prealarm_active);
  EXPECT_TRUE(p[1455].prealarm_active);  // 14.55 s
  const auto without = run_with_set(sil, false);
  EXPECT_FALSE(without.back().prealarm_active);
}

// TEL-1 and TEL-2 together on the target: while HEX requests keep arriving (a burst written before every exchange,
// received by the image's UART1 interrupt while it steps, answered between frames), an outside parser
// (fw::vedirect::TextDecoder on everything UART1 carried) reads one text block per second of firmware time, none
// lost, none damaged, each with the sample of its second, and every request is answered with a valid frame.
TEST(QemuDut, TEL_1_TEL_2_TextBlocksIntactUnderHexTraffic) {
  require_image();
  namespace vd = fw::vedirect;
  rig::QemuDut pil;
  pil.start(fw::Config{});
  constexpr fw::Millis kDuration = 30000;
  const std::vector<std::uint16_t> regs = {vd::reg::kBmsFlags, vd::reg::kAlarmReason, vd::reg::kPrealarmMv,
                                           vd::reg::kFuseRatingA, vd::reg::kBmsSettings};
  std::size_t sent = 0;
  fw::Outputs last{};
  std::vector<rig::BoardSample> in(32);
  std::vector<fw::Outputs> out(32);
  for (fw::Millis now = 0; now < kDuration;) {
    // ~200 bytes per exchange (fits the image's 256-byte ring): gets, a set to the value in force, a ping.
    std::string burst;
    for (const auto id : regs) burst += get_line(id);
    burst += set_line(vd::reg::kPrealarmMv, 3100, 2);
    burst += ":154\n";
    pil.vedirect_send(burst);
    sent += regs.size() + 2;
    const std::size_t k = std::min<std::size_t>(32, (kDuration - now) / fw::kTickMs);
    for (std::size_t i = 0; i < k; ++i) in[i] = inputs_at(now + static_cast<fw::Millis>(i) * fw::kTickMs);
    const std::size_t n = pil.step_ticks(std::span<const rig::BoardSample>(in.data(), k), now, last, out);
    last = out[n - 1];
    now += static_cast<fw::Millis>(n) * fw::kTickMs;
  }
  {  // one more exchange (the tick at 30 s, with its block): the answers to the last burst are read with it
    rig::BoardSample one = inputs_at(kDuration);
    fw::Outputs o;
    pil.step_ticks({&one, 1}, kDuration, last, {&o, 1});
  }
  const std::string text = pil.telemetry();
  fw::vedirect::TextDecoder d;
  std::vector<std::string> v_values;
  std::size_t errors = 0, hex_lines = 0, bad_hex = 0;
  for (char c : text) {
    const auto e = d.feed(static_cast<std::uint8_t>(c));
    using Ev = fw::vedirect::TextDecoder::Event;
    if (e == Ev::kBlock) v_values.emplace_back(d.find("V") != nullptr ? d.find("V") : "?");
    if (e == Ev::kChecksumError || e == Ev::kOverflow || e == Ev::kHexOverflow) ++errors;
    if (e == Ev::kHexFrame) {
      ++hex_lines;
      vd::HexFrame f;
      if (vd::decode_hex(d.hex_frame(), d.hex_length(), f) != vd::HexError::kOk || f.command == 4) ++bad_hex;
    }
  }
  EXPECT_EQ(errors, 0u);
  ASSERT_EQ(v_values.size(), kDuration / 1000) << "one block at every whole second 1 .. 30 s";
  for (std::size_t s = 0; s < v_values.size(); ++s)
    EXPECT_EQ(v_values[s], std::to_string(rig::adc_sample(inputs_at(static_cast<fw::Millis>(s + 1) * 1000)).li_port_mv)) << s;
  EXPECT_EQ(bad_hex, 0u);  // no ":4AAAAFD": every request arrived whole
  EXPECT_EQ(hex_lines, pil.stats().vedirect_requests) << "every request answered (the burst's " << sent << " and the rig's polls)";
  EXPECT_GT(sent, 300u);
  EXPECT_EQ(pil.stats().overruns, 0u);
}
