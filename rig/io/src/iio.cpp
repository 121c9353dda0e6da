#include "rig/io/iio.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rig::io {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

std::optional<std::string> read_small_file(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return trim(ss.str());
}

double parse_double(const std::string& text, const fs::path& from) {
  double v = 0.0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || !std::isfinite(v))
    throw ChannelError(from.string() + ": found '" + text + "', expected a number");
  return v;
}

// Per-channel attribute first, then the shared one (out_voltage_scale), else the default.
double read_attr(const fs::path& dir, const std::string& prefix, int channel, const char* attr, double dflt) {
  for (const auto& name : {prefix + std::to_string(channel) + "_" + attr, prefix + "_" + attr}) {
    if (auto text = read_small_file(dir / name)) return parse_double(*text, dir / name);
  }
  return dflt;
}

IioScaling read_scaling(const fs::path& dir, const std::string& prefix, int channel) {
  IioScaling s;
  s.scale_mv = read_attr(dir, prefix, channel, "scale", 1.0);
  s.offset = read_attr(dir, prefix, channel, "offset", 0.0);
  if (s.scale_mv == 0.0) throw ChannelError((dir / (prefix + "_scale")).string() + ": scale is 0");
  return s;
}

std::string errno_text(const char* what, const fs::path& p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

void check_spec(const IioChannelSpec& iio) {
  if (iio.channel < 0) throw std::invalid_argument("iio channel must be >= 0");
  if (iio.raw_min && iio.raw_max && *iio.raw_min > *iio.raw_max)
    throw std::invalid_argument("iio raw_min > raw_max");
}

}  // namespace

fs::path find_iio_device(const fs::path& root, std::string_view name_or_id) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw ChannelError("IIO root " + root.string() + " is not a directory");
  std::string seen;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto dir_name = entry.path().filename().string();
    if (dir_name.rfind("iio:device", 0) != 0) continue;
    const auto name = read_small_file(entry.path() / "name").value_or("");
    if (dir_name == name_or_id || (!name.empty() && name == name_or_id)) return entry.path();
    seen += (seen.empty() ? "" : ", ") + dir_name + (name.empty() ? "" : " (" + name + ")");
  }
  throw ChannelError("no IIO device named '" + std::string(name_or_id) + "' under " + root.string() +
                     "; found: " + (seen.empty() ? "none" : seen));
}

IioAnalogOut::IioAnalogOut(std::string name, AnalogSpec spec, IioChannelSpec iio)
    : AnalogOut(std::move(name), std::move(spec)), iio_(std::move(iio)) {
  check_spec(iio_);
}

IioAnalogOut::~IioAnalogOut() {
  if (fd_ >= 0) ::close(fd_);
}

void IioAnalogOut::do_configure() {
  const fs::path dir = find_iio_device(iio_.root, iio_.device);
  raw_path_ = dir / ("out_voltage" + std::to_string(iio_.channel) + "_raw");
  scaling_ = read_scaling(dir, "out_voltage", iio_.channel);
  fd_ = ::open(raw_path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) throw ChannelError(errno_text("cannot open", raw_path_));
  struct stat st{};
  regular_file_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
}

void IioAnalogOut::do_write_device(double pin_v) {
  double raw_d = std::nearbyint(pin_v * 1000.0 / scaling_.scale_mv - scaling_.offset);
  if (iio_.raw_min && raw_d < static_cast<double>(*iio_.raw_min)) raw_d = static_cast<double>(*iio_.raw_min);
  if (iio_.raw_max && raw_d > static_cast<double>(*iio_.raw_max)) raw_d = static_cast<double>(*iio_.raw_max);
  const auto raw = static_cast<std::int64_t>(raw_d);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, raw);
  *end++ = '\n';
  const auto len = static_cast<std::size_t>(end - buf);
  if (::pwrite(fd_, buf, len, 0) != static_cast<ssize_t>(len)) throw ChannelError(errno_text("write", raw_path_));
  if (regular_file_ && ::ftruncate(fd_, static_cast<off_t>(len)) != 0)
    throw ChannelError(errno_text("truncate", raw_path_));
  last_raw_ = raw;
}

IioAnalogIn::IioAnalogIn(std::string name, AnalogSpec spec, IioChannelSpec iio)
    : AnalogIn(std::move(name), std::move(spec)), iio_(std::move(iio)) {
  check_spec(iio_);
}

IioAnalogIn::~IioAnalogIn() {
  if (fd_ >= 0) ::close(fd_);
}

void IioAnalogIn::do_configure() {
  const fs::path dir = find_iio_device(iio_.root, iio_.device);
  raw_path_ = dir / ("in_voltage" + std::to_string(iio_.channel) + "_raw");
  scaling_ = read_scaling(dir, "in_voltage", iio_.channel);
  fd_ = ::open(raw_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw ChannelError(errno_text("cannot open", raw_path_));
}

double IioAnalogIn::do_read_device() {
  char buf[32];
  const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
  if (n < 0) throw ChannelError(errno_text("read", raw_path_));
  std::size_t len = static_cast<std::size_t>(n);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) --len;
  std::int64_t raw = 0;
  auto [p, ec] = std::from_chars(buf, buf + len, raw);
  if (len == 0 || ec != std::errc{} || p != buf + len)
    throw ChannelError(raw_path_.string() + ": found '" + std::string(buf, len) + "', expected an integer code");
  return (static_cast<double>(raw) + scaling_.offset) * scaling_.scale_mv / 1000.0;
}

}  // namespace rig::io
