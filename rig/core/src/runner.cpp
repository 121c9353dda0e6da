#include "rig/runner.hpp"

#include <algorithm>
#include <chrono>
#include <span>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

namespace rig {
namespace {

using scenario::Scenario;
using scenario::SignalSpec;
using scenario::SampleRate;
using scenario::Trigger;

// ---- signal binding -------------------------------------------------------------------------------------------------

using GetFn = double (*)(const plant::World&, const fw::Outputs&, int, int);

struct Binding {
  SignalId id;
  GetFn get;
  int a = 0, b = 0;
};

bool same_inputs(const fw::Inputs& a, const fw::Inputs& b) {
  for (int i = 0; i < fw::kMaxCells; ++i)
    if (a.cell_mv[i] != b.cell_mv[i] || a.cell_temp_dc[i] != b.cell_temp_dc[i]) return false;
  for (int i = 0; i < fw::kMaxBatteries; ++i) {
    const auto &x = a.battery[i], &y = b.battery[i];
    if (x.connected != y.connected || x.allowed_to_charge != y.allowed_to_charge ||
        x.allowed_to_discharge != y.allowed_to_discharge || x.prealarm != y.prealarm)
      return false;
  }
  return a.alt_port_mv == b.alt_port_mv && a.li_port_mv == b.li_port_mv && a.alt_current_ma == b.alt_current_ma &&
         a.heatsink_temp_dc == b.heatsink_temp_dc && a.remote_h_mv == b.remote_h_mv && a.remote_l_mv == b.remote_l_mv;
}

double pin(fw::Pin p) { return p == fw::Pin::kHigh ? 1.0 : 0.0; }
double flag(bool v) { return v ? 1.0 : 0.0; }

double min_cell(const plant::World& w) {
  double m = std::numeric_limits<double>::infinity();
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) m = std::min(m, w.cell_true_voltage_v(b, c));
  return m;
}
double max_cell(const plant::World& w) {
  double m = -std::numeric_limits<double>::infinity();
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) m = std::max(m, w.cell_true_voltage_v(b, c));
  return m;
}
double min_temp(const plant::World& w) {
  double m = std::numeric_limits<double>::infinity();
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) m = std::min(m, w.cell_true_temperature_c(b, c));
  return m;
}
double max_temp(const plant::World& w) {
  double m = -std::numeric_limits<double>::infinity();
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) m = std::max(m, w.cell_true_temperature_c(b, c));
  return m;
}
double adc_v(double v) { return std::floor(v * 1000.0) / 1000.0; }  // the firmware's view (sample_inputs)
double min_cell_read(const plant::World& w) {
  double m = std::numeric_limits<double>::infinity();
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) m = std::min(m, adc_v(w.cell_voltage_v(b, c)));
  return m;
}
double max_cell_read(const plant::World& w) {
  double m = -std::numeric_limits<double>::infinity();
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) m = std::max(m, adc_v(w.cell_voltage_v(b, c)));
  return m;
}
double bank_soc(const plant::World& w) {
  double s = 0;
  for (int b = 0; b < w.battery_count(); ++b) s += w.battery_soc(b);
  return s / w.battery_count();
}

int index_after(const std::string& s, const std::string& key) {
  const auto p = s.find(key + "[");
  if (p == std::string::npos) return 0;
  return std::stoi(s.substr(p + key.size() + 1));
}

