// The PIL firmware image for QEMU mps2-an385: the BMS core behind the plant link (fw/plant_link.hpp) on UART0.
//
// Boot like a product: the watchdog armed first (watchdog.cpp), UART0 on (RX enabled before anything is sent),
// SysTick as cycle counter, the configuration loaded from NVM through fw::ConfigStore (nvm.cpp; both slots bad →
// defaults, and the error stays visible as the NVM status of every kConfigAck until a save succeeds), then the
// kReady frame — the rig waits for these first bytes before it sends anything. Then, for ever: read a byte (parked
// while waiting: healthy), feed the plant-link Server (which steps fw::Bms in lockstep, kicks the watchdog after
// every tick, saves every configuration the rig sets), until a kShutdown frame → semihosting exit 0. A
// watchdog reset restarts the image from here: it boots from NVM and sends kReady again.
// Telemetry (TEL-1): a VE.Direct text block on UART1 at every new second of firmware time, when the rig enables
// it in the handshake (kHelloOptionTickHook).
// A HardFault sends a kFault frame with the fault registers, prints them through semihosting and exits 1.
// Overrun guard: every Bms::step is timed with SysTick; a step longer than one tick (kTickMs at 25 MHz) is
// counted and reported in every kStepResult (overruns, max_step_cycles).
#include <cstdint>

#include "board.hpp"
#include "fw/io.hpp"
#include "fw/pil_server.hpp"
#include "fw/vedirect_text.hpp"

namespace {

void port_write(void*, const std::uint8_t* data, std::size_t n) { board::uart_write(data, n); }
std::uint32_t port_cycles(void*) { return board::cycle_counter(); }
void port_alive(void*) { board::watchdog_kick(); }

// TEL-1: one VE.Direct text block per second of firmware time on UART1, from the tick that starts the second.
void port_on_tick(void*, const fw::Inputs& in, const fw::Outputs& out, const fw::Config& config, fw::Millis now) {
  static fw::Millis last_second = 0xFFFFFFFFu;
  const fw::Millis second = now / 1000u;
  if (second == last_second) return;
  last_second = second;
  char block[200];
  const std::size_t n = fw::vedirect::encode_telemetry(fw::vedirect::make_telemetry(in, out, config), block, sizeof block);
  board::uart1_write(block, n);
}

}  // namespace

int main() {
  board::watchdog_init();
  board::uart_init(115200);
  board::uart1_init(19200);
  board::cycle_counter_init();

  fw::plant_link::Port port;
  port.write = port_write;
  port.cycles = port_cycles;
  port.cycle_mask = board::kCycleMask;
  port.cycles_per_tick = board::kSystemClockHz / 1000u * fw::kTickMs;
  port.on_tick = port_on_tick;
  port.alive = port_alive;

  static fw::plant_link::Server server(port, fw::plant_link::make_identity("mps2-an385"));
  board::set_fault_channel(&server);
  server.set_config_store(&board::config_store());
  (void)server.boot_from_store();
  server.send_ready();
  for (;;) {
    board::watchdog_parked(true);
    const std::uint8_t byte = board::uart_read();
    board::watchdog_parked(false);
    if (server.feed(byte) == fw::plant_link::Server::Action::kShutdown) break;
  }
  board::semihosting_exit(true);
}
