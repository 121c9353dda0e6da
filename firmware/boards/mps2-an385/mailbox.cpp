// The board side of the plant link's shared-memory mailbox (fw/plant_link_mailbox.hpp; board.hpp): the request and
// response areas in the PSRAM at kNvmBase + mailbox::kOffset, which QEMU backs with the host file the rig maps.
#include "board.hpp"
#include "fw/pil_server.hpp"
#include "fw/plant_link_mailbox.hpp"

namespace board {
namespace {

namespace mb = fw::plant_link::mailbox;

constexpr std::uintptr_t kBase = kNvmBase + mb::kOffset;
constexpr std::uintptr_t kRequest = kBase + mb::kRequest;
constexpr std::uintptr_t kResponse = kBase + mb::kResponse;

volatile std::uint32_t& word(std::uintptr_t address) { return *reinterpret_cast<volatile std::uint32_t*>(address); }
volatile std::uint8_t* bytes(std::uintptr_t address) { return reinterpret_cast<volatile std::uint8_t*>(address); }

// The Cortex-M3 needs no barrier for ordering between its own normal-memory accesses as seen by itself, but the
// other side (the rig) reads the same memory: dmb orders the data before the sequence words and those before the
// doorbell (a device write), so the rig never sees the doorbell before the answer.
inline void dmb() { asm volatile("dmb" ::: "memory"); }

bool g_on = false;
bool g_in_exchange = false;
std::uint32_t g_last = 0;     // the last request sequence served
std::uint32_t g_length = 0;   // response bytes written in this exchange
bool g_overflow = false;

}  // namespace

void mailbox_enable(bool on) {
  g_on = on;
  g_last = 0;
}

bool mailbox_enabled() { return g_on; }

bool mailbox_append(const std::uint8_t* data, std::size_t n) {
  if (!g_on || !g_in_exchange) return false;
  volatile std::uint8_t* out = bytes(kResponse + mb::kData);
  for (std::size_t i = 0; i < n; ++i) {
    if (g_length >= mb::kCapacity) {
      g_overflow = true;
      break;
    }
    out[g_length++] = data[i];
  }
  return true;
}

bool mailbox_serve(fw::plant_link::Server& server) {
  const std::uint32_t seq = word(kRequest + mb::kSeqBegin);
  const std::uint32_t seq_end = word(kRequest + mb::kSeqEnd);
  const std::uint32_t length = word(kRequest + mb::kLength);
  dmb();
  std::uint32_t status = mb::kOk;
  bool shutdown = false;
  g_length = 0;
  g_overflow = false;
  if (seq != g_last + 1 || seq_end != seq) {
    status = mb::kStaleRequest;
  } else if (length > mb::kCapacity) {
    status = mb::kBadLength;
  } else {
    g_last = seq;
    g_in_exchange = true;
    const volatile std::uint8_t* in = bytes(kRequest + mb::kData);
    for (std::uint32_t i = 0; i < length && !shutdown; ++i)
      shutdown = server.feed(in[i]) == fw::plant_link::Server::Action::kShutdown;
    g_in_exchange = false;
    if (g_overflow) status = mb::kOverflow;
  }
  if (shutdown) return true;  // the rig does not wait for an answer to kShutdown
  word(kResponse + mb::kStatus) = status;
  word(kResponse + mb::kLength) = g_length;
  dmb();
  word(kResponse + mb::kSeqBegin) = seq;
  word(kResponse + mb::kSeqEnd) = seq;
  dmb();
  const std::uint8_t doorbell = mb::kDoorbell;
  uart_write(&doorbell, 1);
  return false;
}

}  // namespace board
