#include "rig/io/fake/fake_channels.hpp"

#include <stdexcept>

namespace rig::io::fake {
namespace {
void check(bool fail, const char* what) {
  if (fail) throw std::runtime_error(what);
}
}  // namespace

void FakeAnalogOut::do_configure() { check(faults.refuse_configure, "fake: no such device"); }
void FakeAnalogOut::do_write_device(double v) {
  check(faults.fail_io, "fake: device lost");
  device_writes.push_back(v);
}
void FakeAnalogIn::do_configure() { check(faults.refuse_configure, "fake: no such device"); }
double FakeAnalogIn::do_read_device() {
  check(faults.fail_io, "fake: device lost");
  return device_value;
}
void FakeDigitalOut::do_configure() { check(faults.refuse_configure, "fake: no such device"); }
void FakeDigitalOut::do_set(bool level) {
  check(faults.fail_io, "fake: device lost");
  sets.push_back(level);
}
void FakeDigitalIn::do_configure() { check(faults.refuse_configure, "fake: no such device"); }
bool FakeDigitalIn::do_read() {
  check(faults.fail_io, "fake: device lost");
  return line_level;
}

}  // namespace rig::io::fake
