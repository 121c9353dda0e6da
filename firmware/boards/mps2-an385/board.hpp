// Board support for QEMU's mps2-an385 (ARM MPS2 + AN385: Cortex-M3, CMSDK APB UART0 at 0x40004000 and UART1 at
// 0x40005000, SysTick, 25 MHz system clock, the CMSDK APB watchdog, the PSRAM as NVM). Depth: register level,
// exactly what QEMU emulates; the same code would run on the FPGA board. No heap, no exceptions.
//
// Interrupts: two UART handlers, both tiny, at the same priority (no nesting), interrupts enabled (PRIMASK clear) except
// around the sleep decision.
// - UART0 (plant link) is polled: its RX interrupt only wakes the core from WFI. Its handler clears the UART's RX
//   interrupt line and nothing else; the byte stays in the UART's one-byte buffer until the loop reads it. Why
//   polled: the PIL firmware is a lockstep server with nothing else to do while it waits for the next plant-link
//   byte, and QEMU back-pressures the socket while that buffer is full, so no byte is lost however long a step takes
//   and there is no buffer to size. Why WFI and not a busy loop: under QEMU every status-register read takes the
//   emulator's global lock, which starves the thread that delivers the socket bytes (measured: ~100 single-tick
//   exchanges/s spinning).
// - UART1 (VE.Direct, 19200 8N1 on a real board) receives by interrupt: the RX handler moves each byte into a
//   256-byte ring (no heap); a byte that finds the ring full is dropped and counted (uart1_rx_dropped()), and the
//   UART's own overrun flag is counted too (uart1_rx_overruns()). A VE.Direct host does not wait for the board,
//   so receiving must not depend on the loop being idle: a batch of 32 ticks or a text block being written may
//   take longer than a byte time (0.52 ms at 19200 baud).
// - Sleeping: wait_for_rx() masks interrupts (PRIMASK), checks both UARTs, and only then executes WFI; a pending
//   interrupt wakes WFI even while masked, and the handler runs once PRIMASK is cleared again. So a byte that
//   arrives between the check and the WFI is never slept through (the classic lost-wake-up race).
// - The watchdog's first time-out is the NMI (watchdog.cpp): it only counts.
// Chosen over keeping PRIMASK set for good and masking UART0 with BASEPRI: the architecture lets WFI wake for an
// interrupt masked by PRIMASK but not for one masked by BASEPRI (ARMv7-M, WFI wake-up events), so that design would
// rely on an emulator detail to wake for plant-link bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fw {
class ConfigStore;
namespace plant_link {
class Server;
}
}  // namespace fw

namespace board {

inline constexpr std::uint32_t kSystemClockHz = 25000000;  // MPS2 SYSCLK (QEMU models 25 MHz)

// CMSDK APB UART0: the plant link (polled; see above).
void uart_init(std::uint32_t baud);
void uart_write(const std::uint8_t* data, std::size_t n);
void uart_write_text(const char* text);
bool uart_try_read(std::uint8_t& byte);  // the received byte, if one is there (never blocks)
std::uint8_t uart_read();                // blocks (sleeping in wait_for_rx) until a byte arrives
std::uint32_t uart_rx_overruns();        // RX overrun flags seen (bytes lost); 0 on QEMU

// CMSDK APB UART1: the VE.Direct port (TEL-1 text blocks out, TEL-2 HEX both ways; 19200 8N1 on a real board).
// Receive by interrupt into a ring buffer; transmit polled, one whole message per call from the main loop only
// (never from a handler), so a HEX answer and a text block never interleave.
void uart1_init(std::uint32_t baud);
void uart1_write(const char* data, std::size_t n);
bool uart1_try_read(std::uint8_t& byte);  // the oldest received byte, if any (never blocks)
std::uint32_t uart1_rx_dropped();         // bytes dropped because the ring was full
std::uint32_t uart1_rx_overruns();        // the UART's RX overrun flags seen (a byte lost before the handler ran)

// Sleeps until a byte is waiting on UART0 or UART1 (returns at once when one already is).
void wait_for_rx();

// SysTick as a free-running 24-bit up-counter at the CPU clock (the overrun guard's time base).
void cycle_counter_init();
std::uint32_t cycle_counter();
inline constexpr std::uint32_t kCycleMask = 0x00FFFFFF;

// Semihosting (QEMU -semihosting-config enable=on): message to the host console and exit.
void semihosting_write(const char* text);
[[noreturn]] void semihosting_exit(bool success);

// Non-volatile memory (nvm.cpp, FLT-4): two configuration slots of kNvmSlotSize bytes at the start of the PSRAM
// (QEMU: a host file that survives power cycles). nvm_store_byte() is the one write primitive (nvm_bytes.cpp).
inline constexpr std::uintptr_t kNvmBase = 0x21000000u;
inline constexpr std::size_t kNvmSlotSize = 64;
void nvm_store_byte(volatile std::uint8_t* address, std::uint8_t value);
fw::ConfigStore& config_store();

// The plant link's shared-memory mailbox (mailbox.cpp, fw/plant_link_mailbox.hpp) at kNvmBase + 1 MiB, on once the
// rig asked for it in kHello (the Server's Port::mailbox). Then a kDoorbell byte on UART0 between frames means
// "a request is in the mailbox": mailbox_serve() feeds it to the Server, whose frames mailbox_append() collects
// (port write) while it runs, publishes them and rings back. Off: every frame on UART0 as before.
void mailbox_enable(bool on);  // also restarts the sequence (the rig's next request is 1)
bool mailbox_enabled();
bool mailbox_append(const std::uint8_t* data, std::size_t n);  // false: not inside a mailbox exchange (use UART0)
bool mailbox_serve(fw::plant_link::Server& server);            // true: the request was kShutdown

// CMSDK APB watchdog (watchdog.cpp, FLT-3). Stage = one count-down from LOAD; the board resets at the end of the
// second stage without a kick, so at most 2 × kWatchdogStageMs after the loop's last sign of health. Why 50 ms:
// the fastest safe-state reaction the spec asks of the firmware is 100 ms (CD-2: CD floats and the alternator
// current is below 1 A within 100 ms of ATC going false; RMT-2 and ALT-5 likewise) — a loop that stopped cannot
// react, so the reset, which leaves every output in its safe state (FLT-3), must come within those 100 ms. A
// healthy loop kicks after every tick it executes (a step takes < 1 tick, the overrun guard) or sleeps parked.
inline constexpr std::uint32_t kWatchdogStageMs = 50;
inline constexpr std::uint32_t kWatchdogStageCycles = kSystemClockHz / 1000u * kWatchdogStageMs;
void watchdog_init();                 // arms it (interrupt + reset enabled, registers locked)
void watchdog_kick();                 // drops the first-stage interrupt and reloads the counter
void watchdog_parked(bool parked);    // true: the loop sleeps waiting for the rig (longest stage); false:
                                      // woken (a full 50 ms stage from here)
std::uint32_t watchdog_late_count();  // first-stage time-outs seen (NMI; diagnostics)

// Fault reports (fault_report.cpp): a kFault frame over the plant link once a Server is registered, the text
// through semihosting, then semihosting exit 1. Called by the HardFault handler and unexpected exceptions.
[[noreturn]] void report_fault(const char* text);
void set_fault_channel(fw::plant_link::Server* server);

}  // namespace board
