#include "rig/io/gpio.hpp"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <chrono>

namespace rig::io {

EdgeDebouncer::EdgeDebouncer(Nanos debounce, bool initial_level)
    : debounce_ns_(debounce.count() < 0 ? 0 : debounce.count()), level_(initial_level), raw_level_(initial_level) {}

std::optional<KernelEdge> EdgeDebouncer::settle() {
  pending_ = false;
  if (raw_level_ == level_) return std::nullopt;  // the burst came back: a glitch
  level_ = raw_level_;
  return KernelEdge{burst_start_ns_, level_};
}

std::optional<KernelEdge> EdgeDebouncer::on_raw(const RawEdge& edge) {
  std::optional<KernelEdge> out;
  if (pending_ && edge.timestamp_ns - last_raw_ns_ >= debounce_ns_) out = settle();
  if (!pending_) burst_start_ns_ = edge.timestamp_ns;
  pending_ = true;
  raw_level_ = edge.level;
  last_raw_ns_ = edge.timestamp_ns;
  if (debounce_ns_ == 0) out = settle();
  return out;
}

std::optional<KernelEdge> EdgeDebouncer::poll(std::int64_t now_ns) {
  if (pending_ && now_ns - last_raw_ns_ >= debounce_ns_) return settle();
  return std::nullopt;
}

std::optional<std::int64_t> EdgeDebouncer::deadline_ns() const {
  if (!pending_) return std::nullopt;
  return last_raw_ns_ + debounce_ns_;
}

namespace {
std::int64_t read_clock(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

RunClock RunClock::start_now() { return RunClock(read_clock(CLOCK_MONOTONIC), read_clock(CLOCK_REALTIME)); }

KernelClock detect_kernel_clock(std::int64_t ts, std::int64_t mono_now, std::int64_t real_now) {
  const auto dist = [](std::int64_t a, std::int64_t b) { return a > b ? a - b : b - a; };
  return dist(ts, real_now) < dist(ts, mono_now) ? KernelClock::kRealtime : KernelClock::kMonotonic;
}

GpioDigitalIn::GpioDigitalIn(std::string name, GpioLineSpec spec, std::unique_ptr<GpioLinePort> port,
                             boost::asio::io_context& io, const RunClock& clock, KernelClock kernel_clock)
    : DigitalIn(std::move(name)), spec_(std::move(spec)), port_(std::move(port)), io_(io), clock_(clock),
      kernel_clock_(kernel_clock), timer_(io) {
  if (!port_) throw std::invalid_argument(this->name() + ": no GPIO port");
}

GpioDigitalIn::~GpioDigitalIn() {
  *alive_ = false;
  do_deactivate();
  port_->release();
}

void GpioDigitalIn::do_configure() {
  port_->request_input(spec_);
  debouncer_.emplace(spec_.debounce, port_->get_value());
}

void GpioDigitalIn::do_activate() {
  const int fd = ::dup(port_->event_fd());  // the descriptor object closes its own copy
  if (fd < 0) throw ChannelError(name() + ": cannot dup the line's event fd");
  descriptor_.emplace(io_, fd);
  arm_wait();
}

void GpioDigitalIn::do_deactivate() noexcept {
  boost::system::error_code ec;
  timer_.cancel();
  if (descriptor_) {
    descriptor_->cancel(ec);
    descriptor_->close(ec);
    descriptor_.reset();
  }
}

bool GpioDigitalIn::do_read() { return debouncer_->level(); }

void GpioDigitalIn::arm_wait() {
  std::weak_ptr<bool> alive = alive_;
  descriptor_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, alive](const boost::system::error_code& ec) {
                            if (ec || alive.expired() || !descriptor_) return;  // cancelled / destroyed
                            on_readable();
                          });
}

void GpioDigitalIn::deliver(const KernelEdge& e) { emit(EdgeEvent{clock_.to_run_time(e.timestamp_ns, kernel_clock_), e.level}); }

bool GpioDigitalIn::drain() {
  try {
    const std::size_t n = port_->read_events(buffer_);
    for (std::size_t i = 0; i < n; ++i) {
      if (auto e = debouncer_->on_raw(buffer_[i])) deliver(*e);
    }
    return true;
  } catch (const std::exception& e) {
    do_deactivate();
    report_fault(e.what());
    return false;
  }
}

void GpioDigitalIn::on_readable() {
  if (!drain()) return;
  arm_debounce_timer();
  arm_wait();
}

void GpioDigitalIn::arm_debounce_timer() {
  const auto deadline = debouncer_->deadline_ns();
  if (!deadline) return;
  // steady_clock is CLOCK_MONOTONIC on Linux; a realtime-stamped kernel is mapped through the run clock.
  std::int64_t mono_deadline = *deadline;
  if (kernel_clock_ == KernelClock::kRealtime)
    mono_deadline = clock_.start_monotonic_ns() + clock_.to_run_time(*deadline, KernelClock::kRealtime).count();
  timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(mono_deadline)));
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive, deadline = *deadline](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !descriptor_) return;
    // Edges that happened before the deadline may still sit in the kernel's queue: read them first.
    pollfd pfd{port_->event_fd(), POLLIN, 0};
    if (::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) && !drain()) return;
    if (auto e = debouncer_->poll(deadline)) deliver(*e);
    arm_debounce_timer();  // still pending when the drain moved the burst on
  });
}

GpioDigitalOut::GpioDigitalOut(std::string name, DigitalSpec spec, GpioLineSpec line, std::unique_ptr<GpioLinePort> port)
    : DigitalOut(std::move(name), spec), line_(std::move(line)), port_(std::move(port)) {
  if (!port_) throw std::invalid_argument(this->name() + ": no GPIO port");
}

GpioDigitalOut::~GpioDigitalOut() { port_->release(); }

void GpioDigitalOut::do_configure() { port_->request_output(line_, spec().safe_level); }

void GpioDigitalOut::do_set(bool level) { port_->set_value(level); }

}  // namespace rig::io
