// The SCPI line protocol of the virtual bench's instruments, on the instrument side: a PTY master fd carries
// "\n"-terminated program messages; each may hold several commands separated by ';'. Headers match SCPI-1999
// mnemonics in short or long form, case-insensitively, with optional nodes ("[SOURce:]VOLTage[:LEVel]"); a
// leading ':' is accepted. Queries answer one line ("a;b" when a message holds several queries). Errors go to a
// queue of 16 (the 17th replaces the last with -350) read by SYST:ERR?, which answers `0,"No error"` when empty.
//   -100 command error (line longer than 1 KiB)   -104 data type error        -108 parameter not allowed
//   -109 missing parameter                        -113 undefined header       -222 data out of range
//   -224 illegal parameter value                  -350 queue overflow
// Host-only code (heap, exceptions). Not thread-safe: one tick loop serves every port.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vboard {

// An error a command raises; it lands in the instrument's error queue.
struct ScpiFault {
  int code;
  const char* text;
};
inline constexpr ScpiFault kUndefinedHeader{-113, "Undefined header"};

// One parsed command: header nodes upper-cased, the query mark, and the raw parameter text (trimmed).
struct ScpiCommand {
  std::vector<std::string> nodes;  // "MEAS", "CURR"
  bool query = false;
  std::string param;               // "14.0000" / "ON" / ""

  // True when the header matches `pattern`, e.g. "[SOURce:]VOLTage[:LEVel]" or "*IDN" (without the '?').
  bool is(std::string_view pattern) const;
  // The parameter as a number in [lo, hi]; throws ScpiFault -109 / -104 / -222.
  double number(double lo, double hi) const;
  // ON|OFF|1|0; throws ScpiFault -109 / -224.
  bool boolean() const;
  // Throws -108 when a parameter was given.
  void no_param() const;
};

// Executes one command: returns the answer of a query, nullopt for a command; throws ScpiFault (an unknown
// header: throw kUndefinedHeader).
using ScpiHandler = std::function<std::optional<std::string>(const ScpiCommand&)>;

class ScpiServer {
 public:
  // `fd` is a PTY master (not owned); it is set non-blocking. `handler` serves everything except the common
  // commands this class answers itself: *CLS, SYST:ERR?, *OPC?.
  ScpiServer(int fd, ScpiHandler handler);
  int fd() const { return fd_; }

  // Reads what is there and executes complete lines. Returns false when the peer hung up (EIO / EOF).
  bool serve();
  // Executes one program message (a line without its terminator); returns the answer line or "".
  std::string execute_line(std::string_view line);

  static std::string format(double v);  // "%.4f"

 private:
  void push_error(int code, const char* text);

  int fd_;
  ScpiHandler handler_;
  std::string pending_;
  bool overlong_ = false;
  std::deque<std::string> errors_;
};

}  // namespace vboard
