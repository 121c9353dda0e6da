// Firmware identity: semantic version and the git hash of the build (for the handshake, telemetry, reports).
#pragma once

#include <cstdint>

namespace fw {

inline constexpr const char* kFirmwareVersion = "0.1.0";

// The version word: major << 8 | minor << 4 | patch ("0.1.0" → 0x0010), the VE.Direct app version (HEX ping,
// register 0x0102).
constexpr std::uint16_t version_word(const char* s) {
  std::uint16_t parts[3] = {0, 0, 0};
  int i = 0;
  for (; *s != '\0' && i < 3; ++s) {
    if (*s == '.') {
      ++i;
    } else if (*s >= '0' && *s <= '9') {
      parts[i] = static_cast<std::uint16_t>(parts[i] * 10 + (*s - '0'));
    }
  }
  return static_cast<std::uint16_t>((parts[0] & 0xFF) << 8 | (parts[1] & 0xF) << 4 | (parts[2] & 0xF));
}
inline constexpr std::uint16_t kFirmwareVersionWord = version_word(kFirmwareVersion);

// The VE.Text FW field in Victron's digit form: the version word as four hex digits ("0.1.0" → "0010", read
// as firmware 0.10 the way Victron writes 2.08 as "0208").
struct VersionDigits {
  char text[5];
};
constexpr VersionDigits version_digits(std::uint16_t word) {
  constexpr char kHex[] = "0123456789ABCDEF";
  return VersionDigits{{kHex[(word >> 12) & 0xF], kHex[(word >> 8) & 0xF], kHex[(word >> 4) & 0xF], kHex[word & 0xF], '\0'}};
}
inline constexpr VersionDigits kFirmwareDigits = version_digits(kFirmwareVersionWord);

// The short git hash the tree was built from (CMake variable BMSRIG_GIT_HASH), or "unknown".
// Returns a pointer to a static, NUL-terminated string; never allocates.
const char* build_hash();

}  // namespace fw
