// Configuration persistence (FLT-4: "a power loss while saving never leaves an unusable configuration").
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "fw/bms.hpp"
#include "fw/config_store.hpp"
#include "fw/crc32.hpp"

using fw::Config;
using fw::ConfigStore;
using fw::StoreError;

namespace {

// Two slots in RAM. A power loss is simulated by a byte budget: once it is used up, erase and write stop
// part-way (leaving the bytes done so far) and every later access fails, like a device that lost power.
class FakeStorage final : public fw::Storage {
 public:
  static constexpr std::size_t kSlotSize = 64;

  FakeStorage() {
    for (auto& s : slots_) s.fill(0xFF);
  }
  std::size_t slot_size() const override { return kSlotSize; }
  bool read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) override {
    if (dead_ || !ok(slot, offset, n)) return false;
    std::memcpy(dst, slots_[slot].data() + offset, n);
    return true;
  }
  bool write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) override {
    if (dead_ || !ok(slot, offset, n)) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!spend()) return false;
      slots_[slot][offset + i] &= src[i];  // flash semantics: a write only clears bits
    }
    return true;
  }
  bool erase(int slot) override {
    if (dead_ || slot < 0 || slot >= kSlots) return false;
    for (auto& b : slots_[slot]) {
      if (!spend()) return false;
      b = 0xFF;
    }
    return true;
  }
  // Power fails after `bytes` more erased/written bytes.
  void fail_after(std::size_t bytes) { budget_ = static_cast<long>(bytes); }
  // Power returns: accesses work again.
  void power_on() {
    dead_ = false;
    budget_ = -1;
  }
  std::array<std::uint8_t, kSlotSize>& slot(int i) { return slots_[i]; }

 private:
  bool ok(int slot, std::size_t offset, std::size_t n) const {
    return slot >= 0 && slot < kSlots && offset + n <= kSlotSize;
  }
  bool spend() {
    if (budget_ < 0) return true;
    if (budget_ == 0) {
      dead_ = true;
      return false;
    }
    --budget_;
    return true;
  }
  std::array<std::array<std::uint8_t, kSlotSize>, kSlots> slots_{};
  long budget_ = -1;
  bool dead_ = false;
};

Config config_a() {
  Config c;
  c.fuse_rating_a = 60;
  c.prealarm_mv = 3000;
  c.input_mode = fw::InputMode::kBatterySignals;
  c.battery_count = 3;
  return c;
}
Config config_b() {
  Config c;
  c.fuse_rating_a = 125;
  c.load_disconnect_mv = 2650;
  c.low_temp_charge_dc = -100;
  c.prealarm_mode = fw::PreAlarmMode::kIntermittent;
  c.system_switch = true;
  c.prealarm_enabled = false;
  c.lvd_emergency_floor_mv = 2500;
  return c;
}
bool equal(const Config& a, const Config& b) {
  return a.input_mode == b.input_mode && a.battery_count == b.battery_count &&
         a.load_disconnect_mv == b.load_disconnect_mv && a.prealarm_mv == b.prealarm_mv &&
         a.cell_overvoltage_mv == b.cell_overvoltage_mv && a.low_temp_charge_dc == b.low_temp_charge_dc &&
         a.prealarm_enabled == b.prealarm_enabled && a.prealarm_mode == b.prealarm_mode &&
         a.fuse_rating_a == b.fuse_rating_a && a.system_switch == b.system_switch &&
         a.lvd_emergency_floor_mv == b.lvd_emergency_floor_mv;
}

}  // namespace

TEST(Crc32, KnownVector) {
  const char* s = "123456789";
  EXPECT_EQ(fw::crc32(reinterpret_cast<const std::uint8_t*>(s), 9), 0xCBF43926u);
  EXPECT_EQ(fw::crc32(nullptr, 0), 0u);
  // Running CRC over two parts equals the CRC of the whole.
  const std::uint32_t part = fw::crc32(reinterpret_cast<const std::uint8_t*>(s), 4);
  EXPECT_EQ(fw::crc32(reinterpret_cast<const std::uint8_t*>(s) + 4, 5, part), 0xCBF43926u);
}

TEST(ConfigStore, FLT_4_EmptyStorageGivesDefaultsAndError) {
  FakeStorage st;
  ConfigStore store(st);
  const fw::LoadResult r = store.load();
  EXPECT_EQ(r.error, StoreError::kNoValidSlot);
  EXPECT_TRUE(equal(r.config, Config{}));
  EXPECT_EQ(r.slot, -1);
}

