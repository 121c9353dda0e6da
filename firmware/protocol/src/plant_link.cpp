#include "fw/plant_link.hpp"

#include "fw/crc32.hpp"
#include "fw/version.hpp"

namespace fw::plant_link {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone: return "none";
    case ErrorCode::kCrc: return "crc";
    case ErrorCode::kLength: return "length";
    case ErrorCode::kVersion: return "version";
    case ErrorCode::kType: return "type";
    case ErrorCode::kPayload: return "payload";
  }
  return "unknown";
}

// --- Writer / Reader -----------------------------------------------------------------------------------------

void Writer::u8(std::uint8_t v) {
  if (!ok_ || len_ >= cap_) {
    ok_ = false;
    return;
  }
  buf_[len_++] = v;
}
void Writer::u16(std::uint16_t v) {
  u8(static_cast<std::uint8_t>(v));
  u8(static_cast<std::uint8_t>(v >> 8));
}
void Writer::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v));
  u16(static_cast<std::uint16_t>(v >> 16));
}
void Writer::text(const char* s) {
  std::size_t n = 0;
  while (s != nullptr && n < kMaxText && s[n] != '\0') ++n;
  u8(static_cast<std::uint8_t>(n));
  for (std::size_t i = 0; i < n; ++i) u8(static_cast<std::uint8_t>(s[i]));
}

