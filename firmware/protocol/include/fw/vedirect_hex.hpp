// VE.Direct HEX frames (TEL-2; research-notes §3.4).
//
// Frame: ':' + command nibble (1 uppercase hex digit) + payload bytes (2 hex digits each) + checksum byte
// (2 hex digits) + '\n'. The checksum makes (command + Σ payload + checksum) mod 256 == 0x55. Multi-byte
// fields are little-endian: get/set payload = register id (2 bytes, low first), flags (1 byte), value (0, 1, 2
// or 4 bytes, low first). A frame that cannot be parsed is answered with kErrorFrame (":4AAAAFD\n").
//
// Heap-free, exception-free; caller-provided buffers. Decoding accepts upper- and lowercase hex digits and an
// optional trailing "\r" and/or "\n"; encoding always writes uppercase and a single '\n'.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fw::vedirect {

// Host → device commands.
enum class HexCommand : std::uint8_t {
  kEnterBoot = 0x0,
  kPing = 0x1,
  kAppVersion = 0x3,
  kProductId = 0x4,
  kRestart = 0x6,
  kGet = 0x7,
  kSet = 0x8,
  kAsync = 0xA,
};

// Device → host responses.
enum class HexResponse : std::uint8_t {
  kDone = 0x1,
  kUnknown = 0x3,
  kError = 0x4,
  kPing = 0x5,
  kGet = 0x7,
  kSet = 0x8,
  kAsync = 0xA,
};

// Get/set response flags.
inline constexpr std::uint8_t kFlagOk = 0x00;
inline constexpr std::uint8_t kFlagUnknownId = 0x01;
inline constexpr std::uint8_t kFlagNotSupported = 0x02;
inline constexpr std::uint8_t kFlagParameterError = 0x04;

inline constexpr std::size_t kMaxHexPayload = 34;
// ':' + 1 + 2 × 34 + 2 + '\n'
inline constexpr std::size_t kMaxHexFrameChars = 1 + 1 + 2 * kMaxHexPayload + 2 + 1;
inline constexpr char kErrorFrame[] = ":4AAAAFD\n";  // frame / checksum error (payload 0xAAAA)

struct HexFrame {
  std::uint8_t command = 0;  // 0..15
  std::uint8_t length = 0;   // payload bytes
  std::uint8_t payload[kMaxHexPayload] = {};

  // get/set accessors (valid when length ≥ 3)
  std::uint16_t register_id() const { return static_cast<std::uint16_t>(payload[0] | (payload[1] << 8)); }
  std::uint8_t flags() const { return payload[2]; }
  std::size_t value_size() const { return length > 3 ? length - 3u : 0u; }
  // The value bytes after the flags, little-endian, zero-extended (value_size() ≤ 4).
  std::uint32_t value() const;
};

enum class HexError : std::uint8_t { kOk = 0, kFormat, kChecksum, kTooLong };

// Checksum byte for a command and payload.
std::uint8_t hex_checksum(std::uint8_t command, const std::uint8_t* payload, std::size_t length);

// Parses text[0..n) (starting with ':'). Nothing but hex digits may follow ':' up to an optional "\r\n"/"\n".
HexError decode_hex(const char* text, std::size_t n, HexFrame& out);

// Writes the frame with '\n'; returns its length, or 0 if it does not fit or the command is > 15.
std::size_t encode_hex(const HexFrame& frame, char* out, std::size_t capacity);

// Builders.
HexFrame make_frame(std::uint8_t command);
HexFrame make_get(std::uint16_t reg);
// value_size 0, 1, 2 or 4
HexFrame make_register(std::uint8_t command, std::uint16_t reg, std::uint8_t flags, std::uint32_t value,
                       std::size_t value_size);

}  // namespace fw::vedirect
