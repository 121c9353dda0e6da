// Cortex-M link check: one image that reaches every public entry point of fw_core and
// fw_protocol, linked with --specs=nano.specs -nostartfiles and WITHOUT nosys.specs. Any use of the heap or of
// a system call (malloc → _sbrk, operator new, __cxa_allocate_exception, printf → _write, …) leaves an
// undefined symbol and fails the link; check_symbols.cmake then also rejects the allocation functions by name.
// The plant link (PIL only, with its frame buffers) is checked by the mps2-an385 board image, which is linked
// the same way. The image never runs; `volatile` keeps the optimiser from removing the calls.
#include <cstddef>
#include <cstdint>

#include "fw/bms.hpp"
#include "fw/config_store.hpp"
#include "fw/crc32.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_hex.hpp"
#include "fw/vedirect_text.hpp"
#include "fw/version.hpp"

namespace {

// A RAM-backed storage so that ConfigStore (FLT-4) is part of the check.
class RamStorage final : public fw::Storage {
 public:
  std::size_t slot_size() const override { return sizeof slots_[0]; }
  bool read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) dst[i] = slots_[slot][offset + i];
    return true;
  }
  bool write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) slots_[slot][offset + i] = src[i];
    return true;
  }
  bool erase(int slot) override {
    for (auto& b : slots_[slot]) b = 0xFF;
    return true;
  }

 private:
  std::uint8_t slots_[2][64] = {};
};

RamStorage g_storage;
fw::ConfigStore g_store{g_storage};
fw::Bms g_bms;
fw::vedirect::RegisterHandler g_registers{g_bms};
fw::vedirect::TextDecoder g_text;
fw::Inputs g_inputs;
fw::Outputs g_outputs;
char g_tx[256];
volatile std::uint8_t g_rx_byte;
volatile std::uint32_t g_sink;

}  // namespace

extern "C" [[noreturn]] void link_check_entry() {
  fw::Config config = g_store.load().config;
  g_sink = static_cast<std::uint32_t>(g_store.save(config));
  g_sink = static_cast<std::uint32_t>(fw::validate(config));
  g_sink = static_cast<std::uint32_t>(g_bms.configure(config));
  g_bms.reset();
  fw::Millis now = 0;
  for (;;) {
    g_outputs = g_bms.step(g_inputs, now);
    now += fw::kTickMs;
    g_registers.update(g_outputs);
    const fw::vedirect::Telemetry t = fw::vedirect::make_telemetry(g_inputs, g_outputs, g_bms.config());
    g_sink = static_cast<std::uint32_t>(fw::vedirect::encode_telemetry(t, g_tx, sizeof g_tx));
    const auto event = g_text.feed(g_rx_byte);
    if (event == fw::vedirect::TextDecoder::Event::kHexFrame) {
      g_sink = static_cast<std::uint32_t>(
          g_registers.handle_line(g_text.hex_frame(), g_text.hex_length(), g_tx, sizeof g_tx));
    }
    g_sink = static_cast<std::uint32_t>(event);
    g_sink = fw::crc32(reinterpret_cast<const std::uint8_t*>(g_tx), sizeof g_tx);
    g_sink = reinterpret_cast<std::uintptr_t>(fw::to_string(fw::ConfigError::kFuseRating));
    g_sink = reinterpret_cast<std::uintptr_t>(fw::build_hash());
  }
}
