#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "rig/io/fake/pty_pair.hpp"
#include "rig/io/serial.hpp"

namespace rig::io {
namespace {

using namespace std::chrono_literals;
using fake::PtyPair;

void put(int fd, std::string_view s) { ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }
std::string take(int fd) {
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

TEST(SerialPort, WritesReachTheOtherEnd) {
  PtyPair pty;
  auto port = SerialPort::adopt(pty.take_slave(), {}, "pty");
  port.write_all("VOLT 13.2\n", 100ms);
  EXPECT_EQ(take(pty.master()), "VOLT 13.2\n");
}

TEST(SerialPort, ReadLineStripsCrAndKeepsTheRestBuffered) {
  PtyPair pty;
  auto port = SerialPort::adopt(pty.take_slave(), {}, "pty");
  put(pty.master(), "first\r\nsecond\npart");
  EXPECT_EQ(port.read_line(100ms).value_or("<timeout>"), "first");
  EXPECT_EQ(port.read_line(100ms).value_or("<timeout>"), "second");
  EXPECT_FALSE(port.read_line(20ms));  // "part" has no terminator yet
  put(pty.master(), "ial\n");
  EXPECT_EQ(port.read_line(100ms).value_or("<timeout>"), "partial");
}

TEST(SerialPort, ReadSomeReturnsZeroOnTimeout) {
  PtyPair pty;
  auto port = SerialPort::adopt(pty.take_slave(), {}, "pty");
  char buf[8];
  EXPECT_EQ(port.read_some(buf, 10ms), 0u);
  put(pty.master(), "AB");
  EXPECT_EQ(port.read_some(buf, 100ms), 2u);
}

TEST(SerialPort, HangUpIsAnError) {
  PtyPair pty;
  auto port = SerialPort::adopt(pty.take_slave(), {}, "pty");
  pty.hang_up();
  EXPECT_THROW(port.read_line(100ms), SerialError);
}

TEST(SerialPort, OpenByNameFallsBackToTermiosForPseudoTerminals) {
  PtyPair pty;
  auto port = SerialPort::open(pty.slave_path(), SerialSettings{115200});
  EXPECT_STREQ(port.backend(), "termios");  // libserialport 0.1.1 refuses PTYs
  termios t{};
  ASSERT_EQ(::tcgetattr(port.fd(), &t), 0);
  EXPECT_EQ(::cfgetospeed(&t), static_cast<speed_t>(B115200));
  EXPECT_EQ(t.c_lflag & ICANON, 0u);  // raw
  port.write_all("x", 100ms);
  EXPECT_EQ(take(pty.master()), "x");
}

TEST(SerialPort, OpenFailuresNameTheDevice) {
  try {
    SerialPort::open("/dev/ttyNOPE9", {});
    FAIL();
  } catch (const SerialError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/ttyNOPE9"), std::string::npos);
  }
  const auto file = std::filesystem::temp_directory_path() / ("bmsrig-notatty-" + std::to_string(::getpid()));
  std::fclose(std::fopen(file.c_str(), "w"));
  EXPECT_THROW(SerialPort::open(file, {}), SerialError);
  std::filesystem::remove(file);
  PtyPair pty;
  EXPECT_THROW(SerialPort::open(pty.slave_path(), SerialSettings{12345}), SerialError);
}

TEST(TelemetryPort, DeliversBytesWithArrivalRunTime) {
  PtyPair pty;
  boost::asio::io_context io;
  Nanos now{5ms};
  TelemetryPort tp("telemetry", SerialPort::adopt(pty.take_slave(), {}, "pty"), io, [&] { return now; });
  std::string got;
  Nanos arrival{0};
  tp.on_bytes([&](std::string_view b, Nanos t) {
    got += b;
    arrival = t;
  });
  tp.start();
  EXPECT_EQ(tp.last_rx(), 5ms);
  now = 1250ms;
  put(pty.master(), "\r\nV\t13280");
  while (got.size() < 9 && io.run_one_for(1s) > 0) {
  }
  EXPECT_EQ(got, "\r\nV\t13280");
  EXPECT_EQ(arrival, 1250ms);
  EXPECT_EQ(tp.last_rx(), 1250ms);
  EXPECT_EQ(tp.bytes_received(), 9u);
  tp.send(":154\n");
  EXPECT_EQ(take(pty.master()), ":154\n");
}

TEST(TelemetryPort, LostBoardReported) {
  PtyPair pty;
  boost::asio::io_context io;
  TelemetryPort tp("telemetry", SerialPort::adopt(pty.take_slave(), {}, "pty"), io, [] { return Nanos{0}; });
  std::string error;
  tp.on_error([&](const std::string& what) { error = what; });
  tp.start();
  pty.hang_up();
  io.run_for(500ms);
  EXPECT_NE(error.find("telemetry port lost"), std::string::npos);
}

}  // namespace
}  // namespace rig::io
