// The signal vocabulary of a run: every name a scenario's `when:` conditions and `expect:` checks may use, and
// that the runner records (rig/core binds each name to a plant getter or a firmware output).
//
// Names (b = battery 0..N-1, c = cell 0..3, i = load index):
//   bank/battery[b]/cell[c]/voltage_v          physical cell voltage (V)       every tick (10 ms), 1 mV
//   bank/battery[b]/cell[c]/sensed_voltage_v   what the BMS reads (sensor faults applied)
//   bank/battery[b]/cell[c]/temperature_c      physical; sensed_temperature_c: read    0.01 °C
//   bank/battery[b]/cell[c]/soc                0..1 (1e-4)
//   bank/battery[b]/{voltage_v,current_a,soc}  battery terminal voltage, current (> 0 charging)
//   bank/battery[b]/cable/{connected,atc,atd,prealarm}   the battery's BMS-cable lines (digital)
//   bank/{min_cell_v,max_cell_v,min_cell_temperature_c,max_cell_temperature_c,current_a,soc}
//   alternator/current_a         the BMS alternator-port (path) current into the Li bus, > 0 (ALT-*), 10 mA
//   alternator/port_voltage_v    the BMS alternator-port voltage;  alternator/machine_current_a, voltage_v,
//   alternator/temperature_c, alternator/rpm
//   li/port_voltage_v, li/load_current_a, load[i]/current_a, load[i]/on
//   starter/{voltage_v,current_a,soc}, charger/{current_a,on}, fuse/blown, limiter/heatsink_temperature_c
//   pin/{ld_v,cd_v,pa_v}, remote/{h_v,l_v}, env/ambient_c
//   bms/out/{load,charge,prealarm}    firmware output pins (1 = high, 0 = floating)
//   bms/alt_path_on, bms/alt_limit_a (commanded limit, A), bms/{atc,atd,prealarm_active,remote_on,lead_violation}
//   bms/{leds,alarm_reason,error,flags}   integer codes
//   bms/in/{min_cell_v,max_cell_v}   lowest / highest cell as the firmware reads it (quantised like its ADC, 1 mV)
//   timeline/entry                    1-based index of the timeline entry that fired last (0 before any)
// Sampled after every plant step: alternator/*, li/*, load[i]/*, starter/*, charger/*, fuse/blown, bank/current_a;
// everything else once per firmware tick (10 ms).
// Analog currents are recorded with 10 mA resolution, voltages 1 mV (cell voltages and bank min/max 0.1 mV),
// temperatures 0.01 °C.
#pragma once

#include <string>
#include <vector>

#include "rig/trace.hpp"

namespace rig::scenario {

// How often the runner samples a signal.
enum class SampleRate : std::uint8_t {
  kPlantStep,  // after every plant step (fast electrical quantities)
  kTick,       // once per firmware tick (cells, SOC, temperatures, firmware outputs)
};

struct SignalSpec {
  SignalInfo info;
  SampleRate rate = SampleRate::kTick;
};

// Every signal of a world with `battery_count` batteries (1..5) and `load_count` loads, in a fixed order
// (the trace's registration order, so traces of the same scenario are identical).
std::vector<SignalSpec> signal_catalogue(int battery_count, int load_count);

}  // namespace rig::scenario
