// The board's non-volatile memory (FLT-4): a fw::Storage of two slots in the MPS2's PSRAM at 0x21000000, which
// QEMU backs with a host file (rig::QemuDut: `-object memory-backend-file,...,share=on -machine memory-backend=`),
// so what the image writes there survives a power cycle (QEMU restarted) and a watchdog reset, byte by byte as
// written: a QEMU killed in the middle of a save leaves exactly the bytes stored before the kill.
// Layout (offsets from 0x21000000; kept in step with rig::QemuDut::kNvmSlotOffset):
//   0x0000  slot 0 (kNvmSlotSize bytes)     0x0040  slot 1
// Erased bytes read 0xFF (fw::Storage's contract); a fresh host file reads 0x00, which decodes as no valid record.
// Every byte goes through nvm_store_byte() (nvm_bytes.cpp), the board's one write primitive: a flash or EEPROM
// part would program there; the kill-during-save test image replaces it to stop at a chosen byte.
#include <cstddef>
#include <cstdint>

#include "board.hpp"
#include "fw/config_store.hpp"

namespace board {
namespace {

class PsramStorage final : public fw::Storage {
 public:
  std::size_t slot_size() const override { return kNvmSlotSize; }
  bool read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) override {
    if (!in_range(slot, offset, n)) return false;
    const volatile std::uint8_t* p = base(slot) + offset;
    for (std::size_t i = 0; i < n; ++i) dst[i] = p[i];
    return true;
  }
  bool write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) override {
    if (!in_range(slot, offset, n)) return false;
    volatile std::uint8_t* p = base(slot) + offset;
    for (std::size_t i = 0; i < n; ++i) nvm_store_byte(p + i, src[i]);
    return true;
  }
  bool erase(int slot) override {
    if (!in_range(slot, 0, kNvmSlotSize)) return false;
    volatile std::uint8_t* p = base(slot);
    for (std::size_t i = 0; i < kNvmSlotSize; ++i) nvm_store_byte(p + i, 0xFF);
    return true;
  }

 private:
  static bool in_range(int slot, std::size_t offset, std::size_t n) {
    return slot >= 0 && slot < kSlots && offset <= kNvmSlotSize && n <= kNvmSlotSize - offset;
  }
  static volatile std::uint8_t* base(int slot) {
    return reinterpret_cast<volatile std::uint8_t*>(kNvmBase + static_cast<std::uintptr_t>(slot) * kNvmSlotSize);
  }
};

static_assert(kNvmSlotSize >= fw::ConfigStore::kRecordSize, "an NVM slot must hold one configuration record");

PsramStorage g_storage;
fw::ConfigStore g_store(g_storage);

}  // namespace

fw::ConfigStore& config_store() { return g_store; }

}  // namespace board