// Binds a catalogue name to its getter. Names not listed here are a programming error (catalogue and binder
// disagree) and throw std::logic_error.
GetFn bind(const std::string& n, int& a, int& b) {
  using W = const plant::World&;
  using O = const fw::Outputs&;
  a = index_after(n, n.rfind("load[", 0) == 0 ? "load" : "battery");
  b = index_after(n, "cell");
  if (n == "bms/out/load") return [](W, O o, int, int) { return pin(o.load); };
  if (n == "bms/out/charge") return [](W, O o, int, int) { return pin(o.charge); };
  if (n == "bms/out/prealarm") return [](W, O o, int, int) { return pin(o.prealarm); };
  if (n == "bms/alt_path_on") return [](W, O o, int, int) { return flag(o.alt_path_on); };
  if (n == "bms/alt_limit_a") return [](W, O o, int, int) { return o.alt_limit_ma / 1000.0; };
  if (n == "bms/atc") return [](W, O o, int, int) { return flag(o.atc); };
  if (n == "bms/atd") return [](W, O o, int, int) { return flag(o.atd); };
  if (n == "bms/prealarm_active") return [](W, O o, int, int) { return flag(o.prealarm_active); };
  if (n == "bms/remote_on") return [](W, O o, int, int) { return flag(o.remote_on); };
  if (n == "bms/lead_violation") return [](W, O o, int, int) { return flag(o.lead_violation); };
  if (n == "bms/in/min_cell_v") return [](W w, O, int, int) { return min_cell_read(w); };
  if (n == "bms/in/max_cell_v") return [](W w, O, int, int) { return max_cell_read(w); };
  if (n == "bms/leds") return [](W, O o, int, int) { return static_cast<double>(o.leds); };
  if (n == "bms/alarm_reason") return [](W, O o, int, int) { return static_cast<double>(o.alarm_reason); };
  if (n == "bms/error") return [](W, O o, int, int) { return static_cast<double>(o.bms_error); };
  if (n == "bms/flags") return [](W, O o, int, int) { return static_cast<double>(o.bms_flags); };
  if (n == "alternator/current_a") return [](W w, O, int, int) { return w.alt_port_current_a(); };
  if (n == "alternator/port_voltage_v") return [](W w, O, int, int) { return w.alt_port_v(); };
  if (n == "alternator/machine_current_a") return [](W w, O, int, int) { return w.alternator_current_a(); };
  if (n == "alternator/voltage_v") return [](W w, O, int, int) { return w.alternator_voltage_v(); };
  if (n == "alternator/temperature_c") return [](W w, O, int, int) { return w.alternator_temperature_c(); };
  if (n == "alternator/rpm") return [](W w, O, int, int) { return w.alternator_rpm(); };
  if (n == "li/port_voltage_v") return [](W w, O, int, int) { return w.li_port_v(); };
  if (n == "li/load_current_a") return [](W w, O, int, int) { return w.total_load_current_a(); };
  if (n.rfind("load[", 0) == 0) {
    if (n.ends_with("/current_a")) return [](W w, O, int i, int) { return w.load_current_a(i); };
    if (n.ends_with("/on")) return [](W w, O, int i, int) { return flag(w.load_on(i)); };
  }
  if (n == "starter/voltage_v") return [](W w, O, int, int) { return w.starter_voltage_v(); };
  if (n == "starter/current_a") return [](W w, O, int, int) { return w.starter_current_a(); };
  if (n == "starter/soc") return [](W w, O, int, int) { return w.starter_soc(); };
  if (n == "charger/current_a") return [](W w, O, int, int) { return w.charger_current_a(); };
  if (n == "charger/on") return [](W w, O, int, int) { return flag(w.charger_on()); };
  if (n == "fuse/blown") return [](W w, O, int, int) { return flag(w.fuse_blown()); };
  if (n == "limiter/heatsink_temperature_c") return [](W w, O, int, int) { return w.heatsink_temperature_c(); };
  if (n == "pin/ld_v") return [](W w, O, int, int) { return w.ld_pin_v(); };
  if (n == "pin/cd_v") return [](W w, O, int, int) { return w.cd_pin_v(); };
  if (n == "pin/pa_v") return [](W w, O, int, int) { return w.pa_pin_v(); };
  if (n == "remote/h_v") return [](W w, O, int, int) { return w.remote_h_v(); };
  if (n == "remote/l_v") return [](W w, O, int, int) { return w.remote_l_v(); };
  if (n == "env/ambient_c") return [](W w, O, int, int) { return w.ambient_c(); };
  if (n == "bank/current_a") return [](W w, O, int, int) { return w.bank_current_a(); };
  if (n == "bank/soc") return [](W w, O, int, int) { return bank_soc(w); };
  if (n == "bank/min_cell_v") return [](W w, O, int, int) { return min_cell(w); };
  if (n == "bank/max_cell_v") return [](W w, O, int, int) { return max_cell(w); };
  if (n == "bank/min_cell_temperature_c") return [](W w, O, int, int) { return min_temp(w); };
  if (n == "bank/max_cell_temperature_c") return [](W w, O, int, int) { return max_temp(w); };
  if (n.rfind("bank/battery[", 0) == 0) {
    if (n.find("/cell[") != std::string::npos) {
      if (n.ends_with("/sensed_voltage_v")) return [](W w, O, int x, int y) { return w.cell_voltage_v(x, y); };
      if (n.ends_with("/voltage_v")) return [](W w, O, int x, int y) { return w.cell_true_voltage_v(x, y); };
      if (n.ends_with("/sensed_temperature_c")) return [](W w, O, int x, int y) { return w.cell_temperature_c(x, y); };
      if (n.ends_with("/temperature_c")) return [](W w, O, int x, int y) { return w.cell_true_temperature_c(x, y); };
      if (n.ends_with("/soc")) return [](W w, O, int x, int y) { return w.cell_soc(x, y); };
    } else {
      if (n.ends_with("/voltage_v")) return [](W w, O, int x, int) { return w.battery_voltage_v(x); };
      if (n.ends_with("/current_a")) return [](W w, O, int x, int) { return w.battery_current_a(x); };
      if (n.ends_with("/soc")) return [](W w, O, int x, int) { return w.battery_soc(x); };
      if (n.ends_with("/cable/connected")) return [](W w, O, int x, int) { return flag(w.cable_signals(x).connected); };
      if (n.ends_with("/cable/atc")) return [](W w, O, int x, int) { return flag(w.cable_signals(x).allowed_to_charge); };
      if (n.ends_with("/cable/atd")) return [](W w, O, int x, int) { return flag(w.cable_signals(x).allowed_to_discharge); };
      if (n.ends_with("/cable/prealarm")) return [](W w, O, int x, int) { return flag(w.cable_signals(x).prealarm); };
    }
  }
  throw std::logic_error("rig: no binding for signal " + n);
}

