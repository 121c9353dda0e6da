// The image as a product on its board (PIL, label `pil`): the configuration in non-volatile memory (FLT-4) and the
// watchdog (FLT-3), end to end through QEMU — power cycles, corrupted slots, a QEMU killed at every byte of a save,
// a hung loop reset by the watchdog, a slow rig that must not be.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "fw/config_store.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_hex.hpp"
#include "rig/in_process_dut.hpp"
#include "rig/qemu_dut.hpp"

namespace {

namespace fs = std::filesystem;

std::filesystem::path image(const char* name) { return rig::default_pil_image().parent_path() / name; }

void require_images() {
  for (const char* name : {"fw_mps2_an385.elf", "fw_mps2_an385_hang_test.elf", "fw_mps2_an385_nvm_cut_test.elf"}) {
    ASSERT_TRUE(fs::exists(image(name))) << image(name) << " missing — build it with `cmake --preset cross-cm3 && "
                                                           "cmake --build --preset cross-cm3`";
  }
}

// A folder for NVM files that outlive one QemuDut (a board's life across rig sessions).
class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "bmsrig-nvm-test-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const char* name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::vector<std::uint8_t> read_bytes(const fs::path& file, std::size_t offset, std::size_t n) {
  std::ifstream f(file, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  std::vector<std::uint8_t> b(n);
  f.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(n));
  EXPECT_TRUE(f.good()) << file;
  return b;
}

void write_bytes(const fs::path& file, std::size_t offset, const std::vector<std::uint8_t>& bytes) {
  std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
  ASSERT_TRUE(f.is_open()) << file;
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::uint32_t read_u32(const fs::path& file, std::size_t offset) {
  const auto b = read_bytes(file, offset, 4);
  return b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

void write_u32(const fs::path& file, std::size_t offset, std::uint32_t v) {
  write_bytes(file, offset, {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                             static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)});
}

// Flips one byte in the middle of a slot's record (its payload: the CRC no longer matches).
void corrupt_slot(const fs::path& nvm, int slot) {
  const std::size_t at = rig::kNvmSlotOffset[slot] + fw::ConfigStore::kHeaderSize + 5;
  auto b = read_bytes(nvm, at, 1);
  b[0] ^= 0x5A;
  write_bytes(nvm, at, b);
}

bool same_config(const fw::Config& a, const fw::Config& b) {
  std::uint8_t ra[fw::ConfigStore::kRecordSize], rb[fw::ConfigStore::kRecordSize];
  fw::ConfigStore::encode(a, 0, ra);
  fw::ConfigStore::encode(b, 0, rb);
  return std::equal(ra, ra + sizeof ra, rb);
}

fw::Config config_a() {
  fw::Config c;
  c.fuse_rating_a = 80;
  c.prealarm_mv = 3150;
  return c;
}

fw::Config config_b() {
  fw::Config c;
  c.fuse_rating_a = 60;
  c.load_disconnect_mv = 2700;
  c.cell_overvoltage_mv = 3650;
  return c;
}

// VE.Direct off unless a test needs it (the test images have no VE.Direct port; it costs QEMU time).
rig::QemuDutOptions options(const fs::path& nvm, const char* image_name = "fw_mps2_an385.elf", bool vedirect = false) {
  rig::QemuDutOptions o;
  o.image = image(image_name);
  o.nvm_file = nvm;
  o.vedirect = vedirect;
  return o;
}

std::string hex_set(std::uint16_t id, std::uint32_t value, std::size_t size) {
  char line[fw::vedirect::kMaxHexFrameChars + 1];
  return std::string(line, fw::vedirect::encode_hex(fw::vedirect::make_register(0x8, id, 0, value, size), line,
                                                     sizeof line));
}

// Healthy cells, alternator charging, remote on: after start-up LD and CD are high and the alternator path on.
rig::BoardSample healthy() {
  rig::BoardSample in;
  in.batteries = 1;
  for (int i = 0; i < fw::kCellsPerBattery; ++i) {
    in.cell_v[i] = 3.3005 + i * 0.003;
    in.cell_temp_c[i] = 25.05;
  }
  in.li_port_v = 13.2005;
  in.alt_port_v = 14.2005;
  in.alt_current_a = 20.005;
  in.heatsink_c = 30.05;
  in.remote_h_v = 5.0005;
  return in;
}

// Steps a Dut over [from, to) with healthy inputs, batched like the runner; returns the outputs tick by tick.
std::vector<fw::Outputs> run(rig::Dut& dut, fw::Millis from, fw::Millis to, fw::Outputs& last) {
  std::vector<fw::Outputs> all;
  const std::size_t batch = dut.preferred_batch();
  std::vector<rig::BoardSample> in(batch, healthy());
  std::vector<fw::Outputs> out(batch);
  for (fw::Millis now = from; now < to;) {
    const std::size_t k = std::min<std::size_t>(batch, (to - now) / fw::kTickMs);
    const std::size_t n = dut.step_ticks(std::span<const rig::BoardSample>(in.data(), k), now, last, out);
    for (std::size_t i = 0; i < n; ++i) all.push_back(out[i]);
    last = out[n - 1];
    now += static_cast<fw::Millis>(n) * fw::kTickMs;
  }
  return all;
}

}  // namespace

