#include "rig/io/fake/fake_gpio.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace rig::io::fake {

FakeGpioLine::FakeGpioLine() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  read_fd = fds[0];
  write_fd = fds[1];
}

FakeGpioLine::~FakeGpioLine() {
  ::close(read_fd);
  ::close(write_fd);
}

void FakeGpioLine::inject(RawEdge edge) {
  queue.push_back(edge);
  level = edge.level;
  const char byte = 1;
  if (::write(write_fd, &byte, 1) != 1) throw std::runtime_error("fake gpio pipe full");
}

void FakeGpioLinePort::request_input(const GpioLineSpec& spec) {
  if (line_->refuse_request) throw std::runtime_error("cannot open GPIO chip '" + spec.chip + "'");
  line_->requested = spec;
  line_->as_output = false;
}

void FakeGpioLinePort::request_output(const GpioLineSpec& spec, bool initial_level) {
  if (line_->refuse_request) throw std::runtime_error("cannot open GPIO chip '" + spec.chip + "'");
  line_->requested = spec;
  line_->as_output = true;
  line_->level = initial_level;
  line_->driven.push_back(initial_level);
}

std::size_t FakeGpioLinePort::read_events(std::span<RawEdge> out) {
  if (line_->fail_reads) throw std::runtime_error("chip unplugged");
  char sink[64];
  std::size_t n = 0;
  while (n < out.size() && !line_->queue.empty()) {
    out[n++] = line_->queue.front();
    line_->queue.pop_front();
    if (::read(line_->read_fd, sink, 1) != 1) break;
  }
  return n;
}

void FakeGpioLinePort::set_value(bool level) {
  line_->level = level;
  line_->driven.push_back(level);
}

}  // namespace rig::io::fake
