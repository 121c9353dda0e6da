#include "rig/checks.hpp"
