#include "fw/vedirect_text.hpp"

namespace fw::vedirect {

namespace detail {

std::size_t format_int(std::int32_t v, char* out) {
  char tmp[12];
  std::size_t n = 0;
  // Work in unsigned so INT32_MIN has a magnitude.
  std::uint32_t mag = v < 0 ? 0u - static_cast<std::uint32_t>(v) : static_cast<std::uint32_t>(v);
  do {
    tmp[n++] = static_cast<char>('0' + mag % 10u);
    mag /= 10u;
  } while (mag != 0u);
  std::size_t len = 0;
  if (v < 0) out[len++] = '-';
  while (n > 0) out[len++] = tmp[--n];
  return len;
}

std::size_t format_hex(std::uint32_t v, char* out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  char tmp[8];
  std::size_t n = 0;
  do {
    tmp[n++] = kDigits[v & 0xFu];
    v >>= 4;
  } while (v != 0u);
  std::size_t len = 0;
  while (n > 0) out[len++] = tmp[--n];
  return len;
}

bool str_equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

std::size_t str_length(const char* s, std::size_t max) {
  std::size_t n = 0;
  while (n < max && s[n] != '\0') ++n;
  return n;
}

}  // namespace detail

namespace {

bool is_forbidden(char c) { return c == '\r' || c == '\n' || c == '\t' || c == ':' || c == '\0'; }

bool text_ok(const char* s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (is_forbidden(s[i])) return false;
  }
  return true;
}

}  // namespace

bool TextBlockBuilder::put(const char* s, std::size_t n) {
  if (cap_ - len_ < n) return false;
  for (std::size_t i = 0; i < n; ++i) buf_[len_ + i] = s[i];
  len_ += n;
  return true;
}

bool TextBlockBuilder::add(const char* label, const char* value) {
  if (failed_ || label == nullptr || value == nullptr) return !(failed_ = true);
  const std::size_t ln = detail::str_length(label, kMaxLabelChars + 1);
  const std::size_t vn = detail::str_length(value, kMaxValueChars + 1);
  if (ln == 0 || ln > kMaxLabelChars || vn > kMaxValueChars || fields_ >= kMaxDataFields ||
      !text_ok(label, ln) || !text_ok(value, vn) || detail::str_equal(label, "Checksum")) {
    failed_ = true;
    return false;
  }
  if (!(put("\r\n", 2) && put(label, ln) && put("\t", 1) && put(value, vn))) {
    failed_ = true;
    return false;
  }
  ++fields_;
  return true;
}

bool TextBlockBuilder::add_int(const char* label, std::int32_t value) {
  char text[13];
  text[detail::format_int(value, text)] = '\0';
  return add(label, text);
}

bool TextBlockBuilder::add_hex(const char* label, std::uint32_t value) {
  char text[11] = {'0', 'x'};
  text[2 + detail::format_hex(value, text + 2)] = '\0';
  return add(label, text);
}

bool TextBlockBuilder::add_on_off(const char* label, bool on) { return add(label, on ? "ON" : "OFF"); }

std::size_t TextBlockBuilder::finish() {
  if (failed_ || !put("\r\nChecksum\t", 11) || cap_ - len_ < 1) {
    failed_ = true;
    return 0;
  }
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < len_; ++i) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(buf_[i]));
  buf_[len_++] = static_cast<char>(static_cast<std::uint8_t>(0u - sum));
  failed_ = true;  // a block is finished once
  return len_;
}

Telemetry make_telemetry(const Inputs& in, const Outputs& out, const Config& config) {
  Telemetry t;
  t.battery_mv = in.li_port_mv;
  t.starter_mv = in.alt_port_mv;
  t.current_ma = in.alt_current_ma;
  t.has_temperature = config.input_mode == InputMode::kCells;
  if (t.has_temperature) {
    int cells = static_cast<int>(config.battery_count) * kCellsPerBattery;
    if (cells < 1) cells = 1;
    if (cells > kMaxCells) cells = kMaxCells;
    std::int32_t max_dc = in.cell_temp_dc[0];
    for (int i = 1; i < cells; ++i) {
      if (in.cell_temp_dc[i] > max_dc) max_dc = in.cell_temp_dc[i];
    }
    t.temperature_c = max_dc / 10;  // truncates toward zero, like the integer °C of a BMV
  }
  t.alarm_reason = out.alarm_reason;
  // TEL-1 `Relay` is the pre-alarm output (research notes §3.3): ON while it is in use — held high, or running
  // its intermittent pattern (a 1 s block would alias the 1 Hz pin level) — and OFF while it floats for good,
  // also when the pre-alarm is active but the output is disabled (`prealarm_enabled` false).
  t.relay_on = config.prealarm_enabled && out.prealarm_active;
  return t;
}

