#include "fw/config_store.hpp"

#include "fw/bms.hpp"
#include "fw/crc32.hpp"

namespace fw {
namespace {

class Writer {
 public:
  explicit Writer(std::uint8_t* p) : p_(p) {}
  void u8(std::uint8_t v) { *p_++ = v; }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v));
    u8(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }

 private:
  std::uint8_t* p_;
};

class Reader {
 public:
  explicit Reader(const std::uint8_t* p) : p_(p) {}
  std::uint8_t u8() { return *p_++; }
  std::uint16_t u16() {
    const std::uint16_t lo = u8();
    return static_cast<std::uint16_t>(lo | (std::uint16_t{u8()} << 8));
  }
  std::uint32_t u32() {
    const std::uint32_t lo = u16();
    return lo | (std::uint32_t{u16()} << 16);
  }

 private:
  const std::uint8_t* p_;
};

bool decode_bool(std::uint8_t v, bool& out) {
  if (v > 1) return false;
  out = v == 1;
  return true;
}

// Wrap-safe "a is newer than b".
bool newer(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) > 0; }

}  // namespace

void ConfigStore::encode(const Config& c, std::uint32_t sequence, std::uint8_t* record) {
  Writer w(record);
  w.u32(kMagic);
  w.u16(kFormat);
  w.u16(static_cast<std::uint16_t>(kPayloadSize));
  w.u32(sequence);
  w.u8(static_cast<std::uint8_t>(c.input_mode));
  w.u8(c.battery_count);
  w.u32(static_cast<std::uint32_t>(c.load_disconnect_mv));
  w.u32(static_cast<std::uint32_t>(c.prealarm_mv));
  w.u32(static_cast<std::uint32_t>(c.cell_overvoltage_mv));
  w.u16(static_cast<std::uint16_t>(c.low_temp_charge_dc));
  w.u8(c.prealarm_enabled ? 1 : 0);
  w.u8(static_cast<std::uint8_t>(c.prealarm_mode));
  w.u32(static_cast<std::uint32_t>(c.fuse_rating_a));
  w.u8(c.system_switch ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(c.lvd_emergency_floor_mv));
  const std::size_t body = kHeaderSize + kPayloadSize;
  Writer(record + body).u32(crc32(record, body));
}

bool ConfigStore::decode(const std::uint8_t* record, Config& config, std::uint32_t& sequence) {
  const std::size_t body = kHeaderSize + kPayloadSize;
  if (Reader(record + body).u32() != crc32(record, body)) return false;
  Reader r(record);
  if (r.u32() != kMagic || r.u16() != kFormat || r.u16() != kPayloadSize) return false;
  const std::uint32_t seq = r.u32();
  Config c;
  c.input_mode = static_cast<InputMode>(r.u8());
  c.battery_count = r.u8();
  c.load_disconnect_mv = static_cast<std::int32_t>(r.u32());
  c.prealarm_mv = static_cast<std::int32_t>(r.u32());
  c.cell_overvoltage_mv = static_cast<std::int32_t>(r.u32());
  c.low_temp_charge_dc = static_cast<std::int16_t>(r.u16());
  if (!decode_bool(r.u8(), c.prealarm_enabled)) return false;
  c.prealarm_mode = static_cast<PreAlarmMode>(r.u8());
  c.fuse_rating_a = static_cast<std::int32_t>(r.u32());
  if (!decode_bool(r.u8(), c.system_switch)) return false;
  c.lvd_emergency_floor_mv = static_cast<std::int32_t>(r.u32());
  if (validate(c) != ConfigError::kOk) return false;
  config = c;
  sequence = seq;
  return true;
}

LoadResult ConfigStore::load() const {
  LoadResult result;
  if (storage_.slot_size() < kRecordSize) {
    result.error = StoreError::kSlotTooSmall;
    return result;
  }
  for (int slot = 0; slot < Storage::kSlots; ++slot) {
    std::uint8_t record[kRecordSize];
    if (!storage_.read(slot, 0, record, kRecordSize)) continue;
    Config c;
    std::uint32_t seq = 0;
    if (!decode(record, c, seq)) continue;
    if (result.slot < 0 || newer(seq, result.sequence)) {
      result.config = c;
      result.sequence = seq;
      result.slot = slot;
      result.error = StoreError::kOk;
    }
  }
  if (result.slot < 0) {
    result.config = Config{};
    result.error = StoreError::kNoValidSlot;
  }
  return result;
}

StoreError ConfigStore::save(const Config& config) {
  if (validate(config) != ConfigError::kOk) return StoreError::kInvalidConfig;
  if (storage_.slot_size() < kRecordSize) return StoreError::kSlotTooSmall;
  const LoadResult current = load();
  const int target = current.slot == 0 ? 1 : 0;
  const std::uint32_t sequence = current.slot < 0 ? 1u : current.sequence + 1u;
  std::uint8_t record[kRecordSize];
  encode(config, sequence, record);
  if (!storage_.erase(target)) return StoreError::kStorageFailure;
  if (!storage_.write(target, 0, record, kRecordSize)) return StoreError::kStorageFailure;
  std::uint8_t check[kRecordSize];
  if (!storage_.read(target, 0, check, kRecordSize)) return StoreError::kStorageFailure;
  for (std::size_t i = 0; i < kRecordSize; ++i) {
    if (check[i] != record[i]) return StoreError::kStorageFailure;
  }
  return StoreError::kOk;
}

}  // namespace fw
