// Configuration persistence (FLT-4): two slots on a small storage (flash page, EEPROM, a file on the host),
// each holding one record: magic, format, length, sequence number, the Config encoded field by field
// (little-endian, independent of struct layout), CRC-32 over all of it.
//
// save() never touches the slot holding the newest valid record: it erases the other slot and writes the new
// record there with sequence + 1. A power loss at any byte of that erase or write leaves the other slot
// intact, so load() still finds the previous configuration. load() returns the valid record with the newest
// sequence (wrap-safe); a record is valid when magic, format, length and CRC match and the decoded Config
// passes fw::validate(). With no valid record it returns the defaults and StoreError::kNoValidSlot.
// No heap, no exceptions; Storage is an interface the board implements.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/io.hpp"

namespace fw {

// A storage of two slots of at least ConfigStore::kRecordSize bytes. Erased bytes read as 0xFF.
// Implementations return false on a failed access. (The destructor is protected and non-virtual so that no
// deleting destructor — and no operator delete — is pulled into the firmware.)
class Storage {
 public:
  static constexpr int kSlots = 2;
  virtual std::size_t slot_size() const = 0;
  virtual bool read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) = 0;
  virtual bool write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) = 0;
  virtual bool erase(int slot) = 0;

 protected:
  Storage() = default;
  Storage(const Storage&) = default;
  Storage& operator=(const Storage&) = default;
  ~Storage() = default;
};

// Stable numeric values.
enum class StoreError : std::uint8_t {
  kOk = 0,
  kNoValidSlot = 1,     // load(): no valid record; defaults returned
  kInvalidConfig = 2,   // save(): the Config fails fw::validate(); nothing written
  kStorageFailure = 3,  // save(): erase/write/read-back failed (the previous record is still intact)
  kSlotTooSmall = 4,    // the storage's slots are smaller than kRecordSize
};

struct LoadResult {
  Config config{};
  StoreError error = StoreError::kNoValidSlot;
  std::uint32_t sequence = 0;  // sequence number of the loaded record (0 when none)
  int slot = -1;               // slot it came from (-1 when none)
};

class ConfigStore {
 public:
  static constexpr std::uint32_t kMagic = 0x43534D42u;  // "BMSC" little-endian
  static constexpr std::uint16_t kFormat = 1;
  static constexpr std::size_t kPayloadSize = 27;
  static constexpr std::size_t kHeaderSize = 12;
  static constexpr std::size_t kRecordSize = kHeaderSize + kPayloadSize + 4;

  explicit ConfigStore(Storage& storage) : storage_(storage) {}

  LoadResult load() const;
  StoreError save(const Config& config);

  // Record encoding, exposed for tests and tools. encode() writes kRecordSize bytes.
  static void encode(const Config& config, std::uint32_t sequence, std::uint8_t* record);
  // Decodes and checks a record; false when magic, format, length, CRC or a field is invalid.
  static bool decode(const std::uint8_t* record, Config& config, std::uint32_t& sequence);

 private:
  Storage& storage_;
};

}  // namespace fw
