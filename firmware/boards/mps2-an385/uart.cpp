#include "board.hpp"

namespace board {
namespace {

struct CmsdkUart {
  volatile std::uint32_t data;      // 0x00
  volatile std::uint32_t state;     // 0x04: bit0 TX full, bit1 RX full, bit2 TX overrun, bit3 RX overrun
  volatile std::uint32_t ctrl;      // 0x08: bit0 TX enable, bit1 RX enable
  volatile std::uint32_t intstatus; // 0x0C
  volatile std::uint32_t bauddiv;   // 0x10: ≥ 16 (QEMU ignores the UART until it is)
};

constexpr std::uint32_t kTxFull = 1u << 0;
constexpr std::uint32_t kRxFull = 1u << 1;
constexpr std::uint32_t kRxOverrun = 1u << 3;
constexpr std::uint32_t kTxEnable = 1u << 0;
constexpr std::uint32_t kRxEnable = 1u << 1;
constexpr std::uint32_t kRxInterruptEnable = 1u << 3;
constexpr std::uint32_t kRxInterrupt = 1u << 1;  // INTSTATUS / INTCLEAR bit
constexpr std::uint32_t kUart0RxIrq = 0;         // AN385: UART0 RX is external interrupt 0

volatile std::uint32_t& nvic_iser() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E100u); }
volatile std::uint32_t& nvic_icpr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E280u); }

CmsdkUart& uart0() { return *reinterpret_cast<CmsdkUart*>(0x40004000u); }
CmsdkUart& uart1() { return *reinterpret_cast<CmsdkUart*>(0x40005000u); }

std::uint32_t g_rx_overruns = 0;

}  // namespace

void uart_init(std::uint32_t baud) {
  std::uint32_t div = kSystemClockHz / baud;
  if (div < 16) div = 16;
  uart0().bauddiv = div;
  // Interrupts stay masked (PRIMASK): the RX interrupt is enabled only so that WFI can sleep until a byte
  // arrives instead of spinning on the status register (see board.hpp).
  asm volatile("cpsid i" ::: "memory");
  uart0().ctrl = kTxEnable | kRxEnable | kRxInterruptEnable;
  nvic_iser() = 1u << kUart0RxIrq;
}

void uart_write(const std::uint8_t* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    while ((uart0().state & kTxFull) != 0) {
    }
    uart0().data = data[i];
  }
}

void uart_write_text(const char* text) {
  while (*text != '\0') {
    const auto b = static_cast<std::uint8_t>(*text++);
    uart_write(&b, 1);
  }
}

std::uint8_t uart_read() {
  for (;;) {
    const std::uint32_t s = uart0().state;
    if ((s & kRxOverrun) != 0) {
      ++g_rx_overruns;
      uart0().state = kRxOverrun;  // write 1 to clear
    }
    if ((s & kRxFull) != 0) {
      const auto byte = static_cast<std::uint8_t>(uart0().data);
      uart0().intstatus = kRxInterrupt;  // INTCLEAR: drop the RX interrupt line ...
      nvic_icpr() = 1u << kUart0RxIrq;    // ... and its pending latch, so the next WFI sleeps
      return byte;
    }
    // Sleep until the RX interrupt is pending (PRIMASK is set: no handler runs, WFI just wakes). A byte that
    // arrived after the state read above has already made the interrupt pending, so WFI returns at once.
    asm volatile("wfi" ::: "memory");
  }
}

std::uint32_t uart_rx_overruns() { return g_rx_overruns; }

void uart1_init(std::uint32_t baud) {
  std::uint32_t div = kSystemClockHz / baud;
  if (div < 16) div = 16;
  uart1().bauddiv = div;
  uart1().ctrl = kTxEnable;
}

void uart1_write(const char* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    while ((uart1().state & kTxFull) != 0) {
    }
    uart1().data = static_cast<std::uint8_t>(data[i]);
  }
}

// --- SysTick ---------------------------------------------------------------------------------------------------
namespace {
struct SysTick {
  volatile std::uint32_t ctrl;   // 0xE000E010: bit0 enable, bit2 CPU clock
  volatile std::uint32_t load;   // reload value
  volatile std::uint32_t val;    // current value (counts down)
  volatile std::uint32_t calib;
};
SysTick& systick() { return *reinterpret_cast<SysTick*>(0xE000E010u); }
}  // namespace

void cycle_counter_init() {
  systick().load = kCycleMask;
  systick().val = 0;
  systick().ctrl = (1u << 2) | (1u << 0);  // CPU clock, enabled, no interrupt
}

std::uint32_t cycle_counter() { return (kCycleMask - systick().val) & kCycleMask; }

// --- Semihosting -----------------------------------------------------------------------------------------------
namespace {
constexpr std::uint32_t kSysWrite0 = 0x04;
constexpr std::uint32_t kSysExit = 0x18;
constexpr std::uint32_t kAdpStoppedApplicationExit = 0x20026;  // QEMU exit status 0
constexpr std::uint32_t kAdpStoppedRunTimeError = 0x20023;     // QEMU exit status 1

std::uint32_t semihost(std::uint32_t op, const void* arg) {
  std::uint32_t result;
  asm volatile("mov r0, %1\n\tmov r1, %2\n\tbkpt 0xAB\n\tmov %0, r0"
               : "=r"(result)
               : "r"(op), "r"(arg)
               : "r0", "r1", "memory");
  return result;
}
}  // namespace

void semihosting_write(const char* text) { semihost(kSysWrite0, text); }

void semihosting_exit(bool success) {
  semihost(kSysExit, reinterpret_cast<const void*>(success ? kAdpStoppedApplicationExit : kAdpStoppedRunTimeError));
  for (;;) {
  }
}

}  // namespace board
