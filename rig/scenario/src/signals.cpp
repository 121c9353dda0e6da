#include "rig/signals.hpp"

#include <string>

namespace rig::scenario {
namespace {

constexpr double kVoltRes = 1e-3;
constexpr double kCellVoltRes = 1e-4;  // cells and min/max cell: 0.1 mV, so threshold crossings are exact to a tick
constexpr double kAmpRes = 1e-2;
constexpr double kTempRes = 1e-2;
constexpr double kSocRes = 1e-4;

struct Builder {
  std::vector<SignalSpec> out;
  void analog(std::string name, const char* unit, double res, SampleRate rate) {
    out.push_back(SignalSpec{SignalInfo{std::move(name), unit, SignalKind::kAnalog, res}, rate});
  }
  void volt(std::string n, SampleRate r = SampleRate::kPlantStep) { analog(std::move(n), "V", kVoltRes, r); }
  void cell_volt(std::string n) { analog(std::move(n), "V", kCellVoltRes, SampleRate::kTick); }
  void amp(std::string n, SampleRate r = SampleRate::kPlantStep) { analog(std::move(n), "A", kAmpRes, r); }
  void temp(std::string n) { analog(std::move(n), "degC", kTempRes, SampleRate::kTick); }
  void ratio(std::string n) { analog(std::move(n), "", kSocRes, SampleRate::kTick); }
  void digital(std::string n, SampleRate r = SampleRate::kTick) {
    out.push_back(SignalSpec{SignalInfo{std::move(n), "", SignalKind::kDigital, 0.0}, r});
  }
  void integer(std::string n) {
    out.push_back(SignalSpec{SignalInfo{std::move(n), "", SignalKind::kInteger, 0.0}, SampleRate::kTick});
  }
};

}  // namespace

std::vector<SignalSpec> signal_catalogue(int battery_count, int load_count) {
  Builder b;
  // Firmware outputs first: the signals checks use most.
  b.digital("bms/out/load");
  b.digital("bms/out/charge");
  b.digital("bms/out/prealarm");
  b.digital("bms/alt_path_on");
  b.analog("bms/alt_limit_a", "A", 0.0, SampleRate::kTick);
  b.digital("bms/atc");
  b.digital("bms/atd");
  b.digital("bms/prealarm_active");
  b.digital("bms/remote_on");
  b.digital("bms/lead_violation");
  b.integer("bms/leds");
  b.integer("bms/alarm_reason");
  b.integer("bms/error");
  b.integer("bms/flags");
  b.integer("timeline/entry");
  b.analog("bms/in/min_cell_v", "V", 0.0, SampleRate::kTick);  // the lowest cell as the firmware reads it (ADC, 1 mV)
  b.analog("bms/in/max_cell_v", "V", 0.0, SampleRate::kTick);  // 1-based index of the timeline entry that fired last (0 before any)

  b.amp("alternator/current_a");
  b.volt("alternator/port_voltage_v");
  b.amp("alternator/machine_current_a");
  b.volt("alternator/voltage_v");
  b.temp("alternator/temperature_c");
  b.analog("alternator/rpm", "", 1.0, SampleRate::kTick);
  b.volt("li/port_voltage_v");
  b.amp("li/load_current_a");
  for (int i = 0; i < load_count; ++i) {
    const std::string p = "load[" + std::to_string(i) + "]/";
    b.amp(p + "current_a");
    b.digital(p + "on", SampleRate::kPlantStep);
  }
  b.volt("starter/voltage_v");
  b.amp("starter/current_a");
  b.ratio("starter/soc");
  b.amp("charger/current_a");
  b.digital("charger/on", SampleRate::kPlantStep);
  b.digital("fuse/blown", SampleRate::kPlantStep);
  b.temp("limiter/heatsink_temperature_c");
  // Pins follow the firmware outputs, which change only at ticks: sampled once per tick.
  b.volt("pin/ld_v", SampleRate::kTick);
  b.volt("pin/cd_v", SampleRate::kTick);
  b.volt("pin/pa_v", SampleRate::kTick);
  b.volt("remote/h_v", SampleRate::kTick);
  b.volt("remote/l_v", SampleRate::kTick);
  b.temp("env/ambient_c");

  b.amp("bank/current_a");
  b.ratio("bank/soc");
  b.cell_volt("bank/min_cell_v");
  b.cell_volt("bank/max_cell_v");
  b.temp("bank/min_cell_temperature_c");
  b.temp("bank/max_cell_temperature_c");
  for (int bat = 0; bat < battery_count; ++bat) {
    const std::string p = "bank/battery[" + std::to_string(bat) + "]/";
    b.volt(p + "voltage_v", SampleRate::kTick);  // per battery: once per tick (bank/current_a is per plant step)
    b.amp(p + "current_a", SampleRate::kTick);
    b.ratio(p + "soc");
    b.digital(p + "cable/connected");
    b.digital(p + "cable/atc");
    b.digital(p + "cable/atd");
    b.digital(p + "cable/prealarm");
    for (int c = 0; c < 4; ++c) {
      const std::string q = p + "cell[" + std::to_string(c) + "]/";
      b.cell_volt(q + "voltage_v");
      b.cell_volt(q + "sensed_voltage_v");
      b.temp(q + "temperature_c");
      b.temp(q + "sensed_temperature_c");
      b.ratio(q + "soc");
    }
  }
  return b.out;
}

}  // namespace rig::scenario