std::size_t encode_telemetry(const Telemetry& t, char* buffer, std::size_t capacity) {
  TextBlockBuilder b(buffer, capacity);
  b.add_hex("PID", t.product_id);
  b.add("FW", t.firmware);
  b.add("SER#", t.serial);
  b.add_int("V", t.battery_mv);
  b.add_int("VS", t.starter_mv);
  b.add_int("I", t.current_ma);
  if (t.has_temperature) b.add_int("T", t.temperature_c);
  b.add_on_off("Alarm", t.alarm_reason != 0);
  b.add_int("AR", t.alarm_reason);
  b.add_on_off("Relay", t.relay_on);
  return b.finish();
}

// --- Decoder ----------------------------------------------------------------------------------------------

void TextDecoder::reset() {
  state_ = State::kIdle;
  saved_ = State::kIdle;
  sum_ = 0;
  overflow_ = false;
  fields_current_ = false;
  count_ = 0;
  name_len_ = 0;
  value_len_ = 0;
  hex_len_ = 0;
  hex_overflow_ = false;
}

void TextDecoder::begin_record() {
  if (!fields_current_) {
    count_ = 0;
    fields_current_ = true;
  }
  name_len_ = 0;
  value_len_ = 0;
  state_ = State::kName;
}

void TextDecoder::end_value() {
  if (count_ >= kMaxDataFields) {
    overflow_ = true;
    return;
  }
  for (std::size_t i = 0; i <= name_len_; ++i) labels_[count_][i] = name_[i];
  values_[count_][value_len_] = '\0';
  ++count_;
}

const char* TextDecoder::find(const char* label) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (detail::str_equal(labels_[i], label)) return values_[i];
  }
  return nullptr;
}

TextDecoder::Event TextDecoder::feed(std::uint8_t byte) {
  const char c = static_cast<char>(byte);
  if (state_ == State::kHex) {
    if (c == '\n') {
      state_ = saved_;
      hex_[hex_len_] = '\0';
      const bool bad = hex_overflow_;
      hex_overflow_ = false;
      return bad ? Event::kHexOverflow : Event::kHexFrame;
    }
    if (c == '\r') return Event::kNone;
    if (hex_len_ < kMaxHexChars) {
      hex_[hex_len_++] = c;
    } else {
      hex_overflow_ = true;
    }
    return Event::kNone;
  }
  if (c == ':' && state_ != State::kChecksum) {
    saved_ = state_;
    state_ = State::kHex;
    hex_len_ = 0;
    hex_[hex_len_++] = ':';
    hex_overflow_ = false;
    return Event::kNone;
  }

  sum_ = static_cast<std::uint8_t>(sum_ + byte);
  switch (state_) {
    case State::kIdle:
      // A block starts at its first "\r\n": everything before it (the tail of a block we joined mid-way) is
      // not part of any block.
      if (c == '\r') {
        sum_ = byte;
      } else if (c == '\n') {
        if (sum_ != static_cast<std::uint8_t>('\r' + '\n')) sum_ = byte;
        overflow_ = false;
        fields_current_ = false;
        begin_record();
      } else {
        sum_ = 0;
      }
      return Event::kNone;
    case State::kName:
      if (c == '\t') {
        name_[name_len_] = '\0';
        if (detail::str_equal(name_, "Checksum")) {
          state_ = State::kChecksum;
        } else {
          value_len_ = 0;
          state_ = State::kValue;
        }
      } else if (c == '\n') {
        begin_record();  // an empty line or a label without value: start over
      } else if (c == '#' || c == '\r') {
        // '#' dropped (SER# → SER); CR of the record separator
      } else if (name_len_ < kMaxLabelChars) {
        name_[name_len_++] = c;
      } else {
        overflow_ = true;
      }
      return Event::kNone;
    case State::kValue:
      if (c == '\n') {
        end_value();
        begin_record();
      } else if (c == '\r') {
        // end of value; the record ends at '\n'
      } else if (value_len_ < kMaxValueChars) {
        values_[count_ < kMaxDataFields ? count_ : kMaxDataFields - 1][value_len_++] = c;
      } else {
        overflow_ = true;
      }
      return Event::kNone;
    case State::kChecksum: {
      const bool ok = sum_ == 0;
      const bool over = overflow_;
      state_ = State::kIdle;
      sum_ = 0;
      overflow_ = false;
      fields_current_ = false;
      if (over) return Event::kOverflow;
      return ok ? Event::kBlock : Event::kChecksumError;
    }
    case State::kHex:
      break;
  }
  return Event::kNone;
}

}  // namespace fw::vedirect
