#include "rig/bench_dut.hpp"

#include <filesystem>
#include <cmath>
#include <limits>
#include <thread>

#include "fw/registers.hpp"
#include "rig/fifo_gpio_port.hpp"
#include "rig/io/gpio.hpp"

namespace rig {

namespace vd = fw::vedirect;
using Clock = std::chrono::steady_clock;

namespace {

// The default GPIO port: libgpiod for a real chip; the virtual board's FIFO lines when `chip:` is a directory.
class ChipGpioLinePort final : public io::GpioLinePort {
 public:
  void request_input(const io::GpioLineSpec& spec) override {
    pick(spec);
    impl_->request_input(spec);
  }
  void request_output(const io::GpioLineSpec& spec, bool initial_level) override {
    pick(spec);
    impl_->request_output(spec, initial_level);
  }
  void release() noexcept override {
    if (impl_) impl_->release();
  }
  int event_fd() const override { return impl_ ? impl_->event_fd() : -1; }
  std::size_t read_events(std::span<io::RawEdge> out) override { return impl_ ? impl_->read_events(out) : 0; }
  bool get_value() override { return impl_ ? impl_->get_value() : false; }
  void set_value(bool level) override {
    if (impl_) impl_->set_value(level);
  }

 private:
  void pick(const io::GpioLineSpec& spec) {
    std::error_code ec;
    if (std::filesystem::is_directory(spec.chip, ec)) impl_ = std::make_unique<FifoGpioLinePort>();
    else impl_ = std::make_unique<io::GpiodLinePort>();
  }
  std::unique_ptr<io::GpioLinePort> impl_;
};

io::GpioPortFactory default_ports() {
  return [] { return std::make_unique<ChipGpioLinePort>(); };
}

std::string backend_text(const io::ChannelConfig& c) {
  if (const auto* i = std::get_if<io::IioBinding>(&c.binding)) return "iio " + i->device + "/" + std::to_string(i->channel);
  if (const auto* g = std::get_if<io::GpiodBinding>(&c.binding))
    return "gpiod " + g->line.chip + "/" + std::to_string(g->line.line) + (g->line.active_low ? " active-low" : "");
  const auto& sb = std::get<io::ScpiBinding>(c.binding);
  return "scpi " + sb.instrument + (sb.quantity == io::ScpiQuantity::kVoltage ? " voltage" : " current");
}

}  // namespace

io::GpioPortFactory default_gpio_ports() { return default_ports(); }

bool BenchCheckReport::ok() const {
  if (!problems.empty() || !unsafe.empty()) return false;
  for (const auto& c : channels)
    if (!c.problem.empty()) return false;
  return true;
}

BenchCheckReport check_bench(const io::RigConfig& rig, io::GpioPortFactory gpio_ports) {
  BenchCheckReport report;
  boost::asio::io_context io;
  const io::RunClock clock = io::RunClock::start_now();
  std::unique_ptr<io::Bench> bench;
  try {
    bench = std::make_unique<io::Bench>(rig, io, clock, gpio_ports ? gpio_ports : default_ports());
    bench->configure();
    bench->activate();
  } catch (const std::exception& e) {
    report.problems.emplace_back(e.what());
    if (bench) report.unsafe = bench->deactivate();
    return report;
  }
  for (const auto& i : rig.instruments)
    if (auto inst = bench->instrument(i.name)) report.instruments.emplace_back(i.name, inst->identity());
  for (const auto& c : rig.channels) {
    BenchCheckChannel r;
    r.config = &c;
    r.backend = backend_text(c);
    try {
      if (auto* a = bench->analog_out(c.signal)) r.value = a->commanded();
      else if (auto* ai = bench->analog_in(c.signal)) r.value = ai->read();
      else if (auto* d = bench->digital_out(c.signal)) r.level = d->level();
      else if (auto* di = bench->digital_in(c.signal)) r.level = di->read();
    } catch (const std::exception& e) {
      r.problem = e.what();
    }
    report.channels.push_back(std::move(r));
  }
  report.unsafe = bench->deactivate();
  return report;
}

BenchDut::BenchDut(io::RigConfig rig, BenchDutOptions options) : rig_(std::move(rig)), options_(std::move(options)) {
  if (!options_.gpio_ports) options_.gpio_ports = default_ports();
  // Every `out:` channel is driven from the plant every loop period; every analog `in:` channel is measured and
  // recorded (the board's LD/CD/PA inputs are recorded from their kernel-timestamped edges instead).
  for (const auto& c : rig_.channels) {
    if (c.direction == io::Direction::kOut) driven_.push_back(&c);
    else if (!c.is_digital()) measured_.push_back(&c);
  }
}

bool BenchDut::provides_output(std::string_view signal) const {
  if (signal == "bms/out/load" || signal == "bms/out/charge" || signal == "bms/out/prealarm") return rig_.find(signal) != nullptr;
  if (!rig_.telemetry) return false;
  if (signal == "bms/alarm_reason") return true;
  const bool polled = options_.poll_flags.count() > 0;
  return polled && (signal == "bms/atc" || signal == "bms/atd" || signal == "bms/prealarm_active" ||
                    signal == "bms/flags" || signal == "bms/error");
}

std::optional<SignalUncertainty> BenchDut::uncertainty(std::string_view signal) const {
  constexpr double kTickS = fw::kTickMs / 1000.0;
  // VE.Direct: what the rig's loop read during a tick is recorded at that tick, so an instant may be off by the
  // loop period (one tick); the values are the board's own words (exact).
  if (signal.starts_with("vedirect/")) return rig_.telemetry ? std::optional(SignalUncertainty{0.0, kTickS}) : std::nullopt;
  const auto* c = rig_.find(signal);
  if (!c || c->direction != io::Direction::kIn) return std::nullopt;
  if (const auto* g = std::get_if<io::GpiodBinding>(&c->binding))
    // An edge is timestamped by the kernel when it happens (microseconds); a debounce may delay what is reported.
    return SignalUncertainty{0.0, std::chrono::duration<double>(g->line.debounce).count(), true};
  const auto* sb = std::get_if<io::ScpiBinding>(&c->binding);
  const double period_s = sb ? std::chrono::duration<double>(sb->update_period).count() : kTickS;
  return SignalUncertainty{c->accuracy, period_s};
}

std::vector<std::string> BenchDut::driven_signals() const {
  std::vector<std::string> out;
  for (const auto* c : driven_) out.push_back(c->signal);
  return out;
}

std::vector<std::string> BenchDut::measured_signals() const {
  std::vector<std::string> out;
  for (const auto* c : measured_) out.push_back(c->signal);
  return out;
}

BenchDut::~BenchDut() { stop(); }

// The VE.Text FW field in Victron's digit form ("0010": major in the first two hex digits, then minor and patch,
// one digit each — fw::version_digits) as the semantic version the other targets report ("0.1.0"); any other
// form is kept as the board wrote it.
namespace {
std::string version_from_fw_digits(const std::string& fw) {
  if (fw.size() != 4 || fw.find_first_not_of("0123456789ABCDEFabcdef") != std::string::npos) return fw;
  const unsigned word = static_cast<unsigned>(std::stoul(fw, nullptr, 16));
  return std::to_string(word >> 8) + "." + std::to_string((word >> 4) & 0xF) + "." + std::to_string(word & 0xF);
}
}  // namespace

FirmwareInfo BenchDut::firmware_info() const {
  FirmwareInfo info = board_info_;  // as the board's telemetry last said (kept after stop())
  info.target = "bench:" + rig_.name;
  if (!board_hash_.empty()) info.build_hash = board_hash_;
  if (link_ && link_->last_block()) {
    const auto& f = link_->last_block()->fields;
    if (auto it = f.find("FW"); it != f.end()) info.version = version_from_fw_digits(it->second);
    // The build hash the board reported in register 0x21A0 at start; a board without it: its serial number.
    if (auto it = f.find("SER"); it != f.end() && board_hash_.empty()) info.build_hash = "serial " + it->second;
  }
  return info;
}

io::Nanos BenchDut::run_time() const { return std::chrono::duration_cast<io::Nanos>(Clock::now() - start_); }

void BenchDut::start(const fw::Config& config) {
  stop();
  edges_.clear();
  load_ = charge_ = prealarm_ = false;
  bms_flags_ = 0;
  bms_error_ = 0;
  flags_known_ = false;
  next_poll_ms_ = 0;
  next_update_ms_.clear();
  next_read_ms_.assign(measured_.size(), 0);
  latest_.assign(measured_.size(), std::numeric_limits<double>::quiet_NaN());
  driven_values_.clear();
  try {
    jitter_ = io::JitterStats{1'000'000};
    rt_status_ = io::RealtimeStatus{};
    if (rig_.loop.realtime) {
      rt_status_ = io::enable_realtime(rig_.loop.priority);
      realtime_ = rt_status_.describe();
    }
    io_.restart();
    clock_.emplace(io::RunClock::start_now());
    start_ = Clock::now();
    bench_ = std::make_unique<io::Bench>(rig_, io_, *clock_, options_.gpio_ports);
    supervisor_ = std::make_unique<io::SafetySupervisor>(io_, [this] { return bench_->deactivate(); });
    for (const char* signal : {"bms/out/load", "bms/out/charge", "bms/out/prealarm"}) {
      auto* in = bench_->digital_in(signal);
      if (!in) continue;
      bool* level = signal == std::string("bms/out/load") ? &load_ : signal == std::string("bms/out/charge") ? &charge_ : &prealarm_;
      in->on_edge([this, level, name = std::string(signal)](const io::EdgeEvent& e) {
        *level = e.level;
        edges_.push_back({name, e});
      });
      in->on_fault([this](const std::string& ch, const std::string& what) { supervisor_->abort("lost device: " + ch + ": " + what); });
    }
    bench_->configure();
    bench_->activate();
    reset_pending_ = false;
    release_at_ms_.reset();
    open_board_control();
    for (const char* signal : {"bms/out/load", "bms/out/charge", "bms/out/prealarm"})
      if (auto* in = bench_->digital_in(signal)) {
        const bool v = in->read();
        (signal == std::string("bms/out/load") ? load_ : signal == std::string("bms/out/charge") ? charge_ : prealarm_) = v;
      }
    if (rig_.telemetry) {
      telemetry_ = std::make_unique<io::TelemetryPort>("telemetry", io::SerialPort::open(rig_.telemetry->port, rig_.telemetry->serial),
                                                       io_, [this] { return run_time(); });
      link_ = std::make_unique<io::VeDirectLink>(*telemetry_);
      observer_.clear();
      // Fed as `poll`: only the answers to the scenario's own requests (expect()) count as its answers.
      link_->on_bytes([this](std::string_view bytes, io::Nanos arrival) {
        observer_.feed(bytes, std::chrono::duration_cast<std::chrono::milliseconds>(arrival).count(), true);
      });
      telemetry_->on_error([this](const std::string& what) { supervisor_->abort(what); });
      telemetry_->start();
      if (options_.load_config) load_config(config);
      if (options_.expected_identity) {
        const auto board = read_board_identity(*link_, io_, options_.identity_wait, rig_.telemetry->port);
        if (const auto diff = identity_mismatch(*options_.expected_identity, board); !diff.empty())
          throw DutError(std::string(kBoardIdentityRefused) + "the board does not run " + options_.image + ": " + diff + " (board: " +
                         describe(board) + "; image: " + describe(*options_.expected_identity) + ")");
      }
      // The build the board runs (0x21A0, the first 8 hex digits of its git hash): what the results name.
      if (const auto h = link_->exchange(vd::make_get(vd::reg::kBuildHash), io_, options_.hex_timeout);
          h && h->flags() == vd::kFlagOk && h->value() != 0) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%08x", h->value());
        board_hash_ = hex;
      }
      link_->on_hex([this](const vd::HexFrame& f, io::Nanos) {
        if (f.command != static_cast<std::uint8_t>(vd::HexResponse::kGet) || f.length < 3 || f.flags() != vd::kFlagOk) return;
        if (f.register_id() == vd::reg::kBmsFlags) {
          bms_flags_ = f.value();
          flags_known_ = true;
        } else if (f.register_id() == vd::reg::kBmsError) {
          bms_error_ = static_cast<std::uint8_t>(f.value());
        }
      });
      supervisor_->watch_silence("telemetry", [this] { return run_time(); }, [this] { return telemetry_->last_rx(); },
                                 rig_.telemetry->silence_timeout);
    }
    if (options_.handle_signals) supervisor_->watch_signals();
    // Run time 0 = now: tick times (first_now) and edge times share one base.
    *clock_ = io::RunClock::start_now();
    start_ = Clock::now();
    // Edges so far (start-up, configuration) are on the old time base: the run starts from the current levels.
    edges_.clear();
    drained_ = 0;
    initial_levels_.clear();
    if (bench_->digital_in("bms/out/load")) initial_levels_.push_back({"bms/out/load", io::Nanos{0}, load_});
    if (bench_->digital_in("bms/out/charge")) initial_levels_.push_back({"bms/out/charge", io::Nanos{0}, charge_});
    if (bench_->digital_in("bms/out/prealarm")) initial_levels_.push_back({"bms/out/prealarm", io::Nanos{0}, prealarm_});
    started_ = true;
  } catch (const std::exception& e) {
    stop();
    throw DutError(std::string("bench ") + rig_.name + ": " + e.what());
  }
}

