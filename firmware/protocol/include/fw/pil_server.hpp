// The board side of the plant link (PIL): fw::plant_link::Server owns the fw::Bms and answers the rig's frames
// (conversation in fw/plant_link.hpp). Library fw_pil_server, apart from the codec (fw_plant_link) so that the rig
// and tools link the codec without a firmware core instance. Heap-free, exception-free, clock-free.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/bms.hpp"
#include "fw/config_store.hpp"
#include "fw/plant_link.hpp"

namespace fw::plant_link {

// --- The board side -------------------------------------------------------------------------------------------
// What the Server needs from the board: a byte sink and (optionally) a free-running cycle counter for the
// overrun guard. Function pointers, not virtual functions: nothing to pull in on Cortex-M.
struct Port {
  void* context = nullptr;
  void (*write)(void* context, const std::uint8_t* data, std::size_t n) = nullptr;
  // Free-running up-counter, wrapping modulo cycle_mask + 1 (e.g. SysTick: 24 bits); nullptr: no guard.
  std::uint32_t (*cycles)(void* context) = nullptr;
  std::uint32_t cycle_mask = 0xFFFFFFFFu;
  std::uint32_t cycles_per_tick = 0;  // a step longer than this is an overrun (0: never)
  // Called after every executed tick with its sample, decision and time (e.g. VE.Direct telemetry) once the rig
  // enabled it (kHello option kHelloOptionTickHook: off by default, because each byte the image writes costs
  // QEMU time — ~100 bytes per second of firmware time halves PIL speed); may be null.
  void (*on_tick)(void* context, const Inputs& in, const Outputs& out, const Config& config, Millis now) = nullptr;
  // Called after every executed tick, whatever the rig enabled: the loop is alive (the board's watchdog kick);
  // may be null.
  void (*alive)(void* context) = nullptr;
  // The shared-memory mailbox transport (fw/plant_link_mailbox.hpp), if the board has one: called with true when
  // the rig turns it on (kHello with kHelloOptionMailbox, after the kHelloAck was written) and false when a later
  // kHello leaves it off. Null: the option is refused (kPayload) and the byte link stays in use.
  void (*mailbox)(void* context, bool on) = nullptr;
};

class Server {
 public:
  enum class Action : std::uint8_t { kNone, kShutdown };

  Server(Port port, const Identity& identity) : port_(port), identity_(identity) {}

  // Non-volatile configuration (FLT-4). With a store, boot_from_store() loads the configuration the board boots
  // with (defaults and StoreError::kNoValidSlot when neither slot holds a valid record: nvm_status() keeps the
  // error until a save succeeds), and every configuration a kConfig frame sets is saved to it (the factory / app
  // setting; not written again when the store already holds it). Without one the configuration lives in RAM.
  void set_config_store(ConfigStore* store) { store_ = store; }
  StoreError boot_from_store();
  StoreError nvm_status() const { return nvm_status_; }
  // Saves a configuration now in force (e.g. after a VE.Direct HEX set: RegisterHandler::set_after_set) the same
  // way; returns the result, which becomes nvm_status(). kOk without a store (nothing to save).
  StoreError save_config(const Config& config);

  void send_ready();                                    // the boot banner (kReady)
  Action feed(std::uint8_t byte);                       // one received byte
  void send_fault(const char* text);                    // kFault (HardFault handler)
  bool between_frames() const { return decoder_.idle(); }  // no frame byte pending (a doorbell may come)

  std::uint32_t bad_frames() const { return bad_frames_; }
  std::uint32_t overruns() const { return overruns_; }
  const Bms& bms() const { return bms_; }
  // The core itself, for a board's other ports (e.g. VE.Direct HEX sets through Bms::configure between frames).
  // The object stays the same for the Server's lifetime (a kConfig assigns a fresh core to it).
  Bms& bms() { return bms_; }
  // The outputs of the last executed tick (default Outputs before the first step).
  const Outputs& last_outputs() const { return last_outputs_; }

 private:
  Action handle(const Frame& f);
  void start_core(const Config& config);
  void send(Type type, std::uint16_t sequence, std::size_t payload_size);
  void send_error(ErrorCode code, std::uint16_t sequence);

  Port port_;
  Identity identity_;
  Bms bms_{};
  Decoder decoder_{};
  bool handle_step(const Frame& f, Reader& r);

  std::uint32_t bad_frames_ = 0;
  std::uint32_t overruns_ = 0;
  std::uint32_t max_step_cycles_ = 0;
  bool tick_hook_enabled_ = false;
  ConfigStore* store_ = nullptr;
  StoreError nvm_status_ = StoreError::kOk;
  bool has_reference_ = false;        // reference_ holds the last executed sample of Step reference_sequence_
  std::uint16_t reference_sequence_ = 0;
  Inputs reference_{};
  bool has_last_outputs_ = false;
  Outputs last_outputs_{};
  std::uint8_t payload_[160] = {};  // the largest answer: an identity (kStepResultSize is smaller)
  std::uint8_t tx_[kHeaderSize + sizeof(payload_) + kCrcSize] = {};
};

}  // namespace fw::plant_link
