// JUnit XML writer (schema: docs/spec/junit-10.xsd, as read by Jenkins' xUnit and GitLab).
//
// Outcomes: pass = a bare <testcase>; fail = <failure type="check">; error = <error type="error"> (or
// type="incomplete" for an interrupted run); inconclusive (a margin within its uncertainty, rig/uncertainty.hpp) =
// <error type="inconclusive" message="inconclusive: ...">. An error, not a skip: Jenkins and GitLab show errored
// tests in red with their type and message and count them against the build, while a skipped test would let a
// pipeline pass on a check that could not be judged. The testsuite counts it under "errors".
#include <algorithm>
#include <map>
#include <optional>

#include "rig/writers.hpp"
#include "text_util.hpp"

namespace rig::report {

using detail::fixed;
using detail::xml_escape;

namespace {

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value, true) + "\"";
}

std::string check_line(const checks::CheckResult& c) {
  std::string s = "[" + std::string(to_string(c.verdict)) + "] " + c.name;
  if (!c.evidence.empty()) s += " — " + c.evidence;
  return s;
}

std::string case_output(const CaseResult& c) {
  std::string s;
  s += "scenario: " + c.scenario_file + "\n";
  if (!c.scenario_sha256.empty()) s += "scenario sha256: " + c.scenario_sha256 + "\n";
  if (!c.requirements.empty()) {
    s += "requirements:";
    for (const auto& r : c.requirements) s += " " + r;
    s += "\n";
  }
  for (const auto& [k, v] : c.parameters) s += "parameter " + k + " = " + v + "\n";
  s += "mode: " + c.mode + "\n";
  s += "simulated: " + fixed(c.simulated_s, 3) + " s, wall: " + fixed(c.wall_s, 3) + " s\n";
  if (!c.completed) s += "INCOMPLETE: the run was interrupted before the scenario ended\n";
  if (!c.error.empty()) s += "error: " + c.error + "\n";
  for (const auto& k : c.checks) s += check_line(k) + "\n";
  for (const auto& f : c.trace_files) s += "trace: " + f + "\n";
  if (!c.health.empty()) {
    s += "device:";
    for (std::size_t i = 0; i < c.health.size(); ++i)
      s += (i ? ", " : " ") + c.health[i].name + " " + std::to_string(c.health[i].value);
    s += "\n";
  }
  for (const auto& f : c.health_faults()) s += "DEVICE FAULT: " + f + "\n";
  if (c.loop_jitter) {
    const auto& l = *c.loop_jitter;
    s += "loop jitter: p50 " + fixed(l.p50_us, 1) + " us, p99 " + fixed(l.p99_us, 1) + " us, max " +
         fixed(l.max_us, 1) + " us (n=" + std::to_string(l.ticks) + ")\n";
    s += std::string("real time: SCHED_FIFO ") + (l.sched_fifo ? "granted" : "not granted") + ", mlockall " +
         (l.mlockall ? "granted" : "not granted");
    if (!l.realtime_status.empty()) s += " (" + l.realtime_status + ")";
    s += "\n";
  }
  return s;
}

void properties(std::string& o, const RunResult& run, const std::vector<const CaseResult*>& cases,
                const std::string& indent) {
  o += indent + "<properties>\n";
  auto prop = [&](std::string_view n, std::string_view v) {
    o += indent + "  <property" + attr("name", n) + attr("value", v) + "/>\n";
  };
  prop("firmware.version", run.firmware_version);
  prop("firmware.hash", run.firmware_hash);
  prop("firmware.target", run.firmware_target);
  prop("mode", run.mode);
  prop("host", run.host);
  prop("rig.version", run.rig_version);
  if (!run.command_line.empty()) prop("command", run.command_line);
  prop("incomplete", run.interrupted ? "true" : "false");
  // HIL: the worst pacing figures over the suite's cases (each case's own in its system-out).
  std::optional<LoopJitter> worst;
  for (const auto* c : cases) {
    if (!c->loop_jitter) continue;
    const auto& l = *c->loop_jitter;
    if (!worst) {
      worst = l;
      continue;
    }
    worst->ticks += l.ticks;
    worst->p50_us = std::max(worst->p50_us, l.p50_us);
    worst->p99_us = std::max(worst->p99_us, l.p99_us);
    worst->max_us = std::max(worst->max_us, l.max_us);
    worst->sched_fifo = worst->sched_fifo && l.sched_fifo;
    worst->mlockall = worst->mlockall && l.mlockall;
  }
  // The device's fault counts summed over the suite's cases (dut.board_resets, ...), when a Dut kept them.
  std::vector<std::pair<std::string, std::uint64_t>> faults;
  for (const auto* c : cases)
    for (const auto& h : c->health) {
      if (!h.fault_count) continue;
      auto it = std::find_if(faults.begin(), faults.end(), [&](const auto& f) { return f.first == h.name; });
      if (it == faults.end()) faults.emplace_back(h.name, h.value);
      else it->second += h.value;
    }
  for (const auto& [name, total] : faults) prop("dut." + name, std::to_string(total));
  if (worst) {
    prop("hil.loop.ticks", std::to_string(worst->ticks));
    prop("hil.loop.p50_us", fixed(worst->p50_us, 1));
    prop("hil.loop.p99_us", fixed(worst->p99_us, 1));
    prop("hil.loop.max_us", fixed(worst->max_us, 1));
    prop("hil.sched_fifo", worst->sched_fifo ? "true" : "false");
    prop("hil.mlockall", worst->mlockall ? "true" : "false");
  }
  o += indent + "</properties>\n";
}

}  // namespace

