#include "rig/io/serial.hpp"

#include <fcntl.h>
#include <libserialport.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/read.hpp>

namespace rig::io {
namespace {

using Clock = std::chrono::steady_clock;

speed_t to_speed(int baud) {
  switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: throw SerialError("unsupported baud rate " + std::to_string(baud));
  }
}

void make_raw(int fd, const SerialSettings& settings, const std::string& name) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) throw SerialError(name + ": not a tty: " + std::strerror(errno));
  ::cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
  const speed_t speed = to_speed(settings.baud);
  ::cfsetispeed(&t, speed);
  ::cfsetospeed(&t, speed);
  t.c_cc[VMIN] = 1;  // with O_NONBLOCK: EAGAIN when empty, so 0 from read() means hang-up
  t.c_cc[VTIME] = 0;
  if (::tcsetattr(fd, TCSANOW, &t) != 0) throw SerialError(name + ": cannot configure: " + std::strerror(errno));
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

std::string sp_error(const std::string& name, const char* what) {
  char* msg = ::sp_last_error_message();
  std::string text = name + ": " + what + ": " + (msg ? msg : "unknown");
  if (msg) ::sp_free_error_message(msg);
  return text;
}

}  // namespace

SerialPort SerialPort::open(const std::string& name, const SerialSettings& settings) {
  to_speed(settings.baud);  // validate first
  sp_port* port = nullptr;
  if (::sp_get_port_by_name(name.c_str(), &port) == SP_OK) {
    if (::sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
      const auto text = sp_error(name, "cannot open");
      ::sp_free_port(port);
      throw SerialError(text);
    }
    sp_port_config* config = nullptr;
    bool ok = ::sp_new_config(&config) == SP_OK && ::sp_set_config_baudrate(config, settings.baud) == SP_OK &&
              ::sp_set_config_bits(config, 8) == SP_OK && ::sp_set_config_parity(config, SP_PARITY_NONE) == SP_OK &&
              ::sp_set_config_stopbits(config, 1) == SP_OK &&
              ::sp_set_config_flowcontrol(config, SP_FLOWCONTROL_NONE) == SP_OK && ::sp_set_config(port, config) == SP_OK;
    if (config) ::sp_free_config(config);
    int fd = -1;
    if (ok) ok = ::sp_get_port_handle(port, &fd) == SP_OK && fd >= 0;
    if (!ok) {
      const auto text = sp_error(name, "cannot configure");
      ::sp_close(port);
      ::sp_free_port(port);
      throw SerialError(text);
    }
    set_nonblocking(fd);
    return SerialPort(fd, port, name);
  }
  // Not a device libserialport knows (a pseudo-terminal): plain open + termios.
  const int fd = ::open(name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw SerialError(name + ": cannot open: " + std::strerror(errno));
  try {
    make_raw(fd, settings, name);
  } catch (...) {
    ::close(fd);
    throw;
  }
  return SerialPort(fd, nullptr, name);
}

SerialPort SerialPort::adopt(int fd, const SerialSettings& settings, std::string name) {
  if (fd < 0) throw SerialError(name + ": invalid descriptor");
  if (::isatty(fd)) make_raw(fd, settings, name);
  set_nonblocking(fd);
  return SerialPort(fd, nullptr, std::move(name));
}

SerialPort::SerialPort(SerialPort&& o) noexcept
    : fd_(o.fd_), sp_port_(o.sp_port_), name_(std::move(o.name_)), pending_(std::move(o.pending_)) {
  o.fd_ = -1;
  o.sp_port_ = nullptr;
}

SerialPort& SerialPort::operator=(SerialPort&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    sp_port_ = o.sp_port_;
    name_ = std::move(o.name_);
    pending_ = std::move(o.pending_);
    o.fd_ = -1;
    o.sp_port_ = nullptr;
  }
  return *this;
}

SerialPort::~SerialPort() { close(); }