// ---- simulation state (copyable: the speculation checkpoint) ----------------------------------------------------------

struct EntryState {
  std::optional<Time> due;
  int fired = 0;
  bool done = false;
  std::optional<expr::EventDetector> detector;
};

struct RampState {
  const scenario::Settable* target;
  double from, to;
  Time start, over;
};

struct SimState {
  plant::World world;
  std::vector<EntryState> entries;
  std::vector<RampState> ramps;
  std::vector<std::pair<const scenario::Settable*, double>> last_set;  // by target name
  std::vector<double> values;                                          // current value per signal (NaN: unknown)
  fw::Outputs outputs{};
  Time now{0};
  bool ended = false;
  double timeline_entry = 0.0;
};

class Loop {
 public:
  Loop(const Scenario& sc, Dut& dut, const RunOptions& opt, RunOutput& out)
      : sc_(sc), dut_(dut), opt_(opt), out_(out), trace_(*out.trace) {
    for (std::size_t i = 0; i < sc.signals.size(); ++i) {
      const auto& spec = sc.signals[i];
      const SignalId id = trace_.add_signal(spec.info);
      if (spec.info.name == "timeline/entry") {
        timeline_id_ = id;
        continue;
      }
      Binding bnd{id, nullptr};
      bnd.get = bind(spec.info.name, bnd.a, bnd.b);
      const bool output = spec.info.name.rfind("bms/", 0) == 0 && spec.info.name.rfind("bms/in/", 0) != 0;
      (output ? outputs_ : spec.rate == SampleRate::kPlantStep ? fast_ : slow_).push_back(bnd);
    }
    last_.assign(sc.signals.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& spec : sc.signals) {
      analog_.push_back(spec.info.kind == SignalKind::kAnalog ? 1 : 0);
      resolution_.push_back(spec.info.resolution);
    }
    steps_per_tick_ = static_cast<int>(sc.tick / sc.plant_step);
    dt_s_ = to_seconds(sc.plant_step);
  }