std::uint8_t Reader::u8() {
  if (!ok_ || pos_ >= n_) {
    ok_ = false;
    return 0;
  }
  return p_[pos_++];
}
std::uint16_t Reader::u16() {
  const std::uint16_t lo = u8();
  return static_cast<std::uint16_t>(lo | (u8() << 8));
}
std::uint32_t Reader::u32() {
  const std::uint32_t lo = u16();
  return lo | (static_cast<std::uint32_t>(u16()) << 16);
}
bool Reader::text(char* out, std::size_t capacity) {
  const std::size_t n = u8();
  if (!ok_ || n > kMaxText || n + 1 > capacity || n > remaining()) {
    ok_ = false;
    if (capacity > 0) out[0] = '\0';
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(u8());
  out[n] = '\0';
  return ok_;
}

// --- Payload codecs --------------------------------------------------------------------------------------------

namespace {

bool read_bool(Reader& r, bool& v) {
  const std::uint8_t b = r.u8();
  v = b != 0;
  return b <= 1;
}

bool read_pin(Reader& r, Pin& p) {
  const std::uint8_t b = r.u8();
  p = static_cast<Pin>(b);
  return b <= 1;
}

}  // namespace

void encode_inputs(Writer& w, const Inputs& in) {
  for (std::int32_t v : in.cell_mv) w.i32(v);
  for (std::int16_t v : in.cell_temp_dc) w.i16(v);
  for (const BatterySignals& b : in.battery) {
    w.u8(static_cast<std::uint8_t>((b.connected ? 1 : 0) | (b.allowed_to_charge ? 2 : 0) |
                                   (b.allowed_to_discharge ? 4 : 0) | (b.prealarm ? 8 : 0)));
  }
  w.i32(in.alt_port_mv);
  w.i32(in.li_port_mv);
  w.i32(in.alt_current_ma);
  w.i16(in.heatsink_temp_dc);
  w.i32(in.remote_h_mv);
  w.i32(in.remote_l_mv);
}

bool decode_inputs(Reader& r, Inputs& in) {
  bool ok = true;
  for (std::int32_t& v : in.cell_mv) v = r.i32();
  for (std::int16_t& v : in.cell_temp_dc) v = r.i16();
  for (BatterySignals& b : in.battery) {
    const std::uint8_t bits = r.u8();
    ok = ok && bits <= 0x0F;
    b.connected = (bits & 1) != 0;
    b.allowed_to_charge = (bits & 2) != 0;
    b.allowed_to_discharge = (bits & 4) != 0;
    b.prealarm = (bits & 8) != 0;
  }
  in.alt_port_mv = r.i32();
  in.li_port_mv = r.i32();
  in.alt_current_ma = r.i32();
  in.heatsink_temp_dc = r.i16();
  in.remote_h_mv = r.i32();
  in.remote_l_mv = r.i32();
  return ok && r.ok();
}

void encode_outputs(Writer& w, const Outputs& o) {
  w.u8(static_cast<std::uint8_t>(o.load));
  w.u8(static_cast<std::uint8_t>(o.charge));
  w.u8(static_cast<std::uint8_t>(o.prealarm));
  w.u8(static_cast<std::uint8_t>((o.alt_path_on ? 1 : 0) | (o.atc ? 2 : 0) | (o.atd ? 4 : 0) |
                                 (o.prealarm_active ? 8 : 0) | (o.remote_on ? 16 : 0) |
                                 (o.lead_violation ? 32 : 0)));
  w.i32(o.alt_limit_ma);
  w.u8(o.leds);
  w.u16(o.alarm_reason);
  w.u8(o.bms_error);
  w.u32(o.bms_flags);
}

bool decode_outputs(Reader& r, Outputs& o) {
  bool ok = read_pin(r, o.load);
  ok = read_pin(r, o.charge) && ok;
  ok = read_pin(r, o.prealarm) && ok;
  const std::uint8_t bits = r.u8();
  ok = ok && bits <= 0x3F;
  o.alt_path_on = (bits & 1) != 0;
  o.atc = (bits & 2) != 0;
  o.atd = (bits & 4) != 0;
  o.prealarm_active = (bits & 8) != 0;
  o.remote_on = (bits & 16) != 0;
  o.lead_violation = (bits & 32) != 0;
  o.alt_limit_ma = r.i32();
  o.leds = r.u8();
  o.alarm_reason = r.u16();
  o.bms_error = r.u8();
  o.bms_flags = r.u32();
  return ok && r.ok();
}

void encode_config(Writer& w, const Config& c) {
  w.u8(static_cast<std::uint8_t>(c.input_mode));
  w.u8(c.battery_count);
  w.i32(c.load_disconnect_mv);
  w.i32(c.prealarm_mv);
  w.i32(c.cell_overvoltage_mv);
  w.i16(c.low_temp_charge_dc);
  w.u8(c.prealarm_enabled ? 1 : 0);
  w.u8(static_cast<std::uint8_t>(c.prealarm_mode));
  w.i32(c.fuse_rating_a);
  w.u8(c.system_switch ? 1 : 0);
  w.i32(c.lvd_emergency_floor_mv);
}

bool decode_config(Reader& r, Config& c) {
  // Enum values are passed through unchecked: the firmware's validate() refuses them (FLT-4, kConfigAck).
  c.input_mode = static_cast<InputMode>(r.u8());
  c.battery_count = r.u8();
  c.load_disconnect_mv = r.i32();
  c.prealarm_mv = r.i32();
  c.cell_overvoltage_mv = r.i32();
  c.low_temp_charge_dc = r.i16();
  bool ok = read_bool(r, c.prealarm_enabled);
  c.prealarm_mode = static_cast<PreAlarmMode>(r.u8());
  c.fuse_rating_a = r.i32();
  ok = read_bool(r, c.system_switch) && ok;
  c.lvd_emergency_floor_mv = r.i32();
  return ok && r.ok();
}


// --- Delta coding and step messages ----------------------------------------------------------------------------

namespace {

// Field i of a sample as a 32-bit pattern (see the field order in the header).
std::uint32_t get_field(const Inputs& in, std::size_t i) {
  if (i < 20) return static_cast<std::uint32_t>(in.cell_mv[i]);
  if (i < 40) return static_cast<std::uint32_t>(static_cast<std::int32_t>(in.cell_temp_dc[i - 20]));
  if (i < 45) {
    const BatterySignals& b = in.battery[i - 40];
    return (b.connected ? 1u : 0u) | (b.allowed_to_charge ? 2u : 0u) | (b.allowed_to_discharge ? 4u : 0u) |
           (b.prealarm ? 8u : 0u);
  }
  switch (i) {
    case 45: return static_cast<std::uint32_t>(in.alt_port_mv);
    case 46: return static_cast<std::uint32_t>(in.li_port_mv);
    case 47: return static_cast<std::uint32_t>(in.alt_current_ma);
    case 48: return static_cast<std::uint32_t>(static_cast<std::int32_t>(in.heatsink_temp_dc));
    case 49: return static_cast<std::uint32_t>(in.remote_h_mv);
    default: return static_cast<std::uint32_t>(in.remote_l_mv);
  }
}

// Sets field i; false when the value does not fit the field (int16, battery bits).
bool set_field(Inputs& in, std::size_t i, std::uint32_t v) {
  const auto sv = static_cast<std::int32_t>(v);
  if (i < 20) {
    in.cell_mv[i] = sv;
    return true;
  }
  if (i < 40 || i == 48) {
    if (sv < -32768 || sv > 32767) return false;
    (i == 48 ? in.heatsink_temp_dc : in.cell_temp_dc[i - 20]) = static_cast<std::int16_t>(sv);
    return true;
  }
  if (i < 45) {
    if (v > 0x0F) return false;
    BatterySignals& b = in.battery[i - 40];
    b.connected = (v & 1u) != 0;
    b.allowed_to_charge = (v & 2u) != 0;
    b.allowed_to_discharge = (v & 4u) != 0;
    b.prealarm = (v & 8u) != 0;
    return true;
  }
  switch (i) {
    case 45: in.alt_port_mv = sv; return true;
    case 46: in.li_port_mv = sv; return true;
    case 47: in.alt_current_ma = sv; return true;
    case 49: in.remote_h_mv = sv; return true;
    default: in.remote_l_mv = sv; return true;
  }
}

void put_varint(Writer& w, std::uint32_t v) {
  while (v >= 0x80u) {
    w.u8(static_cast<std::uint8_t>(v | 0x80u));
    v >>= 7;
  }
  w.u8(static_cast<std::uint8_t>(v));
}

bool get_varint(Reader& r, std::uint32_t& v) {
  v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    const std::uint8_t b = r.u8();
    if (!r.ok()) return false;
    if (shift == 28 && (b & 0xF0u) != 0) return false;  // more than 32 bits
    v |= static_cast<std::uint32_t>(b & 0x7Fu) << shift;
    if ((b & 0x80u) == 0) return true;
  }
  return false;
}

std::uint32_t zigzag(std::uint32_t d) {
  return (d << 1) ^ (0u - (d >> 31));
}
std::uint32_t unzigzag(std::uint32_t z) { return (z >> 1) ^ (0u - (z & 1u)); }

}  // namespace

