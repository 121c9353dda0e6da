#include "rig/in_process_dut.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "fw/config_store.hpp"
#include "fw/version.hpp"

namespace rig {

FirmwareInfo InProcessDut::firmware_info() const {
  return FirmwareInfo{fw::kFirmwareVersion, fw::build_hash(), "host"};
}

void InProcessDut::start(const fw::Config& config) {
  bms_ = fw::Bms{};
  const fw::ConfigError err = bms_.configure(config);
  if (err != fw::ConfigError::kOk)
    throw DutError(std::string("firmware refused the configuration: ") + fw::to_string(err) + " (code " +
                   std::to_string(static_cast<int>(err)) + ")");
  bms_.reset();
  fw::ConfigStore store(nvm_);
  if (store.save(config) != fw::StoreError::kOk) throw DutError("SIL: the configuration could not be saved to NVM");
  observer_.clear();
  next_text_ms_ = 1000;
  last_now_ = 0;
  polled_ = false;
}

void InProcessDut::reset(ResetKind kind) {
  if (kind == ResetKind::kWatchdog) {
    bms_.reset();
    return;
  }
  // Power: the board boots — a fresh core, the configuration from NVM (defaults if no slot is valid).
  const fw::LoadResult loaded = fw::ConfigStore(nvm_).load();
  bms_ = fw::Bms{};
  if (bms_.configure(loaded.config) != fw::ConfigError::kOk) (void)bms_.configure(fw::Config{});
}

std::array<std::array<std::uint8_t, fw::ConfigStore::kRecordSize>, fw::Storage::kSlots> InProcessDut::RamStorage::erased() {
  std::array<std::array<std::uint8_t, fw::ConfigStore::kRecordSize>, kSlots> a{};
  for (auto& s : a) s.fill(0xFF);
  return a;
}

bool InProcessDut::RamStorage::read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) {
  if (slot < 0 || slot >= kSlots || offset > slot_size() || n > slot_size() - offset) return false;
  std::copy_n(bytes_[static_cast<std::size_t>(slot)].begin() + static_cast<std::ptrdiff_t>(offset), n, dst);
  return true;
}

bool InProcessDut::RamStorage::write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) {
  if (slot < 0 || slot >= kSlots || offset > slot_size() || n > slot_size() - offset) return false;
  std::copy_n(src, n, bytes_[static_cast<std::size_t>(slot)].begin() + static_cast<std::ptrdiff_t>(offset));
  return true;
}

bool InProcessDut::RamStorage::erase(int slot) {
  if (slot < 0 || slot >= kSlots) return false;
  bytes_[static_cast<std::size_t>(slot)].fill(0xFF);
  return true;
}

std::size_t InProcessDut::step_ticks(std::span<const BoardSample> samples, fw::Millis first_now,
                                     const fw::Outputs& assumed, std::span<fw::Outputs> out) {
  std::size_t n = 0;
  for (; n < samples.size() && n < out.size(); ++n) {
    const fw::Millis now = first_now + static_cast<fw::Millis>(n) * fw::kTickMs;
    const fw::Inputs in = adc_sample(samples[n]);
    out[n] = bms_.step(in, now);
    observe(in, out[n], now);
    if (out[n] != assumed) return n + 1;
  }
  return n;
}

void InProcessDut::observe(const fw::Inputs& in, const fw::Outputs& out, fw::Millis now) {
  last_now_ = now;
  registers_.update(out);
  if (now >= next_text_ms_) {
    next_text_ms_ += 1000;
    char block[fw::vedirect::kMaxBlockBytes];
    const std::size_t len =
        fw::vedirect::encode_telemetry(fw::vedirect::make_telemetry(in, out, bms_.config()), block, sizeof block);
    observer_.feed(std::string_view(block, len), now);
  }
  if (polled_ && out == last_polled_) return;
  polled_ = true;
  last_polled_ = out;
  for (const auto reg : VeDirectObserver::registers()) {
    char req[fw::vedirect::kMaxHexFrameChars + 1];
    const std::size_t n = fw::vedirect::encode_hex(fw::vedirect::make_get(reg), req, sizeof req);
    handle(std::string_view(req, n), now, true);
  }
}

std::string InProcessDut::handle(std::string_view line, fw::Millis now, bool poll) {
  char answer[fw::vedirect::kMaxHexFrameChars + 1];
  const std::size_t n = registers_.handle_line(line.data(), line.size(), answer, sizeof answer);
  observer_.feed(std::string_view(answer, n), now, poll);
  return std::string(answer, n);
}

std::string InProcessDut::vedirect_request(std::string_view line) {
  std::string l(line);
  if (l.empty() || l.back() != '\n') l += '\n';
  const std::string answer = handle(l, last_now_, false);
  polled_ = false;  // a set may have changed the configuration: read every register again after the next step
  return answer;
}

bool operator==(const BoardSample& a, const BoardSample& b) {
  if (a.batteries != b.batteries) return false;
  for (int i = 0; i < fw::kMaxCells; ++i)
    if (a.cell_v[i] != b.cell_v[i] || a.cell_temp_c[i] != b.cell_temp_c[i]) return false;
  for (int i = 0; i < fw::kMaxBatteries; ++i) {
    const auto &x = a.battery[i], &y = b.battery[i];
    if (x.connected != y.connected || x.allowed_to_charge != y.allowed_to_charge ||
        x.allowed_to_discharge != y.allowed_to_discharge || x.prealarm != y.prealarm)
      return false;
  }
  return a.alt_port_v == b.alt_port_v && a.li_port_v == b.li_port_v && a.alt_current_a == b.alt_current_a &&
         a.heatsink_c == b.heatsink_c && a.remote_h_v == b.remote_h_v && a.remote_l_v == b.remote_l_v;
}

fw::Inputs adc_sample(const BoardSample& s) {
  fw::Inputs in{};
  auto mv = [](double v) { return static_cast<std::int32_t>(std::floor(v * 1000.0)); };
  auto dc = [](double c) { return static_cast<std::int16_t>(std::clamp(std::floor(c * 10.0), -32768.0, 32767.0)); };
  const int n = std::clamp(s.batteries, 0, fw::kMaxBatteries);
  for (int i = 0; i < n * fw::kCellsPerBattery; ++i) {
    in.cell_mv[i] = mv(s.cell_v[i]);
    in.cell_temp_dc[i] = dc(s.cell_temp_c[i]);
  }
  for (int b = 0; b < n; ++b) in.battery[b] = s.battery[b];
  in.alt_port_mv = mv(s.alt_port_v);
  in.li_port_mv = mv(s.li_port_v);
  in.alt_current_ma = static_cast<std::int32_t>(std::floor(s.alt_current_a * 100.0)) * 10;  // 10 mA LSB
  in.heatsink_temp_dc = dc(s.heatsink_c);
  in.remote_h_mv = mv(s.remote_h_v);
  in.remote_l_mv = mv(s.remote_l_v);
  return in;
}


}  // namespace rig
