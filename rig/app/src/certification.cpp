#include "rig/app/certification.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "rig/app/console.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/execution.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/sha256.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace rig::app {

void clear_previous_outputs(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"report.html", "junit.xml", "results.json", "coverage.json", "MANIFEST.sha256", "REQUIREMENTS.md"})
    fs::remove(dir / f, ec);
  const fs::path traces = dir / "traces";
  if (!fs::is_directory(traces, ec)) return;
  for (const auto& e : fs::directory_iterator(traces, ec)) {
    const std::string n = e.path().filename().string();
    if (e.is_regular_file() && (n.ends_with(".csv") || n.ends_with(".vcd") || n.ends_with(".timeline.txt")))
      fs::remove(e.path(), ec);
  }
}

namespace {

// coverage.json: for each requirement, whether it is covered and the passing checks that observe it.
std::string coverage_json(const rig::report::RunResult& run, const std::vector<std::string>& ids,
                          const rig::report::ObservationMap& observation, const fs::path& map_file) {
  nlohmann::ordered_json j;
  j["format"] = "bmsrig-coverage";
  j["rule"] = "a requirement is covered only by a passing check, in a case that names it, that reads one of the "
              "signals the observation map lists for it";
  j["observation_map"] = map_file.string();
  nlohmann::ordered_json reqs = nlohmann::ordered_json::array();
  for (const auto& r : rig::report::traceability(run, ids, &observation)) {
    nlohmann::ordered_json rj;
    rj["id"] = r.id;
    rj["covered"] = r.covered();
    rj["verdict"] = r.cases.empty() ? "uncovered" : rig::to_string(r.verdict);
    const auto it = observation.find(r.id);
    rj["observing_signals"] = it == observation.end() ? std::vector<std::string>{} : it->second;
    nlohmann::ordered_json obs = nlohmann::ordered_json::array();
    for (const auto& ob : r.observed_by) {
      const auto& c = run.cases[ob.case_index];
      obs.push_back({{"scenario_file", c.scenario_file}, {"case", c.display_name()},
                     {"check", c.checks[ob.check_index].name}, {"signal", ob.signal}});
    }
    rj["observed_by"] = obs;
    reqs.push_back(std::move(rj));
  }
  j["requirements"] = reqs;
  return j.dump(2) + "\n";
}

}  // namespace

