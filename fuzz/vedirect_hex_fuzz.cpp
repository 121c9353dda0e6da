// libFuzzer harness: the VE.Direct HEX-protocol frame decoder (fw::vedirect::decode_hex). A frame it accepts must
// encode back to the same text (upper-case hex, as the protocol writes it) and decode again to the same frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "fw/vedirect_hex.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fw::vedirect::HexFrame frame;
  if (fw::vedirect::decode_hex(reinterpret_cast<const char*>(data), size, frame) != fw::vedirect::HexError::kOk)
    return 0;
  if (frame.length > fw::vedirect::kMaxHexPayload || frame.command > 0xF) std::abort();
  char text[fw::vedirect::kMaxHexFrameChars + 1] = {};
  const std::size_t n = fw::vedirect::encode_hex(frame, text, sizeof text);
  if (n == 0) std::abort();
  fw::vedirect::HexFrame again;
  if (fw::vedirect::decode_hex(text, n, again) != fw::vedirect::HexError::kOk) std::abort();
  if (again.command != frame.command || again.length != frame.length ||
      std::memcmp(again.payload, frame.payload, frame.length) != 0)
    std::abort();
  (void)frame.value();
  return 0;
}
