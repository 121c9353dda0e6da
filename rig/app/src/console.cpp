#include "rig/app/console.hpp"

#include <cctype>
#include <cstdio>
#include <sstream>

namespace rig::app {

std::string sanitize(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return o;
}

const rig::checks::CheckResult* key_check(const rig::report::CaseResult& c) {
  for (const auto& r : c.checks)
    if (r.verdict != rig::Verdict::kPass) return &r;
  for (const auto& r : c.checks)
    if (r.margin) return &r;
  return c.checks.empty() ? nullptr : &c.checks.front();
}

const char* verdict_tag(const rig::report::CaseResult& c) {
  if (!c.completed) return "INCOMPLETE";
  switch (c.verdict) {
    case rig::Verdict::kPass: return "PASS";
    case rig::Verdict::kFail: return "FAIL";
    case rig::Verdict::kInconclusive: return "INCONCLUSIVE";
    default: return "ERROR";
  }
}

std::string case_line(const rig::report::CaseResult& c) {
  std::ostringstream os;
  char head[64];
  std::snprintf(head, sizeof head, "%-10s ", verdict_tag(c));
  os << head << c.display_name();
  if (!c.error.empty()) {
    os << "\n           error: " << c.error;
  } else {
    for (const auto& k : c.checks) {
      os << "\n           "
         << (k.verdict == rig::Verdict::kPass ? "ok   " : k.verdict == rig::Verdict::kFail ? "FAIL "
             : k.verdict == rig::Verdict::kInconclusive ? "INC  " : "ERR  ")
         << k.name << ": " << (k.verdict == rig::Verdict::kPass && !k.evidence.empty() ? k.evidence : k.message);
    }
  }
  char tail[128];
  const double ratio = c.wall_s > 0 ? c.simulated_s / c.wall_s : 0.0;
  std::snprintf(tail, sizeof tail, "  [%.1f s simulated in %.2f s, %.0fx]", c.simulated_s, c.wall_s, ratio);
  os << tail;
  return os.str();
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace rig::app