std::optional<double> BenchDut::observed(std::string_view signal) const { return observer_.value(signal); }

std::string BenchDut::vedirect_request(std::string_view line) {
  if (!telemetry_) throw DutError("bench " + rig_.name + ": no VE.Direct port (rig.yaml `telemetry:`) for a HEX request");
  std::string l(line);
  if (l.empty() || l.back() != '\n') l += '\n';
  observer_.expect(l);
  try {
    telemetry_->send(l);
  } catch (const std::exception& e) {
    throw DutError("bench " + rig_.name + ": VE.Direct request " + std::string(line) + ": " + e.what());
  }
  return "";
}

void BenchDut::load_config(const fw::Config& config) {
  const fw::Outputs none{};
  for (std::uint16_t id = vd::reg::kInputMode; id <= vd::reg::kLvdEmergencyFloorMv; ++id) {
    std::uint32_t value = 0;
    std::size_t size = 0;
    if (!vd::read_register(id, config, none, value, size)) continue;
    const auto resp = link_->exchange(vd::make_register(static_cast<std::uint8_t>(vd::HexCommand::kSet), id, 0, value, size),
                                      io_, options_.hex_timeout);
    char reg[8];
    std::snprintf(reg, sizeof reg, "0x%04X", id);
    if (!resp) throw DutError(std::string("board did not answer HEX set of register ") + reg);
    if (resp->flags() != vd::kFlagOk)
      throw DutError(std::string("board refused register ") + reg + " = " + std::to_string(value) + " (flags " +
                     std::to_string(resp->flags()) + ")");
  }
}

