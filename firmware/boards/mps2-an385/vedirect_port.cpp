#include "vedirect_port.hpp"

#include "board.hpp"
#include "fw/vedirect_text.hpp"

namespace board {

void VeDirectPort::poll(const fw::Outputs& latest) {
  std::uint8_t byte = 0;
  while (uart1_try_read(byte)) {
    if (byte == ':') {  // a new line (a ':' inside a line restarts it)
      in_line_ = true;
      too_long_ = false;
      length_ = 0;
    }
    if (!in_line_) continue;
    if (length_ < sizeof line_) {
      line_[length_++] = static_cast<char>(byte);
    } else {
      too_long_ = true;
    }
    if (byte == '\n') {
      in_line_ = false;
      registers_.update(latest);
      answer_line();
    }
  }
}

void VeDirectPort::answer_line() {
  char answer[fw::vedirect::kMaxHexFrameChars + 1];
  std::size_t n = 0;
  if (too_long_) {
    constexpr std::size_t kLen = sizeof(fw::vedirect::kErrorFrame) - 1;
    for (; n < kLen; ++n) answer[n] = fw::vedirect::kErrorFrame[n];
  } else {
    n = registers_.handle_line(line_, length_, answer, sizeof answer);
  }
  if (n > 0) uart1_write(answer, n);
}

void VeDirectPort::on_tick(const fw::Inputs& in, const fw::Outputs& out, const fw::Config& config, fw::Millis now) {
  if (now == 0 || now % 1000u != 0) return;
  char block[200];  // encode_telemetry: 160 bytes always suffice
  const std::size_t n =
      fw::vedirect::encode_telemetry(fw::vedirect::make_telemetry(in, out, config), block, sizeof block);
  uart1_write(block, n);
}

}  // namespace board
