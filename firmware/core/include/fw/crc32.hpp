// CRC-32 (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF).
// crc32("123456789") == 0xCBF43926. Table-free (16-entry nibble table in flash); no heap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fw {

// CRC of data[0..n). To continue a running CRC pass the previous result as `crc`.
std::uint32_t crc32(const std::uint8_t* data, std::size_t n, std::uint32_t crc = 0);

}  // namespace fw
