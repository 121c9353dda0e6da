#include "rig/runner.hpp"

#include <algorithm>
#include <chrono>
#include <span>
#include <cmath>
#include <cstdint>
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

using GetFn = scenario::ReadFn;

struct Binding {
  SignalId id;
  GetFn get;
  int a = 0, b = 0;
};

// Binds a catalogue entry to its registry getter (rig/signals.hpp).
Binding bind(SignalId id, const SignalSpec& spec) { return Binding{id, spec.def->read, spec.a, spec.b}; }

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
  bool reset_due = false;  // a `when:` entry fired after the firmware's step asked for a reset: done at the next tick
  bool plant_set = false;  // timeline actions or ramps changed the plant at this tick (inputs are re-sampled)
  bool vedirect_due = false;  // speculation: a VE.Direct request fired at this tick (not sent: run() ends the batch)
  bool outputs_sampled = false;  // the firmware's signals were sampled once (after that, again when Outputs change)
  double timeline_entry = 0.0;
  std::optional<std::uint64_t> observed_version;  // Dut::observed_version() when the observed signals were last read
};

class Loop {
 public:
  Loop(const Scenario& sc, Dut& dut, const RunOptions& opt, RunOutput& out)
      : sc_(sc), dut_(dut), opt_(opt), out_(out), trace_(*out.trace) {
    for (std::size_t i = 0; i < sc.signals.size(); ++i) {
      const auto& spec = sc.signals[i];
      const SignalId id = trace_.add_signal(spec.info);
      if (spec.def->source == scenario::Source::kRig) {
        timeline_id_ = id;
        continue;
      }
      if (spec.def->source == scenario::Source::kDut) {  // the Dut's serial telemetry (recorded once seen)
        // Recorded per executed tick as the Dut observed it at that tick (Dut::observed_at), batched or not.
        observed_.emplace_back(id, spec.info.name);
        continue;
      }
      const Binding bnd = bind(id, spec);
      const bool output = spec.def->source == scenario::Source::kFirmware;
      if (output && !dut_.provides_output(spec.info.name)) continue;  // unknown on this Dut: not recorded
      (output ? outputs_ : spec.rate == SampleRate::kPlantStep ? fast_ : slow_).push_back(bnd);
    }
    last_.assign(sc.signals.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& spec : sc.signals) {
      analog_.push_back(spec.info.kind == SignalKind::kAnalog ? 1 : 0);
      resolution_.push_back(spec.info.resolution);
      threshold_.push_back(spec.info.kind == SignalKind::kAnalog ? spec.info.resolution : 0.0);
    }
    steps_per_tick_ = static_cast<int>(sc.tick / sc.plant_step);
    // A `when:` on what the Dut observes (vedirect/...) cannot be speculated: that value is known only after the
    // step. Such a scenario steps one tick at a time.
    for (const auto& e : sc.timeline) {
      if (!e.trigger.when) continue;
      for (const auto& ref : e.trigger.when->condition().signals())
        for (const auto& spec : sc.signals)
          if (spec.info.name == ref.name && spec.def->source == scenario::Source::kDut) single_ticks_ = true;
    }
    bind_bench();
    dt_s_ = to_seconds(sc.plant_step);
    bind_guards();
  }