std::string junit_xml(const RunResult& run) {
  // Group cases by scenario folder, keeping first-appearance order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CaseResult*>> groups;
  for (const auto& c : run.cases) {
    const std::string cls = c.classname();
    if (!groups.count(cls)) order.push_back(cls);
    groups[cls].push_back(&c);
  }
  const auto counts = run.counts();
  std::size_t failures = 0, errors = 0;
  for (const auto& c : run.cases) {
    if (!c.completed || c.verdict == Verdict::kError || c.verdict == Verdict::kInconclusive) ++errors;
    else if (c.verdict == Verdict::kFail) ++failures;
  }
  std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (run.interrupted) o += "<!-- INCOMPLETE: the run was interrupted; not every scenario ran -->\n";
  o += "<testsuites" + attr("name", "bmsrig") + attr("tests", std::to_string(counts.total)) +
       attr("failures", std::to_string(failures)) + attr("errors", std::to_string(errors)) +
       attr("time", fixed(run.wall_s, 3)) + ">\n";
  if (order.empty()) order.push_back("scenarios");  // an empty run still has one (empty) suite
  for (const auto& cls : order) {
    const auto& cases = groups[cls];
    std::size_t f = 0, e = 0;
    double t = 0;
    for (const auto* c : cases) {
      if (!c->completed || c->verdict == Verdict::kError || c->verdict == Verdict::kInconclusive) ++e;
      else if (c->verdict == Verdict::kFail) ++f;
      t += c->wall_s;
    }
    o += "  <testsuite" + attr("name", cls) + attr("tests", std::to_string(cases.size())) +
         attr("failures", std::to_string(f)) + attr("errors", std::to_string(e)) + attr("skipped", "0") +
         attr("time", fixed(t, 3)) + attr("timestamp", run.date) + attr("hostname", run.host) + ">\n";
    properties(o, run, cases, "    ");
    for (const auto* c : cases) {
      o += "    <testcase" + attr("name", c->display_name()) + attr("classname", cls) +
           attr("time", fixed(c->wall_s, 3)) + ">\n";
      if (!c->completed) {
        o += "      <error" + attr("type", "incomplete") + attr("message", "incomplete: run interrupted") + ">" +
             xml_escape("The run was interrupted before this scenario ended; its checks were not judged on a "
                        "complete trace.") +
             "</error>\n";
      } else if (c->verdict == Verdict::kError) {
        std::string msg = c->error;
        for (const auto& k : c->checks)
          if (msg.empty() && k.verdict == Verdict::kError) msg = k.message;
        if (msg.empty()) msg = "error";
        std::string body;
        for (const auto& k : c->checks)
          if (k.verdict == Verdict::kError) body += k.message + "\n";
        o += "      <error" + attr("type", "error") + attr("message", msg) + ">" + xml_escape(body) + "</error>\n";
      } else if (c->verdict == Verdict::kFail) {
        std::string msg, body;
        for (const auto& k : c->checks)
          if (k.verdict == Verdict::kFail) {
            if (msg.empty()) msg = k.message;
            body += k.message + "\n";
          }
        if (msg.empty()) msg = "failed";
        o += "      <failure" + attr("type", "check") + attr("message", msg) + ">" + xml_escape(body) +
             "</failure>\n";
      } else if (c->verdict == Verdict::kInconclusive) {
        std::string msg, body;
        for (const auto& k : c->checks)
          if (k.verdict == Verdict::kInconclusive) {
            if (msg.empty()) msg = k.message;
            body += k.message + "\n";
          }
        if (msg.empty()) msg = "inconclusive";
        o += "      <error" + attr("type", "inconclusive") + attr("message", msg) + ">" + xml_escape(body) + "</error>\n";
      }
      o += "      <system-out>" + xml_escape(case_output(*c)) + "</system-out>\n";
      o += "    </testcase>\n";
    }
    if (run.interrupted)
      o += "    <system-err>" + xml_escape("INCOMPLETE: the run was interrupted; results are partial") +
           "</system-err>\n";
    o += "  </testsuite>\n";
  }
  o += "</testsuites>\n";
  return o;
}

void write_junit(const RunResult& run, const std::filesystem::path& path) { write_file_atomic(path, junit_xml(run)); }

}  // namespace rig::report
