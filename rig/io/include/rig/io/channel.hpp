// Hardware channels for HIL (ARCHITECTURE.md "rig/io"): the four interfaces every backend implements —
// analog out (DAC, programmable supply), analog in (ADC, instrument measurement), digital out (relay,
// Remote H/L) and digital in (board output pin, with edge events).
//
// NVI form (STYLE.md, Pigweed): the public, non-virtual calls in these bases own the lifecycle, range
// clamping, calibration and the safe state; a backend only implements the private do_*() hooks. So a
// backend cannot forget to clamp, and the safety supervisor can drive any output to its safe state
// without knowing the backend.
//
// Lifecycle (ros2_control style):
//   kUnconfigured --configure()--> kConfigured --activate()--> kActive --deactivate()--> kConfigured
//   any backend failure while active                                  --> kFaulted (deactivate() still
//                                                                          tries the safe state)
//   configure() checks the device exists and answers (opens files, *IDN?) and throws ChannelError when not;
//   activate() drives an output to its safe state first, then allows writes;
//   deactivate() and drive_safe() never throw (they are called on every exit path).
//
// Units: every value crossing this API is physical, in SI units (V, A); the unit is named in the spec.
// Calibration maps physical to device units: device = gain * physical + offset (the same formula for inputs
// and outputs; an input's reading is inverted: physical = (device - offset) / gain).
//
// Thread safety: none; a channel is used from one thread (the run loop). DigitalIn delivers edge events on
// the thread that runs its backend's event loop (see gpio.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace rig::io {

// Time on the run's time base (the same representation as rig::Time): nanoseconds since the run started.
using Nanos = std::chrono::nanoseconds;

// Any channel failure: a device that is missing, refuses, answers wrongly or disappears mid-run.
struct ChannelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class ChannelState : std::uint8_t { kUnconfigured, kConfigured, kActive, kFaulted };
const char* to_string(ChannelState state);

struct Calibration {
  double gain = 1.0;    // device units per physical unit (must be finite and non-zero)
  double offset = 0.0;  // device units at physical zero
  double to_device(double physical) const { return gain * physical + offset; }
  double to_physical(double device) const { return (device - offset) / gain; }
};

// Closed physical range [min, max].
struct Limits {
  double min = 0.0;
  double max = 0.0;
  bool contains(double v) const { return v >= min && v <= max; }
  double clamp(double v) const { return v < min ? min : (v > max ? max : v); }
};

class Channel {
 public:
  explicit Channel(std::string name);
  virtual ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // The plant signal this channel carries, e.g. "bank/battery[0]/cell[0]/sensed_voltage_v".
  const std::string& name() const { return name_; }
  ChannelState state() const { return state_; }
  virtual bool is_output() const = 0;

  // kUnconfigured → kConfigured. Throws ChannelError (state unchanged) when the device is absent or wrong.
  // Calling it on a configured channel is a no-op.
  void configure();
  // kConfigured → kActive; an output drives its safe state first. Throws ChannelError (→ kFaulted).
  void activate();
  // Drives the safe state (outputs), then kActive/kFaulted → kConfigured. Never throws; returns false and
  // keeps the reason in last_error() when the safe state could not be applied.
  bool deactivate() noexcept;
  // Drives the safe state without leaving the current state (outputs; inputs: true). Never throws.
  bool drive_safe() noexcept;

  // The last failure seen by this channel (empty when none).
  const std::string& last_error() const { return last_error_; }

 protected:
  // Throws ChannelError unless active.
  void require_active(const char* operation) const;
  // Runs a backend call; any exception marks the channel faulted and is rethrown as ChannelError naming it.
  template <typename F>
  auto guarded(const char* operation, F&& f) -> decltype(f());
  [[noreturn]] void fail(const char* operation, const std::string& what);
  // Marks the channel faulted without throwing (failures seen on an event thread).
  void mark_faulted(const std::string& what) noexcept;

 private:
  virtual void do_configure() = 0;
  virtual void do_activate() {}
  virtual void do_deactivate() noexcept {}
  // Applies the safe state; may throw (drive_safe catches).
  virtual void do_drive_safe() {}

  std::string name_;
  ChannelState state_ = ChannelState::kUnconfigured;
  std::string last_error_;
};

template <typename F>
auto Channel::guarded(const char* operation, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    fail(operation, e.what());
  }
}