void encode_delta(Writer& w, const Inputs& previous, const Inputs& next) {
  std::uint8_t mask[kDeltaMaskSize] = {};
  std::uint8_t groups = 0;
  for (std::size_t i = 0; i < kInputFields; ++i) {
    if (get_field(previous, i) != get_field(next, i)) {
      mask[i / 8] = static_cast<std::uint8_t>(mask[i / 8] | (1u << (i % 8)));
      groups = static_cast<std::uint8_t>(groups | (1u << (i / 8)));
    }
  }
  w.u8(groups);
  for (std::size_t g = 0; g < kDeltaMaskSize; ++g) {
    if (mask[g] != 0) w.u8(mask[g]);
  }
  for (std::size_t i = 0; i < kInputFields; ++i) {
    if ((mask[i / 8] & (1u << (i % 8))) == 0) continue;
    if (i >= 40 && i < 45) {
      put_varint(w, get_field(next, i));
    } else {
      put_varint(w, zigzag(get_field(next, i) - get_field(previous, i)));
    }
  }
}

bool decode_delta(Reader& r, Inputs& next) {
  const std::uint8_t groups = r.u8();
  if (!r.ok() || (groups >> kDeltaMaskSize) != 0) return false;
  std::uint8_t mask[kDeltaMaskSize] = {};
  for (std::size_t g = 0; g < kDeltaMaskSize; ++g) {
    if ((groups & (1u << g)) == 0) continue;
    mask[g] = r.u8();
    if (!r.ok() || mask[g] == 0) return false;  // canonical: a listed group has a change
  }
  if ((mask[kDeltaMaskSize - 1] >> (kInputFields % 8)) != 0) return false;  // bits beyond field 50
  for (std::size_t i = 0; i < kInputFields; ++i) {
    if ((mask[i / 8] & (1u << (i % 8))) == 0) continue;
    std::uint32_t v = 0;
    if (!get_varint(r, v)) return false;
    const std::uint32_t value = (i >= 40 && i < 45) ? v : get_field(next, i) + unzigzag(v);
    if (!set_field(next, i, value)) return false;
  }
  return r.ok();
}

