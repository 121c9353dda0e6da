// The plant link (PIL): a small, versioned, framed binary protocol between the rig (host) and the
// firmware image on a board (QEMU mps2-an385 over its UART), in lockstep. This header is the codec (library
// fw_plant_link), shared by the rig (rig::QemuDut) and the board's server (fw/pil_server.hpp, library
// fw_pil_server, which owns the fw::Bms). Heap-free, exception-free, clock-free.
//
// Frame (all multi-byte fields little-endian):
//   0xA5 0x5A | version u8 | type u8 | sequence u16 | length u16 | payload[length] | crc32 u32
// The CRC (fw::crc32, IEEE) covers version .. payload. length ≤ kMaxPayload. The streaming Decoder hunts for
// the sync pair, so it resynchronises after garbage; a frame is delivered only with a matching CRC.
// Sequence: the rig numbers its requests; the board answers with the request's sequence number. Frames the
// board sends on its own (kReady, kFault) carry sequence 0.
//
// Conversation (rig → board / board → rig):
//   (boot)        — / kReady{identity}      the board's first bytes: the rig waits for them before sending
//   kHello{ver[, options]} / kHelloAck{identity}  protocol version check (mismatch → kError kVersion);
//                                           options: kHelloOptionTickHook enables Port::on_tick (telemetry)
//                                           and kHelloOptionMailbox (fw/plant_link_mailbox.hpp) moves the
//                                           frames after the kHelloAck into shared memory
//   kConfig{cfg}  / kConfigAck{err, nvm, cfg}  fresh Bms, configure (FLT-4, err = fw::ConfigError), reset; a
//                                           board with NVM saves an accepted cfg there. An empty kConfig starts
//                                           afresh on the configuration in force (the one the board booted
//                                           with from NVM). The answer: err, nvm = fw::StoreError (the boot
//                                           load's result, or the last save's), and the configuration in force
//   kReset{}      / kResetAck{}             Bms::reset() (watchdog-style reset; configuration kept)
//   kStep{StepRequest, samples} / kStepResult{executed, overruns, max_step_cycles, last outputs}
//                                           batching: the board steps sample i at first_now + i·kTickMs and
//                                           stops after the first tick whose Outputs differ from `assumed`
//                                           (rig::Dut::step_ticks); count 1..kMaxBatch. Outputs of ticks
//                                           0..executed-2 equal `assumed` by that rule, so only the last
//                                           tick's Outputs travel back.
//   kShutdown{}   / — (the board exits)
//   bad frame     / kError{code, bad_frames}  never acted on (CRC, length, version, unknown type, bad payload)
//   (fault)       — / kFault{text}          HardFault report, then the board exits
//
// Speed (QEMU 7.2 mps2-an385, CMSDK UART over a unix-socket chardev): a round trip costs ~0.5 ms, and every
// byte towards the board another ~20 µs (QEMU hands the one-byte RX buffer one byte per main-loop turn). So
// the link moves few bytes: samples are delta-coded (below), `assumed` is usually "your last outputs" (one
// flag bit), only the last Outputs come back, and up to kMaxBatch = 32 ticks share one round trip; the early
// stop keeps the result identical to single-tick stepping.
// With the shared-memory mailbox (fw/plant_link_mailbox.hpp, negotiated in kHello) the frames after the handshake
// cost one byte each way on the UART whatever their size; the rules above still keep them small.
//
// Sample coding in kStep: sample 0 is either full (kInputsSize bytes) or, with kStepDeltaFromReference, a
// delta against the board's reference sample (the last sample it executed in the Step with sequence
// `reference_sequence`; a mismatch is a kPayload error). Samples 1.. are deltas against the previous sample.
// A delta codes which of the 51 fields changed (field order: 20 cell_mv, 20 cell_temp_dc, 5 battery signal
// bytes, alt_port_mv, li_port_mv, alt_current_ma, heatsink_temp_dc, remote_h_mv, remote_l_mv) as a group
// byte (bit g: a field among 8g..8g+7 changed) followed by one non-zero mask byte per listed group (bit i%8),
// then, for each changed field in order, the zigzag LEB128 varint of (new − old) mod 2^32 (battery bytes: the
// new value). An unchanged sample is the single byte 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/io.hpp"

