#include "rig/writers.hpp"
#include "rig/sha256.hpp"
