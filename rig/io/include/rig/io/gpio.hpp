// GPIO channels: board outputs (LD, CD, PA) read as edge events with the kernel's timestamps, and rig
// outputs (Remote H/L, fault-insertion relays). Three layers, each testable alone:
//
//   GpioLinePort    the kernel face of one requested line (a port, in the hexagonal sense). GpiodLinePort
//                   is the thin libgpiod 1.6 adapter; tests use rig::io::fake::FakeGpioLinePort.
//   EdgeDebouncer   pure logic: raw kernel edges in, debounced level changes out; no clock reads.
//   RunClock        maps kernel timestamps to run time.
//   GpioDigitalIn / GpioDigitalOut   the channels, tying the three together; edge events are read through a
//                   Boost.Asio posix::stream_descriptor on the line's event fd (no polling loop) and delivered
//                   on the thread that runs the io_context.
//
// libgpiod 1.6 speaks the kernel's v1 uAPI: edge timestamps are CLOCK_MONOTONIC on Linux ≥ 5.7 and
// CLOCK_REALTIME before (RunClock handles both), and there is no kernel debounce, so debouncing is done here.
// With active_low the kernel reports logical edges (rising = the line became asserted).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rig/io/channel.hpp"

struct gpiod_chip;  // libgpiod
struct gpiod_line;

namespace rig::io {

enum class Bias : std::uint8_t { kAsIs, kDisabled, kPullUp, kPullDown };

struct GpioLineSpec {
  std::string chip;           // "gpiochip0", "/dev/gpiochip0", a chip label or number
  unsigned line = 0;          // offset on the chip
  bool active_low = false;    // logical level = !physical level
  Bias bias = Bias::kAsIs;    // inputs
  Nanos debounce{0};          // inputs: a level counts once stable this long (0 = every edge)
  std::string consumer = "bmsrig";
};

// One edge as the kernel reported it.
struct RawEdge {
  std::int64_t timestamp_ns = 0;  // kernel timestamp
  bool level = false;             // logical level after the edge (rising edge = true)
};

// The kernel face of one GPIO line. Calls may throw on failure (a lost chip). Not thread-safe.
class GpioLinePort {
 public:
  virtual ~GpioLinePort() = default;
  // Requests the line as an input with events on both edges.
  virtual void request_input(const GpioLineSpec& spec) = 0;
  // Requests the line as an output driving `initial_level` (logical) from the moment of the request.
  virtual void request_output(const GpioLineSpec& spec, bool initial_level) = 0;
  virtual void release() noexcept = 0;
  // A file descriptor that becomes readable when events are pending (input only); owned by the port.
  virtual int event_fd() const = 0;
  // Reads the pending events (call when event_fd() is readable); returns how many were written to `out`.
  virtual std::size_t read_events(std::span<RawEdge> out) = 0;
  virtual bool get_value() = 0;  // logical
  virtual void set_value(bool level) = 0;  // logical
};

// libgpiod 1.6 (C API) adapter. Owns the chip and the line request.
class GpiodLinePort final : public GpioLinePort {
 public:
  GpiodLinePort() = default;
  ~GpiodLinePort() override;
  void request_input(const GpioLineSpec& spec) override;
  void request_output(const GpioLineSpec& spec, bool initial_level) override;
  void release() noexcept override;
  int event_fd() const override;
  std::size_t read_events(std::span<RawEdge> out) override;
  bool get_value() override;
  void set_value(bool level) override;

