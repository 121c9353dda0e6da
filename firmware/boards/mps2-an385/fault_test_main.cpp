// Test image (never shipped; built next to the PIL image as fw_mps2_an385_fault_test.elf): boots like the PIL
// image and sends the Ready banner, then executes an undefined instruction when the first byte arrives, so the
// rig's tests can check the HardFault report path end to end (kFault frame, semihosting exit 1).
#include <cstdint>

#include "board.hpp"
#include "fw/pil_server.hpp"

namespace {
void port_write(void*, const std::uint8_t* data, std::size_t n) { board::uart_write(data, n); }
}  // namespace

int main() {
  board::uart_init(115200);
  fw::plant_link::Port port;
  port.write = port_write;
  static fw::plant_link::Server server(port, fw::plant_link::make_identity("mps2-an385-fault-test"));
  board::set_fault_channel(&server);
  server.send_ready();
  (void)board::uart_read();
  asm volatile("udf #0");  // UsageFault (undefined instruction) → HardFault
  return 0;
}
