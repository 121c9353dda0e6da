// The PIL firmware image for QEMU mps2-an385: the BMS core behind the plant link (fw/plant_link.hpp) on UART0.
//
// Boot: UART0 on (RX enabled before anything is sent), SysTick as cycle counter, then the kReady frame — the
// rig waits for these first bytes before it sends anything. Then, for ever: read a byte, feed the plant-link
// Server (which steps fw::Bms in lockstep and answers), until a kShutdown frame → semihosting exit 0.
// VE.Direct on UART1 (vedirect_port.hpp): HEX requests answered whenever the loop waits for a plant-link byte (never
// inside a Bms::step); a TEL-1 text block at every whole second of firmware time from
// 1 s on, when the rig enables it in the handshake (kHelloOptionTickHook).
// A HardFault sends a kFault frame with the fault registers, prints them through semihosting and exits 1.
// Overrun guard: every Bms::step is timed with SysTick; a step longer than one tick (kTickMs at 25 MHz) is
// counted and reported in every kStepResult (overruns, max_step_cycles).
#include <cstdint>

#include "board.hpp"
#include "fw/io.hpp"
#include "fw/pil_server.hpp"
#include "vedirect_port.hpp"

namespace {

void port_write(void*, const std::uint8_t* data, std::size_t n) { board::uart_write(data, n); }
std::uint32_t port_cycles(void*) { return board::cycle_counter(); }

board::VeDirectPort* g_vedirect = nullptr;

// TEL-1: the text block of the tick, if it starts a second.
void port_on_tick(void*, const fw::Inputs& in, const fw::Outputs& out, const fw::Config& config, fw::Millis now) {
  if (g_vedirect != nullptr) g_vedirect->on_tick(in, out, config, now);
}

}  // namespace

int main() {
  board::uart_init(115200);
  board::uart1_init(19200);
  board::cycle_counter_init();

  fw::plant_link::Port port;
  port.write = port_write;
  port.cycles = port_cycles;
  port.cycle_mask = board::kCycleMask;
  port.cycles_per_tick = board::kSystemClockHz / 1000u * fw::kTickMs;
  port.on_tick = port_on_tick;

  static fw::plant_link::Server server(port, fw::plant_link::make_identity("mps2-an385"));
  static board::VeDirectPort vedirect(server.bms());
  g_vedirect = &vedirect;
  board::set_fault_channel(&server);
  server.send_ready();
  for (;;) {
    // Plant-link bytes first; VE.Direct HEX lines whenever no plant-link byte is waiting; sleep when neither is.
    std::uint8_t byte = 0;
    if (board::uart_try_read(byte)) {
      if (server.feed(byte) == fw::plant_link::Server::Action::kShutdown) break;
      continue;
    }
    vedirect.poll(server.last_outputs());
    board::wait_for_rx();
  }
  board::semihosting_exit(true);
}