TEST(ConfigStore, FLT_4_SaveLoadRoundTripAlternatesSlots) {
  FakeStorage st;
  ConfigStore store(st);
  ASSERT_EQ(store.save(config_a()), StoreError::kOk);
  fw::LoadResult r = store.load();
  EXPECT_EQ(r.error, StoreError::kOk);
  EXPECT_TRUE(equal(r.config, config_a()));
  EXPECT_EQ(r.sequence, 1u);
  const int first_slot = r.slot;
  ASSERT_EQ(store.save(config_b()), StoreError::kOk);
  r = store.load();
  EXPECT_TRUE(equal(r.config, config_b()));
  EXPECT_EQ(r.sequence, 2u);
  EXPECT_NE(r.slot, first_slot);
  ASSERT_EQ(store.save(config_a()), StoreError::kOk);
  r = store.load();
  EXPECT_TRUE(equal(r.config, config_a()));
  EXPECT_EQ(r.slot, first_slot);
}

TEST(ConfigStore, FLT_4_InvalidConfigIsNotSaved) {
  FakeStorage st;
  ConfigStore store(st);
  ASSERT_EQ(store.save(config_a()), StoreError::kOk);
  Config bad = config_b();
  bad.fuse_rating_a = 10;
  EXPECT_EQ(store.save(bad), StoreError::kInvalidConfig);
  EXPECT_TRUE(equal(store.load().config, config_a()));
}

TEST(ConfigStore, FLT_4_PowerLossAtEveryByteKeepsAUsableConfig) {
  // Cover both orders (new record into slot 1, then into slot 0) and every byte of erase + write.
  for (int previous_saves = 1; previous_saves <= 2; ++previous_saves) {
    const std::size_t total = FakeStorage::kSlotSize + ConfigStore::kRecordSize;
    for (std::size_t k = 0; k <= total; ++k) {
      FakeStorage st;
      ConfigStore store(st);
      for (int i = 0; i < previous_saves; ++i) ASSERT_EQ(store.save(config_a()), StoreError::kOk);
      st.fail_after(k);
      const StoreError e = store.save(config_b());
      st.power_on();
      const fw::LoadResult r = ConfigStore(st).load();
      ASSERT_EQ(r.error, StoreError::kOk) << "k=" << k;
      if (e == StoreError::kOk) {
        EXPECT_TRUE(equal(r.config, config_b())) << "k=" << k;
      } else {
        EXPECT_EQ(e, StoreError::kStorageFailure) << "k=" << k;
        // Interrupted: the previous configuration, or the new one if its last byte made it.
        EXPECT_TRUE(equal(r.config, config_a()) || equal(r.config, config_b())) << "k=" << k;
        if (k < total) {
          EXPECT_TRUE(equal(r.config, config_a())) << "k=" << k;
        }
      }
      // And the store still works afterwards.
      ASSERT_EQ(store.save(config_b()), StoreError::kOk) << "k=" << k;
      EXPECT_TRUE(equal(ConfigStore(st).load().config, config_b())) << "k=" << k;
    }
  }
}

TEST(ConfigStore, FLT_4_CorruptedNewestSlotFallsBackToOlder) {
  FakeStorage st;
  ConfigStore store(st);
  ASSERT_EQ(store.save(config_a()), StoreError::kOk);
  ASSERT_EQ(store.save(config_b()), StoreError::kOk);
  const int newest = store.load().slot;
  for (std::size_t i = 0; i < ConfigStore::kRecordSize; ++i) {
    FakeStorage copy = st;
    copy.slot(newest)[i] ^= 0x01;  // one flipped bit anywhere in the record
    const fw::LoadResult r = ConfigStore(copy).load();
    EXPECT_EQ(r.error, StoreError::kOk) << i;
    EXPECT_TRUE(equal(r.config, config_a())) << i;
  }
}

TEST(ConfigStore, FLT_4_RecordWithOutOfRangeFieldIsRejected) {
  std::uint8_t rec[ConfigStore::kRecordSize];
  Config bad;
  bad.fuse_rating_a = 300;  // encode() does not validate; decode() must refuse
  ConfigStore::encode(bad, 7, rec);
  Config out;
  std::uint32_t seq = 0;
  EXPECT_FALSE(ConfigStore::decode(rec, out, seq));
  ConfigStore::encode(config_b(), 7, rec);
  EXPECT_TRUE(ConfigStore::decode(rec, out, seq));
  EXPECT_EQ(seq, 7u);
  EXPECT_TRUE(equal(out, config_b()));
}

TEST(ConfigStore, FLT_4_SequenceWrapPicksNewest) {
  FakeStorage st;
  std::uint8_t rec[ConfigStore::kRecordSize];
  ConfigStore::encode(config_a(), 0xFFFFFFFFu, rec);
  ASSERT_TRUE(st.write(0, 0, rec, sizeof rec));
  ConfigStore::encode(config_b(), 0u, rec);  // wrapped: newer
  ASSERT_TRUE(st.write(1, 0, rec, sizeof rec));
  const fw::LoadResult r = ConfigStore(st).load();
  EXPECT_EQ(r.slot, 1);
  EXPECT_TRUE(equal(r.config, config_b()));
}