namespace fw::plant_link {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::uint8_t kSync0 = 0xA5;
inline constexpr std::uint8_t kSync1 = 0x5A;
inline constexpr std::size_t kHeaderSize = 8;  // sync ×2, version, type, sequence, length
inline constexpr std::size_t kCrcSize = 4;
inline constexpr std::size_t kMaxBatch = 32;
inline constexpr std::size_t kInputsSize = 147;   // encoded fw::Inputs
inline constexpr std::size_t kOutputsSize = 16;   // encoded fw::Outputs
inline constexpr std::size_t kConfigSize = 27;    // encoded fw::Config
inline constexpr std::size_t kConfigAckSize = 2 + kConfigSize;  // err, nvm status, the configuration in force
inline constexpr std::size_t kMaxText = 48;       // strings in identity / fault frames
inline constexpr std::size_t kInputFields = 51;
inline constexpr std::size_t kDeltaMaskSize = (kInputFields + 7) / 8;
// Worst case of one delta sample: group byte + masks + 26 int32 fields × 5 + 20 int16 fields × 3 + 5 battery bytes.
inline constexpr std::size_t kMaxDeltaSize = 1 + kDeltaMaskSize + 26 * 5 + 20 * 3 + 5;
static_assert(kMaxDeltaSize >= kInputsSize);
// first_now u32, count u16, flags u8, reference_sequence u16, assumed (optional)
inline constexpr std::size_t kStepHeaderSize = 4 + 2 + 1 + 2 + kOutputsSize;
inline constexpr std::size_t kMaxPayload = kStepHeaderSize + kMaxBatch * kMaxDeltaSize;
inline constexpr std::size_t kStepResultSize = 2 + 4 + 4 + kOutputsSize;
inline constexpr std::uint8_t kHelloOptionTickHook = 1u << 0;   // call Port::on_tick (off by default)
inline constexpr std::uint8_t kStepAssumedIsLast = 1u << 0;        // assumed = the board's last Outputs
inline constexpr std::uint8_t kStepDeltaFromReference = 1u << 1;   // sample 0 is a delta vs the reference
inline constexpr std::size_t kMaxFrame = kHeaderSize + kMaxPayload + kCrcSize;

enum class Type : std::uint8_t {
  kReady = 1,
  kHello = 2,
  kHelloAck = 3,
  kConfig = 4,
  kConfigAck = 5,
  kReset = 6,
  kResetAck = 7,
  kStep = 8,
  kStepResult = 9,
  kShutdown = 10,
  kError = 11,
  kFault = 12,
};

enum class ErrorCode : std::uint8_t {
  kNone = 0,
  kCrc = 1,       // CRC mismatch
  kLength = 2,    // length field above kMaxPayload
  kVersion = 3,   // protocol version not kVersion
  kType = 4,      // unknown type, or a type the receiver does not accept
  kPayload = 5,   // payload does not decode (size, enum value, batch count)
};

const char* to_string(ErrorCode code);

// --- Byte writer / reader (bounds-checked; a failed write/read sticks) --------------------------------------
class Writer {
 public:
  Writer(std::uint8_t* buffer, std::size_t capacity) : buf_(buffer), cap_(capacity) {}
  void u8(std::uint8_t v);
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void i16(std::int16_t v) { u16(static_cast<std::uint16_t>(v)); }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void text(const char* s);  // u8 length (≤ kMaxText, longer is cut) + bytes
  bool ok() const { return ok_; }
  std::size_t size() const { return len_; }

