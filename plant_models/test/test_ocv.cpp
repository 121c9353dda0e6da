#include <gtest/gtest.h>

#include "plant/ocv.hpp"

namespace {
TEST(LfpOcv, Placeholder) { EXPECT_NEAR(plant::lfp_ocv_v(0.5), 3.265, 1e-12); }
}  // namespace