void SerialPort::close() noexcept {
  if (sp_port_) {
    ::sp_close(sp_port_);  // closes the descriptor
    ::sp_free_port(sp_port_);
    sp_port_ = nullptr;
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = -1;
}

bool SerialPort::wait(short events, Clock::time_point deadline) {
  if (fd_ < 0) throw SerialError(name_ + ": port is closed");
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd pfd{fd_, events, 0};
    const int r = ::poll(&pfd, 1, left > 0 ? static_cast<int>(left) : 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw SerialError(name_ + ": poll: " + std::strerror(errno));
    if (r == 0) return false;
    if (pfd.revents & (POLLERR | POLLNVAL)) throw SerialError(name_ + ": device error");
    if (pfd.revents & events) return true;
    if (pfd.revents & POLLHUP) throw SerialError(name_ + ": peer hung up");
  }
}

void SerialPort::write_all(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    if (!wait(POLLOUT, deadline)) throw SerialError(name_ + ": write timed out after " + std::to_string(timeout.count()) + " ms");
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw SerialError(name_ + ": write: " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t SerialPort::read_some(std::span<char> out, std::chrono::milliseconds timeout) {
  if (!pending_.empty()) {
    const std::size_t n = std::min(out.size(), pending_.size());
    std::memcpy(out.data(), pending_.data(), n);
    pending_.erase(0, n);
    return n;
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!wait(POLLIN, deadline)) return 0;
    const ssize_t n = ::read(fd_, out.data(), out.size());
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) throw SerialError(name_ + ": peer hung up");
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == EIO) throw SerialError(name_ + ": peer hung up");
    throw SerialError(name_ + ": read: " + std::strerror(errno));
  }
}

std::optional<std::string> SerialPort::read_line(std::chrono::milliseconds timeout, char terminator) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const auto pos = pending_.find(terminator); pos != std::string::npos) {
      std::string line = pending_.substr(0, pos);
      pending_.erase(0, pos + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (!wait(POLLIN, deadline)) return std::nullopt;
    char buf[256];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno == EIO) {
      throw SerialError(name_ + ": peer hung up");
    } else if (errno != EAGAIN && errno != EINTR) {
      throw SerialError(name_ + ": read: " + std::strerror(errno));
    }
  }
}

void SerialPort::discard_input() {
  pending_.clear();
  if (fd_ < 0) return;
  char buf[256];
  while (::read(fd_, buf, sizeof buf) > 0) {
  }
}

TelemetryPort::TelemetryPort(std::string name, SerialPort port, boost::asio::io_context& io, std::function<Nanos()> now)
    : name_(std::move(name)), port_(std::move(port)), descriptor_(io), now_(std::move(now)) {}

TelemetryPort::~TelemetryPort() {
  *alive_ = false;
  stop();
}

void TelemetryPort::start() {
  const int fd = ::dup(port_.fd());
  if (fd < 0) throw SerialError(name_ + ": cannot dup descriptor");
  descriptor_.assign(fd);
  last_rx_ = now_();
  arm();
}

void TelemetryPort::stop() noexcept {
  boost::system::error_code ec;
  descriptor_.cancel(ec);
  descriptor_.close(ec);
}

void TelemetryPort::arm() {
  std::weak_ptr<bool> alive = alive_;
  descriptor_.async_read_some(boost::asio::buffer(buffer_), [this, alive](const boost::system::error_code& ec, std::size_t n) {
    if (alive.expired() || ec == boost::asio::error::operation_aborted) return;
    if (ec || n == 0) {
      // EOF or EIO: the board (or the virtual board process) went away.
      if (error_handler_) error_handler_(name_ + ": telemetry port lost: " + (ec ? ec.message() : "end of file"));
      return;
    }
    last_rx_ = now_();
    bytes_received_ += n;
    if (bytes_handler_) bytes_handler_(std::string_view(buffer_, n), last_rx_);
    arm();
  });
}

void TelemetryPort::send(std::string_view frame, std::chrono::milliseconds timeout) { port_.write_all(frame, timeout); }

}  // namespace rig::io
