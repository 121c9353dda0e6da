// VE.Direct text mode (TEL-1; research-notes §3.2/§3.3): a block builder that appends the Checksum field so
// the block sums to 0 mod 256, the firmware's telemetry block, and a streaming byte-by-byte decoder.
//
// Wire format: every field is "\r\n<label>\t<value>"; the last field is "Checksum\t<byte>" where the byte makes
// the mod-256 sum of every byte of the block (from the first "\r\n" to the checksum byte) zero.
// Limits (Victron reference implementation): label ≤ 8 characters, value ≤ 32 characters, ≤ 22 fields per
// block. This module counts the Checksum field among the 22, so a block carries at most 21 data fields.
//
// Heap-free, exception-free, clock-free; all buffers are caller-provided or fixed-size members.
// Not thread-safe: one instance per user.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/io.hpp"
#include "fw/version.hpp"

namespace fw::vedirect {

inline constexpr std::size_t kMaxLabelChars = 8;
inline constexpr std::size_t kMaxValueChars = 32;
inline constexpr std::size_t kMaxFields = 22;  // including the Checksum field
inline constexpr std::size_t kMaxDataFields = kMaxFields - 1;
// Largest block: 21 × (2 + 8 + 1 + 32) + "\r\nChecksum\t" + 1.
inline constexpr std::size_t kMaxBlockBytes = kMaxDataFields * (2 + kMaxLabelChars + 1 + kMaxValueChars) + 12;
// The decoder drops a partial block after this long without bytes (the caller calls reset(): no clock here).
inline constexpr std::uint32_t kIdleResetMs = 500;

// Builds one block into a caller buffer. Every add_* returns false (and leaves the block unusable: finish()
// returns 0) when a limit is hit: label/value too long or empty label, too many fields, buffer too small,
// or a label/value containing a control character (CR, LF, TAB) or ':' (which starts a HEX frame).
class TextBlockBuilder {
 public:
  TextBlockBuilder(char* buffer, std::size_t capacity) : buf_(buffer), cap_(capacity) {}

  bool add(const char* label, const char* value);
  bool add_int(const char* label, std::int32_t value);       // decimal, '-' for negative
  bool add_hex(const char* label, std::uint32_t value);      // "0x" + uppercase hex, no leading zeros
  bool add_on_off(const char* label, bool on);                // "ON" / "OFF"

  // Appends "\r\nChecksum\t<byte>" and returns the block length in bytes (0 after any failed add or when the
  // buffer is too small). The checksum byte may be any value 0..255 (not necessarily printable).
  std::size_t finish();

  std::size_t fields() const { return fields_; }

 private:
  bool put(const char* s, std::size_t n);
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  std::size_t fields_ = 0;
  bool failed_ = false;
};

// The firmware's telemetry block (research-notes §3.3): documented labels only, in this order:
// PID, FW, SER#, V (mV, Li port), VS (mV, alternator port), I (mA, alternator current into the battery),
// T (°C, highest cell temperature; omitted in battery-signal mode, where the BMS measures no cell),
// Alarm (ON while alarm_reason ≠ 0), AR (decimal alarm-reason bits), Relay (pre-alarm output ON/OFF).
struct Telemetry {
  std::uint16_t product_id = 0xA3E0;  // "Smart BMS CL 12-100"
  const char* firmware = kFirmwareDigits.text;  // Victron's digit form ("0010" for 0.1.0); ≤ 32 characters
  const char* serial = "BMSRIG0001";  // ≤ 32 characters
  std::int32_t battery_mv = 0;
  std::int32_t starter_mv = 0;
  std::int32_t current_ma = 0;
  bool has_temperature = true;
  std::int32_t temperature_c = 0;
  std::uint16_t alarm_reason = 0;
  bool relay_on = false;
};

// Fills a Telemetry from one sample and the BMS's decision (identity fields keep their defaults).
Telemetry make_telemetry(const Inputs& in, const Outputs& out, const Config& config);

// Encodes the telemetry block; returns its length (0 if `capacity` is too small; 160 bytes always suffice).
std::size_t encode_telemetry(const Telemetry& t, char* buffer, std::size_t capacity);

// Streaming decoder (state machine IDLE / NAME / VALUE / CHECKSUM / HEX, after Victron's reference handler):
// - The checksum accumulates every byte outside HEX frames, from the "\r\n" that opens a block through the
//   checksum byte. A block is delivered only when that sum is 0 and no limit was exceeded.
// - ':' outside the CHECKSUM state starts a HEX frame, which may interrupt a text block; the frame ends at
//   '\n', is delivered as kHexFrame (text from ':' up to, not including, '\n') and the decoder returns to the
//   state it left. HEX bytes do not count in the text checksum.
// - '#' is dropped from labels (counted in the checksum): "SER#" is delivered as "SER".
// - Overlong labels (> 8) or values (> 32), more than 22 fields, or an overlong HEX frame make the block (or
//   frame) invalid: it is reported as an error, never delivered.
// - The caller resets the decoder after kIdleResetMs without bytes.
class TextDecoder {
 public:
  enum class Event : std::uint8_t {
    kNone,           // byte consumed, nothing complete
    kBlock,          // a valid block: fields available through field_count()/label()/value()
    kChecksumError,  // a block ended with a non-zero sum
    kOverflow,       // a block ended but exceeded a limit (label, value, field count)
    kHexFrame,       // a HEX frame line: hex_frame()/hex_length()
    kHexOverflow,    // a HEX frame longer than kMaxHexChars
  };
  static constexpr std::size_t kMaxHexChars = 80;  // ':' + command + 34 payload bytes + checksum fits

  Event feed(std::uint8_t byte);
  void reset();

  // Valid after kBlock until the next byte that starts a new block.
  std::size_t field_count() const { return count_; }
  const char* label(std::size_t i) const { return labels_[i]; }
  const char* value(std::size_t i) const { return values_[i]; }
  // The value of `label` in the last block, or nullptr.
  const char* find(const char* label) const;

  // Valid after kHexFrame until the next byte.
  const char* hex_frame() const { return hex_; }
  std::size_t hex_length() const { return hex_len_; }

 private:
  enum class State : std::uint8_t { kIdle, kName, kValue, kChecksum, kHex };
  void begin_record();
  void end_value();

  State state_ = State::kIdle;
  State saved_ = State::kIdle;
  std::uint8_t sum_ = 0;
  bool overflow_ = false;
  bool fields_current_ = false;  // false: the stored fields are cleared when the next block starts (all-zero init keeps this object in .bss)
  std::size_t count_ = 0;
  std::size_t name_len_ = 0;
  std::size_t value_len_ = 0;
  char name_[kMaxLabelChars + 1] = {};
  char labels_[kMaxFields][kMaxLabelChars + 1] = {};
  char values_[kMaxFields][kMaxValueChars + 1] = {};
  char hex_[kMaxHexChars + 1] = {};
  std::size_t hex_len_ = 0;
  bool hex_overflow_ = false;
};

namespace detail {
// Writes the decimal text of v into out (≥ 12 chars); returns its length. No NUL.
std::size_t format_int(std::int32_t v, char* out);
std::size_t format_hex(std::uint32_t v, char* out);  // uppercase, no prefix, ≥ 8 chars; no NUL
bool str_equal(const char* a, const char* b);
std::size_t str_length(const char* s, std::size_t max);  // strnlen
}  // namespace detail

}  // namespace fw::vedirect
