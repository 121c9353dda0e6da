#include "fw/crc32.hpp"

namespace fw {
namespace {

// CRC of one nibble value i (0..15) through the reflected polynomial.
constexpr std::uint32_t nibble_entry(std::uint32_t i) {
  std::uint32_t c = i;
  for (int k = 0; k < 4; ++k) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  return c;
}

constexpr std::uint32_t kNibble[16] = {
    nibble_entry(0),  nibble_entry(1),  nibble_entry(2),  nibble_entry(3),
    nibble_entry(4),  nibble_entry(5),  nibble_entry(6),  nibble_entry(7),
    nibble_entry(8),  nibble_entry(9),  nibble_entry(10), nibble_entry(11),
    nibble_entry(12), nibble_entry(13), nibble_entry(14), nibble_entry(15),
};

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t n, std::uint32_t crc) {
  std::uint32_t c = ~crc;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= data[i];
    c = (c >> 4) ^ kNibble[c & 0xFu];
    c = (c >> 4) ^ kNibble[c & 0xFu];
  }
  return ~c;
}

}  // namespace fw
