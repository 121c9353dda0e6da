#include "fw/version.hpp"

#ifndef BMSRIG_GIT_HASH
#define BMSRIG_GIT_HASH "unknown"
#endif

namespace fw {

const char* build_hash() { return BMSRIG_GIT_HASH; }

}  // namespace fw
