#include "rig/io/fake/fake_scpi_instrument.hpp"

#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace rig::io::fake {

FakeScpiInstrument::FakeScpiInstrument(FakeScpiSettings settings) : settings_(std::move(settings)) {
  thread_ = std::thread([this] { run(); });
}

FakeScpiInstrument::~FakeScpiInstrument() {
  stop_ = true;
  thread_.join();
}

void FakeScpiInstrument::set_measured(double v, double a) {
  std::lock_guard lock(mutex_);
  meas_v_ = v;
  meas_a_ = a;
}
void FakeScpiInstrument::mute(bool on) { muted_ = on; }
void FakeScpiInstrument::disconnect() {
  unplug_ = true;
  while (unplug_ && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}
std::vector<std::string> FakeScpiInstrument::commands() const {
  std::lock_guard lock(mutex_);
  return commands_;
}
double FakeScpiInstrument::voltage_setpoint_v() const {
  std::lock_guard lock(mutex_);
  return volt_set_;
}
double FakeScpiInstrument::current_setpoint_a() const {
  std::lock_guard lock(mutex_);
  return curr_set_;
}
bool FakeScpiInstrument::output_on() const {
  std::lock_guard lock(mutex_);
  return output_;
}

void FakeScpiInstrument::run() {
  std::string pending;
  while (!stop_) {
    if (unplug_) {
      pty_.hang_up();
      unplug_ = false;
      return;
    }
    pollfd pfd{pty_.master(), POLLIN, 0};
    if (::poll(&pfd, 1, 5) <= 0 || !(pfd.revents & POLLIN)) continue;
    char buf[256];
    const ssize_t n = ::read(pty_.master(), buf, sizeof buf);
    if (n <= 0) continue;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto pos = pending.find('\n'); pos != std::string::npos; pos = pending.find('\n')) {
      std::string line = pending.substr(0, pos);
      pending.erase(0, pos + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) handle(line);
    }
  }
}

void FakeScpiInstrument::answer(const std::string& text) {
  if (muted_) return;
  std::this_thread::sleep_for(settings_.response_delay);
  const std::string line = text + "\n";
  (void)!::write(pty_.master(), line.data(), line.size());
}

void FakeScpiInstrument::push_error(const char* err) {
  if (errors_.size() < 16) errors_.emplace_back(err);
}

void FakeScpiInstrument::handle(const std::string& raw) {
  std::string line;
  for (char c : raw) line += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string header = line.substr(0, line.find(' '));
  std::string arg = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
  std::string reply;
  bool has_reply = false;
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(raw);
    auto number = [&](double max, double& target) {
      if (arg.empty()) return push_error("-109,\"Missing parameter\"");
      char* end = nullptr;
      const double v = std::strtod(arg.c_str(), &end);
      if (end == arg.c_str() || *end != '\0') return push_error("-104,\"Data type error\"");
      if (v < 0.0 || v > max) return push_error("-222,\"Data out of range\"");
      target = v;
    };
    auto on_off = [&](bool& target) {
      if (arg == "ON" || arg == "1") target = true;
      else if (arg == "OFF" || arg == "0") target = false;
      else push_error(arg.empty() ? "-109,\"Missing parameter\"" : "-224,\"Illegal parameter value\"");
    };
    auto fmt = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%.4f", v);
      return std::string(b);
    };
    has_reply = header.back() == '?';
    if (header == "*IDN?") reply = settings_.idn;
    else if (header == "*RST") volt_set_ = curr_set_ = 0.0, output_ = false;
    else if (header == "*CLS") errors_.clear();
    else if (header == "VOLT" || header == "VOLTAGE") number(settings_.max_voltage_v, volt_set_);
    else if (header == "VOLT?") reply = fmt(volt_set_);
    else if (header == "CURR" || header == "CURRENT") number(settings_.max_current_a, curr_set_);
    else if (header == "CURR?") reply = fmt(curr_set_);
    else if (header == "OUTP" || header == "INP" || header == "OUTPUT" || header == "INPUT") on_off(output_);
    else if (header == "OUTP?" || header == "INP?") reply = output_ ? "1" : "0";
    else if (header == "FUNC" && arg == "CURR") {
    } else if (header == "MEAS:VOLT?") reply = fmt(output_ ? meas_v_ : 0.0);
    else if (header == "MEAS:CURR?") reply = fmt(output_ ? meas_a_ : 0.0);
    else if (header == "SYST:ERR?" && settings_.has_error_queue) {
      if (errors_.empty()) reply = "0,\"No error\"";
      else {
        reply = errors_.front();
        errors_.pop_front();
      }
    } else {
      push_error("-113,\"Undefined header\"");
      has_reply = false;
    }
  }
  if (has_reply) answer(reply);
}

}  // namespace rig::io::fake
