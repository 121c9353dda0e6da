// The PIL firmware image for QEMU mps2-an385: the BMS core behind the plant link (fw/plant_link.hpp) on UART0.
//
// Boot like a product: the watchdog armed first (watchdog.cpp), UART0 on (RX enabled before anything is sent),
// SysTick as cycle counter, the configuration loaded from NVM through fw::ConfigStore (nvm.cpp; both slots bad →
// defaults, and the error stays visible as the NVM status of every kConfigAck until a save succeeds), then the
// kReady frame — the rig waits for these first bytes before it sends anything. Then, for ever: feed each plant-link
// byte (once the rig turned the mailbox on: each mailbox request, mailbox.cpp) to the Server (which steps fw::Bms in
// lockstep, kicks the watchdog after every tick, saves every configuration
// the rig sets), until a kShutdown frame → semihosting exit 0; sleep (parked: healthy, see watchdog.cpp) when no
// byte is waiting. A watchdog reset restarts the image from here: it boots from NVM and sends kReady again.
// VE.Direct on UART1 (vedirect_port.hpp): HEX requests answered whenever the loop waits for a plant-link byte (never
// inside a Bms::step), every applied set saved to NVM; a TEL-1 text block at every whole second of firmware time
// from 1 s on, when the rig enables it in the handshake (kHelloOptionTickHook).
// A HardFault sends a kFault frame with the fault registers, prints them through semihosting and exits 1.
// Overrun guard: every Bms::step is timed with SysTick; a step longer than one tick (kTickMs at 25 MHz) is
// counted and reported in every kStepResult (overruns, max_step_cycles).
#include <cstdint>

#include "board.hpp"
#include "fw/io.hpp"
#include "fw/pil_server.hpp"
#include "fw/plant_link_mailbox.hpp"
#include "vedirect_port.hpp"

namespace {

void port_write(void*, const std::uint8_t* data, std::size_t n) {
  if (!board::mailbox_append(data, n)) board::uart_write(data, n);
}
void port_mailbox(void*, bool on) { board::mailbox_enable(on); }
std::uint32_t port_cycles(void*) { return board::cycle_counter(); }
void port_alive(void*) { board::watchdog_kick(); }
// FLT-4: a VE.Direct HEX set that was applied is saved like the rig's configuration.
void save_after_set(void* server, const fw::Config& config) {
  (void)static_cast<fw::plant_link::Server*>(server)->save_config(config);
}

board::VeDirectPort* g_vedirect = nullptr;

// TEL-1: the text block of the tick, if it starts a second.
void port_on_tick(void*, const fw::Inputs& in, const fw::Outputs& out, const fw::Config& config, fw::Millis now) {
  if (g_vedirect != nullptr) g_vedirect->on_tick(in, out, config, now);
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
  port.mailbox = port_mailbox;

  static fw::plant_link::Server server(port, fw::plant_link::make_identity("mps2-an385"));
  static board::VeDirectPort vedirect(server.bms());
  g_vedirect = &vedirect;
  vedirect.registers().set_after_set(save_after_set, &server);
  board::set_fault_channel(&server);
  server.set_config_store(&board::config_store());
  (void)server.boot_from_store();
  server.send_ready();
  for (;;) {
    // Plant-link bytes first; VE.Direct HEX lines whenever no plant-link byte is waiting; sleep when neither is.
    std::uint8_t byte = 0;
    if (board::uart_try_read(byte)) {
      // The mailbox's doorbell (between frames only; any other byte is a frame byte on UART0).
      if (byte == fw::plant_link::mailbox::kDoorbell && board::mailbox_enabled() && server.between_frames()) {
        if (board::mailbox_serve(server)) break;
        continue;
      }
      if (server.feed(byte) == fw::plant_link::Server::Action::kShutdown) break;
      continue;
    }
    vedirect.poll(server.last_outputs());
    board::watchdog_parked(true);
    board::wait_for_rx();
    board::watchdog_parked(false);
  }
  board::semihosting_exit(true);
}
