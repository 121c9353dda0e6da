// Test doubles for the channel interfaces. Depth: the backend's do_*() hooks (no device, no kernel).
// They record every device-unit value written and can be told to fail (a lost device) or to refuse
// configuration. Test-only: linked from rig_io_fakes.
#pragma once

#include <string>
#include <vector>

#include "rig/io/channel.hpp"

namespace rig::io::fake {

// What a fake does when its backend hook is called.
struct FakeFaults {
  bool refuse_configure = false;  // do_configure throws
  bool fail_io = false;           // do_write/do_read/do_set throw (device lost)
};

class FakeAnalogOut final : public AnalogOut {
 public:
  using AnalogOut::AnalogOut;
  FakeFaults faults;
  std::vector<double> device_writes;  // every value given to do_write_device, in order

 private:
  void do_configure() override;
  void do_write_device(double device_value) override;
};

class FakeAnalogIn final : public AnalogIn {
 public:
  using AnalogIn::AnalogIn;
  FakeFaults faults;
  double device_value = 0.0;  // what do_read_device returns

 private:
  void do_configure() override;
  double do_read_device() override;
};

class FakeDigitalOut final : public DigitalOut {
 public:
  using DigitalOut::DigitalOut;
  FakeFaults faults;
  std::vector<bool> sets;  // every level given to do_set, in order

 private:
  void do_configure() override;
  void do_set(bool level) override;
};

class FakeDigitalIn final : public DigitalIn {
 public:
  using DigitalIn::DigitalIn;
  FakeFaults faults;
  bool line_level = false;
  // Test face: delivers an edge as a backend would.
  void inject(const EdgeEvent& event) {
    line_level = event.level;
    emit(event);
  }

 private:
  void do_configure() override;
  bool do_read() override;
};

}  // namespace rig::io::fake
