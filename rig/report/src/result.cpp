// The run result model: derived names and counts, host and time helpers.
#include "rig/result.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace rig::report {

std::vector<std::string> CaseResult::health_faults() const {
  std::vector<std::string> out;
  for (const auto& h : health)
    if (h.fault_count && h.value > 0) out.push_back(h.name + " = " + std::to_string(h.value) + " (" + h.meaning + ")");
  return out;
}

std::string CaseResult::display_name() const {
  if (parameters.empty()) return name;
  std::string s = name + " [";
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (i) s += ", ";
    s += parameters[i].first + "=" + parameters[i].second;
  }
  return s + "]";
}

std::string CaseResult::classname() const {
  std::string dir = scenario_file;
  const auto slash = dir.rfind('/');
  if (slash == std::string::npos) return "scenarios";
  dir.resize(slash);
  while (dir.starts_with("./")) dir.erase(0, 2);
  while (!dir.empty() && dir.front() == '/') dir.erase(0, 1);
  if (dir.empty() || dir == ".") return "scenarios";
  for (auto& c : dir)
    if (c == '/' || c == '\\') c = '.';
  return dir;
}

RunResult::Counts RunResult::counts() const {
  Counts c;
  for (const auto& k : cases) {
    ++c.total;
    if (!k.completed) ++c.incomplete;
    switch (k.verdict) {
      case Verdict::kPass: ++c.passed; break;
      case Verdict::kFail: ++c.failed; break;
      case Verdict::kError: ++c.errors; break;
      case Verdict::kInconclusive: ++c.inconclusive; break;
    }
  }
  return c;
}

Verdict RunResult::verdict() const {
  Verdict v = interrupted ? Verdict::kError : Verdict::kPass;
  for (const auto& k : cases) {
    if (k.verdict == Verdict::kError || !k.completed) return Verdict::kError;
    if (k.verdict == Verdict::kFail) v = v == Verdict::kError ? v : Verdict::kFail;
    if (k.verdict == Verdict::kInconclusive && v == Verdict::kPass) v = Verdict::kInconclusive;
  }
  return v;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace rig::report
