// A GPIO line port fed across processes: the wiring of bmsrig_virtual_board (no hardware). Depth: the kernel
// line-request face, as a FIFO <chip>/line<N> carrying edge records {int64 CLOCK_MONOTONIC ns, int64 level}
// written by the virtual board. The FIFO's end of file (the board died) is a lost device. Inputs only. A line reads
// low until its first record; the board sends a new reader the present level when it is high.
// BenchDut uses it for a gpiod `chip:` that is a directory (a real GPIO chip never is); see rig/README.md.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "rig/io/gpio.hpp"

namespace rig {

class FifoGpioLinePort final : public io::GpioLinePort {
 public:
  ~FifoGpioLinePort() override { release(); }
  void request_input(const io::GpioLineSpec& spec) override {
    path_ = spec.chip + "/line" + std::to_string(spec.line);
    fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
  }
  void request_output(const io::GpioLineSpec&, bool) override { throw std::runtime_error("fifo lines are inputs"); }
  void release() noexcept override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int event_fd() const override { return fd_; }
  std::size_t read_events(std::span<io::RawEdge> out) override {
    std::int64_t rec[16][2];
    const std::size_t want = std::min<std::size_t>(out.size(), 16);
    const ssize_t n = ::read(fd_, rec, want * sizeof rec[0]);
    if (n == 0) throw std::runtime_error(path_ + ": the board went away");
    if (n < 0) {
      if (errno == EAGAIN) return 0;
      throw std::runtime_error(path_ + ": " + std::strerror(errno));
    }
    const std::size_t count = static_cast<std::size_t>(n) / sizeof rec[0];
    for (std::size_t i = 0; i < count; ++i) {
      out[i] = io::RawEdge{rec[i][0], rec[i][1] != 0};
      level_ = out[i].level;
    }
    return count;
  }
  bool get_value() override { return level_; }
  void set_value(bool) override { throw std::runtime_error("fifo lines are inputs"); }

 private:
  std::string path_;
  int fd_ = -1;
  bool level_ = false;
};

}  // namespace rig