 private:
  std::uint8_t* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool ok_ = true;
};

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::int16_t i16() { return static_cast<std::int16_t>(u16()); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  // Reads a u8-length string into out (capacity ≥ kMaxText + 1, NUL-terminated); false if too long/short.
  bool text(char* out, std::size_t capacity);
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == n_; }
  std::size_t remaining() const { return n_ - pos_; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// --- Payload codecs (decode_* validate enums and booleans; false → ErrorCode::kPayload) ---------------------
void encode_inputs(Writer& w, const Inputs& in);
bool decode_inputs(Reader& r, Inputs& in);
void encode_outputs(Writer& w, const Outputs& out);
bool decode_outputs(Reader& r, Outputs& out);
void encode_config(Writer& w, const Config& c);
bool decode_config(Reader& r, Config& c);


struct Identity {
  std::uint8_t protocol_version = kVersion;
  std::uint16_t max_batch = kMaxBatch;
  char firmware_version[kMaxText + 1] = {};
  char build_hash[kMaxText + 1] = {};
  char target[kMaxText + 1] = {};
};
void encode_identity(Writer& w, const Identity& id);
bool decode_identity(Reader& r, Identity& id);
// This firmware's identity (fw::kFirmwareVersion, fw::build_hash(), `target`).
Identity make_identity(const char* target);

// Delta coding of one sample against `previous` (see above). encode_delta always succeeds unless w is full.
void encode_delta(Writer& w, const Inputs& previous, const Inputs& next);
// Decodes into `next` (which must hold a copy of the previous sample); false when malformed.
bool decode_delta(Reader& r, Inputs& next);

struct StepRequest {
  Millis first_now = 0;
  std::uint16_t count = 0;  // 1..kMaxBatch
  std::uint8_t flags = 0;   // kStepAssumedIsLast | kStepDeltaFromReference
  std::uint16_t reference_sequence = 0;
  Outputs assumed{};        // on the wire only without kStepAssumedIsLast
};
void encode_step_header(Writer& w, const StepRequest& req);
bool decode_step_header(Reader& r, StepRequest& req);

struct StepResult {
  std::uint16_t executed = 0;
  std::uint32_t overruns = 0;         // ticks whose step took longer than one tick of target time (total)
  std::uint32_t max_step_cycles = 0;  // longest step seen, in the board's cycle counter units (0: no counter)
  Outputs last{};                     // the Outputs of tick executed-1 (earlier ticks: `assumed`)
};
void encode_step_result(Writer& w, const StepResult& res);
bool decode_step_result(Reader& r, StepResult& res);

// --- Frames ---------------------------------------------------------------------------------------------------
// Writes a complete frame; returns its size or 0 when it does not fit (or payload_size > kMaxPayload).
std::size_t encode_frame(Type type, std::uint16_t sequence, const std::uint8_t* payload, std::size_t payload_size,
                         std::uint8_t* out, std::size_t capacity);

struct Frame {
  std::uint8_t version = 0;
  std::uint8_t type = 0;  // raw: may be an unknown value
  std::uint16_t sequence = 0;
  std::uint16_t length = 0;
  const std::uint8_t* payload = nullptr;  // points into the Decoder's buffer; valid until the next feed()
};

// Streaming frame decoder (byte by byte). Holds one frame (kMaxFrame bytes).
class Decoder {
 public:
  enum class Result : std::uint8_t { kNone, kFrame, kError };
  Result feed(std::uint8_t byte);
  void reset();
  // Between frames: waiting for the first sync byte (no frame byte pending).
  bool idle() const { return state_ == State::kSync0; }
  // After kFrame: the frame (CRC checked; version and type NOT checked: see error()).
  const Frame& frame() const { return frame_; }
  // After kError: why (kCrc, kLength). The sequence of the bad frame is frame().sequence when its header was
  // read (else 0).
  ErrorCode error() const { return error_; }

 private:
  enum class State : std::uint8_t { kSync0, kSync1, kHeader, kPayload, kCrc };
  State state_ = State::kSync0;
  std::size_t pos_ = 0;   // bytes of buf_ used (from the version byte)
  std::size_t need_ = 0;  // bytes still expected in the current state
  Frame frame_{};
  ErrorCode error_ = ErrorCode::kNone;
  std::uint8_t buf_[kHeaderSize - 2 + kMaxPayload + kCrcSize] = {};
};

}  // namespace fw::plant_link