void BenchDut::pace_until(Clock::time_point deadline) {
  // The reactor's wait (epoll) times out in whole milliseconds, so it wakes up to 1 ms late: service events until
  // 1 ms before the deadline, then sleep the rest precisely (events arriving meanwhile keep their kernel timestamps).
  const auto coarse = deadline - std::chrono::milliseconds(1);
  while (Clock::now() < coarse) {
    if (io_.stopped()) break;
    io_.run_one_until(coarse);
  }
  if (!io_.stopped()) io_.poll();
  std::this_thread::sleep_until(deadline);
  if (!io_.stopped()) io_.poll();
}

void BenchDut::drive(std::span<const double> values) { driven_values_.assign(values.begin(), values.end()); }

void BenchDut::measure(std::span<double> values) {
  for (std::size_t k = 0; k < values.size() && k < latest_.size(); ++k) values[k] = latest_[k];
}

void BenchDut::write_channels(fw::Millis now) {
  if (driven_values_.size() != driven_.size()) return;  // nothing driven yet (a bare step): outputs keep their state
  for (std::size_t k = 0; k < driven_.size(); ++k) {
    const auto& c = *driven_[k];
    const double v = driven_values_[k];
    if (auto* a = bench_->analog_out(c.signal)) {
      if (a->commanded() == v) continue;
      if (const auto* sb = std::get_if<io::ScpiBinding>(&c.binding)) {
        auto& next = next_update_ms_[c.signal];
        if (now < next) continue;  // an instrument is slower than the tick: at most one set point per update_ms
        next = now + static_cast<fw::Millis>(sb->update_period.count());
      }
      a->write(v);
    } else if (auto* d = bench_->digital_out(c.signal)) {
      const auto* g = std::get_if<io::GpiodBinding>(&c.binding);
      const bool level = g && g->threshold ? v >= *g->threshold : v != 0.0;
      if (d->level() != level) d->set(level);
    }
  }
}

