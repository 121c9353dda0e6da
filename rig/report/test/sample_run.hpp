// A hand-made run for the writers' tests: a passing lead case (with a matrix combination), a failing one, an
// error, and (optionally) an interrupted one; traces attached in memory.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "rig/checks.hpp"
#include "rig/result.hpp"

namespace rig::test {

// How many times `what` occurs in `s` (overlapping occurrences counted).
inline std::size_t occurrences(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

inline std::shared_ptr<Trace> make_trace(double load_fall_s) {
  auto t = std::make_shared<Trace>();
  auto add = [&](const std::string& name, SignalKind kind, std::string unit,
                 std::initializer_list<std::pair<double, double>> samples) {
    const auto id = t->add_signal(SignalInfo{name, std::move(unit), kind, 0.0});
    for (const auto& [ts, v] : samples) t->append_raw(id, Sample{from_seconds(ts), v});
  };
  add("bms/out/prealarm", SignalKind::kDigital, "", {{0, 0}, {100, 1}});
  add("bms/out/load", SignalKind::kDigital, "", {{0, 0}, {1, 1}, {load_fall_s, 0}});
  add("bank/battery[0]/cell[3]/voltage_v", SignalKind::kAnalog, "V",
      {{0, 3.3}, {50, 3.2}, {98, 3.09}, {120, 2.95}, {130, 2.79}});
  add("alternator/current_a", SignalKind::kAnalog, "A", {{0, 0.0}, {10, 50.0}, {20, 90.0}, {150, -0.05}});
  add("bms/alarm_code", SignalKind::kInteger, "", {{0, 0}, {100, 5}});
  t->set_end_time(from_seconds(200));
  return t;
}

inline std::vector<checks::CheckSpec> make_specs(const Trace& t) {
  const auto r = expr::resolver_for(t);
  std::vector<checks::CheckSpec> specs;
  specs.push_back({"", "", checks::Lead{expr::Event::parse("rise(bms/out/prealarm)", r),
                                        expr::Event::parse("fall(bms/out/load)", r), from_seconds(30), {}}, {}});
  specs.push_back({"no reverse current", "", checks::Never{expr::Condition::parse("alternator/current_a < -0.1", r)}, {}});
  return specs;
}

inline report::CaseResult make_case(const std::string& file, const std::string& name, double load_fall_s,
                                    std::vector<std::string> reqs) {
  report::CaseResult c;
  c.scenario_file = file;
  c.scenario_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  c.name = name;
  c.requirements = std::move(reqs);
  c.mode = "sil";
  auto trace = make_trace(load_fall_s);
  c.checks = checks::evaluate_all(make_specs(*trace), *trace);
  c.verdict = checks::combine(c.checks);
  c.simulated_s = 200.0;
  c.wall_s = 0.05;
  c.trace = trace;
  return c;
}

inline report::RunResult make_run(bool interrupted = false) {
  report::RunResult run;
  run.firmware_version = "0.1.0";
  run.firmware_hash = "abc123def456";
  run.firmware_target = "host";
  run.mode = "sil";
  run.host = "testhost";
  run.date = "2026-11-29T05:14:01Z";
  run.rig_version = "0.1.0+abc123def456";
  run.command_line = "bmsrig run scenarios/ --junit out.xml";
  run.wall_s = 1.25;
  auto pass = make_case("scenarios/requirements/ld2_prealarm_lead.yaml", "pre-alarm leads load disconnect <30 s> & \"more\"",
                        130.0, {"LD-2", "PA-3"});
  pass.parameters = {{"fuse_a", "60"}, {"soc", "0.08"}};
  run.cases.push_back(pass);
  run.cases.push_back(make_case("scenarios/requirements/ld3_fast_collapse.yaml", "fast cell collapse", 125.0,
                                {"LD-3"}));
  report::CaseResult err;
  err.scenario_file = "scenarios/faults/flt1_cable.yaml";
  err.name = "BMS cable unplugged";
  err.requirements = {"FLT-1", "XYZ-9"};
  err.mode = "sil";
  err.verdict = Verdict::kError;
  err.error = "DutError: firmware refused the configuration (error 3)";
  run.cases.push_back(err);
  if (interrupted) {
    run.interrupted = true;
    auto inc = make_case("top.yaml", "soak", 130.0, {"TOP-1"});
    inc.completed = false;
    run.cases.push_back(inc);
  }
  return run;
}

}  // namespace rig::test
