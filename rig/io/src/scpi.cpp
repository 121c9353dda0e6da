#include "rig/io/scpi.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace rig::io {

namespace {
std::vector<ScpiModel> builtin_models() {
  ScpiModel psu;
  psu.name = "scpi-psu";
  ScpiModel load;
  load.name = "scpi-eload";
  load.output_on = "INP ON";
  load.output_off = "INP OFF";
  load.setup = "FUNC CURR";
  return {psu, load};
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}
}  // namespace

std::optional<ScpiModel> find_scpi_model(std::string_view name) {
  for (auto& m : builtin_models())
    if (m.name == name) return m;
  return std::nullopt;
}

std::vector<std::string> scpi_model_names() {
  std::vector<std::string> names;
  for (auto& m : builtin_models()) names.push_back(m.name);
  return names;
}

ScpiInstrument::ScpiInstrument(std::string name, ScpiModel model, ScpiConnection connection)
    : name_(std::move(name)), model_(std::move(model)), connection_(std::move(connection)) {}

void ScpiInstrument::connect() {
  if (port_) return;
  try {
    port_.emplace(SerialPort::open(connection_.port, connection_.serial));
    port_->discard_input();
    identity_ = exchange("*IDN?");
    if (identity_.find(connection_.expected_idn) == std::string::npos)
      throw ScpiError(name_ + " on " + connection_.port + ": *IDN? answered '" + identity_ + "', expected an instrument matching '" +
                      connection_.expected_idn + "'; refusing to drive it");
    if (model_.has_error_queue) command("*CLS");  // and SYST:ERR? answers: the error queue works
    if (!model_.setup.empty()) command(model_.setup);
  } catch (const ChannelError&) {
    disconnect();
    throw;
  }
}

void ScpiInstrument::disconnect() noexcept {
  port_.reset();
  identity_.clear();
}

std::string ScpiInstrument::exchange(std::string_view q) {
  std::string line(q);
  line += '\n';
  try {
    port_->write_all(line, connection_.timeouts.write);
    auto answer = port_->read_line(connection_.timeouts.response);
    if (!answer)
      throw ScpiError(name_ + ": no answer to '" + std::string(q) + "' within " +
                      std::to_string(connection_.timeouts.response.count()) + " ms");
    return *answer;
  } catch (const ScpiError&) {
    throw;
  } catch (const ChannelError& e) {  // a hang-up: the instrument is gone
    disconnect();
    throw ScpiError(name_ + ": " + e.what());
  }
}

std::string ScpiInstrument::query(std::string_view q) {
  if (!port_) throw ScpiError(name_ + ": not connected");
  return exchange(q);
}

double ScpiInstrument::query_number(std::string_view q) {
  const std::string answer = query(q);
  double v = 0.0;
  const char* b = answer.data();
  const char* e = b + answer.size();
  while (b < e && *b == ' ') ++b;
  if (b < e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc{} || p != e || !std::isfinite(v))
    throw ScpiError(name_ + ": '" + std::string(q) + "' answered '" + answer + "', expected a number");
  return v;
}

std::vector<std::string> ScpiInstrument::read_errors() {
  std::vector<std::string> errors;
  if (!model_.has_error_queue) return errors;
  for (int i = 0; i < 16; ++i) {
    std::string e = query("SYST:ERR?");
    const auto code_end = e.find(',');
    const std::string code = e.substr(0, code_end);
    if (code == "0" || code == "+0") break;
    errors.push_back(std::move(e));
  }
  return errors;
}

void ScpiInstrument::command(std::string_view cmd) {
  if (!port_) throw ScpiError(name_ + ": not connected");
  std::string line(cmd);
  line += '\n';
  try {
    port_->write_all(line, connection_.timeouts.write);
  } catch (const ChannelError& e) {
    disconnect();
    throw ScpiError(name_ + ": " + e.what());
  }
  const auto errors = read_errors();
  if (!errors.empty()) {
    std::string text = name_ + ": '" + std::string(cmd) + "' refused: ";
    for (std::size_t i = 0; i < errors.size(); ++i) text += (i ? "; " : "") + errors[i];
    throw ScpiError(text);
  }
}

void ScpiInstrument::set_voltage_v(double v) { command(model_.set_voltage + " " + format_number(v)); }
void ScpiInstrument::set_current_a(double a) { command(model_.set_current + " " + format_number(a)); }
void ScpiInstrument::set_output(bool on) { command(on ? model_.output_on : model_.output_off); }
double ScpiInstrument::measure_voltage_v() { return query_number(model_.measure_voltage); }
double ScpiInstrument::measure_current_a() { return query_number(model_.measure_current); }

ScpiAnalogOut::ScpiAnalogOut(std::string name, AnalogSpec spec, std::shared_ptr<ScpiInstrument> instrument,
                             ScpiQuantity quantity)
    : AnalogOut(std::move(name), std::move(spec)), instrument_(std::move(instrument)), quantity_(quantity) {
  if (!instrument_) throw std::invalid_argument(this->name() + ": no instrument");
}

void ScpiAnalogOut::do_configure() { instrument_->connect(); }

void ScpiAnalogOut::do_write_device(double value) {
  if (quantity_ == ScpiQuantity::kVoltage) instrument_->set_voltage_v(value);
  else instrument_->set_current_a(value);
}

void ScpiAnalogOut::do_enter_safe_state() {
  if (!instrument_->connected()) instrument_->connect();  // one attempt to reach an instrument that dropped out
  instrument_->set_output(false);
}
void ScpiAnalogOut::do_leave_safe_state() { instrument_->set_output(true); }

ScpiAnalogIn::ScpiAnalogIn(std::string name, AnalogSpec spec, std::shared_ptr<ScpiInstrument> instrument,
                           ScpiQuantity quantity)
    : AnalogIn(std::move(name), std::move(spec)), instrument_(std::move(instrument)), quantity_(quantity) {
  if (!instrument_) throw std::invalid_argument(this->name() + ": no instrument");
}

void ScpiAnalogIn::do_configure() { instrument_->connect(); }

double ScpiAnalogIn::do_read_device() {
  return quantity_ == ScpiQuantity::kVoltage ? instrument_->measure_voltage_v() : instrument_->measure_current_a();
}

}  // namespace rig::io