void BenchDut::read_channels(fw::Millis now) {
  for (std::size_t k = 0; k < measured_.size(); ++k) {
    const auto& c = *measured_[k];
    if (const auto* sb = std::get_if<io::ScpiBinding>(&c.binding)) {
      if (now < next_read_ms_[k]) continue;  // an instrument query takes milliseconds: one per update_ms
      next_read_ms_[k] = now + static_cast<fw::Millis>(sb->update_period.count());
    }
    if (auto* a = bench_->analog_in(c.signal)) latest_[k] = a->read();
  }
}

std::size_t BenchDut::step_ticks(std::span<const BoardSample> inputs, fw::Millis first_now, const fw::Outputs& assumed,
                                 std::span<fw::Outputs> out) {
  (void)assumed;
  if (!started_) throw DutError("bench: step before start");
  if (inputs.empty() || out.empty()) throw DutError("bench: empty step");
  if (supervisor_->aborted()) throw DutError("bench " + rig_.name + " stopped: " + supervisor_->reason());
  const auto deadline = start_ + std::chrono::milliseconds(first_now);
  if (options_.pace) {
    pace_until(deadline);
    jitter_.add(std::chrono::duration_cast<io::Nanos>(Clock::now() - deadline));
  } else if (!io_.stopped()) {
    io_.poll();
  }
  if (supervisor_->aborted()) throw DutError("bench " + rig_.name + " stopped: " + supervisor_->reason());
  try {
    (void)inputs;  // the board samples its own sensors: the bench drives them from the plant's physical values
    supervisor_->guard([&] {
      if (reset_pending_ || release_at_ms_) board_control(first_now);
      if (deadman_line_ && first_now >= next_deadman_ms_) {  // the run is alive: keep the bench's deadman fed
        deadman_level_ = !deadman_level_;
        deadman_line_->set_value(deadman_level_);
        next_deadman_ms_ = first_now + static_cast<fw::Millis>(rig_.board.deadman->hold.count());
      }
      write_channels(first_now);
      read_channels(first_now);
    });
  } catch (const std::exception& e) {
    throw DutError("bench " + rig_.name + " stopped: " + supervisor_->reason());
  }
  if (link_ && options_.poll_flags.count() > 0 && first_now >= next_poll_ms_) {
    next_poll_ms_ = first_now + static_cast<fw::Millis>(options_.poll_flags.count());
    try {
      link_->send(vd::make_get(vd::reg::kBmsFlags));
      link_->send(vd::make_get(vd::reg::kBmsError));
    } catch (const std::exception& e) {
      supervisor_->abort(std::string("telemetry port: ") + e.what());
      throw DutError("bench " + rig_.name + " stopped: " + supervisor_->reason());
    }
  }
  fw::Outputs o{};
  if (flags_known_) {
    o.bms_flags = bms_flags_;
    o.atc = (bms_flags_ >> 25) & 1u;
    o.atd = (bms_flags_ >> 26) & 1u;
    o.prealarm_active = (bms_flags_ >> 27) & 1u;
  }
  o.bms_error = bms_error_;
  o.load = load_ ? fw::Pin::kHigh : fw::Pin::kFloating;
  o.charge = charge_ ? fw::Pin::kHigh : fw::Pin::kFloating;
  o.prealarm = prealarm_ ? fw::Pin::kHigh : fw::Pin::kFloating;
  if (link_ && link_->last_block()) o.alarm_reason = link_->last_block()->alarm_reason;
  out[0] = o;
  return 1;
}

