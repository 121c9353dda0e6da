// bmsrig_virtual_board: the firmware core in its own process, wired like a board on a bench, for the HIL loopback
// test (no hardware). Depth: the bench's file and line interfaces —
//   cell voltages   read from the DAC files the rig writes: <iio-root>/<dac>/out_voltage{0..3}_raw (× scale, mV)
//   LD / CD / PA    written as edge records to FIFOs <gpio-dir>/line{0,1,2}: {int64 CLOCK_MONOTONIC ns, int64 level}
//   VE.Direct       on an inherited PTY master fd: a text telemetry block every second, HEX requests answered by
//                   the firmware's register handler (so the rig loads the configuration like on a real board)
// It steps fw::Bms every fw::kTickMs on an absolute CLOCK_MONOTONIC schedule. It exits on SIGTERM, when the rig
// closes a FIFO, or when killed (the test's "board dies mid-run").
//
//   bmsrig_virtual_board --dac-dir DIR --gpio-dir DIR --vedirect-fd N
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fw/bms.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_text.hpp"

namespace {

volatile sig_atomic_t g_stop = 0;

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double read_number(const std::string& path, double fallback) {
  char buf[64] = {};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fallback;
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return fallback;
  char* end = nullptr;
  const double v = std::strtod(buf, &end);
  return end == buf ? fallback : v;
}

bool write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dac_dir, gpio_dir;
  int ve_fd = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dac-dir") dac_dir = argv[i + 1];
    else if (a == "--gpio-dir") gpio_dir = argv[i + 1];
    else if (a == "--vedirect-fd") ve_fd = std::atoi(argv[i + 1]);
  }
  if (dac_dir.empty() || gpio_dir.empty() || ve_fd < 0) {
    std::fprintf(stderr, "usage: %s --dac-dir DIR --gpio-dir DIR --vedirect-fd N\n", argv[0]);
    return 2;
  }
  ::signal(SIGTERM, [](int) { g_stop = 1; });
  ::signal(SIGPIPE, SIG_IGN);
  int line_fd[3];
  for (int k = 0; k < 3; ++k) {  // blocks until the rig has opened the read ends
    line_fd[k] = ::open((gpio_dir + "/line" + std::to_string(k)).c_str(), O_WRONLY | O_CLOEXEC);
    if (line_fd[k] < 0) {
      std::perror("open gpio fifo");
      return 1;
    }
  }
  ::fcntl(ve_fd, F_SETFL, ::fcntl(ve_fd, F_GETFL) | O_NONBLOCK);

  fw::Bms bms;
  bms.configure(fw::Config{});
  fw::vedirect::RegisterHandler registers(bms);
  fw::vedirect::TextDecoder decoder;
  const double scale_mv = read_number(dac_dir + "/out_voltage_scale", 1.0);
  bool level[3] = {false, false, false};
  const std::int64_t start = mono_ns();
  std::int64_t next_telemetry_ms = 1000;
  for (std::uint32_t tick = 0; !g_stop; ++tick) {
    const std::uint32_t now_ms = tick * fw::kTickMs;
    const std::int64_t deadline = start + static_cast<std::int64_t>(now_ms) * 1'000'000;
    timespec ts{static_cast<time_t>(deadline / 1'000'000'000), static_cast<long>(deadline % 1'000'000'000)};
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);

    fw::Inputs in;
    std::int32_t sum_mv = 0;
    for (int c = 0; c < 4; ++c) {
      const double raw = read_number(dac_dir + "/out_voltage" + std::to_string(c) + "_raw", 0.0);
      in.cell_mv[c] = static_cast<std::int32_t>(raw * scale_mv + 0.5);
      in.cell_temp_dc[c] = 250;
      sum_mv += in.cell_mv[c];
    }
    in.li_port_mv = sum_mv;
    in.remote_h_mv = sum_mv;  // remote on: H strapped to battery plus on this virtual board
    const fw::Outputs out = bms.step(in, now_ms);
    registers.update(out);

    const bool now_level[3] = {out.load == fw::Pin::kHigh, out.charge == fw::Pin::kHigh, out.prealarm == fw::Pin::kHigh};
    for (int k = 0; k < 3; ++k) {
      if (now_level[k] == level[k]) continue;
      level[k] = now_level[k];
      const std::int64_t record[2] = {mono_ns(), level[k] ? 1 : 0};
      if (!write_all(line_fd[k], record, sizeof record)) return 0;  // the rig went away
    }

    // HEX requests from the rig.
    char buf[256];
    for (ssize_t n; (n = ::read(ve_fd, buf, sizeof buf)) > 0;) {
      for (ssize_t i = 0; i < n; ++i) {
        if (decoder.feed(static_cast<std::uint8_t>(buf[i])) != fw::vedirect::TextDecoder::Event::kHexFrame) continue;
        char answer[fw::vedirect::kMaxHexFrameChars + 1];
        std::string line(decoder.hex_frame(), decoder.hex_length());
        line += '\n';
        const std::size_t len = registers.handle_line(line.data(), line.size(), answer, sizeof answer);
        if (len > 0) write_all(ve_fd, answer, len);
      }
    }
    if (now_ms >= next_telemetry_ms) {
      next_telemetry_ms += 1000;
      char block[256];
      const std::size_t len = fw::vedirect::encode_telemetry(fw::vedirect::make_telemetry(in, out, bms.config()), block, sizeof block);
      write_all(ve_fd, block, len);
    }
  }
  return 0;
}
