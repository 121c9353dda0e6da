// Test image only (fw_mps2_an385_hang_test.elf, never shipped): boots like the product image (watchdog armed,
// configuration from NVM, kReady) and runs the same plant-link loop, but its loop hangs — a busy loop that never
// kicks — inside the tick numbered kHangAtTick since boot (the step at 3.00 s of firmware time when the rig starts
// at 0), so the rig's tests can check the watchdog path end to end: the second time-out resets the board, the
// image boots again from NVM and sends kReady, and the rig sees a FLT-3 start-up.
// It hangs once per NVM file: before hanging it sets a marker word in the PSRAM (kNvmBase + 0x1010), which the
// watchdog reset keeps, so the image restarted by the watchdog runs on normally. While it hangs it keeps the
// SysTick cycles since the hang began in kNvmBase + 0x1014 (updated every few instructions), so after the reset
// the rig reads from the NVM file how long, in board time, the hung loop ran before the watchdog reset the board.
#include <cstdint>

#include "board.hpp"
#include "fw/pil_server.hpp"
#include "fw/plant_link_mailbox.hpp"

namespace {

constexpr std::uint32_t kHangAtTick = 300;
constexpr std::uint32_t kHungMarker = 0x474E5548u;  // "HUNG"
volatile std::uint32_t& hung_marker() { return *reinterpret_cast<volatile std::uint32_t*>(board::kNvmBase + 0x1010u); }
volatile std::uint32_t& hung_cycles() { return *reinterpret_cast<volatile std::uint32_t*>(board::kNvmBase + 0x1014u); }

std::uint32_t g_ticks = 0;

void port_write(void*, const std::uint8_t* data, std::size_t n) {
  if (!board::mailbox_append(data, n)) board::uart_write(data, n);
}
void port_mailbox(void*, bool on) { board::mailbox_enable(on); }
std::uint32_t port_cycles(void*) { return board::cycle_counter(); }
void port_alive(void*) {
  if (g_ticks++ == kHangAtTick && hung_marker() != kHungMarker) {
    hung_marker() = kHungMarker;
    const std::uint32_t t0 = board::cycle_counter();
    for (;;) hung_cycles() = (board::cycle_counter() - t0) & board::kCycleMask;
  }
  board::watchdog_kick();
}

}  // namespace

int main() {
  board::watchdog_init();
  board::uart_init(115200);
  board::cycle_counter_init();
  fw::plant_link::Port port;
  port.write = port_write;
  port.cycles = port_cycles;
  port.cycle_mask = board::kCycleMask;
  port.cycles_per_tick = board::kSystemClockHz / 1000u * fw::kTickMs;
  port.alive = port_alive;
  port.mailbox = port_mailbox;  // the hang happens inside a mailbox exchange, as it would in the product image
  static fw::plant_link::Server server(port, fw::plant_link::make_identity("mps2-an385-hang-test"));
  board::set_fault_channel(&server);
  server.set_config_store(&board::config_store());
  (void)server.boot_from_store();
  server.send_ready();
  for (;;) {
    board::watchdog_parked(true);
    const std::uint8_t byte = board::uart_read();
    board::watchdog_parked(false);
    if (byte == fw::plant_link::mailbox::kDoorbell && board::mailbox_enabled() && server.between_frames()) {
      if (board::mailbox_serve(server)) break;
      continue;
    }
    if (server.feed(byte) == fw::plant_link::Server::Action::kShutdown) break;
  }
  board::semihosting_exit(true);
}
