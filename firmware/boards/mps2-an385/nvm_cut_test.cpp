// Test image only (fw_mps2_an385_nvm_cut_test.elf, never shipped): the product image with this NVM write
// primitive in place of nvm_bytes.cpp. It counts the bytes the image stores in NVM since boot and stops before
// the byte the rig asks for, so the rig can kill QEMU (SIGKILL) with exactly that many bytes of a save written
// (FLT-4: "a power loss while saving never leaves an unusable configuration", tested at every byte).
// Control words in the PSRAM, after the slots (the rig writes them into the NVM host file before QEMU starts):
//   kNvmBase + 0x1000  stop_at + 1 (0: never stop)   — stop before storing byte number stop_at (0-based)
//   kNvmBase + 0x1004  bytes stored so far (written by the image)
//   kNvmBase + 0x1008  0x504F5453 ("STOP") once stopped; the image then only kicks its watchdog, for ever
#include <cstdint>

#include "board.hpp"

namespace board {
namespace {
constexpr std::uint32_t kStopped = 0x504F5453u;
volatile std::uint32_t* control() { return reinterpret_cast<volatile std::uint32_t*>(kNvmBase + 0x1000u); }
std::uint32_t g_stored = 0;
}  // namespace

void nvm_store_byte(volatile std::uint8_t* address, std::uint8_t value) {
  volatile std::uint32_t* c = control();
  if (c[0] != 0 && g_stored == c[0] - 1) {
    c[2] = kStopped;
    for (;;) watchdog_kick();
  }
  *address = value;
  c[1] = ++g_stored;
}

}  // namespace board
