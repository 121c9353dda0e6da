// A bench: every channel of a rig.yaml built, with one lifecycle for all of them. The rig refuses to start when
// any channel fails to configure (missing device, wrong *IDN?): configure() tries them all and reports every
// failure with its rig.yaml location. drive_safe() / deactivate() never throw and report what could not be
// made safe; the safety supervisor (runtime.hpp) calls them on every exit path.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rig/io/config.hpp"

namespace rig::io {

using GpioPortFactory = std::function<std::unique_ptr<GpioLinePort>()>;

class Bench {
 public:
  // Builds (does not open) every channel. `gpio_ports` makes the kernel face of each GPIO line (libgpiod by
  // default; tests and the virtual board pass fakes). Throws std::invalid_argument on an inconsistent config.
  Bench(RigConfig config, boost::asio::io_context& io, const RunClock& clock, GpioPortFactory gpio_ports = {});
  ~Bench();

  // Configures every channel; on any failure throws ChannelError listing each failed channel and its location.
  void configure();
  // Activates every channel (outputs start in their safe state).
  void activate();
  // Drives every output to its safe state. Returns one "signal: reason" line per output that could not be made
  // safe (empty = all safe). Never throws.
  std::vector<std::string> drive_safe() noexcept;
  // drive_safe() and back to configured. Never throws.
  std::vector<std::string> deactivate() noexcept;

  const RigConfig& config() const { return config_; }
  // The channels in rig.yaml order.
  const std::vector<Channel*>& channels() const { return order_; }
  // Typed access by signal name; nullptr when the signal has no channel of that kind.
  AnalogOut* analog_out(std::string_view signal) const;
  AnalogIn* analog_in(std::string_view signal) const;
  DigitalOut* digital_out(std::string_view signal) const;
  DigitalIn* digital_in(std::string_view signal) const;
  std::shared_ptr<ScpiInstrument> instrument(std::string_view name) const;

 private:
  RigConfig config_;
  std::map<std::string, std::shared_ptr<ScpiInstrument>, std::less<>> instruments_;
  std::vector<std::unique_ptr<Channel>> owned_;
  std::vector<Channel*> order_;
  std::map<std::string, Channel*, std::less<>> by_signal_;
};

}  // namespace rig::io