struct AnalogSpec {
  std::string unit = "V";   // physical unit: "V", "A"
  Limits limits;            // physical range; writes are clamped to it, readings outside it are flagged
  Calibration calibration;  // physical → device units
  double safe_value = 0.0;  // outputs: applied on activate, deactivate and every exit path (within limits)
};

// DAC channel, supply voltage or current set point, load current.
class AnalogOut : public Channel {
 public:
  // Throws std::invalid_argument when the limits are empty, the gain is zero or not finite, or the safe
  // value is outside the limits.
  AnalogOut(std::string name, AnalogSpec spec);
  bool is_output() const final { return true; }
  const AnalogSpec& spec() const { return spec_; }

  // Commands a physical value; NaN is refused (ChannelError). Values outside the limits are clamped.
  // Returns the physical value actually commanded. Requires kActive.
  double write(double value);
  // The physical value last commanded (the safe value after activate/deactivate); NaN before activate.
  double commanded() const { return commanded_; }
  // How many writes were clamped since construction.
  std::uint64_t clamp_count() const { return clamp_count_; }

 private:
  // Applies a device-unit value (already clamped and calibrated). May throw.
  virtual void do_write_device(double device_value) = 0;
  // Optional: after the safe value was written, e.g. switch an instrument's output off.
  virtual void do_enter_safe_state() {}
  // Optional: after the first write that follows the safe state, e.g. switch the output back on.
  virtual void do_leave_safe_state() {}
  void do_drive_safe() final;

  AnalogSpec spec_;
  double commanded_;
  std::uint64_t clamp_count_ = 0;
  bool in_safe_state_ = false;
};

// ADC channel, instrument measurement.
class AnalogIn : public Channel {
 public:
  AnalogIn(std::string name, AnalogSpec spec);  // safe_value is unused
  bool is_output() const final { return false; }
  const AnalogSpec& spec() const { return spec_; }

  // Reads one sample in physical units, as measured (never clamped to the limits). Requires kActive.
  double read();
  // Whether the last read() was outside the limits (an out-of-range measurement or a wiring fault).
  bool saturated() const { return saturated_; }

 private:
  // Reads one sample in device units. May throw.
  virtual double do_read_device() = 0;

  AnalogSpec spec_;
  bool saturated_ = false;
};

struct DigitalSpec {
  bool safe_level = false;  // outputs: logical level on activate, deactivate and every exit path
};

// Relay, Remote H/L switch. Levels are logical (true = asserted); active-low wiring is the backend's.
class DigitalOut : public Channel {
 public:
  DigitalOut(std::string name, DigitalSpec spec);
  bool is_output() const final { return true; }
  const DigitalSpec& spec() const { return spec_; }

  // Sets the logical level. Requires kActive.
  void set(bool level);
  // The level last commanded (the safe level after activate/deactivate).
  bool level() const { return level_; }

 private:
  virtual void do_set(bool level) = 0;
  void do_drive_safe() final;

  DigitalSpec spec_;
  bool level_;
};

// A level change seen on a digital input, after debouncing, on the run time base.
struct EdgeEvent {
  Nanos t{0};        // when the line changed (kernel timestamp mapped to run time)
  bool level = false;  // the logical level after the edge
};

// A board output (LD, CD, PA) read back as edge events.
class DigitalIn : public Channel {
 public:
  using EdgeHandler = std::function<void(const EdgeEvent&)>;
  using FaultHandler = std::function<void(const std::string& channel, const std::string& what)>;

  explicit DigitalIn(std::string name);
  bool is_output() const final { return false; }

  // The handler receives every debounced edge, in time order, on the backend's event thread.
  // Set it before activate().
  void on_edge(EdgeHandler handler) { handler_ = std::move(handler); }
  // The handler learns when the backend failed on its event thread (a lost device); the channel is then
  // faulted and read() throws.
  void on_fault(FaultHandler handler) { fault_handler_ = std::move(handler); }
  // The current logical level (debounced). Requires kActive.
  bool read();

 protected:
  // Backends call this for each debounced edge.
  void emit(const EdgeEvent& event) {
    if (handler_) handler_(event);
  }
  // Backends call this when their event source failed.
  void report_fault(const std::string& what) noexcept {
    mark_faulted(what);
    if (fault_handler_) fault_handler_(name(), what);
  }

 private:
  virtual bool do_read() = 0;

  EdgeHandler handler_;
  FaultHandler fault_handler_;
};

}  // namespace rig::io