  void run() {
    SimState s{make_world(sc_), {}, {}, {}, {}, {}, Time{0}, false, 0.0};
    s.values.assign(sc_.signals.size(), std::numeric_limits<double>::quiet_NaN());
    s.entries.resize(sc_.timeline.size());
    for (std::size_t i = 0; i < sc_.timeline.size(); ++i) {
      const auto& tr = sc_.timeline[i].trigger;
      if (tr.kind == Trigger::Kind::kAt) s.entries[i].due = tr.at;
      if (tr.kind == Trigger::Kind::kAfterPrevious && i == 0) s.entries[i].due = tr.at;
      if (tr.kind == Trigger::Kind::kWhen) s.entries[i].detector.emplace(*tr.when);
    }
    dut_.start(sc_.firmware);
    // A Dut with its own output timestamps (HIL) names those signals with their levels at t = 0.
    edge_timed_.assign(sc_.signals.size(), 0);
    edge_last_t_.assign(sc_.signals.size(), Time{0});
    for (const auto& e : dut_.drain_output_edges()) {
      const auto id = output_id(e.signal);
      if (!id) continue;
      edge_timed_[*id] = 1;
      has_edges_ = true;
      record_edge(*id, e.t, e.level);
    }
    // Initial values of every signal (fast ones too) at t = 0.
    sample(s, fast_, true);
    record_timeline(s);

    Time next_progress = opt_.progress_every;
    out_.completed = true;
    std::vector<fw::Inputs> inputs;
    std::vector<fw::Outputs> outs;
    while (true) {
      reached_ = s.now;
      if (s.ended || s.now >= sc_.max_duration) break;
      if (opt_.stop != nullptr && opt_.stop->load(std::memory_order_relaxed)) {
        out_.completed = false;
        break;
      }
      if (opt_.progress && s.now >= next_progress) {
        opt_.progress(s.now, sc_.max_duration);
        next_progress += opt_.progress_every;
      }
      const std::size_t batch = std::max<std::size_t>(1, dut_.preferred_batch());
      if (batch == 1) {
        tick(s, true, [&](const fw::Inputs& in, bool reset) {
          if (reset) dut_.reset();
          fw::Outputs o{};
          dut_.step_ticks(std::span<const fw::Inputs>(&in, 1), now_ms(s.now), s.outputs, std::span<fw::Outputs>(&o, 1));
          return o;
        });
        continue;
      }
      // Speculate on a copy, assuming the outputs stay as they are.
      SimState spec = s;
      inputs.clear();
      bool reset_first = false;
      const fw::Outputs assumed = s.outputs;
      for (std::size_t i = 0; i < batch; ++i) {
        if (spec.ended || spec.now >= sc_.max_duration) break;
        bool stop_here = false;
        tick(spec, false, [&](const fw::Inputs& in, bool reset) {
          if (reset && i > 0) {
            stop_here = true;
            return assumed;
          }
          if (reset) reset_first = true;
          inputs.push_back(in);
          return assumed;
        });
        if (stop_here) break;
      }
      if (inputs.empty()) {  // the timeline ends the run at this tick, before the firmware steps
        tick(s, true, [&](const fw::Inputs&, bool) -> fw::Outputs {
          throw std::logic_error("rig: speculation ended but the replay stepped");
        });
        continue;
      }
      if (reset_first) dut_.reset();
      outs.assign(inputs.size(), fw::Outputs{});
      const std::size_t n = dut_.step_ticks(inputs, now_ms(s.now), assumed, outs);
      if (n == 0 || n > inputs.size()) throw DutError("Dut::step_ticks returned an invalid tick count");
      for (std::size_t i = 0; i < n; ++i) {
        tick(s, true, [&](const fw::Inputs& in, bool) {
          if (!same_inputs(in, inputs[i]))
            throw std::logic_error("rig: speculative replay diverged (non-deterministic plant)");
          return outs[i];
        });
      }
    }
    if (has_edges_) drain_edges(s.now);  // changes since the last tick, up to the end of the run
    trace_.set_end_time(s.now);
    out_.simulated = s.now;
  }
  // Simulated time reached so far (the start of the tick in progress); for a run ended by an error.
  Time reached() const { return reached_; }