void encode_step_header(Writer& w, const StepRequest& req) {
  w.u32(req.first_now);
  w.u16(req.count);
  w.u8(req.flags);
  w.u16(req.reference_sequence);
  if ((req.flags & kStepAssumedIsLast) == 0) encode_outputs(w, req.assumed);
}

bool decode_step_header(Reader& r, StepRequest& req) {
  req.first_now = r.u32();
  req.count = r.u16();
  req.flags = r.u8();
  req.reference_sequence = r.u16();
  if ((req.flags & ~(kStepAssumedIsLast | kStepDeltaFromReference)) != 0) return false;
  if ((req.flags & kStepAssumedIsLast) == 0 && !decode_outputs(r, req.assumed)) return false;
  return r.ok() && req.count >= 1 && req.count <= kMaxBatch;
}

void encode_step_result(Writer& w, const StepResult& res) {
  w.u16(res.executed);
  w.u32(res.overruns);
  w.u32(res.max_step_cycles);
  encode_outputs(w, res.last);
}

bool decode_step_result(Reader& r, StepResult& res) {
  res.executed = r.u16();
  res.overruns = r.u32();
  res.max_step_cycles = r.u32();
  return decode_outputs(r, res.last) && r.ok() && r.at_end() && res.executed >= 1 && res.executed <= kMaxBatch;
}

void encode_identity(Writer& w, const Identity& id) {
  w.u8(id.protocol_version);
  w.u16(id.max_batch);
  w.text(id.firmware_version);
  w.text(id.build_hash);
  w.text(id.target);
}

bool decode_identity(Reader& r, Identity& id) {
  id.protocol_version = r.u8();
  id.max_batch = r.u16();
  bool ok = r.text(id.firmware_version, sizeof id.firmware_version);
  ok = r.text(id.build_hash, sizeof id.build_hash) && ok;
  ok = r.text(id.target, sizeof id.target) && ok;
  return ok && r.ok() && id.max_batch >= 1;
}

namespace {
void copy_text(char* dst, std::size_t cap, const char* src) {
  std::size_t n = 0;
  while (src != nullptr && n + 1 < cap && src[n] != '\0') {
    dst[n] = src[n];
    ++n;
  }
  dst[n] = '\0';
}
}  // namespace

Identity make_identity(const char* target) {
  Identity id;
  copy_text(id.firmware_version, sizeof id.firmware_version, kFirmwareVersion);
  copy_text(id.build_hash, sizeof id.build_hash, build_hash());
  copy_text(id.target, sizeof id.target, target);
  return id;
}

// --- Frames ----------------------------------------------------------------------------------------------------

