// Umbrella header for the plant models.
#pragma once

#include "plant/alternator.hpp"
#include "plant/battery.hpp"
#include "plant/cell.hpp"
#include "plant/ocv.hpp"
#include "plant/params.hpp"
#include "plant/power_stage.hpp"
#include "plant/sensor.hpp"
#include "plant/starter_battery.hpp"
#include "plant/world.hpp"