 private:
  void open_line(const GpioLineSpec& spec);
  ::gpiod_chip* chip_ = nullptr;
  ::gpiod_line* line_ = nullptr;
  std::string where_;
};

// A level change confirmed by the debouncer, on the kernel's time base.
struct KernelEdge {
  std::int64_t timestamp_ns = 0;
  bool level = false;
};

// Debounces raw edges. A new level is confirmed once no further edge arrived for `debounce`; the confirmed
// edge carries the timestamp of the FIRST raw edge of the burst that settled at the new level (the instant the
// contact first moved), so measured delays are not lengthened by bounce. A burst that settles back at the old
// level (a glitch) produces nothing. With debounce 0 every raw edge that changes the level is confirmed at once.
// Pure: the caller passes `now`; no allocation.
class EdgeDebouncer {
 public:
  EdgeDebouncer(Nanos debounce, bool initial_level);
  // Feeds one raw edge (timestamps must not decrease). Returns the change it confirms, if any: with debounce 0
  // the edge itself; otherwise a pending change that had been stable for `debounce` before this edge.
  std::optional<KernelEdge> on_raw(const RawEdge& edge);
  // Confirms the pending change if it has been stable for `debounce` at `now_ns` (kernel time base).
  std::optional<KernelEdge> poll(std::int64_t now_ns);
  // Kernel time at which poll() would confirm the pending burst; nullopt when nothing is pending.
  std::optional<std::int64_t> deadline_ns() const;
  bool level() const { return level_; }  // the confirmed level

 private:
  std::optional<KernelEdge> settle();
  std::int64_t debounce_ns_;
  bool level_;
  bool pending_ = false;
  bool raw_level_;
  std::int64_t burst_start_ns_ = 0;
  std::int64_t last_raw_ns_ = 0;
};

enum class KernelClock : std::uint8_t { kMonotonic, kRealtime };

// Maps kernel timestamps to run time. The run starts at a pair of clock readings taken together.
class RunClock {
 public:
  RunClock(std::int64_t start_monotonic_ns, std::int64_t start_realtime_ns)
      : start_monotonic_ns_(start_monotonic_ns), start_realtime_ns_(start_realtime_ns) {}
  // Reads both clocks now (the only clock read in this file; called once by the runner at run start).
  static RunClock start_now();
  Nanos to_run_time(std::int64_t kernel_ns, KernelClock clock) const {
    return Nanos{kernel_ns - (clock == KernelClock::kMonotonic ? start_monotonic_ns_ : start_realtime_ns_)};
  }
  std::int64_t start_monotonic_ns() const { return start_monotonic_ns_; }

 private:
  std::int64_t start_monotonic_ns_;
  std::int64_t start_realtime_ns_;
};

// Which clock an event timestamp is on: the one whose current reading is closer (the two differ by decades).
KernelClock detect_kernel_clock(std::int64_t timestamp_ns, std::int64_t monotonic_now_ns, std::int64_t realtime_now_ns);

// A board output read back through GPIO edge events.
class GpioDigitalIn final : public DigitalIn {
 public:
  // `io` runs the event handlers; `clock` maps timestamps; `kernel_clock` is the domain of the port's
  // timestamps (detect_kernel_clock on the first event of a bench, or kMonotonic on Linux ≥ 5.7).
  GpioDigitalIn(std::string name, GpioLineSpec spec, std::unique_ptr<GpioLinePort> port,
                boost::asio::io_context& io, const RunClock& clock, KernelClock kernel_clock = KernelClock::kMonotonic);
  ~GpioDigitalIn() override;
  const GpioLineSpec& line_spec() const { return spec_; }

 private:
  void do_configure() override;
  void do_activate() override;
  void do_deactivate() noexcept override;
  bool do_read() override;
  void arm_wait();
  void on_readable();
  bool drain();  // reads and debounces pending events; false after a fault
  void arm_debounce_timer();
  void deliver(const KernelEdge& e);

  GpioLineSpec spec_;
  std::unique_ptr<GpioLinePort> port_;
  boost::asio::io_context& io_;
  const RunClock& clock_;
  KernelClock kernel_clock_;
  std::optional<EdgeDebouncer> debouncer_;
  std::optional<boost::asio::posix::stream_descriptor> descriptor_;
  boost::asio::steady_timer timer_;
  std::array<RawEdge, 16> buffer_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A rig output line (Remote H/L, relay). The line is requested at configure and driven to the safe level
// from that moment.
class GpioDigitalOut final : public DigitalOut {
 public:
  GpioDigitalOut(std::string name, DigitalSpec spec, GpioLineSpec line, std::unique_ptr<GpioLinePort> port);
  ~GpioDigitalOut() override;

 private:
  void do_configure() override;
  void do_set(bool level) override;

  GpioLineSpec line_;
  std::unique_ptr<GpioLinePort> port_;
};

}  // namespace rig::io