// FLT-4: a fresh board has no valid configuration (defaults, error); the configuration the rig sets is saved in
// the board's NVM — in the slot layout the rig's constants name — and a power cycle, or a whole new rig session
// on the same NVM file, finds it without the rig sending it again.
TEST(QemuNvm, FLT_4_ConfigurationKeptAcrossPowerCycles) {
  require_images();
  TempDir dir;
  const fs::path nvm = dir / "nvm.bin";
  {
    rig::QemuDut pil(options(nvm));
    EXPECT_TRUE(same_config(pil.start_stored(), fw::Config{}));
    EXPECT_EQ(pil.nvm_status(), fw::StoreError::kNoValidSlot);
    pil.start(config_a());
    EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
    EXPECT_TRUE(same_config(pil.board_config(), config_a()));
    // The record is where the rig's layout says: slot 0, sequence 1.
    fw::Config stored;
    std::uint32_t seq = 0;
    ASSERT_TRUE(fw::ConfigStore::decode(read_bytes(nvm, rig::kNvmSlotOffset[0], fw::ConfigStore::kRecordSize).data(),
                                        stored, seq));
    EXPECT_TRUE(same_config(stored, config_a()));
    EXPECT_EQ(seq, 1u);

    const pid_t before = pil.pid();
    pil.reset(rig::ResetKind::kPower);
    EXPECT_NE(pil.pid(), before);
    EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
    EXPECT_TRUE(same_config(pil.board_config(), config_a()));
  }
  ASSERT_TRUE(fs::exists(nvm));  // a caller's NVM file outlives the QemuDut
  rig::QemuDut next(options(nvm));
  EXPECT_TRUE(same_config(next.start_stored(), config_a()));
  EXPECT_EQ(next.nvm_status(), fw::StoreError::kOk);
}

// FLT-4 through VE.Direct: a HEX set over UART1 that the firmware applies is saved in NVM (a power cycle finds it);
// a refused one is neither applied nor saved.
TEST(QemuNvm, FLT_4_HexSetIsSavedAndKeptAcrossPowerCycle) {
  require_images();
  TempDir dir;
  const fs::path nvm = dir / "nvm.bin";
  rig::QemuDut pil(options(nvm, "fw_mps2_an385.elf", true));
  pil.start(config_a());
  fw::Outputs last{};
  run(pil, 0, 100, last);
  const std::string ok = pil.vedirect_request(hex_set(fw::vedirect::reg::kFuseRatingA, 60, 2));
  fw::vedirect::HexFrame answer;
  ASSERT_EQ(fw::vedirect::decode_hex(ok.data(), ok.size(), answer), fw::vedirect::HexError::kOk) << ok;
  EXPECT_EQ(answer.flags(), fw::vedirect::kFlagOk);
  const std::string refused = pil.vedirect_request(hex_set(fw::vedirect::reg::kPrealarmMv, 3151, 2));
  ASSERT_EQ(fw::vedirect::decode_hex(refused.data(), refused.size(), answer), fw::vedirect::HexError::kOk) << refused;
  EXPECT_EQ(answer.flags(), fw::vedirect::kFlagParameterError);
  pil.reset(rig::ResetKind::kPower);
  fw::Config expected = config_a();
  expected.fuse_rating_a = 60;
  EXPECT_TRUE(same_config(pil.board_config(), expected))
      << "fuse " << pil.board_config().fuse_rating_a << " A, pre-alarm " << pil.board_config().prealarm_mv << " mV";
  EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
}

