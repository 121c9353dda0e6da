#include "board.hpp"

namespace board {
namespace {

struct CmsdkUart {
  volatile std::uint32_t data;      // 0x00
  volatile std::uint32_t state;     // 0x04: bit0 TX full, bit1 RX full, bit2 TX overrun, bit3 RX overrun
  volatile std::uint32_t ctrl;      // 0x08: bit0 TX enable, bit1 RX enable, bit3 RX interrupt enable
  volatile std::uint32_t intstatus; // 0x0C: read INTSTATUS, write 1 to clear (INTCLEAR)
  volatile std::uint32_t bauddiv;   // 0x10: ≥ 16 (QEMU ignores the UART until it is)
};

constexpr std::uint32_t kTxFull = 1u << 0;
constexpr std::uint32_t kRxFull = 1u << 1;
constexpr std::uint32_t kRxOverrun = 1u << 3;
constexpr std::uint32_t kTxEnable = 1u << 0;
constexpr std::uint32_t kRxEnable = 1u << 1;
constexpr std::uint32_t kRxInterruptEnable = 1u << 3;
constexpr std::uint32_t kRxInterrupt = 1u << 1;  // INTSTATUS / INTCLEAR bit
// AN385 interrupt map: UART n RX is external interrupt 2n, its TX 2n + 1.
constexpr std::uint32_t kUart0RxIrq = 0;
constexpr std::uint32_t kUart1RxIrq = 2;

volatile std::uint32_t& nvic_iser() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E100u); }

CmsdkUart& uart0() { return *reinterpret_cast<CmsdkUart*>(0x40004000u); }
CmsdkUart& uart1() { return *reinterpret_cast<CmsdkUart*>(0x40005000u); }

std::uint32_t g_rx_overruns = 0;

std::uint32_t divisor(std::uint32_t baud) {
  const std::uint32_t div = kSystemClockHz / baud;
  return div < 16 ? 16 : div;
}

// UART1 receive ring: written by the RX handler only (head), read by the main loop only (tail). Free-running 32-bit
// indices (size a power of two): head - tail is the fill level; single producer, single consumer, no lock needed.
constexpr std::uint32_t kRingSize = 256;
std::uint8_t g_ring[kRingSize];
volatile std::uint32_t g_ring_head = 0;
volatile std::uint32_t g_ring_tail = 0;
volatile std::uint32_t g_ring_dropped = 0;
volatile std::uint32_t g_uart1_overruns = 0;

}  // namespace

void uart_init(std::uint32_t baud) {
  uart0().bauddiv = divisor(baud);
  uart0().ctrl = kTxEnable | kRxEnable | kRxInterruptEnable;  // the RX interrupt wakes WFI (handler below)
  nvic_iser() = 1u << kUart0RxIrq;
  asm volatile("cpsie i" ::: "memory");
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

bool uart_try_read(std::uint8_t& byte) {
  const std::uint32_t s = uart0().state;
  if ((s & kRxOverrun) != 0) {
    ++g_rx_overruns;
    uart0().state = kRxOverrun;  // write 1 to clear
  }
  if ((s & kRxFull) == 0) return false;
  byte = static_cast<std::uint8_t>(uart0().data);
  return true;
}

std::uint8_t uart_read() {
  for (;;) {
    std::uint8_t byte = 0;
    if (uart_try_read(byte)) return byte;
    wait_for_rx();
  }
}

std::uint32_t uart_rx_overruns() { return g_rx_overruns; }

void uart1_init(std::uint32_t baud) {
  uart1().bauddiv = divisor(baud);
  uart1().ctrl = kTxEnable | kRxEnable | kRxInterruptEnable;
  nvic_iser() = 1u << kUart1RxIrq;
}

void uart1_write(const char* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    while ((uart1().state & kTxFull) != 0) {
    }
    uart1().data = static_cast<std::uint8_t>(data[i]);
  }
}

bool uart1_try_read(std::uint8_t& byte) {
  const std::uint32_t tail = g_ring_tail;
  if (g_ring_head == tail) return false;
  byte = g_ring[tail % kRingSize];
  g_ring_tail = tail + 1;
  return true;
}

std::uint32_t uart1_rx_dropped() { return g_ring_dropped; }
std::uint32_t uart1_rx_overruns() { return g_uart1_overruns; }

void wait_for_rx() {
  // Masked, so that a byte arriving after the checks still wakes the WFI (its interrupt is pending) and its handler
  // runs right after cpsie.
  asm volatile("cpsid i" ::: "memory");
  if ((uart0().state & kRxFull) == 0 && g_ring_head == g_ring_tail) asm volatile("wfi" ::: "memory");
  asm volatile("cpsie i" ::: "memory");
}

}  // namespace board

// UART0 RX: only drops the interrupt line (the byte stays in the UART for the loop to poll; see board.hpp).
extern "C" void Uart0Rx_Handler() { board::uart0().intstatus = board::kRxInterrupt; }

// UART1 RX: every received byte into the ring (dropped and counted when the ring is full).
extern "C" void Uart1Rx_Handler() {
  using namespace board;
  CmsdkUart& u = uart1();
  u.intstatus = kRxInterrupt;  // clear first: a byte arriving while the handler runs raises it again
  for (;;) {
    const std::uint32_t s = u.state;
    if ((s & kRxOverrun) != 0) {
      g_uart1_overruns = g_uart1_overruns + 1;
      u.state = kRxOverrun;
    }
    if ((s & kRxFull) == 0) break;
    const auto byte = static_cast<std::uint8_t>(u.data);
    const std::uint32_t head = g_ring_head;
    if (head - g_ring_tail >= kRingSize) {
      g_ring_dropped = g_ring_dropped + 1;
    } else {
      g_ring[head % kRingSize] = byte;
      g_ring_head = head + 1;
    }
  }
}

namespace board {

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