 private:
  static fw::Millis now_ms(Time t) {
    return static_cast<fw::Millis>(std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
  }

  void sample(SimState& s, const std::vector<Binding>& set, bool rec) {
    for (const auto& b : set) {
      const double v = b.get(s.world, s.outputs, b.a, b.b);
      s.values[b.id] = v;
      if (rec && !(has_edges_ && edge_timed_[b.id])) record(b.id, s.now, v);
    }
  }
  std::optional<SignalId> output_id(const std::string& name) const {
    for (const auto& b : outputs_)
      if (trace_.info(b.id).name == name) return b.id;
    return std::nullopt;
  }
  // An output change at the Dut's own timestamp (clamped to ≥ 0 and to the signal's previous sample).
  void record_edge(SignalId id, Time t, bool level) {
    t = std::max({t, Time{0}, edge_last_t_[id]});
    edge_last_t_[id] = t;
    record(id, t, level ? 1.0 : 0.0);
  }
  void drain_edges(std::optional<Time> until = std::nullopt) {
    for (const auto& e : dut_.drain_output_edges())
      if (const auto id = output_id(e.signal); id && edge_timed_[*id] && (!until || e.t <= *until))
        record_edge(*id, e.t, e.level);
  }
  // The same rule as Trace::record, pre-filtered on contiguous arrays (the trace's series are scattered in memory).
  void record(SignalId id, Time t, double v) {
    const double last = last_[id];
    if (!std::isnan(last)) {
      const double delta = v > last ? v - last : last - v;
      if (analog_[id] ? (delta < resolution_[id] || delta == 0.0) : v == last) return;
    }
    last_[id] = v;
    trace_.record(id, t, v);
  }
  void record_timeline(SimState& s) {
    s.values[timeline_id_] = s.timeline_entry;
    record(timeline_id_, s.now, s.timeline_entry);
  }

  // One firmware tick from s.now; `step` gets the Inputs (and whether a firmware reset is due) and returns Outputs.
  template <class StepFn>
  void tick(SimState& s, bool rec, StepFn&& step) {
    sample(s, slow_, rec);
    bool reset = false;
    timeline(s, rec, reset);
    if (s.ended) {
      if (rec) record_timeline(s);
      return;
    }
    update_ramps(s);
    const fw::Inputs in = sample_inputs(s.world);
    s.outputs = step(in, reset);
    sample(s, outputs_, rec);
    if (rec && has_edges_) drain_edges();
    if (rec) record_timeline(s);
    s.world.set_command(s.outputs.alt_path_on, s.outputs.alt_limit_ma / 1000.0);
    s.world.set_pins(s.outputs.load == fw::Pin::kHigh, s.outputs.charge == fw::Pin::kHigh,
                     s.outputs.prealarm == fw::Pin::kHigh);
    const Time tick_start = s.now;
    for (int j = 0; j < steps_per_tick_; ++j) {
      if (j > 0) {
        s.now = tick_start + sc_.plant_step * j;
        update_ramps(s);
      }
      s.world.step(dt_s_);
      s.now = tick_start + sc_.plant_step * (j + 1);
      sample(s, fast_, rec);
    }
    s.now = tick_start + sc_.tick;
  }

  void timeline(SimState& s, bool rec, bool& reset) {
    const expr::ValueFn value = [&s](SignalId id) -> std::optional<double> {
      const double v = s.values[id];
      if (std::isnan(v)) return std::nullopt;
      return v;
    };
    for (std::size_t i = 0; i < sc_.timeline.size(); ++i) {
      auto& es = s.entries[i];
      const auto& e = sc_.timeline[i];
      if (es.detector && !es.done) {
        if (es.detector->update(value) && !es.due) {
          es.due = s.now + e.trigger.at;
          if (e.trigger.once) es.done = true;
        }
      }
      while (es.due && *es.due <= s.now) {
        fire(s, i, rec, reset);
        if (s.ended) return;
      }
    }
  }

  void fire(SimState& s, std::size_t i, bool rec, bool& reset) {
    auto& es = s.entries[i];
    const auto& e = sc_.timeline[i];
    ++es.fired;
    s.timeline_entry = static_cast<double>(i + 1);
    if (rec) {
      std::string what = "timeline[" + std::to_string(i) + "]";
      if (!e.label.empty()) what += " (" + e.label + ")";
      what += " at " + e.loc.str();
      out_.fired.push_back(FiredEntry{s.now, std::move(what)});
    }
    if (e.repeat && (e.repeat->count == 0 || es.fired < e.repeat->count)) es.due = *es.due + e.repeat->every;
    else es.due.reset();
    if (es.fired == 1 && i + 1 < sc_.timeline.size() &&
        sc_.timeline[i + 1].trigger.kind == Trigger::Kind::kAfterPrevious && s.entries[i + 1].fired == 0)
      s.entries[i + 1].due = s.now + sc_.timeline[i + 1].trigger.at;
    try {
      for (const auto& a : e.actions) {
        if (const auto* set = std::get_if<scenario::SetAction>(&a)) {
          cancel_ramp(s, set->target.name);
          set->target.set(s.world, set->value);
          remember(s, &set->target, set->value);
        } else if (const auto* ramp = std::get_if<scenario::RampAction>(&a)) {
          cancel_ramp(s, ramp->target.name);
          double from = 0.0;
          bool known = false;
          for (const auto& [t, v] : s.last_set)
            if (t->name == ramp->target.name) from = v, known = true;
          if (!known) from = ramp->target.get(s.world);
          s.ramps.push_back(RampState{&ramp->target, from, ramp->to, s.now, ramp->over});
        } else if (const auto* fault = std::get_if<scenario::FaultAction>(&a)) {
          fault->apply(s.world);
        } else if (std::holds_alternative<scenario::FirmwareResetAction>(a)) {
          reset = true;
        } else {
          s.ended = true;
        }
      }
    } catch (const std::exception& ex) {
      throw std::runtime_error("timeline entry at " + e.loc.str() + " failed: " + ex.what());
    }
  }

  static void remember(SimState& s, const scenario::Settable* t, double v) {
    for (auto& [tt, vv] : s.last_set)
      if (tt->name == t->name) {
        tt = t;
        vv = v;
        return;
      }
    s.last_set.emplace_back(t, v);
  }
  static void cancel_ramp(SimState& s, const std::string& name) {
    std::erase_if(s.ramps, [&](const RampState& r) { return r.target->name == name; });
  }
  static void update_ramps(SimState& s) {
    if (s.ramps.empty()) return;
    for (auto& r : s.ramps) {
      const double f = r.over.count() <= 0 ? 1.0
                                           : std::min(1.0, static_cast<double>((s.now - r.start).count()) /
                                                               static_cast<double>(r.over.count()));
      const double v = r.from + (r.to - r.from) * f;
      r.target->set(s.world, v);
      remember(s, r.target, v);
    }
    std::erase_if(s.ramps, [&](const RampState& r) { return s.now - r.start >= r.over; });
  }

  const Scenario& sc_;
  Dut& dut_;
  const RunOptions& opt_;
  RunOutput& out_;
  Trace& trace_;
  std::vector<Binding> fast_, slow_, outputs_;
  std::vector<double> last_, resolution_;
  std::vector<char> analog_;
  SignalId timeline_id_ = 0;
  Time reached_{0};
  bool has_edges_ = false;
  std::vector<char> edge_timed_;   // per signal: recorded from the Dut's timestamped edges
  std::vector<Time> edge_last_t_;
  int steps_per_tick_ = 10;
  double dt_s_ = 1e-3;
};

}  // namespace

