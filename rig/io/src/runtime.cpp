#include "rig/io/runtime.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace rig::io {

JitterStats::JitterStats(std::size_t capacity) : capacity_(capacity) { samples_.reserve(capacity); }

void JitterStats::add(Nanos lateness) noexcept {
  if (samples_.size() < capacity_) samples_.push_back(lateness.count());
  else ++dropped_;
}

JitterStats::Summary JitterStats::summarize() const {
  Summary s;
  s.count = samples_.size();
  s.dropped = dropped_;
  if (samples_.empty()) return s;
  std::vector<std::int64_t> v = samples_;
  std::sort(v.begin(), v.end());
  const auto rank = [&](double p) {
    const auto r = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(r, 1, v.size()) - 1];
  };
  s.p50 = Nanos{rank(0.50)};
  s.p99 = Nanos{rank(0.99)};
  s.max = Nanos{v.back()};
  double sum = 0.0;
  for (auto x : v) sum += static_cast<double>(x);
  s.mean_ns = sum / static_cast<double>(v.size());
  return s;
}

std::string JitterStats::describe() const {
  const auto s = summarize();
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %.1f us, p99 %.1f us, max %.1f us (n=%zu)", s.p50.count() / 1e3,
                s.p99.count() / 1e3, s.max.count() / 1e3, s.count);
  return buf;
}

std::string RealtimeStatus::describe() const {
  std::string s = fifo ? "SCHED_FIFO priority " + std::to_string(priority) : "SCHED_OTHER (SCHED_FIFO refused: " + fifo_error + ")";
  s += locked ? ", memory locked" : ", memory not locked (mlockall refused: " + lock_error + ")";
  return s;
}

RealtimeStatus enable_realtime(int priority) {
  RealtimeStatus st;
  st.priority = priority;
  sched_param param{};
  param.sched_priority = priority;
  const int rc = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param);
  st.fifo = rc == 0;
  if (!st.fifo) st.fifo_error = std::strerror(rc);
  st.locked = ::mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
  if (!st.locked) st.lock_error = std::strerror(errno);
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  return st;
}

PacedLoop::PacedLoop(boost::asio::io_context& io, double rate_hz, std::size_t jitter_capacity)
    : timer_(io), period_(Nanos(static_cast<std::int64_t>(std::llround(1e9 / rate_hz)))), jitter_(jitter_capacity) {
  if (!(rate_hz > 0.0) || period_.count() <= 0) throw std::invalid_argument("PacedLoop: rate must be > 0");
}

void PacedLoop::start(Step step) {
  step_ = std::move(step);
  start_ = std::chrono::steady_clock::now();
  next_tick_ = 1;
  running_ = true;
  arm();
}

void PacedLoop::stop() noexcept {
  running_ = false;
  timer_.cancel();
}

void PacedLoop::arm() {
  const auto deadline = start_ + static_cast<std::int64_t>(next_tick_) * period_;
  timer_.expires_at(deadline);
  timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    const auto woke = std::chrono::steady_clock::now();
    jitter_.add(std::chrono::duration_cast<Nanos>(woke - deadline));
    const std::uint64_t tick = next_tick_ - 1;
    ++ticks_;
    if (!step_(tick, static_cast<std::int64_t>(next_tick_) * period_)) {
      running_ = false;
      return;
    }
    ++next_tick_;
    // Skip ticks that are already more than one period late: no catch-up bursts.
    const auto now = std::chrono::steady_clock::now();
    const auto behind = now - (start_ + static_cast<std::int64_t>(next_tick_) * period_);
    if (behind > period_) {
      const auto skip = static_cast<std::uint64_t>(behind / period_);
      missed_ += skip;
      next_tick_ += skip;
    }
    if (running_) arm();
  });
}

SafetySupervisor::SafetySupervisor(boost::asio::io_context& io, SafeAction safe)
    : io_(io), safe_(std::move(safe)), silence_timer_(io) {}

SafetySupervisor::~SafetySupervisor() {
  make_safe();
  boost::system::error_code ec;
  if (signals_) signals_->cancel(ec);
  silence_timer_.cancel();
}

void SafetySupervisor::watch_signals() {
  signals_.emplace(io_, SIGINT, SIGTERM, SIGHUP);
  signals_->async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    abort(std::string("signal ") + (signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "SIGHUP"));
  });
}

void SafetySupervisor::watch_silence(std::string what, std::function<Nanos()> now, std::function<Nanos()> last_rx,
                                     Nanos timeout, Nanos check_period) {
  silence_what_ = std::move(what);
  now_ = std::move(now);
  last_rx_ = std::move(last_rx);
  silence_timeout_ = timeout;
  silence_period_ = check_period;
  arm_silence();
}

void SafetySupervisor::arm_silence() {
  silence_timer_.expires_after(silence_period_);
  silence_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || aborted()) return;
    const Nanos silent = now_() - last_rx_();
    if (silent >= silence_timeout_) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " silent for %.1f s", static_cast<double>(silent.count()) / 1e9);
      abort(silence_what_ + buf);
      return;
    }
    arm_silence();
  });
}

void SafetySupervisor::abort(const std::string& reason) noexcept {
  if (!reason_) {
    try {
      reason_ = reason;
    } catch (...) {
      reason_.emplace();
    }
  }
  make_safe();
  boost::system::error_code ec;
  if (signals_) signals_->cancel(ec);
  silence_timer_.cancel();
  if (abort_handler_) {
    auto handler = std::move(abort_handler_);
    abort_handler_ = nullptr;
    try {
      handler(*reason_);
    } catch (...) {
    }
  }
  io_.stop();
}

const std::vector<std::string>& SafetySupervisor::make_safe() noexcept {
  if (made_safe_) return unsafe_;
  made_safe_ = true;
  try {
    if (safe_) unsafe_ = safe_();
  } catch (const std::exception& e) {
    unsafe_.push_back(std::string("safe action threw: ") + e.what());
  } catch (...) {
    unsafe_.emplace_back("safe action threw");
  }
  return unsafe_;
}

const std::string& SafetySupervisor::reason() const {
  static const std::string kNone;
  return reason_ ? *reason_ : kNone;
}

}  // namespace rig::io
