// Firmware identity: semantic version and the git hash of the build (for the handshake, telemetry, reports).
#pragma once

namespace fw {

inline constexpr const char* kFirmwareVersion = "0.1.0";

// The short git hash the tree was built from (CMake variable BMSRIG_GIT_HASH), or "unknown".
// Returns a pointer to a static, NUL-terminated string; never allocates.
const char* build_hash();

}  // namespace fw