void BenchDut::open_board_control() {
  const auto& b = rig_.board;
  if (b.reset && b.reset->line) {
    reset_line_ = options_.gpio_ports();
    reset_line_->request_output(*b.reset->line, false);  // released: the board runs
  }
  if (b.power && b.power->line) {
    power_line_ = options_.gpio_ports();
    power_line_->request_output(*b.power->line, true);  // powered
  }
  if (b.deadman && b.deadman->line) {
    deadman_line_ = options_.gpio_ports();
    deadman_level_ = false;
    next_deadman_ms_ = 0;
    deadman_line_->request_output(*b.deadman->line, false);
  }
  if (b.power && !b.power->instrument.empty())
    if (auto inst = bench_->instrument(b.power->instrument)) {
      inst->connect();
      inst->set_output(true);
    }
}

// Asserts a pending reset (or switches the power off) at this tick, and releases it once its hold time has passed.
void BenchDut::board_control(fw::Millis now) {
  const auto& b = rig_.board;
  const bool by_reset = reset_by_line_;
  const auto& ctl = by_reset ? *b.reset : *b.power;
  auto drive = [&](bool active) {
    if (by_reset) {
      if (reset_line_) reset_line_->set_value(active);
    } else if (power_line_) {
      power_line_->set_value(!active);  // active = the board is off
    } else if (auto inst = bench_->instrument(ctl.instrument)) {
      inst->set_output(!active);
    }
  };
  if (reset_pending_) {
    reset_pending_ = false;
    drive(true);
    release_at_ms_ = now + static_cast<fw::Millis>(ctl.hold.count());
  } else if (release_at_ms_ && now >= *release_at_ms_) {
    release_at_ms_.reset();
    drive(false);
  }
}

