// The thin libgpiod 1.6 adapter. Everything with logic lives in gpio.cpp and is tested through a fake port;
// this file only translates calls (tested on benches with gpio-sim: label `kernel`).
#include <gpiod.h>

#include <cerrno>
#include <cstring>

#include "rig/io/gpio.hpp"

namespace rig::io {
namespace {

int bias_flags(Bias bias) {
  switch (bias) {
    case Bias::kAsIs: return 0;
    case Bias::kDisabled: return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
    case Bias::kPullUp: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    case Bias::kPullDown: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
  }
  return 0;
}

[[noreturn]] void throw_errno(const std::string& what) { throw ChannelError(what + ": " + std::strerror(errno)); }

}  // namespace

GpiodLinePort::~GpiodLinePort() { release(); }

void GpiodLinePort::open_line(const GpioLineSpec& spec) {
  release();
  where_ = spec.chip + " line " + std::to_string(spec.line);
  chip_ = ::gpiod_chip_open_lookup(spec.chip.c_str());
  if (!chip_) throw_errno("cannot open GPIO chip '" + spec.chip + "'");
  line_ = ::gpiod_chip_get_line(chip_, spec.line);
  if (!line_) throw_errno("no line " + std::to_string(spec.line) + " on " + spec.chip);
}

void GpiodLinePort::request_input(const GpioLineSpec& spec) {
  open_line(spec);
  gpiod_line_request_config config{};
  config.consumer = spec.consumer.c_str();
  config.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
  config.flags = bias_flags(spec.bias) | (spec.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
  if (::gpiod_line_request(line_, &config, 0) != 0) throw_errno("cannot request " + where_ + " for edge events");
}

void GpiodLinePort::request_output(const GpioLineSpec& spec, bool initial_level) {
  open_line(spec);
  gpiod_line_request_config config{};
  config.consumer = spec.consumer.c_str();
  config.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
  config.flags = spec.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
  if (::gpiod_line_request(line_, &config, initial_level ? 1 : 0) != 0)
    throw_errno("cannot request " + where_ + " as output");
}

void GpiodLinePort::release() noexcept {
  if (line_) ::gpiod_line_release(line_);
  line_ = nullptr;
  if (chip_) ::gpiod_chip_close(chip_);
  chip_ = nullptr;
}

int GpiodLinePort::event_fd() const { return line_ ? ::gpiod_line_event_get_fd(line_) : -1; }

std::size_t GpiodLinePort::read_events(std::span<RawEdge> out) {
  gpiod_line_event events[16];
  const unsigned max = static_cast<unsigned>(out.size() < 16 ? out.size() : 16);
  const int n = ::gpiod_line_event_read_fd_multiple(event_fd(), events, max);
  if (n < 0) throw_errno("reading events of " + where_);
  for (int i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)] = RawEdge{
        static_cast<std::int64_t>(events[i].ts.tv_sec) * 1'000'000'000 + events[i].ts.tv_nsec,
        events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE};
  }
  return static_cast<std::size_t>(n);
}

bool GpiodLinePort::get_value() {
  const int v = ::gpiod_line_get_value(line_);
  if (v < 0) throw_errno("reading " + where_);
  return v != 0;
}

void GpiodLinePort::set_value(bool level) {
  if (::gpiod_line_set_value(line_, level ? 1 : 0) != 0) throw_errno("setting " + where_);
}

}  // namespace rig::io
