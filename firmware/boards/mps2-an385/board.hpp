// Board support for QEMU's mps2-an385 (ARM MPS2 + AN385: Cortex-M3, CMSDK APB UART0 at 0x40004000, SysTick,
// 25 MHz system clock). Depth: register level, exactly what QEMU emulates; the same code would run on the FPGA
// board. No heap, no exceptions, no interrupts used.
//
// UART0 is polled, with WFI instead of a spin: no interrupt handler runs (PRIMASK set), but the RX interrupt is
// enabled so that WFI sleeps until a byte is there. Why polled: the PIL firmware is a lockstep server with
// nothing else to do while it waits for the next plant-link byte, so there is no ISR/main-loop shared state
// and no ring buffer to size; QEMU back-pressures the socket while the one-byte RX buffer is full, so no byte
// is lost however long a step takes. Why WFI and not a busy loop: under QEMU every status-register read takes
// the emulator's global lock, which starves the thread that delivers the socket bytes (measured: ~100 single-
// tick exchanges/s spinning). A board that samples ADCs while bytes arrive would use the RX interrupt with a
// handler and a ring buffer instead.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fw::plant_link {
class Server;
}

namespace board {

inline constexpr std::uint32_t kSystemClockHz = 25000000;  // MPS2 SYSCLK (QEMU models 25 MHz)

// CMSDK APB UART0.
void uart_init(std::uint32_t baud);
void uart_write(const std::uint8_t* data, std::size_t n);
void uart_write_text(const char* text);
std::uint8_t uart_read();           // blocks (polls) until a byte arrives
std::uint32_t uart_rx_overruns();   // RX overrun flags seen (bytes lost); 0 on QEMU

// CMSDK APB UART1: the VE.Direct telemetry port (TX only here; 19200 8N1 on a real board, TEL-1).
void uart1_init(std::uint32_t baud);
void uart1_write(const char* data, std::size_t n);

// SysTick as a free-running 24-bit up-counter at the CPU clock (the overrun guard's time base).
void cycle_counter_init();
std::uint32_t cycle_counter();
inline constexpr std::uint32_t kCycleMask = 0x00FFFFFF;

// Semihosting (QEMU -semihosting-config enable=on): message to the host console and exit.
void semihosting_write(const char* text);
[[noreturn]] void semihosting_exit(bool success);

// Fault reports (fault_report.cpp): a kFault frame over the plant link once a Server is registered, the text
// through semihosting, then semihosting exit 1. Called by the HardFault handler and unexpected exceptions.
[[noreturn]] void report_fault(const char* text);
void set_fault_channel(fw::plant_link::Server* server);

}  // namespace board
