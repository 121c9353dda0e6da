// A fake SCPI instrument on the master side of a PTY, run by its own thread. Depth: the serial line — the rig
// opens the PTY slave by path exactly like a USB-serial instrument. Implements a small SCPI subset with
// realistic behaviour:
//   *IDN?  *RST  *CLS  VOLT <v>|VOLT?  CURR <a>|CURR?  OUTP ON|OFF|OUTP?  INP ON|OFF|INP?  FUNC CURR
//   MEAS:VOLT?  MEAS:CURR?  SYST:ERR?
// Errors go to an error queue like a real instrument: -113 "Undefined header", -109 "Missing parameter",
// -222 "Data out of range". Each answer is delayed by `response_delay`. Test face: set the measured values,
// make it ignore queries (mute), pull the plug (disconnect), inspect the commands received and the state.
// Thread-safe test face. Test-only.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rig/io/fake/pty_pair.hpp"

namespace rig::io::fake {

struct FakeScpiSettings {
  std::string idn = "BMSRIG,FAKE-PSU,0001,1.0";
  std::chrono::milliseconds response_delay{2};
  double max_voltage_v = 20.0;
  double max_current_a = 60.0;
  bool has_error_queue = true;
};

class FakeScpiInstrument {
 public:
  explicit FakeScpiInstrument(FakeScpiSettings settings = {});
  ~FakeScpiInstrument();
  FakeScpiInstrument(const FakeScpiInstrument&) = delete;
  FakeScpiInstrument& operator=(const FakeScpiInstrument&) = delete;

  // The path the rig opens (the PTY slave).
  std::string port_path() const { return pty_.slave_path(); }

  // Test face.
  void set_measured(double voltage_v, double current_a);
  void mute(bool on);     // stop answering queries (commands are still executed)
  void disconnect();      // closes the line: the rig sees a hang-up
  std::vector<std::string> commands() const;  // every line received, in order
  double voltage_setpoint_v() const;
  double current_setpoint_a() const;
  bool output_on() const;

 private:
  void run();
  void handle(const std::string& line);
  void answer(const std::string& text);
  void push_error(const char* err);

  FakeScpiSettings settings_;
  PtyPair pty_;
  mutable std::mutex mutex_;
  std::vector<std::string> commands_;
  std::deque<std::string> errors_;
  double volt_set_ = 0.0, curr_set_ = 0.0, meas_v_ = 0.0, meas_a_ = 0.0;
  bool output_ = false;
  std::atomic<bool> muted_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> unplug_{false};
  std::thread thread_;
};

}  // namespace rig::io::fake
