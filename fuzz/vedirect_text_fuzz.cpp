// libFuzzer harness: the VE.Direct text-protocol decoder (fw::vedirect::TextDecoder), byte by byte. Every event's
// fields must be readable and NUL-terminated within their limits; a HEX line handed out is decoded too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "fw/vedirect_hex.hpp"
#include "fw/vedirect_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fw::vedirect::TextDecoder decoder;  // static: the firmware keeps it in .bss; reset per input
  decoder.reset();
  using Event = fw::vedirect::TextDecoder::Event;
  for (std::size_t i = 0; i < size; ++i) {
    const Event e = decoder.feed(data[i]);
    if (e == Event::kBlock) {
      if (decoder.field_count() > fw::vedirect::kMaxFields) std::abort();
      for (std::size_t f = 0; f < decoder.field_count(); ++f) {
        if (std::strlen(decoder.label(f)) > fw::vedirect::kMaxLabelChars) std::abort();
        if (std::strlen(decoder.value(f)) > fw::vedirect::kMaxValueChars) std::abort();
      }
      (void)decoder.find("V");
    } else if (e == Event::kHexFrame) {
      if (decoder.hex_length() > fw::vedirect::TextDecoder::kMaxHexChars) std::abort();
      fw::vedirect::HexFrame frame;
      (void)fw::vedirect::decode_hex(decoder.hex_frame(), decoder.hex_length(), frame);
    }
  }
  return 0;
}
