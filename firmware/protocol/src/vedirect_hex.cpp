#include "fw/vedirect_hex.hpp"

namespace fw::vedirect {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr char kDigits[] = "0123456789ABCDEF";

}  // namespace

std::uint32_t HexFrame::value() const {
  std::uint32_t v = 0;
  const std::size_t n = value_size() > 4 ? 4 : value_size();
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(payload[3 + i]) << (8 * i);
  return v;
}

std::uint8_t hex_checksum(std::uint8_t command, const std::uint8_t* payload, std::size_t length) {
  std::uint8_t sum = command;
  for (std::size_t i = 0; i < length; ++i) sum = static_cast<std::uint8_t>(sum + payload[i]);
  return static_cast<std::uint8_t>(0x55u - sum);
}

HexError decode_hex(const char* text, std::size_t n, HexFrame& out) {
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) --n;
  // ':' + command + checksum (2) at least; an even number of digits after the command nibble.
  if (n < 4 || text[0] != ':' || (n - 2) % 2 != 0) return HexError::kFormat;
  const std::size_t bytes = (n - 2) / 2;  // payload + checksum
  if (bytes - 1 > kMaxHexPayload) return HexError::kTooLong;
  const int cmd = hex_digit(text[1]);
  if (cmd < 0) return HexError::kFormat;
  HexFrame f;
  f.command = static_cast<std::uint8_t>(cmd);
  std::uint8_t sum = f.command;
  for (std::size_t i = 0; i < bytes; ++i) {
    const int hi = hex_digit(text[2 + 2 * i]);
    const int lo = hex_digit(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) return HexError::kFormat;
    const auto b = static_cast<std::uint8_t>(hi << 4 | lo);
    sum = static_cast<std::uint8_t>(sum + b);
    if (i + 1 < bytes) f.payload[i] = b;
  }
  if (sum != 0x55) return HexError::kChecksum;
  f.length = static_cast<std::uint8_t>(bytes - 1);
  out = f;
  return HexError::kOk;
}

std::size_t encode_hex(const HexFrame& frame, char* out, std::size_t capacity) {
  const std::size_t need = 1 + 1 + 2 * (frame.length + 1u) + 1;
  if (frame.command > 0xF || frame.length > kMaxHexPayload || capacity < need) return 0;
  std::size_t k = 0;
  out[k++] = ':';
  out[k++] = kDigits[frame.command];
  auto put = [&](std::uint8_t b) {
    out[k++] = kDigits[b >> 4];
    out[k++] = kDigits[b & 0xF];
  };
  for (std::size_t i = 0; i < frame.length; ++i) put(frame.payload[i]);
  put(hex_checksum(frame.command, frame.payload, frame.length));
  out[k++] = '\n';
  return k;
}

HexFrame make_frame(std::uint8_t command) {
  HexFrame f;
  f.command = command;
  return f;
}

HexFrame make_get(std::uint16_t reg) { return make_register(0x7, reg, 0, 0, 0); }

HexFrame make_register(std::uint8_t command, std::uint16_t reg, std::uint8_t flags, std::uint32_t value,
                       std::size_t value_size) {
  HexFrame f;
  f.command = command;
  f.payload[0] = static_cast<std::uint8_t>(reg & 0xFF);
  f.payload[1] = static_cast<std::uint8_t>(reg >> 8);
  f.payload[2] = flags;
  if (value_size > 4) value_size = 4;
  for (std::size_t i = 0; i < value_size; ++i) f.payload[3 + i] = static_cast<std::uint8_t>(value >> (8 * i));
  f.length = static_cast<std::uint8_t>(3 + value_size);
  return f;
}

}  // namespace fw::vedirect