void BenchDut::reset(ResetKind kind) {
  if (kind == ResetKind::kPower && !rig_.board.power)
    throw DutError("bench " + rig_.name + ": a power reset needs board.power (a relay or an instrument output) in the "
                   "rig file, which does not describe it");
  if (!rig_.board.reset && !rig_.board.power)
    throw DutError("bench " + rig_.name + ": a reset needs board.reset (a reset line) or board.power (a relay or an "
                   "instrument output) in the rig file, which describes neither");
  if (!started_) throw DutError("bench: reset before start");
  reset_by_line_ = kind == ResetKind::kWatchdog && rig_.board.reset.has_value();
  reset_pending_ = true;
}

void BenchDut::stop() noexcept {
  try {
    if (link_ && link_->last_block()) board_info_ = firmware_info();  // the board's identity outlives the link
  } catch (...) {
  }
  if (supervisor_) supervisor_->make_safe();
  else if (bench_) bench_->deactivate();
  // The board is left running and powered, as the bench found it.
  try {
    if (reset_line_) reset_line_->set_value(false);
    if (power_line_) power_line_->set_value(true);
  } catch (...) {
  }
  try {
    if (deadman_line_) deadman_line_->set_value(false);  // stops toggling: the deadman drops the bench
  } catch (...) {
  }
  for (auto* line : {&reset_line_, &power_line_, &deadman_line_})
    if (*line) {
      (*line)->release();
      line->reset();
    }
  release_at_ms_.reset();
  link_.reset();
  telemetry_.reset();
  supervisor_.reset();
  bench_.reset();
  started_ = false;
}

std::vector<TimedOutput> BenchDut::drain_output_edges() {
  std::vector<TimedOutput> out = std::move(initial_levels_);
  initial_levels_.clear();
  for (; drained_ < edges_.size(); ++drained_) {
    const auto& e = edges_[drained_];
    out.push_back({e.signal, e.edge.t, e.edge.level});
  }
  return out;
}

std::optional<LoopReport> BenchDut::loop_report() const {
  LoopReport r;
  const auto s = jitter_.summarize();
  r.ticks = s.count;
  r.p50 = s.p50;
  r.p99 = s.p99;
  r.max = s.max;
  r.sched_fifo = rt_status_.fifo;
  r.mlockall = rt_status_.locked;
  r.status = realtime_;
  return r;
}

std::vector<std::string> BenchDut::unsafe_outputs() const { return supervisor_ ? supervisor_->unsafe() : std::vector<std::string>{}; }

}  // namespace rig
