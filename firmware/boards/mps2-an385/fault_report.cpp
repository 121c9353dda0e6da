// Fault reporting of the PIL image: a kFault frame on the plant link (when a Server is registered), the same
// text through semihosting (QEMU's log), then semihosting exit with status 1.
#include "board.hpp"
#include "fw/pil_server.hpp"

namespace {
fw::plant_link::Server* g_server = nullptr;
bool g_in_fault = false;
}  // namespace

namespace board {

void set_fault_channel(fw::plant_link::Server* server) { g_server = server; }

void report_fault(const char* text) {
  if (!g_in_fault) {
    g_in_fault = true;  // a fault while reporting must not recurse
    mailbox_enable(false);  // the report goes on UART0 (a fault inside a mailbox exchange rings no doorbell)
    if (g_server != nullptr) g_server->send_fault(text);
    semihosting_write(text);
    semihosting_write("\n");
  }
  semihosting_exit(false);
}

}  // namespace board

// The C++ runtime hook for a pure virtual call (none exist; defined so no libstdc++ terminate path is linked).
extern "C" void __cxa_pure_virtual() { board::report_fault("pure virtual call"); }
