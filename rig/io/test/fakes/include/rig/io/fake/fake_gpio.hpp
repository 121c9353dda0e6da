// A fake GPIO line at the GpioLinePort interface. Depth: the kernel's line-request face (request, event fd,
// event read, get/set value); no libgpiod, no kernel. The event fd is a real pipe, so the channels' Boost.Asio
// descriptor code runs unchanged. The test keeps a shared FakeGpioLine to inject edges and inspect outputs
// after handing the port to a channel. Test-only; single-threaded.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "rig/io/gpio.hpp"

namespace rig::io::fake {

struct FakeGpioLine {
  FakeGpioLine();
  ~FakeGpioLine();
  // Test face.
  void inject(RawEdge edge);  // queues an edge and makes the event fd readable; updates `level`
  bool level = false;                     // logical line level
  std::vector<bool> driven;               // every level driven (output request + set_value)
  std::optional<GpioLineSpec> requested;  // what the channel asked for
  bool as_output = false;
  bool released = false;
  bool refuse_request = false;  // request_* throws (no such chip)
  bool fail_reads = false;      // read_events throws (chip unplugged)
  // Port internals.
  std::deque<RawEdge> queue;
  int read_fd = -1;
  int write_fd = -1;
};

class FakeGpioLinePort final : public GpioLinePort {
 public:
  explicit FakeGpioLinePort(std::shared_ptr<FakeGpioLine> line) : line_(std::move(line)) {}
  void request_input(const GpioLineSpec& spec) override;
  void request_output(const GpioLineSpec& spec, bool initial_level) override;
  void release() noexcept override { line_->released = true; }
  int event_fd() const override { return line_->read_fd; }
  std::size_t read_events(std::span<RawEdge> out) override;
  bool get_value() override { return line_->level; }
  void set_value(bool level) override;

 private:
  std::shared_ptr<FakeGpioLine> line_;
};

}  // namespace rig::io::fake
