// bmsrig_virtual_board: the firmware core in its own process, wired like a board WITH ITS POWER STAGE on a bench
// WITH INSTRUMENTS, for HIL tests without hardware. Depth: the bench's file, line and serial interfaces —
//   cell voltages   read from the DAC files the rig writes: <dac-dir>/out_voltage{0..3}_raw (× out_voltage_scale, mV)
//   LD / CD / PA    written as edge records to FIFOs <gpio-dir>/line{0,1,2}: {int64 CLOCK_MONOTONIC ns, int64 level};
//                   the time is the board tick at which the firmware changed the output (its pin's instant);
//                   when a reader closes its end, the line waits for the next reader (a new one gets a high level)
//   VE.Direct       on an inherited PTY master fd: a text telemetry block every second, HEX requests answered by
//                   the firmware's register handler (so the rig loads the configuration, fuse rating included,
//                   like on a real board)
//   instruments     three SCPI instruments, each served on an inherited PTY master fd (the rig opens the slave
//                   side as the instrument's serial port, 8N1, any baud), each optional:
//     --psu-fd      the alternator supply on the board's alternator port       *IDN? BMSRIG,VIRTUAL-PSU,0001,1.0
//                   VOLT <0..30> set point, CURR <0..150> current limit, OUTP ON|OFF;
//                   MEAS:CURR? = the current it delivers = the power stage's current (negative only on a board
//                   with --fault reverse: it sinks); MEAS:VOLT? = its terminal voltage (the set point; sags to
//                   V_li + I·R in constant current; 0 with the output off)
//     --battery-fd  the battery emulator on the Li port (bidirectional, stiff) *IDN? BMSRIG,VIRTUAL-BATTERY,0001,1.0
//                   VOLT <0..20> bank terminal voltage, CURR <0..150> (stored, not enforced), OUTP ON|OFF;
//                   MEAS:CURR? = current INTO it, charging + = stage − e-load (0 with the output off);
//                   MEAS:VOLT? = the Li bus voltage
//     --eload-fd    the electronic load on the Li bus                          *IDN? BMSRIG,VIRTUAL-ELOAD,0001,1.0
//                   FUNC CURR (constant current only; other modes -224), CURR <0..150> set point, INP ON|OFF;
//                   MEAS:CURR? = set point while the input is on and the bus ≥ 1 V, else 0; MEAS:VOLT? = Li bus
//   All three also answer *IDN? *RST *CLS *OPC? SYST:ERR? and the set-point queries VOLT? CURR? OUTP?/INP? FUNC?.
//   Headers in short or long form, any case, optional nodes ([SOUR:]VOLT[:LEV], MEAS[:SCAL]:CURR[:DC]?), several
//   commands per line with ';'. Errors queue (16 deep) for SYST:ERR? (`0,"No error"` when empty): -113 undefined
//   header, -222 data out of range, -109 missing parameter, -104 data type error, -108 parameter not allowed,
//   -224 illegal parameter value, -100 line over 1 KiB, -350 queue overflow. Readbacks "%.4f" in V / A.
//
// The Li bus is the battery emulator's voltage while its output is on, otherwise the sum of the cell DAC voltages
// (the cell-only loopback: no instruments, nothing changes for it).
//
// Power stage (virtual_bench.hpp): the firmware's Outputs (alt_path_on, alt_limit_ma), applied after each
// fw::Bms::step, command a current-limited one-way switch from the alternator port to the Li port:
//   R = 5 mΩ series resistance (switch on), τ = 2 ms first-order lag of the current-limit loop (the limit follows
//   the command with 1 − e^(−t/τ): 99.3 % within one 10 ms tick; when the path switches off the current stops at
//   once and the loop restarts from 0).
//   I = 0 if the path is off or the PSU output is off; else I = min(limit_loop, I_psu_limit, max(0, (V_psu − V_li)/R)).
//   The stage is evaluated in continuous time: every readback between two ticks uses the instruments' state of
//   that instant and the firmware's last command (the firmware itself only sees the bench at its ticks).
// The board's own sensors feed fw::Inputs at each tick: alt_port_mv = the PSU terminal voltage (no port wiring
// modelled), li_port_mv = the Li bus, alt_current_ma = I (the board's shunt), remote_h_mv = the Li bus (remote on:
// H strapped to battery plus), heatsink_temp_dc = 25.0 °C, cell temperatures 25.0 °C, cells from the DAC files.
//
// Broken boards (--fault NAME; hardware defects of the stage, the firmware is unchanged) for proving that HIL
// verdicts come from measurements:
//   limit-at-fuse  a gain error in the limit path: I_limit = alt_limit_ma / 0.9, capped at 1.0 × fuse_rating_a
//                  (a 90 A command gives 100 A with the default 100 A fuse; the soft start ramps 11 % steep)
//   reverse        the switch cannot block reverse current (a shorted reverse-blocking device): whenever the Li bus
//                  is above the PSU (output on), I = (V_psu − V_li)/R flows backwards, path on or off (not limited
//                  by the stage; the PSU sinks it up to its own current limit) and MEAS:CURR? reads negative.
//   no-soft-start  the limit jumps to min(0.9 × fuse_rating_a, 100 A) as soon as the path opens and stays there
//                  while it is on, whatever the firmware commands (ramp and floor regulation ignored)
//
// It steps fw::Bms every fw::kTickMs on an absolute CLOCK_MONOTONIC schedule (clock_nanosleep); between ticks it
// serves the instruments (ppoll until 200 µs before the tick). It runs at real-time priority (SCHED_FIFO) where the
// host grants it, and says on stderr when it does not. It exits on SIGTERM or when killed (the test's "board dies
// mid-run"); a rig closing an edge FIFO only makes that line wait for the next reader. A PTY whose slave side is
// closed is skipped until the next tick. A tick that starts more than 1 ms after its instant (the host starved the
// process) is said on stderr at the first one and counted (the count is printed at a SIGTERM exit): its readings
// postdate the instant its edges carry. Measured in ci/test.sh's sanitizer stage (the CPU-bound tests on both
// cores at nice 10, the 37 bench tests beside them two at a time): at normal priority, 183 late ticks on eight
// boards, the worst 16 ms late; at real-time priority, one tick, 2.1 ms late.
//
//   bmsrig_virtual_board --dac-dir DIR --gpio-dir DIR --vedirect-fd N
//                        [--psu-fd N] [--battery-fd N] [--eload-fd N] [--fault limit-at-fuse|reverse|no-soft-start]
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fw/bms.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_text.hpp"
#include "scpi_server.hpp"
#include "virtual_bench.hpp"

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

