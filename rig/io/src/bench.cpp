#include "rig/io/bench.hpp"

namespace rig::io {

Bench::Bench(RigConfig config, boost::asio::io_context& io, const RunClock& clock, GpioPortFactory gpio_ports)
    : config_(std::move(config)) {
  if (!gpio_ports) gpio_ports = [] { return std::make_unique<GpiodLinePort>(); };
  for (const auto& ic : config_.instruments)
    instruments_.emplace(ic.name, std::make_shared<ScpiInstrument>(ic.name, ic.model, ic.connection));
  for (const auto& c : config_.channels) {
    std::unique_ptr<Channel> ch;
    const bool out = c.direction == Direction::kOut;
    if (const auto* iio = std::get_if<IioBinding>(&c.binding)) {
      IioChannelSpec spec{config_.iio_root, iio->device, iio->channel, iio->raw_min, iio->raw_max};
      if (out) ch = std::make_unique<IioAnalogOut>(c.signal, c.analog, spec);
      else ch = std::make_unique<IioAnalogIn>(c.signal, c.analog, spec);
    } else if (const auto* g = std::get_if<GpiodBinding>(&c.binding)) {
      if (out) ch = std::make_unique<GpioDigitalOut>(c.signal, c.digital, g->line, gpio_ports());
      else ch = std::make_unique<GpioDigitalIn>(c.signal, g->line, gpio_ports(), io, clock);
    } else {
      const auto& s = std::get<ScpiBinding>(c.binding);
      const auto it = instruments_.find(s.instrument);
      if (it == instruments_.end()) throw std::invalid_argument(c.signal + ": unknown instrument " + s.instrument);
      if (out) ch = std::make_unique<ScpiAnalogOut>(c.signal, c.analog, it->second, s.quantity);
      else ch = std::make_unique<ScpiAnalogIn>(c.signal, c.analog, it->second, s.quantity);
    }
    order_.push_back(ch.get());
    by_signal_.emplace(c.signal, ch.get());
    owned_.push_back(std::move(ch));
  }
}

Bench::~Bench() { deactivate(); }

void Bench::configure() {
  std::string failures;
  int failed = 0;
  for (std::size_t i = 0; i < order_.size(); ++i) {
    try {
      order_[i]->configure();
    } catch (const std::exception& e) {
      const auto& w = config_.channels[i].where;
      failures += "\n  " + w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.column) + ": " + e.what();
      ++failed;
    }
  }
  if (failed > 0)
    throw ChannelError("bench '" + config_.name + "': " + std::to_string(failed) + " of " +
                       std::to_string(order_.size()) + " channels failed to configure; refusing to start:" + failures);
}

void Bench::activate() {
  try {
    for (auto* ch : order_) ch->activate();
  } catch (...) {
    deactivate();
    throw;
  }
}

std::vector<std::string> Bench::drive_safe() noexcept {
  std::vector<std::string> failures;
  for (auto* ch : order_) {
    if (!ch->is_output()) continue;
    if (!ch->drive_safe()) {
      try {
        failures.push_back(ch->name() + ": " + ch->last_error());
      } catch (...) {
      }
    }
  }
  return failures;
}

std::vector<std::string> Bench::deactivate() noexcept {
  std::vector<std::string> failures;
  for (auto* ch : order_) {
    if (!ch->deactivate() && ch->is_output()) {
      try {
        failures.push_back(ch->name() + ": " + ch->last_error());
      } catch (...) {
      }
    }
  }
  return failures;
}

namespace {
template <typename T>
T* find_as(const std::map<std::string, Channel*, std::less<>>& m, std::string_view s) {
  const auto it = m.find(s);
  return it == m.end() ? nullptr : dynamic_cast<T*>(it->second);
}
}  // namespace

AnalogOut* Bench::analog_out(std::string_view s) const { return find_as<AnalogOut>(by_signal_, s); }
AnalogIn* Bench::analog_in(std::string_view s) const { return find_as<AnalogIn>(by_signal_, s); }
DigitalOut* Bench::digital_out(std::string_view s) const { return find_as<DigitalOut>(by_signal_, s); }
DigitalIn* Bench::digital_in(std::string_view s) const { return find_as<DigitalIn>(by_signal_, s); }

std::shared_ptr<ScpiInstrument> Bench::instrument(std::string_view name) const {
  const auto it = instruments_.find(name);
  return it == instruments_.end() ? nullptr : it->second;
}

}  // namespace rig::io
