// The VE.Direct HEX register map of the firmware (TEL-2; research-notes §3.5) and its get/set handler.
//
// Registers (value sizes: un8/un16/un32 unsigned, sn16 signed two's complement; RO = read-only):
//   0x0100 product id           un16 RO  (0xA3E0)
//   0x0102 firmware version     un16 RO  (app_version(): the VE.Text FW field's digits, "0.1.0" → 0x0010)
//   0x21A0 build hash           un32 RO  (the first 8 hex digits of the git hash the image was built from;
//                                        0 when unknown) — with 0x0100 and 0x0102, the image's identity
//   0x031D alarm status         un8  RO  (1 while alarm_reason ≠ 0; VE.Text "Alarm")
//   0x031E alarm reason         un16 RO  (VE.Text "AR", fw::AlarmReason bits)
//   0x2100 BMS flags            un32 RO  (fw::Outputs::bms_flags; bits 25 ATC, 26 ATD, 27 pre-alarm …)
//   0x2101 BMS error            un8  RO  (fw::BmsError: 0, 32 cable, 36 sensor)
//   0x2103 BMS settings         un32 RW  bit 0 use pre-alarm (prealarm_enabled), bit 1 alarm continuous
//                                        (prealarm_mode continuous; 0 = intermittent), bit 2 follow remote
//                                        (system_switch); other bits must be 0
// Project-defined configuration registers, one per fw::Config field (all RW):
//   0x2180 input_mode              un8   0 cells, 1 battery signals
//   0x2181 battery_count           un8   1..5
//   0x2182 load_disconnect_mv      un16  2600..2800
//   0x2183 prealarm_mv             un16  2850..3150
//   0x2184 cell_overvoltage_mv     un16  3600..4200
//   0x2185 low_temp_charge_dc      sn16  -200..200
//   0x2186 prealarm_enabled        un8   0/1
//   0x2187 prealarm_mode           un8   0 continuous, 1 intermittent
//   0x2188 fuse_rating_a           un16  40, 50, 60, 70, 80, 100 or 125
//   0x2189 system_switch           un8   0/1
//   0x218A lvd_emergency_floor_mv  un16  0 (off) or 2000..2790
//
// Semantics
// - get: response 0x7 with the register id, flags 0 and the value at its size; unknown id → flags 0x01 and no
//   value.
// - set: the value may be sent as 1, 2 or 4 bytes (signed registers are sign-extended from the size sent).
//   The new configuration is the current one with that field changed; it is applied through
//   Bms::configure (fw::validate, FLT-4): if refused, or the value does not fit the field, or the size is not
//   1/2/4, the answer carries flags 0x04 (parameter error) and the current value, and nothing changes.
//   A read-only register answers flags 0x02 (not supported); an unknown id flags 0x01. The handler keeps
//   values in the Bms (RAM); a board with non-volatile memory registers an after-set hook (set_after_set) that
//   saves the new configuration through fw::ConfigStore, so a set survives a power cycle (FLT-4). The hook runs
//   after the answer is built and only for a set that was applied (flags 0).
// - ping (0x1) → 0x5 with the app version (un16); app version (0x3) → 0x1 done + version; product id (0x4) →
//   0x1 done + product id; restart (0x6) → no answer (the board may reset); other commands → 0x3 unknown with
//   the command byte.
// - A line that is not a valid frame (format, checksum, length) → ":4AAAAFD\n" and nothing changes.
//
// Heap-free, exception-free; not thread-safe (call from the loop that owns the Bms).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/bms.hpp"
#include "fw/io.hpp"
#include "fw/vedirect_hex.hpp"

namespace fw::vedirect {

namespace reg {
inline constexpr std::uint16_t kProductId = 0x0100;
inline constexpr std::uint16_t kFirmwareVersion = 0x0102;
inline constexpr std::uint16_t kBuildHash = 0x21A0;
inline constexpr std::uint16_t kAlarmStatus = 0x031D;
inline constexpr std::uint16_t kAlarmReason = 0x031E;
inline constexpr std::uint16_t kBmsFlags = 0x2100;
inline constexpr std::uint16_t kBmsError = 0x2101;
inline constexpr std::uint16_t kBmsSettings = 0x2103;
inline constexpr std::uint16_t kInputMode = 0x2180;
inline constexpr std::uint16_t kBatteryCount = 0x2181;
inline constexpr std::uint16_t kLoadDisconnectMv = 0x2182;
inline constexpr std::uint16_t kPrealarmMv = 0x2183;
inline constexpr std::uint16_t kCellOvervoltageMv = 0x2184;
inline constexpr std::uint16_t kLowTempChargeDc = 0x2185;
inline constexpr std::uint16_t kPrealarmEnabled = 0x2186;
inline constexpr std::uint16_t kPrealarmMode = 0x2187;
inline constexpr std::uint16_t kFuseRatingA = 0x2188;
inline constexpr std::uint16_t kSystemSwitch = 0x2189;
inline constexpr std::uint16_t kLvdEmergencyFloorMv = 0x218A;
}  // namespace reg

inline constexpr std::uint32_t kSettingUsePrealarm = 1u << 0;
inline constexpr std::uint32_t kSettingAlarmContinuous = 1u << 1;
inline constexpr std::uint32_t kSettingFollowRemote = 1u << 2;

inline constexpr std::uint16_t kProductIdValue = 0xA3E0;

// The app version word: major << 8 | minor << 4 | patch, from fw::kFirmwareVersion ("0.1.0" → 0x0010).
std::uint16_t app_version();

// The build hash register's value: the first 8 hex digits of fw::build_hash() (fewer digits: the value of those
// there are; "unknown" or any non-hex character first: 0).
std::uint32_t build_hash_word();
std::uint32_t parse_hash_word(const char* hash);

// Reads register `id` from a configuration and the latest outputs. Returns false for an unknown id.
bool read_register(std::uint16_t id, const Config& config, const Outputs& outputs, std::uint32_t& value,
                   std::size_t& size);

// Produces the configuration that results from writing `value` (sent as `size` bytes) to `id`.
// Returns kFlagOk and fills `next`, or kFlagUnknownId / kFlagNotSupported / kFlagParameterError (value does not
// fit the field). Range checks beyond the field's width are fw::validate's job.
std::uint8_t write_register(std::uint16_t id, std::uint32_t value, std::size_t size, const Config& current,
                            Config& next);

class RegisterHandler {
 public:
  explicit RegisterHandler(Bms& bms) : bms_(bms) {}

  // The outputs the read-only registers report (call after every Bms::step).
  void update(const Outputs& outputs) { outputs_ = outputs; }

  // Handles one decoded request. Returns false when no answer is due (restart).
  bool handle(const HexFrame& request, HexFrame& response);

  // Decodes text[0..n) (one line from ':' up to '\n'), handles it and encodes the answer into out. Returns the
  // answer length (0: no answer, or `capacity` too small; kMaxHexFrameChars always suffices). A malformed
  // line answers kErrorFrame.
  std::size_t handle_line(const char* text, std::size_t n, char* out, std::size_t capacity);

  std::uint32_t malformed_frames() const { return malformed_; }

  // Called after every applied set with the configuration now in force (e.g. the board's NVM save); may be null.
  using AfterSet = void (*)(void* context, const Config& config);
  void set_after_set(AfterSet hook, void* context) {
    after_set_ = hook;
    after_set_context_ = context;
  }

 private:
  Bms& bms_;
  AfterSet after_set_ = nullptr;
  void* after_set_context_ = nullptr;
  Outputs outputs_{};
  std::uint32_t malformed_ = 0;
};

}  // namespace fw::vedirect