std::size_t encode_frame(Type type, std::uint16_t sequence, const std::uint8_t* payload, std::size_t payload_size,
                         std::uint8_t* out, std::size_t capacity) {
  if (payload_size > kMaxPayload) return 0;
  const std::size_t total = kHeaderSize + payload_size + kCrcSize;
  if (capacity < total) return 0;
  out[0] = kSync0;
  out[1] = kSync1;
  out[2] = kVersion;
  out[3] = static_cast<std::uint8_t>(type);
  out[4] = static_cast<std::uint8_t>(sequence);
  out[5] = static_cast<std::uint8_t>(sequence >> 8);
  out[6] = static_cast<std::uint8_t>(payload_size);
  out[7] = static_cast<std::uint8_t>(payload_size >> 8);
  // payload may already sit at out + kHeaderSize (the Server builds it in place): copy only if elsewhere.
  if (payload_size > 0 && payload != out + kHeaderSize) {
    for (std::size_t i = 0; i < payload_size; ++i) out[kHeaderSize + i] = payload[i];
  }
  const std::uint32_t crc = crc32(out + 2, kHeaderSize - 2 + payload_size);
  std::uint8_t* c = out + kHeaderSize + payload_size;
  c[0] = static_cast<std::uint8_t>(crc);
  c[1] = static_cast<std::uint8_t>(crc >> 8);
  c[2] = static_cast<std::uint8_t>(crc >> 16);
  c[3] = static_cast<std::uint8_t>(crc >> 24);
  return total;
}

void Decoder::reset() {
  state_ = State::kSync0;
  pos_ = 0;
  need_ = 0;
  error_ = ErrorCode::kNone;
}

Decoder::Result Decoder::feed(std::uint8_t byte) {
  switch (state_) {
    case State::kSync0:
      if (byte == kSync0) state_ = State::kSync1;
      return Result::kNone;
    case State::kSync1:
      if (byte == kSync1) {
        state_ = State::kHeader;
        pos_ = 0;
        need_ = kHeaderSize - 2;
        frame_ = Frame{};
      } else if (byte != kSync0) {
        state_ = State::kSync0;
      }
      return Result::kNone;
    case State::kHeader:
      buf_[pos_++] = byte;
      if (--need_ > 0) return Result::kNone;
      frame_.version = buf_[0];
      frame_.type = buf_[1];
      frame_.sequence = static_cast<std::uint16_t>(buf_[2] | (buf_[3] << 8));
      frame_.length = static_cast<std::uint16_t>(buf_[4] | (buf_[5] << 8));
      if (frame_.length > kMaxPayload) {
        state_ = State::kSync0;
        error_ = ErrorCode::kLength;
        return Result::kError;
      }
      need_ = frame_.length;
      state_ = need_ > 0 ? State::kPayload : State::kCrc;
      if (need_ == 0) need_ = kCrcSize;
      return Result::kNone;
    case State::kPayload:
      buf_[pos_++] = byte;
      if (--need_ == 0) {
        state_ = State::kCrc;
        need_ = kCrcSize;
      }
      return Result::kNone;
    case State::kCrc: {
      buf_[pos_++] = byte;
      if (--need_ > 0) return Result::kNone;
      state_ = State::kSync0;
      const std::size_t body = kHeaderSize - 2 + frame_.length;
      const std::uint8_t* c = buf_ + body;
      const std::uint32_t got = static_cast<std::uint32_t>(c[0]) | static_cast<std::uint32_t>(c[1]) << 8 |
                                static_cast<std::uint32_t>(c[2]) << 16 | static_cast<std::uint32_t>(c[3]) << 24;
      if (got != crc32(buf_, body)) {
        error_ = ErrorCode::kCrc;
        return Result::kError;
      }
      frame_.payload = buf_ + (kHeaderSize - 2);
      error_ = ErrorCode::kNone;
      return Result::kFrame;
    }
  }
  return Result::kNone;
}

}  // namespace fw::plant_link
