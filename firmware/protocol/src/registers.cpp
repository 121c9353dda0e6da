#include "fw/registers.hpp"

#include "fw/version.hpp"

namespace fw::vedirect {

namespace {

std::uint32_t settings_of(const Config& c) {
  std::uint32_t v = 0;
  if (c.prealarm_enabled) v |= kSettingUsePrealarm;
  if (c.prealarm_mode == PreAlarmMode::kContinuous) v |= kSettingAlarmContinuous;
  if (c.system_switch) v |= kSettingFollowRemote;
  return v;
}

// Sign-extends a value sent as `size` bytes.
std::int32_t sign_extend(std::uint32_t v, std::size_t size) {
  if (size == 1) return static_cast<std::int8_t>(v & 0xFF);
  if (size == 2) return static_cast<std::int16_t>(v & 0xFFFF);
  return static_cast<std::int32_t>(v);
}

// A get/set without a register id (or with more than 4 value bytes) is malformed: ":4AAAAFD".
bool error_frame(HexFrame& resp) {
  resp = make_frame(static_cast<std::uint8_t>(HexResponse::kError));
  resp.payload[0] = 0xAA;
  resp.payload[1] = 0xAA;
  resp.length = 2;
  return true;
}

}  // namespace

std::uint16_t app_version() { return kFirmwareVersionWord; }

std::uint32_t parse_hash_word(const char* hash) {
  std::uint32_t v = 0;
  for (int i = 0; i < 8 && hash[i] != '\0'; ++i) {
    const char ch = hash[i];
    std::uint32_t d = 0;
    if (ch >= '0' && ch <= '9') {
      d = static_cast<std::uint32_t>(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
      d = static_cast<std::uint32_t>(ch - 'a' + 10);
    } else if (ch >= 'A' && ch <= 'F') {
      d = static_cast<std::uint32_t>(ch - 'A' + 10);
    } else {
      return i == 0 ? 0 : v;
    }
    v = v << 4 | d;
  }
  return v;
}

std::uint32_t build_hash_word() { return parse_hash_word(build_hash()); }

bool read_register(std::uint16_t id, const Config& c, const Outputs& o, std::uint32_t& value, std::size_t& size) {
  switch (id) {
    case reg::kProductId: value = kProductIdValue; size = 2; return true;
    case reg::kFirmwareVersion: value = app_version(); size = 2; return true;
    case reg::kBuildHash: value = build_hash_word(); size = 4; return true;
    case reg::kAlarmStatus: value = o.alarm_reason != 0 ? 1 : 0; size = 1; return true;
    case reg::kAlarmReason: value = o.alarm_reason; size = 2; return true;
    case reg::kBmsFlags: value = o.bms_flags; size = 4; return true;
    case reg::kBmsError: value = o.bms_error; size = 1; return true;
    case reg::kBmsSettings: value = settings_of(c); size = 4; return true;
    case reg::kInputMode: value = static_cast<std::uint32_t>(c.input_mode); size = 1; return true;
    case reg::kBatteryCount: value = c.battery_count; size = 1; return true;
    case reg::kLoadDisconnectMv: value = static_cast<std::uint32_t>(c.load_disconnect_mv) & 0xFFFF; size = 2; return true;
    case reg::kPrealarmMv: value = static_cast<std::uint32_t>(c.prealarm_mv) & 0xFFFF; size = 2; return true;
    case reg::kCellOvervoltageMv: value = static_cast<std::uint32_t>(c.cell_overvoltage_mv) & 0xFFFF; size = 2; return true;
    case reg::kLowTempChargeDc: value = static_cast<std::uint16_t>(c.low_temp_charge_dc); size = 2; return true;
    case reg::kPrealarmEnabled: value = c.prealarm_enabled ? 1 : 0; size = 1; return true;
    case reg::kPrealarmMode: value = static_cast<std::uint32_t>(c.prealarm_mode); size = 1; return true;
    case reg::kFuseRatingA: value = static_cast<std::uint32_t>(c.fuse_rating_a) & 0xFFFF; size = 2; return true;
    case reg::kSystemSwitch: value = c.system_switch ? 1 : 0; size = 1; return true;
    case reg::kLvdEmergencyFloorMv: value = static_cast<std::uint32_t>(c.lvd_emergency_floor_mv) & 0xFFFF; size = 2; return true;
    default: return false;
  }
}

std::uint8_t write_register(std::uint16_t id, std::uint32_t value, std::size_t size, const Config& current,
                            Config& next) {
  std::uint32_t ignored_value = 0;
  std::size_t ignored_size = 0;
  if (!read_register(id, current, Outputs{}, ignored_value, ignored_size)) return kFlagUnknownId;
  switch (id) {
    case reg::kProductId:
    case reg::kFirmwareVersion:
    case reg::kBuildHash:
    case reg::kAlarmStatus:
    case reg::kAlarmReason:
    case reg::kBmsFlags:
    case reg::kBmsError:
      return kFlagNotSupported;
    default:
      break;
  }
  if (size != 1 && size != 2 && size != 4) return kFlagParameterError;
  next = current;
  const std::int32_t sv = sign_extend(value, size);
  // Unsigned fields: the raw value must fit a signed 32-bit range so the validator sees it unchanged.
  const bool fits_int = value <= 0x7FFFFFFFu;
  const auto as_int = static_cast<std::int32_t>(value);
  switch (id) {
    case reg::kBmsSettings:
      if ((value & ~(kSettingUsePrealarm | kSettingAlarmContinuous | kSettingFollowRemote)) != 0) {
        return kFlagParameterError;
      }
      next.prealarm_enabled = (value & kSettingUsePrealarm) != 0;
      next.prealarm_mode = (value & kSettingAlarmContinuous) != 0 ? PreAlarmMode::kContinuous : PreAlarmMode::kIntermittent;
      next.system_switch = (value & kSettingFollowRemote) != 0;
      return kFlagOk;
    case reg::kInputMode:
      if (value > 0xFF) return kFlagParameterError;
      next.input_mode = static_cast<InputMode>(value);  // validate() refuses unknown modes
      return kFlagOk;
    case reg::kBatteryCount:
      if (value > 0xFF) return kFlagParameterError;
      next.battery_count = static_cast<std::uint8_t>(value);
      return kFlagOk;
    case reg::kLoadDisconnectMv:
      if (!fits_int) return kFlagParameterError;
      next.load_disconnect_mv = as_int;
      return kFlagOk;
    case reg::kPrealarmMv:
      if (!fits_int) return kFlagParameterError;
      next.prealarm_mv = as_int;
      return kFlagOk;
    case reg::kCellOvervoltageMv:
      if (!fits_int) return kFlagParameterError;
      next.cell_overvoltage_mv = as_int;
      return kFlagOk;
    case reg::kLowTempChargeDc:
      if (sv < -32768 || sv > 32767) return kFlagParameterError;
      next.low_temp_charge_dc = static_cast<std::int16_t>(sv);
      return kFlagOk;
    case reg::kPrealarmEnabled:
      if (value > 1) return kFlagParameterError;
      next.prealarm_enabled = value != 0;
      return kFlagOk;
    case reg::kPrealarmMode:
      if (value > 0xFF) return kFlagParameterError;
      next.prealarm_mode = static_cast<PreAlarmMode>(value);  // validate() refuses unknown modes
      return kFlagOk;
    case reg::kFuseRatingA:
      if (!fits_int) return kFlagParameterError;
      next.fuse_rating_a = as_int;
      return kFlagOk;
    case reg::kSystemSwitch:
      if (value > 1) return kFlagParameterError;
      next.system_switch = value != 0;
      return kFlagOk;
    case reg::kLvdEmergencyFloorMv:
      if (!fits_int) return kFlagParameterError;
      next.lvd_emergency_floor_mv = as_int;
      return kFlagOk;
    default:
      return kFlagUnknownId;
  }
}

bool RegisterHandler::handle(const HexFrame& req, HexFrame& resp) {
  const auto cmd = static_cast<HexCommand>(req.command);
  switch (cmd) {
    case HexCommand::kPing:
      resp = make_frame(static_cast<std::uint8_t>(HexResponse::kPing));
      resp.payload[0] = static_cast<std::uint8_t>(app_version() & 0xFF);
      resp.payload[1] = static_cast<std::uint8_t>(app_version() >> 8);
      resp.length = 2;
      return true;
    case HexCommand::kAppVersion:
      resp = make_frame(static_cast<std::uint8_t>(HexResponse::kDone));
      resp.payload[0] = static_cast<std::uint8_t>(app_version() & 0xFF);
      resp.payload[1] = static_cast<std::uint8_t>(app_version() >> 8);
      resp.length = 2;
      return true;
    case HexCommand::kProductId:
      resp = make_frame(static_cast<std::uint8_t>(HexResponse::kDone));
      resp.payload[0] = static_cast<std::uint8_t>(kProductIdValue & 0xFF);
      resp.payload[1] = static_cast<std::uint8_t>(kProductIdValue >> 8);
      resp.length = 2;
      return true;
    case HexCommand::kRestart:
      return false;
    case HexCommand::kGet: {
      if (req.length < 3) return error_frame(resp);
      std::uint32_t v = 0;
      std::size_t size = 0;
      if (read_register(req.register_id(), bms_.config(), outputs_, v, size)) {
        resp = make_register(req.command, req.register_id(), kFlagOk, v, size);
      } else {
        resp = make_register(req.command, req.register_id(), kFlagUnknownId, 0, 0);
      }
      return true;
    }
    case HexCommand::kSet: {
      if (req.length < 3 || req.length > 7) return error_frame(resp);
      Config next{};
      std::uint8_t flags = write_register(req.register_id(), req.value(), req.value_size(), bms_.config(), next);
      if (flags == kFlagOk && bms_.configure(next) != ConfigError::kOk) flags = kFlagParameterError;
      std::uint32_t v = 0;
      std::size_t size = 0;
      if (read_register(req.register_id(), bms_.config(), outputs_, v, size)) {
        resp = make_register(req.command, req.register_id(), flags, v, size);
      } else {
        resp = make_register(req.command, req.register_id(), flags, 0, 0);
      }
      if (flags == kFlagOk && after_set_ != nullptr) after_set_(after_set_context_, bms_.config());
      return true;
    }
    default:
      break;
  }
  resp = make_frame(static_cast<std::uint8_t>(HexResponse::kUnknown));
  resp.payload[0] = req.command;
  resp.length = 1;
  return true;
}

std::size_t RegisterHandler::handle_line(const char* text, std::size_t n, char* out, std::size_t capacity) {
  HexFrame req;
  if (decode_hex(text, n, req) != HexError::kOk) {
    ++malformed_;
    constexpr std::size_t kLen = sizeof(kErrorFrame) - 1;
    if (capacity < kLen) return 0;
    for (std::size_t i = 0; i < kLen; ++i) out[i] = kErrorFrame[i];
    return kLen;
  }
  HexFrame resp;
  if (!handle(req, resp)) return 0;
  return encode_hex(resp, out, capacity);
}

}  // namespace fw::vedirect
