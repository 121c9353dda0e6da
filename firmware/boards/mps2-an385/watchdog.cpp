// The CMSDK APB watchdog of the MPS2 (0x40008000, clocked at the 25 MHz system clock; QEMU wires its interrupt,
// WDOGINT, to the NMI). The counter counts down from LOAD; at 0 it raises WDOGINT and reloads; at 0 again with
// WDOGINT still raised it resets the board (RESEN). A kick (INTCLR) drops WDOGINT and reloads the counter.
//
// Health (FLT-3): the loop kicks when it has done a piece of work — after every tick the core executes
// (Port::alive) — and while it sleeps waiting for the rig's next byte it is *parked*: in a lockstep board waiting
// is healthy (the rig, or a slow host, may take any time to send the next frame) and that time is the rig's, not
// the board's. Parking sets the longest stage the counter can hold (2^32 − 1 cycles = 171.8 s) and unparking
// loads the 50 ms stage again, each a reload from the full count. So every instant the board works on a frame
// counts, and the wait does not: a loop that stops coming back to its wait (a step that never ends, a loop stuck
// in a frame) is reset two stages after its last kick, and boots from NVM in its safe start-up state (every
// output floating, alternator off). A board parked for two long stages (5.7 min without a byte) is reset too.
// A product board that samples its own inputs never parks: its loop runs every tick and kicks every tick.
// Why a long stage and not a stopped counter: QEMU 7.2's model keeps counting with INTEN clear, and a reset
// latched while RESEN was clear fires as soon as RESEN is set again; a reload through WDOGLOAD behaves the same on
// QEMU and on the silicon.
// The first stage's NMI is the early warning (the loop is one stage late): it counts and returns — no kick from
// an interrupt — so the second stage resets the board unless the loop kicks in between.
#include <cstdint>

#include "board.hpp"

namespace board {
namespace {

struct CmsdkWatchdog {
  volatile std::uint32_t load;      // 0x000
  volatile std::uint32_t value;     // 0x004
  volatile std::uint32_t control;   // 0x008: bit 0 INTEN (counter and interrupt), bit 1 RESEN
  volatile std::uint32_t intclr;    // 0x00C: any write drops WDOGINT and reloads the counter
  volatile std::uint32_t ris;       // 0x010
  volatile std::uint32_t mis;       // 0x014
};
constexpr std::uintptr_t kWatchdogBase = 0x40008000u;
constexpr std::uintptr_t kLockOffset = 0xC00;
constexpr std::uint32_t kUnlockKey = 0x1ACCE551u;
constexpr std::uint32_t kIntEnable = 1u << 0;
constexpr std::uint32_t kResetEnable = 1u << 1;

CmsdkWatchdog& wdog() { return *reinterpret_cast<CmsdkWatchdog*>(kWatchdogBase); }
volatile std::uint32_t& wdog_lock() { return *reinterpret_cast<volatile std::uint32_t*>(kWatchdogBase + kLockOffset); }

volatile std::uint32_t g_late = 0;
constexpr std::uint32_t kParkedStageCycles = 0xFFFFFFFFu;

}  // namespace

void watchdog_init() {
  wdog_lock() = kUnlockKey;
  wdog().load = kWatchdogStageCycles;  // also reloads the counter
  wdog().intclr = 1;
  wdog().control = kIntEnable | kResetEnable;
  wdog_lock() = 0;  // locked: a stray write cannot stop or slow it
}

void watchdog_kick() {
  wdog_lock() = kUnlockKey;
  wdog().intclr = 1;
  wdog_lock() = 0;
}

void watchdog_parked(bool parked) {
  wdog_lock() = kUnlockKey;
  wdog().load = parked ? kParkedStageCycles : kWatchdogStageCycles;  // reloads the counter
  wdog().intclr = 1;
  wdog_lock() = 0;
}

std::uint32_t watchdog_late_count() { return g_late; }

}  // namespace board

// The watchdog's first time-out (WDOGINT → NMI): the loop is a stage late; see the file comment.
extern "C" void NMI_Handler() { board::g_late = board::g_late + 1; }