  void run() {
    SimState s{make_world(sc_), {}, {}, {}, {}, {}, Time{0}, false, false, false, false, false, 0.0, std::nullopt};
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
    std::vector<BoardSample> inputs;
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
      const std::size_t batch = single_ticks_ ? 1 : std::max<std::size_t>(1, dut_.preferred_batch());
      const auto one_tick = [&](const BoardSample& in, bool reset) {
        if (reset) dut_.reset(reset_kind_);
        fw::Outputs o{};
        dut_.step_ticks(std::span<const BoardSample>(&in, 1), now_ms(s.now), s.outputs, std::span<fw::Outputs>(&o, 1));
        return o;
      };
      if (batch == 1) {
        tick(s, true, one_tick);
        continue;
      }
      // Speculate on a copy, assuming the outputs stay as they are. A firmware reset or a VE.Direct request ends
      // the batch: before the step of a later tick, the batch stops before that tick; after the step (`when:`), the
      // batch ends with that tick. One due before the batch's first step: that tick runs on its own (the request
      // goes out from the timeline, before the step, as in a single-tick run).
      SimState spec = s;
      inputs.clear();
      bool reset_first = false;
      bool on_its_own = false;
      const fw::Outputs assumed = s.outputs;
      for (std::size_t i = 0; i < batch; ++i) {
        if (spec.ended || spec.now >= sc_.max_duration) break;
        bool stop_here = false;
        tick(spec, false, [&](const BoardSample& in, bool reset) {
          if ((reset || spec.vedirect_due) && i > 0) {
            stop_here = true;
            return assumed;
          }
          if (spec.vedirect_due) on_its_own = true;
          if (reset) reset_first = true;
          inputs.push_back(in);
          return assumed;
        });
        if (stop_here || on_its_own || spec.vedirect_due) break;
      }
      if (on_its_own) {
        tick(s, true, one_tick);
        continue;
      }
      if (inputs.empty()) {  // the timeline ends the run at this tick, before the firmware steps
        tick(s, true, [&](const BoardSample&, bool) -> fw::Outputs {
          throw std::logic_error("rig: speculation ended but the replay stepped");
        });
        continue;
      }
      if (reset_first) dut_.reset(reset_kind_);
      outs.assign(inputs.size(), fw::Outputs{});
      const std::size_t n = dut_.step_ticks(inputs, now_ms(s.now), assumed, outs);
      if (n == 0 || n > inputs.size()) throw DutError("Dut::step_ticks returned an invalid tick count");
      for (std::size_t i = 0; i < n; ++i) {
        tick(s, true, [&](const BoardSample& in, bool) {
          if (!(in == inputs[i]))
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
  // A Dut that closes the loop through a bench: what it drives from the plant, what it measures (Dut seam).
  void bind_bench() {
    const auto drives = dut_.driven_signals();
    const auto measures = dut_.measured_signals();
    if (drives.empty() && measures.empty()) return;
    if (dut_.preferred_batch() > 1) throw DutError("a Dut that drives or measures signals must step one tick at a time");
    closed_loop_ = true;
    const int nb = static_cast<int>(sc_.world.bank.batteries.size()), nl = static_cast<int>(sc_.world.loads.size());
    const auto world_text = " (this scenario's world has " + std::to_string(nb) + " batter" + (nb == 1 ? "y" : "ies") +
                            " and " + std::to_string(nl) + " load" + (nl == 1 ? "" : "s") + ")";
    for (const auto& name : drives) {
      const auto r = scenario::resolve(name, nb, nl);
      if (!r || !r->def->read) throw DutError("the bench drives '" + name + "', which is not a plant signal" + world_text);
      drive_.push_back(Binding{0, r->def->read, r->a, r->b});
    }
    drive_values_.assign(drive_.size(), 0.0);
    for (const auto& name : measures) {
      std::optional<SignalId> id;
      for (std::size_t i = 0; i < sc_.signals.size(); ++i)
        if (sc_.signals[i].info.name == name) id = trace_.add_signal(sc_.signals[i].info);
      if (!id) throw DutError("the bench measures '" + name + "', which this scenario does not record" + world_text);
      if (name == "alternator/current_a") alt_current_slot_ = static_cast<int>(measured_.size());
      measured_.push_back(*id);
      for (auto* set : {&fast_, &slow_, &outputs_})
        std::erase_if(*set, [&](const Binding& b) { return b.id == *id; });
    }
    measured_values_.assign(measured_.size(), std::numeric_limits<double>::quiet_NaN());
  }
  // Exact instants for analog signals recorded with a resolution: every condition a check or a `when:` reads, and
  // every band edge of settles/bounded, is watched on the live values; when the recorded (dead-banded) values would
  // give another truth than the live ones, the signals involved are recorded at that instant, whatever their
  // resolution. So a condition changes truth in the trace at the very sample it changed for the plant (one plant
  // step for per-step signals, one tick for per-tick signals).
  void bind_guards() {
    checks::Watched w;
    for (const auto& c : sc_.expect) checks::add_watched(c, w);
    for (const auto& e : sc_.timeline)
      if (e.trigger.when) w.conditions.push_back(e.trigger.when->condition());
    std::vector<int> group(sc_.signals.size(), -1);  // which sampled set each signal is in: 0 fast, 1 slow, 2 out
    for (int g = 0; g < 3; ++g)
      for (const auto& b : g == 0 ? fast_ : g == 1 ? slow_ : outputs_) group[b.id] = g;
    const auto guarded = [&](SignalId id) {
      return id < analog_.size() && analog_[id] && resolution_[id] > 0.0 && group[id] >= 0;
    };
    for (const auto& c : w.conditions) {
      Guard g;
      g.condition = c;
      bool any = false;
      for (const auto& ref : c.signals()) {
        const auto id = trace_.find(ref.name);
        if (!id) { any = false; break; }
        g.ids.push_back(*id);
        any = any || guarded(*id);
      }
      if (!any) continue;
      for (const SignalId id : g.ids) g.groups |= 1u << static_cast<unsigned>(std::max(0, group[id]));
      bool dup = false;
      for (const auto& x : guards_) dup = dup || x.condition.text() == c.text();
      if (!dup) guards_.push_back(std::move(g));
    }
    for (const auto& [name, level] : w.thresholds) {
      const auto id = trace_.find(name);
      if (!id || !guarded(*id)) continue;
      levels_.push_back(Level{*id, level, 1u << static_cast<unsigned>(group[*id])});
    }
  }
  // After a set of signals was sampled and recorded at s.now (group bit: 1 fast, 2 slow, 4 outputs).
  void apply_guards(SimState& s, unsigned group_bit) {
    for (auto& g : guards_) {
      if (!(g.groups & group_bit)) continue;
      const bool live = g.condition.evaluate(g.ids, s.values);
      // The recorded values change only when something is recorded: their truth is kept until then.
      if (g.recorded_epoch != record_epoch_) {
        g.recorded = g.condition.evaluate(g.ids, last_);
        g.recorded_epoch = record_epoch_;
      }
      const bool recorded = g.recorded;
      if (live == recorded) continue;
      for (const SignalId id : g.ids) record_exact(id, s.now, s.values[id]);
    }
    for (const auto& l : levels_) {
      if (!(l.groups & group_bit)) continue;
      const double v = s.values[l.id], r = last_[l.id];
      if (std::isnan(v) || std::isnan(r)) continue;
      if ((v < l.level) != (r < l.level) || (v > l.level) != (r > l.level)) record_exact(l.id, s.now, v);
    }
  }
  void record_exact(SignalId id, Time t, double v) {
    if (std::isnan(v) || last_[id] == v || (has_edges_ && edge_timed_[id])) return;
    last_[id] = v;
    ++record_epoch_;
    trace_.record_exact(id, t, v);
  }

  // Before the firmware steps: the plant's values of the driven signals.
  void drive_bench(const SimState& s) {
    for (std::size_t k = 0; k < drive_.size(); ++k)
      drive_values_[k] = drive_[k].get(s.world, s.outputs, drive_[k].a, drive_[k].b);
    dut_.drive(drive_values_);
  }
  // After it: the measurements are recorded and the measured alternator-port current flows in the plant.
  void measure_bench(SimState& s, bool rec) {
    dut_.measure(measured_values_);
    for (std::size_t k = 0; k < measured_.size(); ++k) {
      const double v = measured_values_[k];
      if (std::isnan(v)) continue;
      s.values[measured_[k]] = v;
      if (rec) record(measured_[k], s.now, v);
    }
    if (alt_current_slot_ >= 0) {
      const double v = measured_values_[static_cast<std::size_t>(alt_current_slot_)];
      s.world.set_alt_port_current_input(std::isnan(v) ? 0.0 : v);  // no reading yet: no current
    }
  }

  static fw::Millis now_ms(Time t) {
    return static_cast<fw::Millis>(std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
  }

  void sample(SimState& s, const std::vector<Binding>& set, bool rec) {
    double* const values = s.values.data();
    if (rec && !has_edges_) {  // the common case, without the per-signal tests below
      for (const auto& b : set) {
        const double v = b.get(s.world, s.outputs, b.a, b.b);
        values[b.id] = v;
        record(b.id, s.now, v);
      }
    } else {
      for (const auto& b : set) {
        const double v = b.get(s.world, s.outputs, b.a, b.b);
        values[b.id] = v;
        if (rec && !(has_edges_ && edge_timed_[b.id])) record(b.id, s.now, v);
      }
    }
    if (rec && (!guards_.empty() || !levels_.empty()))
      apply_guards(s, &set == &fast_ ? 1u : &set == &slow_ ? 2u : 4u);
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
  // One rule for every kind: an analog signal moves by its resolution, any other changes (threshold 0). Before the
  // first sample `last` is NaN, so the difference is NaN and the sample is recorded.
  // Inlined: it runs for every sampled signal after every plant step, and mostly returns at its first test.
  [[gnu::always_inline]] void record(SignalId id, Time t, double v) {
    const double delta = std::fabs(v - last_[id]);
    if (delta < threshold_[id] || delta == 0.0) return;
    last_[id] = v;
    ++record_epoch_;
    trace_.record(id, t, v);
  }
  void record_timeline(SimState& s) {
    s.values[timeline_id_] = s.timeline_entry;
    record(timeline_id_, s.now, s.timeline_entry);
  }

  // One firmware tick from s.now; `step` gets the board's sample (and whether a firmware reset is due) and returns
  // the firmware's Outputs.
  //
  // The order within a tick at t (scenarios/README.md, "Instants"): the timeline entries due at t fire (`at:`,
  // `after:`, repeats, and `when:` entries whose delay ends at t); ramps move; the inputs are sampled and recorded
  // at t — exactly what the firmware samples; the firmware steps and its outputs are recorded at t; then the `when:`
  // conditions are evaluated on the values recorded at t, and an entry whose condition became true at t with no
  // delay acts at once (on the plant before it advances from t; the firmware sees the change at its next sample).
  template <class StepFn>
  void tick(SimState& s, bool rec, StepFn&& step) {
    bool reset = s.reset_due;
    s.reset_due = false;
    s.plant_set = false;
    s.vedirect_due = false;
    timeline(s, rec, reset);
    if (s.ended) {
      if (rec) record_timeline(s);
      return;
    }
    update_ramps(s);
    sample(s, slow_, rec);
    if (s.plant_set) sample(s, fast_, rec);  // the plant changed at t: record what the firmware samples at t
    if (closed_loop_) drive_bench(s);
    const BoardSample in = sample_board(s.world);
    const fw::Outputs previous = s.outputs;
    s.outputs = step(in, reset);
    // The firmware's signals are fields of its Outputs: when none changed, their values are those already held and
    // recorded, and every condition watched on them last ran on these same values (the sets sampled since ran
    // their own). A Dut with its own output timestamps, or a bench in the loop, samples them every tick.
    if (!s.outputs_sampled || has_edges_ || closed_loop_ || previous != s.outputs) {
      sample(s, outputs_, rec);
      s.outputs_sampled = true;
    }
    if (!observed_.empty()) {  // looked up again only when the Dut's observations may have changed
      const auto version = dut_.observed_version(now_ms(s.now));
      if (!s.observed_version || *s.observed_version != version) {
        s.observed_version = version;
        for (const auto& [id, name] : observed_)
          if (const auto v = dut_.observed_at(name, now_ms(s.now))) {
            s.values[id] = *v;
            if (rec) record(id, s.now, *v);
          }
      }
    }
    if (closed_loop_) measure_bench(s, rec);
    if (rec && has_edges_) drain_edges();
    when_triggers(s, rec);
    if (rec) record_timeline(s);
    if (s.ended) return;
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

  // The entries due at s.now, before the firmware samples.
  void timeline(SimState& s, bool rec, bool& reset) {
    for (std::size_t i = 0; i < sc_.timeline.size(); ++i) {
      auto& es = s.entries[i];
      while (es.due && *es.due <= s.now) {
        fire(s, i, rec, reset);
        if (s.ended) return;
      }
    }
  }
  // After the firmware's step at s.now: `when:` conditions on the values recorded at s.now. An entry without delay
  // fires now (its actions reach the plant before it advances from s.now); a reset it asks for is done at the next
  // tick, the firmware having already stepped at this one.
  void when_triggers(SimState& s, bool rec) {
    const expr::ValueFn value = [&s](SignalId id) -> std::optional<double> {
      const double v = s.values[id];
      if (std::isnan(v)) return std::nullopt;
      return v;
    };
    for (std::size_t i = 0; i < sc_.timeline.size(); ++i) {
      auto& es = s.entries[i];
      const auto& e = sc_.timeline[i];
      if (!es.detector || es.done) continue;
      if (es.detector->update(value) && !es.due) {
        es.due = s.now + e.trigger.at;
        if (e.trigger.once) es.done = true;
      }
      bool reset = false;
      while (es.due && *es.due <= s.now) {
        fire(s, i, rec, reset);
        if (s.ended) return;
      }
      if (reset) s.reset_due = true;
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
        if (!std::holds_alternative<scenario::EndAction>(a)) s.plant_set = true;
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
        } else if (const auto* ve = std::get_if<scenario::VeDirectAction>(&a)) {
          // Sent now: before the firmware's step at this tick (timeline), or after it (`when:`). A speculated tick
          // only notes it (run() ends the batch there, so that the request goes out between the same two steps).
          if (rec) dut_.vedirect_request(ve->line);
          else s.vedirect_due = true;
        } else if (const auto* r = std::get_if<scenario::FirmwareResetAction>(&a)) {
          reset = true;
          reset_kind_ = r->power ? ResetKind::kPower : ResetKind::kWatchdog;
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
    s.plant_set = true;
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
  ResetKind reset_kind_ = ResetKind::kWatchdog;  // the kind of the reset the timeline last asked for
  const RunOptions& opt_;
  RunOutput& out_;
  Trace& trace_;
  std::vector<Binding> fast_, slow_, outputs_;
  std::vector<std::pair<SignalId, std::string>> observed_;  // Source::kDut signals (Dut::observed_at())
  bool single_ticks_ = false;  // a `when:` reads a Source::kDut signal: step one tick at a time
  std::vector<double> last_, resolution_, threshold_;  // threshold: the resolution of an analog signal, else 0
  std::uint64_t record_epoch_ = 0;   // counts the changes of last_ (a guard's recorded truth is kept until one)
  std::vector<char> analog_;
  SignalId timeline_id_ = 0;
  Time reached_{0};
  bool has_edges_ = false;
  std::vector<char> edge_timed_;   // per signal: recorded from the Dut's timestamped edges
  std::vector<Time> edge_last_t_;
  bool closed_loop_ = false;                // the Dut drives and/or measures signals (HIL)
  std::vector<Binding> drive_;              // driven signals' plant getters
  std::vector<double> drive_values_;
  std::vector<SignalId> measured_;          // measured signals' trace ids
  std::vector<double> measured_values_;
  int alt_current_slot_ = -1;               // index of alternator/current_a in measured_, -1 if not measured
  int steps_per_tick_ = 10;
  double dt_s_ = 1e-3;
  struct Guard {
    expr::Condition condition;
    std::vector<SignalId> ids;  // trace ids of the condition's signals, in its order
    unsigned groups = 0;        // the sampled sets its signals are in
    bool recorded = false;      // the condition's truth on the recorded values, as of record_epoch_ ==
    std::uint64_t recorded_epoch = ~std::uint64_t{0};   // recorded_epoch (never at first)
  };
  struct Level {
    SignalId id;
    double level;
    unsigned groups;
  };
  std::vector<Guard> guards_;
  std::vector<Level> levels_;
};

}  // namespace

BoardSample sample_board(const plant::World& w) {
  BoardSample in;
  const int n = std::min(w.battery_count(), fw::kMaxBatteries);
  in.batteries = n;
  for (int b = 0; b < n; ++b) {
    for (int c = 0; c < fw::kCellsPerBattery; ++c) {
      in.cell_v[b * fw::kCellsPerBattery + c] = w.cell_voltage_v(b, c);
      in.cell_temp_c[b * fw::kCellsPerBattery + c] = w.cell_temperature_c(b, c);
    }
    const auto cs = w.cable_signals(b);
    in.battery[b] = fw::BatterySignals{cs.connected, cs.allowed_to_charge, cs.allowed_to_discharge, cs.prealarm};
  }
  in.alt_port_v = w.alt_port_v();
  in.li_port_v = w.li_port_v();
  in.alt_current_a = w.alt_port_current_a();
  in.heatsink_c = w.heatsink_temperature_c();
  in.remote_h_v = w.remote_h_v();
  in.remote_l_v = w.remote_l_v();
  return in;
}

fw::Inputs sample_inputs(const plant::World& w) { return adc_sample(sample_board(w)); }

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
    for (SignalId id = 0; id < out.trace->signal_count(); ++id)
      if (const auto u = dut.uncertainty(out.trace->info(id).name)) out.measured.emplace_back(out.trace->info(id).name, *u);
    out.checks = checks::evaluate_all(sc.expect, *out.trace);
    checks::apply_uncertainty(out.checks, signal_accuracy(sc, dut));
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