// The temporary NVM file of a QemuDut without one is its own and goes with it.
TEST(QemuNvm, DefaultNvmFileIsPerDutAndRemoved) {
  require_images();
  fs::path file;
  {
    rig::QemuDut a;
    rig::QemuDut b;
    file = a.nvm_file();
    EXPECT_TRUE(fs::exists(file));
    EXPECT_NE(a.nvm_file(), b.nvm_file());
    a.start(config_b());
    EXPECT_EQ(b.start_stored().fuse_rating_a, fw::Config{}.fuse_rating_a);  // b's NVM holds nothing of a's
  }
  EXPECT_FALSE(fs::exists(file));
}

// FLT-4: one slot corrupted → the board boots on the other slot's configuration (either slot, either age);
// both corrupted → defaults and the error status, which clears with the next save.
TEST(QemuNvm, FLT_4_CorruptSlotsFallBackToTheOtherSlotOrDefaults) {
  require_images();
  TempDir dir;
  const fs::path nvm = dir / "nvm.bin";
  {
    rig::QemuDut pil(options(nvm));
    pil.start(config_a());  // slot 0, sequence 1
    pil.start(config_b());  // slot 1, sequence 2 (the newest)
  }
  const auto pristine = read_bytes(nvm, 0, 2 * rig::kNvmSlotSize);
  {
    corrupt_slot(nvm, 1);  // the newest → the older one
    rig::QemuDut pil(options(nvm));
    EXPECT_TRUE(same_config(pil.start_stored(), config_a()));
    EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
  }
  write_bytes(nvm, 0, pristine);
  {
    corrupt_slot(nvm, 0);  // the older → the newest
    rig::QemuDut pil(options(nvm));
    EXPECT_TRUE(same_config(pil.start_stored(), config_b()));
    EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
  }
  write_bytes(nvm, 0, pristine);
  {
    rig::QemuDut pil(options(nvm));  // intact: the newest
    EXPECT_TRUE(same_config(pil.start_stored(), config_b()));
  }
  corrupt_slot(nvm, 0);
  corrupt_slot(nvm, 1);
  rig::QemuDut pil(options(nvm));
  EXPECT_TRUE(same_config(pil.start_stored(), fw::Config{}));
  EXPECT_EQ(pil.nvm_status(), fw::StoreError::kNoValidSlot);
  pil.start(config_a());
  EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
  pil.reset(rig::ResetKind::kPower);
  EXPECT_TRUE(same_config(pil.board_config(), config_a()));
  EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
}

