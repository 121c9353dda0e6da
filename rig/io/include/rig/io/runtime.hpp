// Real-time pieces of the HIL runner that do not depend on the scenario runner:
//   JitterStats       lateness of each loop wake-up, summarised as p50 / p99 / max
//   enable_realtime() SCHED_FIFO + mlockall + 1 ns timer slack for the calling thread, when permitted; the
//                     returned status says what was refused and why (reported in the run's results)
//   PacedLoop         a Boost.Asio steady_timer loop on an absolute deadline grid (no drift) at a fixed rate
//   SafetySupervisor  one place that drives every channel to its safe state on every exit path: a signal
//                     (SIGINT/SIGTERM/SIGHUP), an exception in the loop, a lost device (a channel's fault
//                     handler), a board whose telemetry is silent for the configured time. The first reason is
//                     kept: the run is then an error — not a failure, not a pass.
// Only this file's implementation reads steady_clock (STYLE.md: only the real-time scheduler touches it).
// Everything runs on the io_context's thread; none of it is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rig/io/channel.hpp"

namespace rig::io {

class JitterStats {
 public:
  // Reserves room for `capacity` samples up front; add() never allocates.
  explicit JitterStats(std::size_t capacity);
  // Records one wake-up's lateness (actual − scheduled; ≥ 0 in practice). Beyond capacity: counted, not kept.
  void add(Nanos lateness) noexcept;
  struct Summary {
    std::size_t count = 0;    // samples kept
    std::size_t dropped = 0;  // samples beyond capacity
    Nanos p50{0}, p99{0}, max{0};
    double mean_ns = 0.0;
  };
  // Percentiles by nearest rank over the kept samples.
  Summary summarize() const;
  std::string describe() const;  // "p50 12.3 us, p99 45.6 us, max 78.9 us (n=10000)"

 private:
  std::vector<std::int64_t> samples_;
  std::size_t capacity_;
  std::size_t dropped_ = 0;
};

struct RealtimeStatus {
  bool fifo = false;     // SCHED_FIFO granted
  bool locked = false;   // mlockall granted
  int priority = 0;
  std::string fifo_error, lock_error;  // why not ("Operation not permitted", …)
  std::string describe() const;
};
// Switches the calling thread to SCHED_FIFO at `priority`, locks memory (MCL_CURRENT | MCL_FUTURE) and sets
// the timer slack to 1 ns. Never throws; reports what it could not do.
RealtimeStatus enable_realtime(int priority);

class PacedLoop {
 public:
  // Called once per tick with the tick number (0, 1, …) and the tick's scheduled time since start(). Return
  // false to stop. It runs on the io_context thread; an exception propagates out of io.run().
  using Step = std::function<bool(std::uint64_t tick, Nanos scheduled)>;

  PacedLoop(boost::asio::io_context& io, double rate_hz, std::size_t jitter_capacity = 1'000'000);
  // First tick one period after now. Ticks whose deadline passed by more than one period while a step ran are
  // skipped (counted in missed()), so the loop never runs in bursts to catch up.
  void start(Step step);
  void stop() noexcept;
  bool running() const { return running_; }
  const JitterStats& jitter() const { return jitter_; }
  std::uint64_t ticks() const { return ticks_; }
  std::uint64_t missed() const { return missed_; }
  Nanos period() const { return period_; }

 private:
  void arm();
  boost::asio::steady_timer timer_;
  Nanos period_;
  Step step_;
  JitterStats jitter_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t next_tick_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint64_t missed_ = 0;
  bool running_ = false;
};

class SafetySupervisor {
 public:
  // Makes the bench safe and returns the outputs that could not be made safe (e.g. [&]{ return bench.deactivate(); }).
  using SafeAction = std::function<std::vector<std::string>()>;
  // Called once, after the safe action, with the reason (the runner marks the run as an error, writes the trace).
  using AbortHandler = std::function<void(const std::string& reason)>;

  SafetySupervisor(boost::asio::io_context& io, SafeAction safe);
  // The last exit path: makes the bench safe if nothing else did (stack unwinding after an exception).
  ~SafetySupervisor();

  void on_abort(AbortHandler handler) { abort_handler_ = std::move(handler); }
  // Aborts on SIGINT, SIGTERM, SIGHUP.
  void watch_signals();
  // Aborts when now() − last_rx() exceeds `timeout`, checked every `check_period` (both on run time).
  void watch_silence(std::string what, std::function<Nanos()> now, std::function<Nanos()> last_rx, Nanos timeout,
                     Nanos check_period = std::chrono::milliseconds(100));
  // Runs `f`; an exception aborts (reason: the exception's text) and is rethrown.
  template <typename F>
  decltype(auto) guard(F&& f) {
    try {
      return f();
    } catch (const std::exception& e) {
      abort(std::string("exception: ") + e.what());
      throw;
    } catch (...) {
      abort("exception: unknown");
      throw;
    }
  }

  // Records the first reason, makes everything safe, stops the io_context. Idempotent; never throws.
  void abort(const std::string& reason) noexcept;
  // Makes everything safe once (the normal end of a run calls this too). Never throws.
  const std::vector<std::string>& make_safe() noexcept;

  bool aborted() const { return reason_.has_value(); }
  const std::string& reason() const;
  bool safe() const { return made_safe_; }
  // Outputs that could not be made safe.
  const std::vector<std::string>& unsafe() const { return unsafe_; }

 private:
  void arm_silence();
  boost::asio::io_context& io_;
  SafeAction safe_;
  AbortHandler abort_handler_;
  std::optional<boost::asio::signal_set> signals_;
  boost::asio::steady_timer silence_timer_;
  std::string silence_what_;
  std::function<Nanos()> now_, last_rx_;
  Nanos silence_timeout_{0}, silence_period_{0};
  std::optional<std::string> reason_;
  bool made_safe_ = false;
  std::vector<std::string> unsafe_;
};

}  // namespace rig::io
