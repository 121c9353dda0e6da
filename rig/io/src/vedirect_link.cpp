#include "rig/io/vedirect_link.hpp"

#include <charconv>
#include <cstring>

namespace rig::io {
namespace vd = fw::vedirect;

namespace {
std::optional<std::int32_t> parse_int(const std::string& s) {
  std::int32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

VeDirectLink::VeDirectLink(TelemetryPort& port) : port_(port) {
  port_.on_bytes([this](std::string_view bytes, Nanos arrival) { feed(bytes, arrival); });
}

void VeDirectLink::feed(std::string_view bytes, Nanos arrival) {
  if (any_byte_ && arrival - last_byte_ > std::chrono::milliseconds(vd::kIdleResetMs)) decoder_.reset();
  any_byte_ = true;
  last_byte_ = arrival;
  if (bytes_handler_) bytes_handler_(bytes, arrival);
  for (char c : bytes) {
    switch (decoder_.feed(static_cast<std::uint8_t>(c))) {
      case vd::TextDecoder::Event::kBlock: {
        BoardTelemetry b;
        b.t = arrival;
        for (std::size_t i = 0; i < decoder_.field_count(); ++i) b.fields[decoder_.label(i)] = decoder_.value(i);
        auto field = [&](const char* label) -> const std::string* {
          const auto it = b.fields.find(label);
          return it == b.fields.end() ? nullptr : &it->second;
        };
        if (auto* v = field("V")) b.battery_mv = parse_int(*v);
        if (auto* v = field("VS")) b.starter_mv = parse_int(*v);
        if (auto* v = field("I")) b.current_ma = parse_int(*v);
        if (auto* v = field("Alarm")) b.alarm = *v == "ON";
        if (auto* v = field("AR")) b.alarm_reason = static_cast<std::uint16_t>(parse_int(*v).value_or(0));
        if (auto* v = field("Relay")) b.relay_on = *v == "ON";
        ++blocks_;
        last_ = b;
        if (block_handler_) block_handler_(*last_);
        break;
      }
      case vd::TextDecoder::Event::kChecksumError: ++checksum_errors_; break;
      case vd::TextDecoder::Event::kOverflow:
      case vd::TextDecoder::Event::kHexOverflow: ++framing_errors_; break;
      case vd::TextDecoder::Event::kHexFrame: {
        vd::HexFrame frame;
        if (vd::decode_hex(decoder_.hex_frame(), decoder_.hex_length(), frame) != vd::HexError::kOk) {
          ++framing_errors_;
          break;
        }
        if (awaiting_ && !awaited_ && frame.command == awaiting_->command &&
            (awaiting_->length < 2 || (frame.length >= 2 && frame.register_id() == awaiting_->register_id())))
          awaited_ = frame;
        if (hex_handler_) hex_handler_(frame, arrival);
        break;
      }
      case vd::TextDecoder::Event::kNone: break;
    }
  }
}

void VeDirectLink::send(const vd::HexFrame& frame) {
  char buf[vd::kMaxHexFrameChars + 1];
  const std::size_t n = vd::encode_hex(frame, buf, sizeof buf);
  if (n == 0) throw SerialError(port_.name() + ": HEX frame does not encode");
  port_.send(std::string_view(buf, n));
}

std::optional<vd::HexFrame> VeDirectLink::exchange(const vd::HexFrame& request, boost::asio::io_context& io,
                                                   std::chrono::milliseconds timeout) {
  awaited_.reset();
  awaiting_ = &request;
  send(request);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!awaited_ && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
  awaiting_ = nullptr;
  auto result = awaited_;
  awaited_.reset();
  return result;
}

}  // namespace rig::io
