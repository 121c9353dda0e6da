// The virtual board's FIFO GPIO line port, under the name the tests use.
#pragma once

#include "rig/fifo_gpio_port.hpp"

namespace rig::test {
using FifoGpioLinePort = rig::FifoGpioLinePort;
}  // namespace rig::test