// FLT-4, power loss while saving: the NVM cut-test image stops before byte k of the save (the erase of the older
// slot, 64 bytes, then the 43-byte record), the rig kills QEMU with SIGKILL, and the product image boots on that
// NVM. The slot holds exactly the k bytes stored (the kill landed where it should), and the board has a valid
// configuration: the old one while the new record is incomplete (its CRC is its last bytes), the new one once every
// byte is written — never a half-written one, never the defaults. Points: every byte of the record and the byte
// after it, every 8th byte of the erase (all erase bytes are alike: 0xFF over the oldest record) and its last.
TEST(QemuNvm, FLT_4_KillDuringSaveLeavesOldOrNewConfiguration) {
  require_images();
  TempDir dir;
  const fs::path base = dir / "base.bin";
  {
    rig::QemuDut pil(options(base));
    pil.start(fw::Config{});  // slot 0, sequence 1
    pil.start(config_a());    // slot 1, sequence 2: the save of B erases and rewrites slot 0
  }
  const std::size_t erase_bytes = rig::kNvmSlotSize;
  const std::size_t save_bytes = erase_bytes + fw::ConfigStore::kRecordSize;
  const auto old_slot = read_bytes(base, rig::kNvmSlotOffset[0], rig::kNvmSlotSize);
  std::uint8_t new_record[fw::ConfigStore::kRecordSize];
  fw::ConfigStore::encode(config_b(), 3, new_record);  // into slot 0 (the older), sequence 3
  std::vector<std::size_t> points;
  for (std::size_t k = 0; k < erase_bytes; k += 8) points.push_back(k);
  for (std::size_t k = erase_bytes - 1; k <= save_bytes; ++k) points.push_back(k);
  constexpr std::size_t kControl = 0x1000;  // nvm_cut_test.cpp: stop_at + 1, bytes stored, "STOP"
  constexpr std::uint32_t kStopped = 0x504F5453u;
  const fs::path nvm = dir / "nvm.bin";
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::size_t k : points) {
    SCOPED_TRACE("killed before byte " + std::to_string(k) + " of " + std::to_string(save_bytes));
    fs::copy_file(base, nvm, fs::copy_options::overwrite_existing);
    write_u32(nvm, kControl, k < save_bytes ? static_cast<std::uint32_t>(k + 1) : 0);
    {
      rig::QemuDut cut(options(nvm, "fw_mps2_an385_nvm_cut_test.elf"));
      const pid_t qemu = cut.pid();
      auto saving = std::async(std::launch::async, [&cut] {
        try {
          cut.start(config_b());
        } catch (const rig::DutError&) {  // QEMU killed under it
        }
      });
      if (k < save_bytes) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (read_u32(nvm, kControl + 8) != kStopped && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ASSERT_EQ(read_u32(nvm, kControl + 8), kStopped);
        EXPECT_EQ(read_u32(nvm, kControl + 4), k);  // exactly k bytes of the save stored
        ::kill(qemu, SIGKILL);  // the power goes, mid-save
      } else {
        saving.wait();
        EXPECT_EQ(read_u32(nvm, kControl + 4), save_bytes);  // the whole save, no byte more
        ::kill(qemu, SIGKILL);
      }
      saving.wait();
    }
    const auto slot = read_bytes(nvm, rig::kNvmSlotOffset[0], rig::kNvmSlotSize);
    for (std::size_t i = 0; i < rig::kNvmSlotSize; ++i) {
      std::uint8_t expected = old_slot[i];                                 // not reached by the erase yet
      if (i < std::min(k, erase_bytes)) expected = 0xFF;                   // erased
      if (k > erase_bytes && i < k - erase_bytes) expected = new_record[i];  // written
      ASSERT_EQ(slot[i], expected) << "slot 0 byte " << i;
    }
    write_u32(nvm, kControl, 0);
    rig::QemuDut boot(options(nvm));
    const fw::Config loaded = boot.start_stored();
    EXPECT_EQ(boot.nvm_status(), fw::StoreError::kOk);
    EXPECT_TRUE(same_config(loaded, k < save_bytes ? config_a() : config_b()))
        << "fuse " << loaded.fuse_rating_a << " A, LVD " << loaded.load_disconnect_mv << " mV";
  }
  std::printf("[ NVM      ] %zu kill points in a %zu-byte save in %.1f s\n", points.size(), save_bytes,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// FLT-3: the hang-test image's loop hangs inside the tick at 3.00 s. The watchdog resets the board 2 stages
// (2 × 50 ms = 100 ms, the spec's fastest safe-state time, CD-2) after the loop's last kick; the image boots from
// NVM and sends kReady; QemuDut sees an unexpected reset, starts the board on its stored configuration and repeats
// the step; the outputs are the FLT-3 start-up (LD, CD floating, alternator off) until FLT-2 completes 1 s later,
// tick for tick what the in-process firmware does after a watchdog reset at the same instant.
TEST(QemuWatchdog, FLT_3_HungLoopIsResetIntoTheSafeStartUp) {
  require_images();
  TempDir dir;
  const fs::path nvm = dir / "nvm.bin";
  rig::QemuDut pil(options(nvm, "fw_mps2_an385_hang_test.elf"));
  rig::InProcessDut sil;
  pil.start(config_a());
  sil.start(config_a());
  const pid_t qemu = pil.pid();
  fw::Outputs lp{}, ls{};
  const auto p0 = run(pil, 0, 2980, lp);  // the tick at 3000 ms hangs: a batch that ends before it
  const auto s0 = run(sil, 0, 2980, ls);
  ASSERT_EQ(p0.size(), s0.size());
  ASSERT_EQ(lp.load, fw::Pin::kHigh);
  ASSERT_EQ(lp.charge, fw::Pin::kHigh);
  EXPECT_EQ(pil.stats().watchdog_resets, 0u);
  for (const auto& h : pil.health()) EXPECT_FALSE(h.fault_count && h.value > 0) << h.name << " = " << h.value;

  // 2980 and 2990 run, the board hangs after stepping 3000; the watchdog resets it; the step is repeated.
  std::vector<rig::BoardSample> in(8, healthy());
  std::vector<fw::Outputs> out(8);
  const std::size_t n = pil.step_ticks(in, 2980, lp, out);
  EXPECT_EQ(pil.stats().watchdog_resets, 1u);
  // ... and the run's results say so: a device fault, whatever the checks judge (Dut::health()).
  const auto health = pil.health();
  const auto resets = std::find_if(health.begin(), health.end(), [](const auto& h) { return h.name == "board_resets"; });
  ASSERT_NE(resets, health.end());
  EXPECT_EQ(resets->value, 1u);
  EXPECT_TRUE(resets->fault_count);
  EXPECT_EQ(pil.pid(), qemu);  // the machine reset itself: same QEMU, no restart by the rig
  EXPECT_TRUE(same_config(pil.board_config(), config_a()));  // booted from NVM
  EXPECT_EQ(pil.nvm_status(), fw::StoreError::kOk);
  ASSERT_EQ(n, 1u);  // the first tick on the fresh firmware already differs from the assumed outputs
  EXPECT_EQ(out[0].load, fw::Pin::kFloating);
  EXPECT_EQ(out[0].charge, fw::Pin::kFloating);
  EXPECT_FALSE(out[0].alt_path_on);
  EXPECT_EQ(out[0].alt_limit_ma, 0);

  // How long the hung loop ran, in board time (SysTick cycles at 25 MHz, written by the hung loop to the NVM):
  // the reset comes two 50 ms stages after the last kick, which was at most one tick (the hung step) before the
  // hang began, and never later than the spec's 100 ms.
  constexpr std::uint32_t kCyclesPerMs = 25000;
  const std::uint32_t hung = read_u32(nvm, 0x1014);
  std::printf("[ WATCHDOG ] hung loop reset after %.3f ms of board time (%u cycles); host latency %.1f ms\n",
              hung / static_cast<double>(kCyclesPerMs), hung,
              std::chrono::duration<double, std::milli>(pil.stats().last_watchdog_reset_latency).count());
  EXPECT_LE(hung, 100u * kCyclesPerMs);
  EXPECT_GE(hung, (100u - fw::kTickMs) * kCyclesPerMs);

  // From here: PIL equals SIL with a watchdog reset at 2980 ms, tick for tick, through the FLT-2 start-up.
  sil.reset(rig::ResetKind::kWatchdog);
  fw::Outputs so{};
  rig::BoardSample h = healthy();
  ASSERT_EQ(sil.step_ticks({&h, 1}, 2980, ls, {&so, 1}), 1u);
  ASSERT_TRUE(out[0] == so);
  lp = out[0];
  ls = so;
  const auto p1 = run(pil, 2990, 5000, lp);
  const auto s1 = run(sil, 2990, 5000, ls);
  ASSERT_EQ(p1.size(), s1.size());
  for (std::size_t i = 0; i < p1.size(); ++i) {
    const fw::Millis t = 2990 + static_cast<fw::Millis>(i) * fw::kTickMs;
    ASSERT_TRUE(p1[i] == s1[i]) << "t = " << t << " ms";
    if (t < 3980) {  // FLT-3 until FLT-2 completes: 1 s of valid inputs from the first sample after the reset
      EXPECT_EQ(p1[i].load, fw::Pin::kFloating) << t;
      EXPECT_EQ(p1[i].charge, fw::Pin::kFloating) << t;
      EXPECT_FALSE(p1[i].alt_path_on) << t;
    }
  }
  EXPECT_EQ(p1.back().load, fw::Pin::kHigh);  // back in service
  EXPECT_EQ(pil.stats().watchdog_resets, 1u);  // it hangs once per NVM file
}

// The other side: a healthy board waiting for a slow rig is never reset. The rig pauses 1 s (twenty 50 ms stages)
// between steps, three times; the loop is parked meanwhile; the firmware runs on from where it was.
TEST(QemuWatchdog, FLT_3_SlowRigDoesNotResetAHealthyBoard) {
  require_images();
  rig::QemuDut pil;
  pil.start(config_a());
  fw::Outputs last{};
  run(pil, 0, 1500, last);
  ASSERT_EQ(last.load, fw::Pin::kHigh);
  for (int pause = 0; pause < 3; ++pause) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const fw::Millis from = 1500 + static_cast<fw::Millis>(pause) * 100;
    const auto outs = run(pil, from, from + 100, last);
    for (const auto& o : outs) {  // no start-up again: LD and CD stay high
      EXPECT_EQ(o.load, fw::Pin::kHigh);
      EXPECT_EQ(o.charge, fw::Pin::kHigh);
    }
  }
  EXPECT_EQ(pil.stats().watchdog_resets, 0u);
}
