// Serial ports: the board's VE.Direct port (text telemetry + HEX configuration) and SCPI instruments.
//
// SerialPort opens a device through libserialport (USB-serial adapters, on-board UARTs: name, baud, 8N1, no
// flow control). libserialport 0.1.1 only accepts devices with a /sys/class/tty entry, which excludes
// pseudo-terminals (virtual boards, socat, the tests' PTY pairs); for a name it refuses that is still a tty,
// SerialPort falls back to open(2) + termios with the same settings — backend() says which one is in use.
// After opening, all I/O goes through the file descriptor with poll(2) timeouts, so both paths share it and the
// descriptor can also be handed to Boost.Asio.
//
// Timeouts are wall-clock (steady_clock) bounds on a blocking call. A peer that hangs up (EOF, EIO, POLLHUP)
// throws SerialError: the device is gone. Move-only; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "rig/io/channel.hpp"

struct sp_port;  // libserialport

namespace rig::io {

struct SerialError : ChannelError {
  using ChannelError::ChannelError;
};

struct SerialSettings {
  int baud = 19200;  // VE.Direct: 19200 8N1
};

class SerialPort {
 public:
  // Opens `name` (e.g. "/dev/ttyUSB0"). Throws SerialError naming the device and the reason.
  static SerialPort open(const std::string& name, const SerialSettings& settings);
  // Takes ownership of an open descriptor (a tty is switched to raw mode at `settings`; a pipe is used as is).
  static SerialPort adopt(int fd, const SerialSettings& settings, std::string name);

  SerialPort(SerialPort&& other) noexcept;
  SerialPort& operator=(SerialPort&& other) noexcept;
  ~SerialPort();

  // Writes every byte within `timeout`; throws SerialError on timeout or hang-up.
  void write_all(std::string_view bytes, std::chrono::milliseconds timeout);
  // Waits up to `timeout` for input and reads what is there (at most out.size()); 0 on timeout.
  std::size_t read_some(std::span<char> out, std::chrono::milliseconds timeout);
  // Reads one line ending in `terminator` within `timeout`; returns it without the terminator and a trailing
  // '\r', or nullopt on timeout (a partial line stays buffered for the next call).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout, char terminator = '\n');
  // Discards buffered and pending input.
  void discard_input();
  void close() noexcept;

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  const char* backend() const { return sp_port_ ? "libserialport" : "termios"; }

 private:
  SerialPort(int fd, ::sp_port* port, std::string name) : fd_(fd), sp_port_(port), name_(std::move(name)) {}
  // Waits for POLLIN/POLLOUT until `deadline`; false on timeout; throws on hang-up.
  bool wait(short events, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  ::sp_port* sp_port_ = nullptr;
  std::string name_;
  std::string pending_;  // read_line buffer
};

// The board's VE.Direct port for the run: raw bytes in through a Boost.Asio descriptor, each chunk delivered with
// its arrival time; HEX frames out. Byte level: framing and decoding belong to the VE.Direct codec
// (firmware/protocol). Tracks the time of the last byte for the supervisor's silent-telemetry watchdog.
class TelemetryPort {
 public:
  using BytesHandler = std::function<void(std::string_view bytes, Nanos arrival)>;
  using ErrorHandler = std::function<void(const std::string& what)>;
  // `now` returns run time (the runner's clock); it is read once per received chunk.
  TelemetryPort(std::string name, SerialPort port, boost::asio::io_context& io, std::function<Nanos()> now);
  ~TelemetryPort();

  void on_bytes(BytesHandler handler) { bytes_handler_ = std::move(handler); }
  void on_error(ErrorHandler handler) { error_handler_ = std::move(handler); }
  void start();  // begins asynchronous reading
  void stop() noexcept;
  // Sends a HEX frame (":7F0ED0065\n" style, built by the codec) within `timeout`.
  void send(std::string_view frame, std::chrono::milliseconds timeout = std::chrono::milliseconds(100));
  // Run time of the last received byte (the start() time before any).
  Nanos last_rx() const { return last_rx_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  const std::string& name() const { return name_; }

 private:
  void arm();
  std::string name_;
  SerialPort port_;
  boost::asio::posix::stream_descriptor descriptor_;
  std::function<Nanos()> now_;
  BytesHandler bytes_handler_;
  ErrorHandler error_handler_;
  Nanos last_rx_{0};
  std::uint64_t bytes_received_ = 0;
  char buffer_[512];
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rig::io
