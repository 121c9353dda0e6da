#include "rig/io/channel.hpp"

#include <cmath>
#include <limits>

namespace rig::io {

const char* to_string(ChannelState state) {
  switch (state) {
    case ChannelState::kUnconfigured: return "unconfigured";
    case ChannelState::kConfigured: return "configured";
    case ChannelState::kActive: return "active";
    case ChannelState::kFaulted: return "faulted";
  }
  return "?";
}

Channel::Channel(std::string name) : name_(std::move(name)) {}

void Channel::configure() {
  if (state_ != ChannelState::kUnconfigured) return;
  try {
    do_configure();
  } catch (const std::exception& e) {
    last_error_ = e.what();
    throw ChannelError(name_ + ": configure failed: " + e.what());
  }
  state_ = ChannelState::kConfigured;
}

void Channel::activate() {
  if (state_ == ChannelState::kActive) return;
  if (state_ != ChannelState::kConfigured)
    throw ChannelError(name_ + ": activate in state " + to_string(state_) + " (expected configured)");
  try {
    do_activate();
    do_drive_safe();
  } catch (const std::exception& e) {
    last_error_ = e.what();
    state_ = ChannelState::kFaulted;
    throw ChannelError(name_ + ": activate failed: " + e.what());
  }
  state_ = ChannelState::kActive;
}

bool Channel::drive_safe() noexcept {
  if (state_ == ChannelState::kUnconfigured) return true;  // nothing was ever driven
  try {
    do_drive_safe();
    return true;
  } catch (const std::exception& e) {
    last_error_ = e.what();
  } catch (...) {
    last_error_ = "unknown error";
  }
  state_ = ChannelState::kFaulted;
  return false;
}

bool Channel::deactivate() noexcept {
  if (state_ != ChannelState::kActive && state_ != ChannelState::kFaulted) return true;
  const bool safe = drive_safe();
  do_deactivate();
  state_ = ChannelState::kConfigured;
  return safe;
}

void Channel::require_active(const char* operation) const {
  if (state_ != ChannelState::kActive)
    throw ChannelError(name_ + ": " + operation + " in state " + to_string(state_) + " (expected active)");
}

void Channel::fail(const char* operation, const std::string& what) {
  last_error_ = what;
  state_ = ChannelState::kFaulted;
  throw ChannelError(name_ + ": " + operation + " failed: " + what);
}

void Channel::mark_faulted(const std::string& what) noexcept {
  try {
    last_error_ = what;
  } catch (...) {
  }
  state_ = ChannelState::kFaulted;
}

namespace {
void validate(const std::string& name, const AnalogSpec& spec, bool check_safe) {
  if (!(spec.limits.min <= spec.limits.max) || !std::isfinite(spec.limits.min) || !std::isfinite(spec.limits.max))
    throw std::invalid_argument(name + ": limits must be finite with min <= max");
  if (!std::isfinite(spec.calibration.gain) || spec.calibration.gain == 0.0 ||
      !std::isfinite(spec.calibration.offset))
    throw std::invalid_argument(name + ": calibration gain must be finite and non-zero, offset finite");
  if (check_safe && !spec.limits.contains(spec.safe_value))
    throw std::invalid_argument(name + ": safe value outside the limits");
}
}  // namespace

AnalogOut::AnalogOut(std::string name, AnalogSpec spec)
    : Channel(std::move(name)), spec_(std::move(spec)), commanded_(std::numeric_limits<double>::quiet_NaN()) {
  validate(this->name(), spec_, true);
}

double AnalogOut::write(double value) {
  require_active("write");
  if (std::isnan(value)) throw ChannelError(name() + ": write of NaN refused");
  const double clamped = spec_.limits.clamp(value);
  if (clamped != value) ++clamp_count_;
  guarded("write", [&] {
    do_write_device(spec_.calibration.to_device(clamped));
    if (in_safe_state_) do_leave_safe_state();
  });
  in_safe_state_ = false;
  commanded_ = clamped;
  return clamped;
}

void AnalogOut::do_drive_safe() {
  commanded_ = spec_.safe_value;
  in_safe_state_ = true;
  try {
    do_write_device(spec_.calibration.to_device(spec_.safe_value));
  } catch (...) {
    do_enter_safe_state();  // still try the second half (e.g. output off)
    throw;
  }
  do_enter_safe_state();
}

AnalogIn::AnalogIn(std::string name, AnalogSpec spec) : Channel(std::move(name)), spec_(std::move(spec)) {
  validate(this->name(), spec_, false);
}

double AnalogIn::read() {
  require_active("read");
  const double device = guarded("read", [&] { return do_read_device(); });
  const double physical = spec_.calibration.to_physical(device);
  saturated_ = !spec_.limits.contains(physical);
  return physical;  // judged as measured, never clamped: out of range is a finding, not something to hide
}

DigitalOut::DigitalOut(std::string name, DigitalSpec spec)
    : Channel(std::move(name)), spec_(spec), level_(spec.safe_level) {}

void DigitalOut::set(bool level) {
  require_active("set");
  guarded("set", [&] { do_set(level); });
  level_ = level;
}

void DigitalOut::do_drive_safe() {
  do_set(spec_.safe_level);
  level_ = spec_.safe_level;
}

DigitalIn::DigitalIn(std::string name) : Channel(std::move(name)) {}

bool DigitalIn::read() {
  require_active("read");
  return guarded("read", [&] { return do_read(); });
}

}  // namespace rig::io