// A tick is late when it starts this long after its instant: an MCU's tick interrupt has microseconds of jitter, and
// a host process woken by clock_nanosleep on an idle machine well under a millisecond.
constexpr std::int64_t kLateNs = 1'000'000;
constexpr std::int64_t kServeMarginNs = 200'000;  // stop serving this long before a tick, then sleep precisely

// Serves the instruments until `until_ns` (sleeps until then when there are none). A port whose peer is gone is left
// alone until the next tick.
void serve_until(std::int64_t until_ns, vboard::VirtualBench& bench, std::vector<std::unique_ptr<vboard::ScpiServer>>& servers) {
  std::vector<bool> gone(servers.size(), false);
  std::vector<pollfd> fds;
  std::vector<std::size_t> index;
  while (!g_stop) {
    const std::int64_t now = mono_ns();
    if (now >= until_ns) return;
    fds.clear();
    index.clear();
    for (std::size_t k = 0; k < servers.size(); ++k)
      if (!gone[k]) {
        fds.push_back(pollfd{servers[k]->fd(), POLLIN, 0});
        index.push_back(k);
      }
    if (fds.empty()) {
      const timespec until{static_cast<time_t>(until_ns / 1'000'000'000), static_cast<long>(until_ns % 1'000'000'000)};
      ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
      return;
    }
    const std::int64_t left = until_ns - now;
    const timespec timeout{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    if (::ppoll(fds.data(), fds.size(), &timeout, nullptr) <= 0) continue;
    for (std::size_t j = 0; j < fds.size(); ++j) {
      if (fds[j].revents == 0) continue;
      bench.advance(mono_ns());
      if (!servers[index[j]]->serve() || (fds[j].revents & (POLLHUP | POLLERR | POLLNVAL))) gone[index[j]] = true;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dac_dir, gpio_dir;
  int ve_fd = -1, psu_fd = -1, battery_fd = -1, eload_fd = -1;
  vboard::Fault fault = vboard::Fault::kNone;
  bool bad = argc % 2 == 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dac-dir") dac_dir = argv[i + 1];
    else if (a == "--gpio-dir") gpio_dir = argv[i + 1];
    else if (a == "--vedirect-fd") ve_fd = std::atoi(argv[i + 1]);
    else if (a == "--psu-fd") psu_fd = std::atoi(argv[i + 1]);
    else if (a == "--battery-fd") battery_fd = std::atoi(argv[i + 1]);
    else if (a == "--eload-fd") eload_fd = std::atoi(argv[i + 1]);
    else if (a == "--fault") {
      const auto f = vboard::parse_fault(argv[i + 1]);
      if (f) fault = *f;
      else bad = true;
    } else bad = true;
  }
  if (bad || dac_dir.empty() || gpio_dir.empty() || ve_fd < 0) {
    std::fprintf(stderr,
                 "usage: %s --dac-dir DIR --gpio-dir DIR --vedirect-fd N [--psu-fd N] [--battery-fd N] [--eload-fd N]\n"
                 "       [--fault limit-at-fuse|reverse|no-soft-start]\n",
                 argv[0]);
    return 2;
  }
  ::signal(SIGTERM, [](int) { g_stop = 1; });
  ::signal(SIGPIPE, SIG_IGN);
  // Real-time priority where the host grants it (root, CAP_SYS_NICE or an RLIMIT_RTPRIO): a board's tick interrupt
  // is never late, a normal process on a loaded host is, by milliseconds. The board mostly sleeps (well under 1 ms of
  // work per 10 ms tick, and it never waits by spinning), so the priority takes little from the rest of the host.
  sched_param rt{};
  rt.sched_priority = 10;
  if (::sched_setscheduler(0, SCHED_FIFO, &rt) != 0)
    std::fprintf(stderr, "virtual board: no real-time priority (%s); its ticks may start late on a loaded host\n",
                 std::strerror(errno));
  ::fcntl(ve_fd, F_SETFL, ::fcntl(ve_fd, F_GETFL) | O_NONBLOCK);

  vboard::VirtualBench bench(fault);
  std::vector<std::unique_ptr<vboard::ScpiServer>> servers;
  if (psu_fd >= 0)
    servers.push_back(std::make_unique<vboard::ScpiServer>(psu_fd, [&](const vboard::ScpiCommand& c) { return bench.psu_scpi(c); }));
  if (battery_fd >= 0)
    servers.push_back(
        std::make_unique<vboard::ScpiServer>(battery_fd, [&](const vboard::ScpiCommand& c) { return bench.battery_scpi(c); }));
  if (eload_fd >= 0)
    servers.push_back(std::make_unique<vboard::ScpiServer>(eload_fd, [&](const vboard::ScpiCommand& c) { return bench.eload_scpi(c); }));


  // Waits until the rig has opened the read ends of the edge FIFOs, serving the instruments meanwhile (a rig may
  // connect them first). The writes stay blocking, as before: edge records are never dropped.
  int line_fd[3];
  std::string line_path[3];
  for (int k = 0; k < 3; ++k) {
    const std::string& path = line_path[k] = gpio_dir + "/line" + std::to_string(k);
    while ((line_fd[k] = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0 && errno == ENXIO && !g_stop)
      serve_until(mono_ns() + 10'000'000, bench, servers);
    if (g_stop) return 0;
    if (line_fd[k] < 0) {
      std::perror("open gpio fifo");
      return 1;
    }
    ::fcntl(line_fd[k], F_SETFL, ::fcntl(line_fd[k], F_GETFL) & ~O_NONBLOCK);
  }

  fw::Bms bms;
  bms.configure(fw::Config{});
  fw::vedirect::RegisterHandler registers(bms);
  fw::vedirect::TextDecoder decoder;
  const double scale_mv = read_number(dac_dir + "/out_voltage_scale", 1.0);
  bool level[3] = {false, false, false};
  const std::int64_t start = mono_ns();
  std::int64_t next_telemetry_ms = 1000;
  std::uint32_t tick = 0, late_ticks = 0;  // after the loop: the ticks run
  std::int64_t worst_late_ns = 0;
  for (; !g_stop; ++tick) {
    const std::uint32_t now_ms = tick * fw::kTickMs;
    const std::int64_t deadline = start + static_cast<std::int64_t>(now_ms) * 1'000'000;
    serve_until(deadline - kServeMarginNs, bench, servers);
    timespec ts{static_cast<time_t>(deadline / 1'000'000'000), static_cast<long>(deadline % 1'000'000'000)};
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR && !g_stop) {
    }
    if (g_stop) break;
    const std::int64_t woke = mono_ns();
    if (woke - deadline > kLateNs) {
      // A tick that starts late reads the cell DACs and the instruments after its instant, yet its output edges are
      // stamped at the instant: a change the rig made in between looks seen earlier than it was (a measured lead
      // comes out short by up to the lateness). A board's MCU is never late; a starved host process is. Said at
      // the first such tick and counted, so that a timing check that fails for this reason says so.
      if (late_ticks == 0)
        std::fprintf(stderr, "virtual board: tick %u started %.1f ms late (the host is starving this process)\n", tick,
                     static_cast<double>(woke - deadline) / 1e6);
      ++late_ticks;
      worst_late_ns = std::max(worst_late_ns, woke - deadline);
    }
    bench.advance(woke);

    fw::Inputs in;
    std::int32_t sum_mv = 0;
    for (int c = 0; c < 4; ++c) {
      const double raw = read_number(dac_dir + "/out_voltage" + std::to_string(c) + "_raw", 0.0);
      in.cell_mv[c] = static_cast<std::int32_t>(raw * scale_mv + 0.5);
      in.cell_temp_dc[c] = 250;
      sum_mv += in.cell_mv[c];
    }
    bench.set_cells_v(sum_mv / 1000.0);
    bench.sense(in);                 // alternator port, Li port, the stage's current, heatsink
    in.remote_h_mv = in.li_port_mv;  // remote on: H strapped to battery plus on this virtual board
    const fw::Outputs out = bms.step(in, now_ms);
    bench.command(out, bms.config().fuse_rating_a);  // the power stage follows from now on
    registers.update(out);

    const bool now_level[3] = {out.load == fw::Pin::kHigh, out.charge == fw::Pin::kHigh, out.prealarm == fw::Pin::kHigh};
    for (int k = 0; k < 3; ++k) {
      const bool changed = now_level[k] != level[k];
      level[k] = now_level[k];
      if (line_fd[k] >= 0) {
        // A FIFO's write end polls POLLERR once its last reader has closed; closing it then drops the records that
        // reader left unread, so the next reader gets a fresh pipe rather than stale edges.
        pollfd p{line_fd[k], 0, 0};
        if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP))) {
          ::close(line_fd[k]);
          line_fd[k] = -1;
        }
      }
      if (line_fd[k] < 0) {
        // The reader went away (a `bench check` that finished, a rig restarted): a board's pin does not care who
        // watches it, so the line waits for the next reader, re-opened without blocking once per tick. A reader
        // starts from low, so a new one is sent the present level when it is high.
        line_fd[k] = ::open(line_path[k].c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (line_fd[k] < 0) continue;
        ::fcntl(line_fd[k], F_SETFL, ::fcntl(line_fd[k], F_GETFL) & ~O_NONBLOCK);
        if (!level[k]) continue;
      } else if (!changed) {
        continue;
      }
      // The pin changes at the tick, as an MCU drives its outputs from its tick interrupt (microseconds of jitter);
      // the instant is the tick's deadline on CLOCK_MONOTONIC, not when this process got round to writing the record
      // (a host process is scheduled milliseconds late at times, which a board's pins are not).
      const std::int64_t record[2] = {deadline, level[k] ? 1 : 0};
      if (!write_all(line_fd[k], record, sizeof record)) {
        ::close(line_fd[k]);
        line_fd[k] = -1;
      }
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
  if (late_ticks > 0)
    std::fprintf(stderr, "virtual board: %u of %u ticks started more than %.1f ms late (worst %.1f ms)\n", late_ticks,
                 tick, static_cast<double>(kLateNs) / 1e6, static_cast<double>(worst_late_ns) / 1e6);
  return 0;
}
