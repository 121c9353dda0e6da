// The accuracy of each recorded signal of a run (rig/uncertainty.hpp explains the rule).
#include <cstdio>
#include <string>

#include "rig/runner.hpp"

namespace rig {
namespace {

std::string ms_text(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%g ms", s * 1e3);
  return b;
}

}  // namespace

checks::AccuracyFn signal_accuracy(const scenario::Scenario& sc, const Dut& dut) {
  const bool hil = dut.mode() == "hil";
  const double tick_s = to_seconds(sc.tick), step_s = to_seconds(sc.plant_step);
  return [&sc, &dut, hil, tick_s, step_s](const std::string& name) -> std::optional<checks::SignalAccuracy> {
    const scenario::SignalSpec* spec = nullptr;
    for (const auto& s : sc.signals)
      if (s.info.name == name) spec = &s;
    if (spec == nullptr) return std::nullopt;
    checks::SignalAccuracy a{spec->info.unit, {}};
    if (const auto m = dut.uncertainty(name)) {  // measured or timestamped by a bench
      a.accuracy.value = m->value;
      if (m->edge_timestamped) {  // the kernel's edge timestamp: the loop's period does not enter
        a.accuracy.time_s = m->time_s;
        a.accuracy.basis = "edge timestamp, debounce " + ms_text(m->time_s);
        return a;
      }
      a.accuracy.time_s = tick_s + m->time_s;
      a.accuracy.basis = "bench accuracy " + std::to_string(m->value) + (a.unit.empty() ? "" : " " + a.unit) +
                         ", loop period " + ms_text(tick_s) + " + reading/timestamp " + ms_text(m->time_s);
      return a;
    }
    const auto src = spec->def->source;
    // What the firmware decided or sampled is exact in time: its outputs, the rig's own entries, its telemetry, and
    // its sense inputs recorded at its ticks (bms/in/*, and the tick-rate signals a bench drives into the board:
    // cell sense, cable lines, heatsink and remote readings), which it sees only at those instants.
    const bool sampled_input = name.starts_with("bms/in/") ||
                               (spec->rate == scenario::SampleRate::kTick && spec->def->bench == scenario::Bench::kDrive);
    const bool exact_time = src == scenario::Source::kFirmware || src == scenario::Source::kRig ||
                            src == scenario::Source::kDut || sampled_input;
    // The rig's own timeline instants are its clock's, on a bench too (what the board then does with a value it
    // was given is the board's timing, judged by the check, not an uncertainty of the measurement).
    if (exact_time && (!hil || src == scenario::Source::kRig)) {
      a.accuracy.value = spec->info.kind == SignalKind::kAnalog && src == scenario::Source::kPlant ? spec->info.resolution : 0.0;
      a.accuracy.basis = a.accuracy.value > 0.0 ? "sampled by the firmware at its ticks, resolution " +
                                                      std::to_string(a.accuracy.value) + " " + a.unit
                                                : "exact";
      return a;
    }
    const double period = spec->rate == scenario::SampleRate::kPlantStep ? step_s : tick_s;
    a.accuracy.time_s = period + (hil ? tick_s : 0.0);
    a.accuracy.value = spec->info.kind == SignalKind::kAnalog ? spec->info.resolution : 0.0;
    a.accuracy.basis = "sample period " + ms_text(period) + (hil ? " + loop period " + ms_text(tick_s) : "");
    if (a.accuracy.value > 0.0) {
      char b[48];
      std::snprintf(b, sizeof b, ", resolution %g%s%s", a.accuracy.value, a.unit.empty() ? "" : " ", a.unit.c_str());
      a.accuracy.basis += b;
    }
    return a;
  };
}

}  // namespace rig
