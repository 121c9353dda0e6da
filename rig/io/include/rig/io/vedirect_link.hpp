// The board's VE.Direct link during a HIL run, on top of TelemetryPort: text telemetry blocks and HEX responses
// decoded with the firmware's own codec (firmware/protocol: fw::vedirect::TextDecoder, decode_hex/encode_hex),
// so the rig and the board cannot disagree about the wire format.
//
// Telemetry blocks arrive as BoardTelemetry with the arrival time of the chunk that completed them (run time).
// A partial block is dropped after fw::vedirect::kIdleResetMs without bytes. HEX requests (configuration before a
// run, register reads during it) go out through send(); exchange() waits for the matching response.
// Runs on the io_context's thread; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "fw/vedirect_hex.hpp"
#include "fw/vedirect_text.hpp"
#include "rig/io/serial.hpp"

namespace rig::io {

struct BoardTelemetry {
  Nanos t{0};                                 // arrival (run time)
  std::map<std::string, std::string> fields;  // every label → value, as sent ("SER#" arrives as "SER")
  std::optional<std::int32_t> battery_mv;     // V
  std::optional<std::int32_t> starter_mv;     // VS
  std::optional<std::int32_t> current_ma;     // I
  bool alarm = false;                         // Alarm ON
  std::uint16_t alarm_reason = 0;             // AR
  bool relay_on = false;                      // Relay ON (pre-alarm output)
};

class VeDirectLink {
 public:
  using BlockHandler = std::function<void(const BoardTelemetry&)>;
  using HexHandler = std::function<void(const fw::vedirect::HexFrame&, Nanos arrival)>;

  // Takes over the port's byte handler. The port must outlive the link.
  explicit VeDirectLink(TelemetryPort& port);

  void on_block(BlockHandler handler) { block_handler_ = std::move(handler); }
  void on_hex(HexHandler handler) { hex_handler_ = std::move(handler); }
  // Every chunk of bytes as received, before it is decoded (e.g. for an observer with its own decoder).
  void on_bytes(TelemetryPort::BytesHandler handler) { bytes_handler_ = std::move(handler); }

  // Encodes and sends a HEX frame. Throws SerialError.
  void send(const fw::vedirect::HexFrame& frame);
  // Sends `request` and runs `io` until a response with the same command (and register, for get/set) arrives
  // or `timeout` passes; the response is returned, nullopt on timeout. For use before the run loop starts.
  std::optional<fw::vedirect::HexFrame> exchange(const fw::vedirect::HexFrame& request, boost::asio::io_context& io,
                                                 std::chrono::milliseconds timeout);

  const std::optional<BoardTelemetry>& last_block() const { return last_; }
  std::uint64_t blocks() const { return blocks_; }
  std::uint64_t checksum_errors() const { return checksum_errors_; }
  std::uint64_t framing_errors() const { return framing_errors_; }

 private:
  void feed(std::string_view bytes, Nanos arrival);
  TelemetryPort& port_;
  fw::vedirect::TextDecoder decoder_;
  Nanos last_byte_{0};
  bool any_byte_ = false;
  BlockHandler block_handler_;
  HexHandler hex_handler_;
  TelemetryPort::BytesHandler bytes_handler_;
  std::optional<BoardTelemetry> last_;
  std::optional<fw::vedirect::HexFrame> awaited_;
  const fw::vedirect::HexFrame* awaiting_ = nullptr;
  std::uint64_t blocks_ = 0, checksum_errors_ = 0, framing_errors_ = 0;
};

}  // namespace rig::io
