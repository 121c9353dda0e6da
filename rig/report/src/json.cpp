// JSON results writer and reader (nlohmann-json).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rig/writers.hpp"

namespace rig::report {

using nlohmann::ordered_json;

namespace {

ordered_json opt(const std::optional<double>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

Verdict verdict_from(const std::string& s) {
  if (s == "pass") return Verdict::kPass;
  if (s == "fail") return Verdict::kFail;
  if (s == "inconclusive") return Verdict::kInconclusive;
  return Verdict::kError;
}

ordered_json check_json(const checks::CheckResult& c) {
  ordered_json j;
  j["name"] = c.name;
  j["kind"] = c.kind;
  j["description"] = c.description;
  j["verdict"] = to_string(c.verdict);
  j["measured"] = opt(c.measured);
  j["measured_unit"] = c.measured_unit;
  j["limit"] = opt(c.limit);
  j["limit_min"] = opt(c.limit_min);
  j["limit_max"] = opt(c.limit_max);
  j["limit_text"] = c.limit_text;
  j["margin"] = opt(c.margin);
  j["margin_uncertainty"] = opt(c.uncertainty);
  j["uncertainty_basis"] = c.uncertainty_basis;
  j["evidence"] = c.evidence;
  j["message"] = c.message;
  j["levels"] = c.levels;
  j["window"] = {{"begin_s", to_seconds(c.window.begin)}, {"end_s", to_seconds(c.window.end)}};
  j["signals"] = c.signals;
  ordered_json inst = ordered_json::array();
  for (const auto& i : c.instants) inst.push_back({{"label", i.label}, {"t_s", to_seconds(i.t)}});
  j["instants"] = inst;
  return j;
}

std::optional<double> get_opt(const ordered_json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<double>();
}

}  // namespace

// What a bench run can resolve for one check (bmsrig compare reads it): instants are known to one loop period (the
// plant's values reach the board at the rig's 10 ms tick) plus the largest timing uncertainty of the measured signals
// the check uses; values to the largest declared accuracy among them.
static ordered_json check_uncertainty(const checks::CheckResult& ch, const std::vector<MeasuredSignal>& measured) {
  double time_s = 0.0, value = 0.0;
  for (const auto& name : ch.signals)
    for (const auto& m : measured)
      if (m.signal == name) {
        time_s = std::max(time_s, m.time_s);
        value = std::max(value, m.accuracy);
      }
  return {{"time_s", 0.010 + time_s}, {"value", value}};
}

std::string results_json(const RunResult& run) {
  ordered_json j;
  j["format"] = "bmsrig-results";
  j["format_version"] = 1;
  j["complete"] = !run.interrupted;
  j["verdict"] = to_string(run.verdict());
  j["firmware"] = {{"version", run.firmware_version}, {"build_hash", run.firmware_hash}, {"target", run.firmware_target}};
  j["mode"] = run.mode;
  j["host"] = run.host;
  j["date"] = run.date;
  j["rig_version"] = run.rig_version;
  j["command_line"] = run.command_line;
  j["wall_s"] = run.wall_s;
  const auto c = run.counts();
  j["counts"] = {{"total", c.total}, {"passed", c.passed}, {"failed", c.failed}, {"errors", c.errors},
                 {"incomplete", c.incomplete}, {"inconclusive", c.inconclusive}};
  ordered_json cases = ordered_json::array();
  for (const auto& k : run.cases) {
    ordered_json cj;
    cj["scenario_file"] = k.scenario_file;
    cj["scenario_sha256"] = k.scenario_sha256;
    cj["name"] = k.name;
    ordered_json params = ordered_json::object();
    for (const auto& [n, v] : k.parameters) params[n] = v;
    cj["parameters"] = params;
    cj["requirements"] = k.requirements;
    cj["mode"] = k.mode;
    cj["verdict"] = to_string(k.verdict);
    cj["error"] = k.error;
    cj["completed"] = k.completed;
    cj["simulated_s"] = k.simulated_s;
    cj["wall_s"] = k.wall_s;
    cj["trace_files"] = k.trace_files;
    if (k.loop_jitter) {
      const auto& l = *k.loop_jitter;
      cj["loop_jitter"] = {{"ticks", l.ticks}, {"p50_us", l.p50_us}, {"p99_us", l.p99_us}, {"max_us", l.max_us},
                           {"sched_fifo", l.sched_fifo}, {"mlockall", l.mlockall},
                           {"realtime_status", l.realtime_status}};
    }
    if (!k.health.empty()) {
      ordered_json h = ordered_json::array();
      for (const auto& x : k.health)
        h.push_back({{"name", x.name}, {"value", x.value}, {"fault_count", x.fault_count}, {"meaning", x.meaning}});
      cj["dut_health"] = h;
    }
    ordered_json checks = ordered_json::array();
    for (const auto& ch : k.checks) {
      auto cj_check = check_json(ch);
      if (!k.measured.empty()) cj_check["uncertainty"] = check_uncertainty(ch, k.measured);
      checks.push_back(std::move(cj_check));
    }
    if (!k.measured.empty()) {
      ordered_json m = ordered_json::array();
      for (const auto& x : k.measured) m.push_back({{"signal", x.signal}, {"accuracy", x.accuracy}, {"time_s", x.time_s}});
      cj["measured"] = m;
    }
    cj["checks"] = checks;
    cases.push_back(std::move(cj));
  }
  j["cases"] = cases;
  return j.dump(2) + "\n";
}

void write_json(const RunResult& run, const std::filesystem::path& path) { write_file_atomic(path, results_json(run)); }

RunResult read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WriteError("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return read_json_text(ss.str(), path.string());
}

namespace {
// A time read back from a results file: a finite number of seconds that nanosecond time can hold (the rig writes
// at most days; +-9.2e9 s is the int64 nanosecond range, converting beyond it was undefined behaviour).
Time time_field(const ordered_json& object, const char* key, const std::string& source) {
  const double s = object.value(key, 0.0);
  if (!(std::fabs(s) < 9.2e9))
    throw WriteError(source + ": malformed results file: \"" + key + "\" = " + std::to_string(s) +
                     " is not a time within +-9.2e9 s");
  return from_seconds(s);
}
}  // namespace

RunResult read_json_text(std::string_view text, const std::string& source) {
  RunResult run;
  try {
    const auto j = ordered_json::parse(text);
    if (j.value("format", "") != "bmsrig-results")
      throw WriteError(source + ": not a bmsrig results file (format != \"bmsrig-results\")");
    run.interrupted = !j.value("complete", true);
    // `at`, never `[]`: on a const document `[]` with a missing key is undefined behaviour (a fuzzer's find).
    const auto& firmware = j.at("firmware");
    run.firmware_version = firmware.value("version", "");
    run.firmware_hash = firmware.value("build_hash", "");
    run.firmware_target = firmware.value("target", "");
    run.mode = j.value("mode", "");
    run.host = j.value("host", "");
    run.date = j.value("date", "");
    run.rig_version = j.value("rig_version", "");
    run.command_line = j.value("command_line", "");
    run.wall_s = j.value("wall_s", 0.0);
    for (const auto& cj : j.at("cases")) {
      CaseResult k;
      k.scenario_file = cj.value("scenario_file", "");
      k.scenario_sha256 = cj.value("scenario_sha256", "");
      k.name = cj.value("name", "");
      for (const auto& [n, v] : cj.at("parameters").items()) k.parameters.emplace_back(n, v.get<std::string>());
      k.requirements = cj.at("requirements").get<std::vector<std::string>>();
      k.mode = cj.value("mode", "");
      k.verdict = verdict_from(cj.value("verdict", "error"));
      k.error = cj.value("error", "");
      k.completed = cj.value("completed", true);
      k.simulated_s = cj.value("simulated_s", 0.0);
      k.wall_s = cj.value("wall_s", 0.0);
      k.trace_files = cj.at("trace_files").get<std::vector<std::string>>();
      if (cj.contains("loop_jitter") && cj["loop_jitter"].is_object()) {
        const auto& lj = cj["loop_jitter"];
        LoopJitter l;
        l.ticks = lj.value("ticks", std::size_t{0});
        l.p50_us = lj.value("p50_us", 0.0);
        l.p99_us = lj.value("p99_us", 0.0);
        l.max_us = lj.value("max_us", 0.0);
        l.sched_fifo = lj.value("sched_fifo", false);
        l.mlockall = lj.value("mlockall", false);
        l.realtime_status = lj.value("realtime_status", "");
        k.loop_jitter = l;
      }
      if (cj.contains("dut_health")) {
        for (const auto& h : cj.at("dut_health")) {
          // a count: a whole number >= 0 (a float or a negative number converted to one would be wrong or undefined)
          if (!h.at("value").is_number_unsigned())
            throw WriteError(source + ": malformed results file: a dut_health value is not a whole number >= 0");
          k.health.push_back(HealthCount{h.at("name").get<std::string>(), h.at("value").get<std::uint64_t>(),
                                         h.at("fault_count").get<bool>(), h.value("meaning", "")});
        }
      }
      if (cj.contains("measured") && cj["measured"].is_array()) {
        for (const auto& m : cj["measured"])
          k.measured.push_back(MeasuredSignal{m.value("signal", ""), m.value("accuracy", 0.0), m.value("time_s", 0.0)});
      }
      for (const auto& ch : cj.at("checks")) {
        checks::CheckResult r;
        r.name = ch.value("name", "");
        r.kind = ch.value("kind", "");
        r.description = ch.value("description", "");
        r.verdict = verdict_from(ch.value("verdict", "error"));
        r.measured = get_opt(ch, "measured");
        r.measured_unit = ch.value("measured_unit", "");
        r.limit = get_opt(ch, "limit");
        r.limit_min = get_opt(ch, "limit_min");
        r.limit_max = get_opt(ch, "limit_max");
        r.limit_text = ch.value("limit_text", "");
        r.margin = get_opt(ch, "margin");
        r.uncertainty = get_opt(ch, "margin_uncertainty");
        r.uncertainty_basis = ch.value("uncertainty_basis", "");
        r.evidence = ch.value("evidence", "");
        r.message = ch.value("message", "");
        if (ch.contains("levels")) r.levels = ch.at("levels").get<std::vector<double>>();
        r.window.begin = time_field(ch.at("window"), "begin_s", source);
        r.window.end = time_field(ch.at("window"), "end_s", source);
        r.signals = ch.at("signals").get<std::vector<std::string>>();
        for (const auto& i : ch.at("instants"))
          r.instants.push_back({i.value("label", ""), time_field(i, "t_s", source)});
        k.checks.push_back(std::move(r));
      }
      run.cases.push_back(std::move(k));
    }
  } catch (const nlohmann::json::exception& e) {
    throw WriteError(source + ": malformed results file: " + e.what());
  }
  return run;
}

}  // namespace rig::report