fw::Inputs sample_inputs(const plant::World& w) {
  fw::Inputs in{};
  // An ADC truncates: the code is floor(value / LSB).
  auto mv = [](double v) { return static_cast<std::int32_t>(std::floor(v * 1000.0)); };
  auto dc = [](double c) {
    return static_cast<std::int16_t>(std::clamp(std::floor(c * 10.0), -32768.0, 32767.0));
  };
  const int n = std::min(w.battery_count(), fw::kMaxBatteries);
  for (int b = 0; b < n; ++b) {
    for (int c = 0; c < fw::kCellsPerBattery; ++c) {
      in.cell_mv[b * fw::kCellsPerBattery + c] = mv(w.cell_voltage_v(b, c));
      in.cell_temp_dc[b * fw::kCellsPerBattery + c] = dc(w.cell_temperature_c(b, c));
    }
    const auto cs = w.cable_signals(b);
    in.battery[b] = fw::BatterySignals{cs.connected, cs.allowed_to_charge, cs.allowed_to_discharge, cs.prealarm};
  }
  in.alt_port_mv = mv(w.alt_port_v());
  in.li_port_mv = mv(w.li_port_v());
  in.alt_current_ma = static_cast<std::int32_t>(std::floor(w.alt_port_current_a() * 100.0)) * 10;  // 10 mA LSB
  in.heatsink_temp_dc = dc(w.heatsink_temperature_c());
  in.remote_h_mv = mv(w.remote_h_v());
  in.remote_l_mv = mv(w.remote_l_v());
  return in;
}

plant::World make_world(const Scenario& sc) {
  plant::World w(sc.world);
  for (int b = 0; b < w.battery_count(); ++b)
    for (int c = 0; c < 4; ++c) w.set_cell_temperature_c(b, c, sc.bank_temperature_c);
  return w;
}

RunOutput run_scenario(const Scenario& sc, Dut& dut, const RunOptions& options) {
  RunOutput out;
  out.trace = std::make_shared<Trace>();
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<Loop> loop;
  try {
    loop.emplace(sc, dut, options, out);
    loop->run();
    out.loop = dut.loop_report();
    out.checks = checks::evaluate_all(sc.expect, *out.trace);
    out.verdict = checks::combine(out.checks);
  } catch (const std::exception& e) {
    out.error = e.what();
    out.verdict = Verdict::kError;
    out.completed = false;
    if (loop && out.simulated == Time{0}) {  // what was recorded up to the error is kept (HIL: board lost)
      out.simulated = loop->reached();
      out.trace->set_end_time(loop->reached());
    }
  }
  dut.stop();
  if (!out.loop) out.loop = dut.loop_report();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace rig
