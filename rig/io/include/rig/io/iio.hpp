// Linux IIO DAC and ADC channels through sysfs (Documentation/ABI/testing/sysfs-bus-iio):
//   <root>/iio:deviceN/name                      the driver's device name (how a bench names the device)
//   <root>/iio:deviceN/out_voltageK_raw          DAC code (write)      in_voltageK_raw  ADC code (read)
//   <root>/iio:deviceN/out_voltageK_scale        mV per code; or the shared out_voltage_scale; default 1
//   <root>/iio:deviceN/out_voltageK_offset       codes added before scaling; or out_voltage_offset; default 0
// so that pin_mv = (raw + offset) * scale. The root is configurable (default /sys/bus/iio/devices): tests and
// the virtual board use a directory tree, which is the same file interface.
//
// Device units of these channels (what AnalogSpec::calibration maps physical values to) are volts at the
// device pin; e.g. a cell simulated through a ×2 amplifier has gain 0.5.
//
// The raw file stays open from configure() to destruction; one write is one pwrite() (no allocation, does
// not block on sysfs beyond the driver's own transfer). Errors (ENODEV after the device went away, a
// malformed reading) throw ChannelError and fault the channel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "rig/io/channel.hpp"

namespace rig::io {

inline constexpr const char* kDefaultIioRoot = "/sys/bus/iio/devices";

// Finds a device directory under `root` by the content of its `name` file, or by its directory name
// ("iio:device3"). Throws ChannelError listing the devices found when none matches.
std::filesystem::path find_iio_device(const std::filesystem::path& root, std::string_view name_or_id);

struct IioChannelSpec {
  std::filesystem::path root = kDefaultIioRoot;
  std::string device;                    // `name` file content or "iio:deviceN"
  int channel = 0;                       // K in out_voltageK_raw / in_voltageK_raw
  std::optional<std::int64_t> raw_min;   // the converter's code range; codes are clamped into it
  std::optional<std::int64_t> raw_max;
};

// The IIO scale and offset of one channel, read at configure.
struct IioScaling {
  double scale_mv = 1.0;  // mV per code
  double offset = 0.0;    // codes
};

class IioAnalogOut final : public AnalogOut {
 public:
  IioAnalogOut(std::string name, AnalogSpec spec, IioChannelSpec iio);
  ~IioAnalogOut() override;
  const IioScaling& scaling() const { return scaling_; }
  const std::filesystem::path& raw_path() const { return raw_path_; }
  std::int64_t last_raw() const { return last_raw_; }

 private:
  void do_configure() override;
  void do_write_device(double pin_v) override;

  IioChannelSpec iio_;
  IioScaling scaling_;
  std::filesystem::path raw_path_;
  int fd_ = -1;
  bool regular_file_ = false;  // a test tree: truncate after each write
  std::int64_t last_raw_ = 0;
};

class IioAnalogIn final : public AnalogIn {
 public:
  IioAnalogIn(std::string name, AnalogSpec spec, IioChannelSpec iio);
  ~IioAnalogIn() override;
  const IioScaling& scaling() const { return scaling_; }

 private:
  void do_configure() override;
  double do_read_device() override;

  IioChannelSpec iio_;
  IioScaling scaling_;
  std::filesystem::path raw_path_;
  int fd_ = -1;
};

}  // namespace rig::io
