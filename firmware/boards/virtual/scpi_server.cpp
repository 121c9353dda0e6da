#include "scpi_server.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace vboard {

namespace {

constexpr std::size_t kMaxLine = 1024;
constexpr std::size_t kQueueDepth = 16;

std::string upper(std::string_view s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct PatternNode {
  std::string short_form, long_form;
  bool optional = false;
};

// "[SOURce:]VOLTage[:LEVel]" → {SOUR/SOURCE opt}, {VOLT/VOLTAGE}, {LEV/LEVEL opt}
std::vector<PatternNode> parse_pattern(std::string_view p) {
  std::vector<PatternNode> nodes;
  PatternNode cur;
  bool in_opt = false;
  auto flush = [&] {
    if (!cur.long_form.empty()) {
      cur.optional = in_opt;
      nodes.push_back(cur);
    }
    cur = PatternNode{};
  };
  for (char c : p) {
    if (c == '[') {
      flush();
      in_opt = true;
    } else if (c == ']') {
      flush();
      in_opt = false;
    } else if (c == ':') {
      flush();
    } else {
      if (!std::islower(static_cast<unsigned char>(c))) cur.short_form += c;
      cur.long_form += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  flush();
  return nodes;
}

bool match(const std::vector<std::string>& nodes, std::size_t i, const std::vector<PatternNode>& pat, std::size_t j) {
  if (j == pat.size()) return i == nodes.size();
  if (pat[j].optional && match(nodes, i, pat, j + 1)) return true;
  return i < nodes.size() && (nodes[i] == pat[j].short_form || nodes[i] == pat[j].long_form) &&
         match(nodes, i + 1, pat, j + 1);
}

}  // namespace

bool ScpiCommand::is(std::string_view pattern) const { return match(nodes, 0, parse_pattern(pattern), 0); }

double ScpiCommand::number(double lo, double hi) const {
  if (param.empty()) throw ScpiFault{-109, "Missing parameter"};
  const std::string p = upper(param);
  if (p == "MIN" || p == "MINIMUM") return lo;
  if (p == "MAX" || p == "MAXIMUM") return hi;
  char* end = nullptr;
  const double v = std::strtod(param.c_str(), &end);
  if (end == param.c_str() || *end != '\0' || !std::isfinite(v)) throw ScpiFault{-104, "Data type error"};
  if (v < lo || v > hi) throw ScpiFault{-222, "Data out of range"};
  return v;
}

bool ScpiCommand::boolean() const {
  if (param.empty()) throw ScpiFault{-109, "Missing parameter"};
  const std::string p = upper(param);
  if (p == "ON" || p == "1") return true;
  if (p == "OFF" || p == "0") return false;
  throw ScpiFault{-224, "Illegal parameter value"};
}

void ScpiCommand::no_param() const {
  if (!param.empty()) throw ScpiFault{-108, "Parameter not allowed"};
}

ScpiServer::ScpiServer(int fd, ScpiHandler handler) : fd_(fd), handler_(std::move(handler)) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

std::string ScpiServer::format(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", std::fabs(v) < 0.00005 ? 0.0 : v);  // no "-0.0000"
  return b;
}

void ScpiServer::push_error(int code, const char* text) {
  std::string e = std::to_string(code) + ",\"" + text + "\"";
  if (errors_.size() < kQueueDepth) errors_.push_back(std::move(e));
  else errors_.back() = "-350,\"Queue overflow\"";
}

std::string ScpiServer::execute_line(std::string_view line) {
  std::string answer;
  bool answered = false;
  for (;;) {
    const auto semi = line.find(';');
    const std::string_view unit = trim(line.substr(0, semi));
    line = semi == std::string_view::npos ? std::string_view{} : line.substr(semi + 1);
    if (!unit.empty()) {
      ScpiCommand cmd;
      std::size_t h = 0;
      while (h < unit.size() && !std::isspace(static_cast<unsigned char>(unit[h]))) ++h;
      std::string header = upper(unit.substr(0, h));
      cmd.param = std::string(trim(unit.substr(h)));
      if (!header.empty() && header.back() == '?') {
        cmd.query = true;
        header.pop_back();
      }
      if (!header.empty() && header.front() == ':') header.erase(0, 1);
      for (std::size_t b = 0; b <= header.size();) {
        const auto c = header.find(':', b);
        cmd.nodes.push_back(header.substr(b, c == std::string::npos ? std::string::npos : c - b));
        if (c == std::string::npos) break;
        b = c + 1;
      }
      try {
        std::optional<std::string> reply;
        if (cmd.is("*CLS") && !cmd.query) {
          cmd.no_param();
          errors_.clear();
        } else if (cmd.is("SYSTem:ERRor[:NEXT]") && cmd.query) {
          if (errors_.empty()) {
            reply = "0,\"No error\"";
          } else {
            reply = errors_.front();
            errors_.pop_front();
          }
        } else if (cmd.is("*OPC") && cmd.query) {
          reply = "1";
        } else {
          reply = handler_(cmd);
        }
        if (reply) {
          if (answered) answer += ';';
          answer += *reply;
          answered = true;
        }
      } catch (const ScpiFault& f) {
        push_error(f.code, f.text);
      }
    }
    if (line.empty()) break;
  }
  return answer;
}

bool ScpiServer::serve() {
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;  // EIO: no slave side open
    pending_.append(buf, static_cast<std::size_t>(n));
    for (auto pos = pending_.find('\n'); pos != std::string::npos; pos = pending_.find('\n')) {
      std::string_view line(pending_.data(), pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (overlong_) {
        overlong_ = false;  // the tail of a line already refused
      } else {
        std::string reply = execute_line(line);
        if (!reply.empty()) {
          reply += '\n';
          // The peer reads its answers; a full PTY buffer means it stopped reading: drop the answer.
          (void)!::write(fd_, reply.data(), reply.size());
        }
      }
      pending_.erase(0, pos + 1);
    }
    if (pending_.size() > kMaxLine) {
      pending_.clear();
      if (!overlong_) push_error(-100, "Command error");
      overlong_ = true;
    }
  }
}

}  // namespace vboard
