// Startup for the mps2-an385 image: vector table, Reset_Handler (copy .data, zero .bss, run constructors, main),
// default handlers, and the HardFault handler (reports the faulting PC and fault status over UART and
// semihosting, then exits through semihosting with status 1).
#include <cstdint>

#include "board.hpp"

extern "C" {
extern std::uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, _estack;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();
void Reset_Handler();
void Default_Handler();
void HardFault_Handler();
void Uart0Rx_Handler();  // uart.cpp
void Uart1Rx_Handler();  // uart.cpp
void hard_fault_report(const std::uint32_t* frame, std::uint32_t exc_return);
}

namespace {

constexpr std::uint32_t kScbCcr = 0xE000ED14;   // configuration and control
constexpr std::uint32_t kScbCfsr = 0xE000ED28;  // configurable fault status
constexpr std::uint32_t kScbHfsr = 0xE000ED2C;  // hard fault status
constexpr std::uint32_t kScbBfar = 0xE000ED38;  // bus fault address

std::uint32_t reg(std::uint32_t address) { return *reinterpret_cast<volatile std::uint32_t*>(address); }

char* put_hex(char* p, const char* label, std::uint32_t v) {
  while (*label != '\0') *p++ = *label++;
  *p++ = '0';
  *p++ = 'x';
  for (int shift = 28; shift >= 0; shift -= 4) *p++ = "0123456789ABCDEF"[(v >> shift) & 0xF];
  return p;
}

}  // namespace

using Handler = void (*)();

// Cortex-M3 system exceptions + 16 external interrupts: UART0 RX (0) and UART1 RX (2) have handlers (uart.cpp,
// see board.hpp); every other one goes to Default_Handler.
__attribute__((section(".vectors"), used)) const Handler g_vectors[16 + 16] = {
    reinterpret_cast<Handler>(&_estack),
    Reset_Handler,
    Default_Handler,    // NMI
    HardFault_Handler,  // HardFault
    HardFault_Handler,  // MemManage (disabled: escalates to HardFault anyway)
    HardFault_Handler,  // BusFault
    HardFault_Handler,  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    nullptr,
    Default_Handler,  // PendSV
    Default_Handler,  // SysTick (interrupt not enabled: the counter is polled)
    Uart0Rx_Handler,  // IRQ 0: UART0 RX
    Default_Handler,  // IRQ 1: UART0 TX
    Uart1Rx_Handler,  // IRQ 2: UART1 RX
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler,
};

extern "C" void Reset_Handler() {
  std::uint32_t* src = &__data_load;
  for (std::uint32_t* dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (std::uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  // Trap integer division by zero (UsageFault → HardFault): such a bug must show in PIL. Unaligned accesses are
  // not trapped: GCC emits them on purpose for Cortex-M3 (-munaligned-access), e.g. for byte-buffer loads.
  *reinterpret_cast<volatile std::uint32_t*>(kScbCcr) |= (1u << 4);
  for (auto* f = __init_array_start; f < __init_array_end; ++f) (*f)();
  main();
  board::semihosting_exit(true);
}

extern "C" void Default_Handler() { board::report_fault("unexpected exception"); }

// Picks the stack the fault frame was pushed on (MSP or PSP, from EXC_RETURN bit 2) and reports it.
extern "C" __attribute__((naked)) void HardFault_Handler() {
  asm volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
      "mov r1, lr\n\t"
      "b hard_fault_report\n\t");
}

extern "C" void hard_fault_report(const std::uint32_t* frame, std::uint32_t exc_return) {
  // frame: r0 r1 r2 r3 r12 lr pc xpsr
  char text[160];
  char* p = text;
  p = put_hex(p, "HardFault pc=", frame[6]);
  p = put_hex(p, " lr=", frame[5]);
  p = put_hex(p, " cfsr=", reg(kScbCfsr));
  p = put_hex(p, " hfsr=", reg(kScbHfsr));
  p = put_hex(p, " bfar=", reg(kScbBfar));
  p = put_hex(p, " exc_return=", exc_return);
  *p = '\0';
  board::report_fault(text);
}
