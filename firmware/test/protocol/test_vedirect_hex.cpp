// TEL-2: VE.Direct HEX frames (research-notes §3.4 verified test vectors).
#include <gtest/gtest.h>

#include <string>

#include "fw/vedirect_hex.hpp"

using namespace fw::vedirect;

namespace {

std::string encode(const HexFrame& f) {
  char buf[kMaxHexFrameChars];
  const std::size_t n = encode_hex(f, buf, sizeof buf);
  return std::string(buf, n);
}

HexError decode(const std::string& s, HexFrame& f) { return decode_hex(s.data(), s.size(), f); }

}  // namespace

TEST(VeDirectHex, TEL_2_CommandVectors) {
  EXPECT_EQ(encode(make_frame(0x1)), ":154\n");
  EXPECT_EQ(encode(make_frame(0x3)), ":352\n");
  EXPECT_EQ(encode(make_frame(0x4)), ":451\n");
  EXPECT_EQ(encode(make_get(0x1000)), ":70010003E\n");
  EXPECT_EQ(encode(make_get(0x0FFF)), ":7FF0F0040\n");
  EXPECT_EQ(encode(make_get(0xED8D)), ":78DED00D4\n");
  EXPECT_EQ(encode(make_get(0x0200)), ":70002004C\n");
  EXPECT_EQ(encode(make_register(0x8, 0x0200, 0, 4, 1)), ":80002000447\n");
  EXPECT_EQ(encode(make_register(0x7, 0x1000, 0, 200, 2)), ":7001000C80076\n");
}

TEST(VeDirectHex, TEL_2_ErrorFrameVector) {
  HexFrame f = make_frame(0x4);
  f.payload[0] = 0xAA;
  f.payload[1] = 0xAA;
  f.length = 2;
  EXPECT_EQ(encode(f), std::string(kErrorFrame));
}

TEST(VeDirectHex, TEL_2_DecodesVectorsLittleEndian) {
  HexFrame f;
  ASSERT_EQ(decode(":7001000C80076\n", f), HexError::kOk);
  EXPECT_EQ(f.command, 0x7);
  EXPECT_EQ(f.register_id(), 0x1000);
  EXPECT_EQ(f.flags(), 0);
  EXPECT_EQ(f.value_size(), 2u);
  EXPECT_EQ(f.value(), 200u);
  ASSERT_EQ(decode(":80002000447", f), HexError::kOk);
  EXPECT_EQ(f.command, 0x8);
  EXPECT_EQ(f.register_id(), 0x0200);
  EXPECT_EQ(f.value_size(), 1u);
  EXPECT_EQ(f.value(), 4u);
  ASSERT_EQ(decode(":78ded00d4\r\n", f), HexError::kOk);  // lowercase and CR LF accepted
  EXPECT_EQ(f.register_id(), 0xED8D);
  ASSERT_EQ(decode(":154\n", f), HexError::kOk);
  EXPECT_EQ(f.command, 1);
  EXPECT_EQ(f.length, 0);
}

TEST(VeDirectHex, TEL_2_ChecksumRuleSumIs0x55) {
  HexFrame f;
  // The right checksum and its two neighbours.
  EXPECT_EQ(decode(":70010003E", f), HexError::kOk);
  EXPECT_EQ(decode(":70010003D", f), HexError::kChecksum);
  EXPECT_EQ(decode(":70010003F", f), HexError::kChecksum);
  EXPECT_EQ(hex_checksum(0x7, nullptr, 0), 0x4E);
}

TEST(VeDirectHex, TEL_2_MalformedFramesRefused) {
  HexFrame f;
  f.command = 0xE;
  EXPECT_EQ(decode("", f), HexError::kFormat);
  EXPECT_EQ(decode(":15", f), HexError::kFormat);        // checksum cut short
  EXPECT_EQ(decode("154\n", f), HexError::kFormat);      // no ':'
  EXPECT_EQ(decode(":1544\n", f), HexError::kFormat);    // odd digit count
  EXPECT_EQ(decode(":7G010003E", f), HexError::kFormat); // not a hex digit
  EXPECT_EQ(decode(":G54", f), HexError::kFormat);
  EXPECT_EQ(decode(":70010003E\nX", f), HexError::kFormat);
  EXPECT_EQ(f.command, 0xE);  // output untouched on error
}

TEST(VeDirectHex, TEL_2_PayloadLengthEdge) {
  HexFrame f = make_frame(0xA);
  f.length = kMaxHexPayload;
  for (std::size_t i = 0; i < kMaxHexPayload; ++i) f.payload[i] = static_cast<std::uint8_t>(i * 7);
  const std::string max = encode(f);
  ASSERT_FALSE(max.empty());
  HexFrame g;
  ASSERT_EQ(decode(max, g), HexError::kOk);
  EXPECT_EQ(g.length, kMaxHexPayload);
  // One byte more: insert "00" (does not change the sum) before the checksum.
  std::string longer = max;
  longer.insert(longer.size() - 3, "00");
  EXPECT_EQ(decode(longer, g), HexError::kTooLong);
}

TEST(VeDirectHex, TEL_2_EncodeRespectsCapacity) {
  const HexFrame f = make_register(0x7, 0x1000, 0, 200, 2);
  char buf[32];
  EXPECT_EQ(encode_hex(f, buf, 14), 0u);
  EXPECT_EQ(encode_hex(f, buf, 15), 15u);
}

TEST(VeDirectHex, TEL_2_RoundTripAllCommandsAndSizes) {
  for (std::uint8_t cmd = 0; cmd < 16; ++cmd) {
    for (std::size_t size : {0u, 1u, 2u, 4u}) {
      const HexFrame f = make_register(cmd, static_cast<std::uint16_t>(0x1234 + cmd), cmd, 0xDEADBEEF, size);
      HexFrame g;
      ASSERT_EQ(decode(encode(f), g), HexError::kOk);
      EXPECT_EQ(g.command, cmd);
      EXPECT_EQ(g.register_id(), 0x1234 + cmd);
      EXPECT_EQ(g.value_size(), size);
      EXPECT_EQ(g.value(), size == 4 ? 0xDEADBEEFu : (0xDEADBEEFu & ((1u << (8 * size)) - 1u)));
    }
  }
}