int certify(const CertifySpec& spec) {
  std::vector<std::string> inputs = spec.inputs;
  if (inputs.empty()) {
    const auto lib = find_default("scenarios");
    if (!lib) {
      std::fprintf(stderr, "bmsrig certify: no scenarios/ folder in the current directory or above it; name the "
                           "scenario folders\n");
      return kExitUsage;
    }
    inputs.push_back(lib->string());
  }
  fs::path req_file(spec.requirements);
  if (req_file.empty()) {
    const auto found = default_requirements();
    if (!found) {
      std::fprintf(stderr, "bmsrig certify: no docs/spec/REQUIREMENTS.md in the current directory or above it; give "
                           "--requirements FILE\n");
      return kExitUsage;
    }
    req_file = *found;
  }
  std::vector<std::string> ids;
  std::string req_sha;
  try {
    ids = rig::report::parse_requirement_ids(req_file);
    req_sha = rig::report::sha256_file(req_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig certify: %s\n", e.what());
    return kExitUsage;
  }
  if (ids.empty()) {
    std::fprintf(stderr, "bmsrig certify: %s lists no requirement IDs (lines \"- XXX-n ...\")\n", req_file.c_str());
    return kExitUsage;
  }
  const fs::path map_file = spec.observation_map.empty() ? req_file.parent_path() / "observation-map.md"
                                                         : fs::path(spec.observation_map);
  rig::report::ObservationMap observation;
  try {
    observation = rig::report::parse_observation_map(map_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig certify: %s (coverage is counted by observation; give --observation-map FILE)\n",
                 e.what());
    return kExitUsage;
  }
  const fs::path out(spec.out_dir);
  try {
    fs::create_directories(out);
    clear_previous_outputs(out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig certify: cannot prepare %s: %s\n", out.c_str(), e.what());
    return kExitError;
  }
  std::printf("certify: %s against %s (%zu requirement IDs), mode %s, output %s\n", join(inputs, " ").c_str(),
              req_file.c_str(), ids.size(), spec.mode.c_str(), out.c_str());
  std::fflush(stdout);

  RunSpec rs;
  rs.inputs = inputs;
  rs.mode = spec.mode;
  rs.dut = spec.dut;
  rs.shard = spec.shard;
  rs.shard_history = spec.shard_history;
  rs.jobs = spec.jobs;
  rs.junit = (out / "junit.xml").string();
  rs.json = (out / "results.json").string();
  rs.trace_dir = (out / "traces").string();
  rs.command_line = spec.command_line;
  rs.html.path = (out / "report.html").string();
  rs.html.requirements = req_file.string();
  rs.html.observation_map = map_file.string();
  rs.html.history = spec.history;
  rs.html_title = "bmsrig certification report";
  rs.print_output_files = false;
  rig::report::RunResult run;
  std::size_t file_count = 0;
  const int status = execute(rs, run, &file_count);
  if (status == kExitBadInput || status == kExitUsage) return status;  // nothing ran

  // The spec the run was judged against travels with the report; the manifest covers every artefact.
  std::vector<fs::path> artefacts;
  int write_status = kExitPass;
  try {
    rig::report::write_file_atomic(out / "REQUIREMENTS.md", [&] {
      std::ifstream in(req_file, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }());
    rig::report::write_file_atomic(out / "coverage.json", coverage_json(run, ids, observation, map_file));
    for (const char* f : {"report.html", "junit.xml", "results.json", "coverage.json", "REQUIREMENTS.md"})
      if (fs::exists(out / f)) artefacts.push_back(out / f);
    for (const auto& c : run.cases)
      for (const auto& f : c.trace_files)
        if (fs::exists(f)) artefacts.emplace_back(f);
    rig::report::write_manifest(artefacts, out / "MANIFEST.sha256");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig certify: %s\n", e.what());
    write_status = kExitError;
  }

  if (spec.shard) {  // a part of the set: its coverage means nothing alone
    std::printf("\n== certification shard %d/%d (%s): %zu test cases; coverage is judged by bmsrig merge --requirements\n",
                spec.shard->index, spec.shard->count, spec.mode.c_str(), run.cases.size());
    std::printf("report: %s\n", rs.html.path.c_str());
    return write_status != kExitPass ? kExitError : status;
  }
  const auto rows = rig::report::traceability(run, ids, &observation);
  std::vector<std::string> uncovered, failed, errored;
  for (const auto& r : rows) {
    if (!r.covered()) uncovered.push_back(r.id);
    else if (r.verdict == rig::Verdict::kFail) failed.push_back(r.id);
    else if (r.verdict == rig::Verdict::kError) errored.push_back(r.id);
  }
  std::vector<std::string> not_in_spec;
  {
    std::set<std::string> known(ids.begin(), ids.end()), seen;
    for (const auto& c : run.cases)
      for (const auto& r : c.requirements)
        if (!known.count(r) && seen.insert(r).second) not_in_spec.push_back(r);
  }
  const auto counts = run.counts();
  const std::size_t covered = rows.size() - uncovered.size();
  const auto verdict = rig::report::certification_verdict(run, ids, &observation);
  std::printf("\n== certification (%s): %zu scenario files, %zu test cases; %zu of %zu requirements covered, %zu "
              "passing; %.1f s wall\n",
              spec.mode.c_str(), file_count, counts.total, covered, rows.size(),
              covered - failed.size() - errored.size(), run.wall_s);
  std::printf("requirements: %s (sha256 %s); covered by observation (%s)\n", req_file.c_str(), req_sha.c_str(),
              map_file.c_str());
  for (const auto& r : rows) {
    if (r.observed_by.empty()) continue;
    const auto& ob = r.observed_by.front();
    const auto& c = run.cases[ob.case_index];
    std::printf("  %-7s observed by %zu check%s, e.g. %s / %s (%s)\n", r.id.c_str(), r.observed_by.size(),
                r.observed_by.size() == 1 ? "" : "s", c.display_name().c_str(), c.checks[ob.check_index].name.c_str(),
                ob.signal.c_str());
  }
  if (!uncovered.empty())
    std::printf("uncovered requirements (%zu, no passing check reads a signal that observes them): %s\n",
                uncovered.size(), join(uncovered).c_str());
  if (!failed.empty()) std::printf("failed requirements (%zu): %s\n", failed.size(), join(failed).c_str());
  if (!errored.empty()) std::printf("errored requirements (%zu): %s\n", errored.size(), join(errored).c_str());
  if (!not_in_spec.empty())
    std::printf("named by scenarios but not in the spec: %s\n", join(not_in_spec).c_str());
  std::printf("junit: %s\njson: %s\ntraces: %s\nmanifest: %s (%zu files; check with: cd %s && sha256sum -c "
              "MANIFEST.sha256)\n",
              rs.junit.c_str(), rs.json.c_str(), rs.trace_dir.c_str(), (out / "MANIFEST.sha256").c_str(),
              artefacts.size(), out.c_str());
  int rc = kExitPass;
  if (run.interrupted) rc = kExitInterrupted;
  else if (write_status != kExitPass || status == kExitError) rc = kExitError;
  else if (verdict == rig::Verdict::kError) rc = kExitError;
  else if (verdict == rig::Verdict::kFail) rc = kExitFail;
  else if (verdict == rig::Verdict::kInconclusive) rc = kExitError;  // not passed: some margin within its uncertainty
  const char* word = rc == kExitPass ? "PASS" : rc == kExitFail ? "FAIL" : run.interrupted ? "INTERRUPTED"
                     : !uncovered.empty() && errored.empty() && counts.errors == 0 ? "INCOMPLETE COVERAGE" : "ERROR";
  std::printf("certification: %s (exit %d)\n", word, rc);
  std::printf("report: %s\n", rs.html.path.c_str());
  return rc;
}

}  // namespace rig::app
