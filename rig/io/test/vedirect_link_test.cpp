#include <gtest/gtest.h>
#include <unistd.h>

#include "fw/vedirect_hex.hpp"
#include "fw/vedirect_text.hpp"
#include "rig/io/fake/pty_pair.hpp"
#include "rig/io/vedirect_link.hpp"

namespace rig::io {
namespace {

using namespace std::chrono_literals;
namespace vd = fw::vedirect;

class VeDirect : public ::testing::Test {
 protected:
  fake::PtyPair pty;
  boost::asio::io_context io;
  Nanos now{0};
  TelemetryPort port{"ve.direct", SerialPort::adopt(pty.take_slave(), {}, "pty"), io, [this] { return now; }};
  VeDirectLink link{port};
  std::vector<BoardTelemetry> blocks;

  void SetUp() override {
    link.on_block([this](const BoardTelemetry& b) { blocks.push_back(b); });
    port.start();
  }
  void board_sends(std::string_view bytes) {
    ASSERT_EQ(::write(pty.master(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // Runs the io_context until `done` or 2 s.
  template <typename Pred>
  void run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  }
  static std::string telemetry_block(std::int32_t battery_mv, std::uint16_t ar, bool relay) {
    vd::Telemetry t;
    t.battery_mv = battery_mv;
    t.starter_mv = 12650;
    t.current_ma = -1500;
    t.alarm_reason = ar;
    t.relay_on = relay;
    char buf[256];
    const std::size_t n = vd::encode_telemetry(t, buf, sizeof buf);
    return std::string(buf, n);
  }
};

TEST_F(VeDirect, DecodesTheBoardsTelemetryBlock) {
  now = 2500ms;
  board_sends(telemetry_block(13280, fw::kArLowVoltage, true));
  run_until([&] { return !blocks.empty(); });
  ASSERT_EQ(blocks.size(), 1u);
  const auto& b = blocks[0];
  EXPECT_EQ(b.t, 2500ms);
  EXPECT_EQ(b.battery_mv, 13280);
  EXPECT_EQ(b.starter_mv, 12650);
  EXPECT_EQ(b.current_ma, -1500);
  EXPECT_TRUE(b.alarm);
  EXPECT_EQ(b.alarm_reason, fw::kArLowVoltage);
  EXPECT_TRUE(b.relay_on);
  EXPECT_EQ(b.fields.at("PID"), "0xA3E0");
  EXPECT_EQ(link.checksum_errors(), 0u);
}

TEST_F(VeDirect, CorruptedBlockCountedNotDelivered) {
  std::string block = telemetry_block(13280, 0, false);
  block[block.find("\nV\t") + 3] ^= 0x01;  // one bit of the V value flipped on the wire
  board_sends(block);
  board_sends(telemetry_block(13100, 0, false));
  run_until([&] { return !blocks.empty(); });
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].battery_mv, 13100);
  EXPECT_EQ(link.checksum_errors(), 1u);
}

TEST_F(VeDirect, PartialBlockDroppedAfterIdleGap) {
  const std::string block = telemetry_block(13280, 0, false);
  now = 0ms;
  board_sends(block.substr(0, 20));
  run_until([&] { return port.bytes_received() >= 20; });
  now = 600ms;  // more than kIdleResetMs later: the board restarted mid-block
  board_sends(block);
  run_until([&] { return !blocks.empty(); });
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].battery_mv, 13280);
}

TEST_F(VeDirect, ExchangeReturnsTheMatchingHexResponse) {
  std::thread board([&] {
    char buf[64];
    const ssize_t n = ::read(pty.master(), buf, sizeof buf);  // the rig's get request
    ASSERT_GT(n, 0);
    vd::HexFrame req;
    ASSERT_EQ(vd::decode_hex(buf, static_cast<std::size_t>(n), req), vd::HexError::kOk);
    // An unrelated async frame first, then the answer.
    char out[2][vd::kMaxHexFrameChars + 1];
    const auto a = vd::encode_hex(vd::make_register(0xA, 0x0100, 0, 7, 1), out[0], sizeof out[0]);
    const auto r = vd::encode_hex(vd::make_register(0x7, req.register_id(), vd::kFlagOk, 3100, 2), out[1], sizeof out[1]);
    (void)!::write(pty.master(), out[0], a);
    (void)!::write(pty.master(), out[1], r);
  });
  const auto resp = link.exchange(vd::make_get(0x0320), io, 2000ms);
  board.join();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command, 0x7);
  EXPECT_EQ(resp->register_id(), 0x0320);
  EXPECT_EQ(resp->value(), 3100u);
}

TEST_F(VeDirect, ExchangeTimesOutWithoutAnswer) {
  EXPECT_FALSE(link.exchange(vd::make_get(0x0320), io, 50ms));
}

}  // namespace
}  // namespace rig::io
