#include <gtest/gtest.h>
#include "rig/checks.hpp"
