// rig_io_jitter: measures the HIL loop's wake-up jitter on this host — the same PacedLoop (Boost.Asio
// steady_timer, absolute deadlines) the bench runner uses, optionally with SCHED_FIFO + mlockall.
//
//   rig_io_jitter [--rate-hz 1000] [--seconds 10] [--no-realtime] [--priority 80] [--work-us 0]
//
// Prints the real-time status, then p50 / p99 / max lateness of the wake-ups and the ticks missed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rig/io/runtime.hpp"

int main(int argc, char** argv) {
  double rate_hz = 1000.0, seconds = 10.0;
  bool realtime = true;
  int priority = 80;
  long work_us = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rate-hz") rate_hz = std::atof(value());
    else if (a == "--seconds") seconds = std::atof(value());
    else if (a == "--no-realtime") realtime = false;
    else if (a == "--priority") priority = std::atoi(value());
    else if (a == "--work-us") work_us = std::atol(value());
    else {
      std::fprintf(stderr, "usage: %s [--rate-hz N] [--seconds S] [--no-realtime] [--priority P] [--work-us U]\n", argv[0]);
      return 2;
    }
  }
  if (!(rate_hz > 0.0) || !(seconds > 0.0)) {
    std::fprintf(stderr, "rate and duration must be > 0\n");
    return 2;
  }
  const char* rt = "not requested";
  std::string rt_text;
  if (realtime) {
    rt_text = rig::io::enable_realtime(priority).describe();
    rt = rt_text.c_str();
  }
  const auto total = static_cast<std::uint64_t>(rate_hz * seconds);
  boost::asio::io_context io;
  rig::io::PacedLoop loop(io, rate_hz, total + 16);
  volatile std::uint64_t sink = 0;
  loop.start([&](std::uint64_t tick, rig::io::Nanos) {
    if (work_us > 0) {  // simulated plant work: busy for work_us
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(work_us);
      while (std::chrono::steady_clock::now() < until) sink = sink + 1;
    }
    return tick + 1 < total;
  });
  io.run();
  const auto s = loop.jitter().summarize();
  std::printf("rate %.0f Hz, %.1f s, realtime: %s\n", rate_hz, seconds, rt);
  std::printf("wake-up lateness: p50 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us (n=%zu), missed ticks %llu\n",
              s.p50.count() / 1e3, s.p99.count() / 1e3, s.max.count() / 1e3, s.mean_ns / 1e3, s.count,
              static_cast<unsigned long long>(loop.missed()));
  return 0;
}
