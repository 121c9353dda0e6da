#include <gtest/gtest.h>
#include "rig/writers.hpp"
#include "rig/sha256.hpp"
