#include "rig/vedirect_observer.hpp"

#include <charconv>
#include <cstdio>

#include "fw/registers.hpp"
#include "fw/vedirect_hex.hpp"

namespace rig {

std::string vedirect_hex_signal(std::uint16_t reg) {
  char b[24];
  std::snprintf(b, sizeof b, "vedirect/hex/0x%04X", static_cast<unsigned>(reg));
  return b;
}

const std::vector<std::uint16_t>& VeDirectObserver::registers() {
  namespace r = fw::vedirect::reg;
  static const std::vector<std::uint16_t> regs = {
      r::kProductId,       r::kAlarmStatus,     r::kAlarmReason,       r::kBmsFlags,        r::kBmsError,
      r::kBmsSettings,     r::kInputMode,       r::kBatteryCount,      r::kLoadDisconnectMv, r::kPrealarmMv,
      r::kCellOvervoltageMv, r::kLowTempChargeDc, r::kPrealarmEnabled, r::kPrealarmMode,    r::kFuseRatingA,
      r::kSystemSwitch,    r::kLvdEmergencyFloorMv};
  return regs;
}

bool VeDirectObserver::documented_label(std::string_view l) {
  for (const char* d : {"PID", "FW", "SER", "V", "VS", "I", "T", "Alarm", "AR", "Relay"})
    if (l == d) return true;
  return false;
}

void VeDirectObserver::clear() {
  decoder_.reset();
  expected_.clear();
  values_.clear();
  last_block_ms_.reset();
  blocks_ = checksum_errors_ = answers_ = error_frames_ = 0;
  ++changes_;
}

void VeDirectObserver::expect(std::string_view request_line) {
  while (!request_line.empty() && (request_line.back() == '\n' || request_line.back() == '\r')) request_line.remove_suffix(1);
  fw::vedirect::HexFrame f;
  if (fw::vedirect::decode_hex(request_line.data(), request_line.size(), f) != fw::vedirect::HexError::kOk) return;
  const auto cmd = static_cast<fw::vedirect::HexCommand>(f.command);
  if ((cmd != fw::vedirect::HexCommand::kGet && cmd != fw::vedirect::HexCommand::kSet) || f.length < 2) return;
  expected_.emplace_back(f.command, f.register_id());
}

void VeDirectObserver::feed(std::string_view bytes, std::int64_t now_ms, bool poll) {
  using Ev = fw::vedirect::TextDecoder::Event;
  for (const char ch : bytes) {
    switch (decoder_.feed(static_cast<std::uint8_t>(ch))) {
      case Ev::kBlock: on_block(now_ms); break;
      case Ev::kChecksumError:
      case Ev::kOverflow: set("vedirect/text/checksum_errors", ++checksum_errors_); break;
      case Ev::kHexFrame: on_hex(decoder_.hex_frame(), decoder_.hex_length(), poll); break;
      default: break;
    }
  }
}

void VeDirectObserver::on_block(std::int64_t now_ms) {
  set("vedirect/text/blocks", ++blocks_);
  if (!values_.count("vedirect/text/checksum_errors")) set("vedirect/text/checksum_errors", 0);
  if (last_block_ms_) set("vedirect/text/period_ms", static_cast<double>(now_ms - *last_block_ms_));
  last_block_ms_ = now_ms;
  double undocumented = 0;
  for (std::size_t i = 0; i < decoder_.field_count(); ++i) {
    const std::string_view label = decoder_.label(i), value = decoder_.value(i);
    if (!documented_label(label)) ++undocumented;
    if (label == "FW" || label == "SER") continue;  // text
    double v = 0;
    if (value == "ON") v = 1;
    else if (value == "OFF") v = 0;
    else {
      long long n = 0;
      const bool hex = value.starts_with("0x") || value.starts_with("0X");
      const auto digits = hex ? value.substr(2) : value;
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n, hex ? 16 : 10);
      if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size()) continue;  // not a number: not a signal
      v = static_cast<double>(n);
    }
    set("vedirect/text/" + std::string(label), v);
  }
  set("vedirect/text/fields", static_cast<double>(decoder_.field_count()));
  set("vedirect/text/undocumented", undocumented);
}

void VeDirectObserver::on_hex(const char* line, std::size_t n, bool poll) {
  fw::vedirect::HexFrame f;
  if (fw::vedirect::decode_hex(line, n, f) != fw::vedirect::HexError::kOk) return;
  const auto cmd = static_cast<fw::vedirect::HexResponse>(f.command);
  if (cmd == fw::vedirect::HexResponse::kError && f.length == 2 && f.payload[0] == 0xAA && f.payload[1] == 0xAA) {
    set("vedirect/hex/error_frames", ++error_frames_);
    return;
  }
  if ((cmd != fw::vedirect::HexResponse::kGet && cmd != fw::vedirect::HexResponse::kSet) || f.length < 3) return;
  if (!values_.count("vedirect/hex/error_frames")) set("vedirect/hex/error_frames", 0);
  if (!expected_.empty() && expected_.front().first == f.command && expected_.front().second == f.register_id()) {
    expected_.pop_front();
    poll = false;
  }
  if (!poll) {
    set("vedirect/hex/answers", ++answers_);
    set("vedirect/hex/flags", f.flags());
  }
  if (f.flags() != fw::vedirect::kFlagOk) return;
  std::uint32_t v = f.value();
  const std::uint16_t id = f.register_id();
  if (id == fw::vedirect::reg::kLowTempChargeDc && f.value_size() == 2)  // sn16
    set(vedirect_hex_signal(id), static_cast<double>(static_cast<std::int16_t>(v)));
  else
    set(vedirect_hex_signal(id), static_cast<double>(v));
}

std::optional<double> VeDirectObserver::value(std::string_view signal) const {
  const auto it = values_.find(signal);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace rig
