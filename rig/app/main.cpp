// bmsrig — run YAML scenarios against the BMS firmware and judge them.
//
//   bmsrig run <files or folders>... [--mode sil|pil|hil] [-j N] [--junit F] [--json F] [--trace-dir D] [--seed N]
//              [-r REQ-ID]... [-k name-text] [--html F [--requirements REQUIREMENTS.md]] [--rig rig.yaml]
//   bmsrig validate <files or folders>...
//   bmsrig list <files or folders>...
//   bmsrig signals [scenario file]
//   bmsrig certify [files or folders]... [--out DIR] [-j N] [--mode sil|pil|hil] [--requirements REQUIREMENTS.md]
//   bmsrig report <results.json> --out F.html [--requirements REQUIREMENTS.md] [--compare OTHER_RESULTS.json]
//   bmsrig compare <A.json> <B.json> [--json OUT] [--tolerance-file TOL.json]
//
// Exit status (documented in rig/app/README.md):
//   0 every expectation of every case held          1 at least one check failed
//   2 a case could not be judged (error)            3 bad input: a scenario was refused, nothing ran
//   4 usage error (command line)                    130 interrupted (Ctrl-C); finished cases are still written
// certify: 0 only if every requirement of the spec is covered and every case passed; 1 a check failed;
//   2 a requirement is uncovered or a case errored (and the bad-input/usage/interrupt codes above).
// compare: 0 every check present on both sides agrees (borderline included); 1 something disagrees;
//   2 a results or tolerance file cannot be read (or --json cannot be written); 4 usage error.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "rig/compare.hpp"
#include "rig/html_compare.hpp"
#include "rig/in_process_dut.hpp"
#ifdef BMSRIG_HAVE_QEMU_DUT
#include "rig/qemu_dut.hpp"
#endif
#ifdef BMSRIG_HAVE_BENCH_DUT
#include "rig/bench_dut.hpp"
#include "rig/io/config.hpp"
#endif
#include "rig/result.hpp"
#include "rig/runner.hpp"
#include "rig/scenario.hpp"
#include "rig/sha256.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitError = 2;
constexpr int kExitBadInput = 3;
constexpr int kExitUsage = 4;
constexpr int kExitInterrupted = 130;

std::atomic<bool> g_stop{false};

// Ctrl-C, kill, a dropped ssh session (SIGHUP) or Ctrl-\ (SIGQUIT): the running cases stop at their next tick and
// every Dut stops (a bench drives every channel to its safe state); a second signal ends the process at once.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void on_sigint(int) {
  g_stop.store(true);
  for (int sig : kStopSignals) std::signal(sig, SIG_DFL);
}

struct LoadedFile {
  fs::path path;
  std::string sha256;
  std::vector<rig::scenario::Scenario> cases;
};

// The scenario files of the inputs: folders are searched recursively for *.yaml (rig::scenario::expand_paths:
// fragments/ and schema/ skipped, other extensions such as *.yaml.pending ignored), and a walk also skips any
// pending/ folder below the given one (scenarios waiting on a finding, docs/findings.md). A file named explicitly is
// taken whatever its name or folder.
std::vector<fs::path> scenario_files(const std::vector<std::string>& inputs) {
  std::vector<fs::path> out;
  for (const auto& in : inputs) {
    const fs::path root(in);
    const auto found = rig::scenario::expand_paths({in});
    if (!fs::is_directory(root)) {
      out.insert(out.end(), found.begin(), found.end());
      continue;
    }
    for (const auto& f : found) {
      bool pending = false;
      for (const auto& part : f.lexically_relative(root).parent_path())
        if (part == "pending") pending = true;
      if (!pending) out.push_back(f);
    }
  }
  return out;
}

// Loads every file; prints each refusal; returns false if any file was refused.
bool load_all(const std::vector<std::string>& inputs, const rig::scenario::LoadOptions& opt,
              std::vector<LoadedFile>& out, bool print_ok) {
  bool ok = true;
  std::vector<fs::path> files;
  try {
    files = scenario_files(inputs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig: %s\n", e.what());
    return false;
  }
  if (files.empty()) {
    std::fprintf(stderr, "bmsrig: no scenario files found in the given paths\n");
    return false;
  }
  for (const auto& f : files) {
    try {
      LoadedFile lf{f, {}, rig::scenario::load_file(f, opt)};
      try {
        lf.sha256 = rig::report::sha256_file(f);
      } catch (const std::exception&) {
      }
      if (print_ok) std::printf("ok      %s (%zu case%s)\n", f.string().c_str(), lf.cases.size(), lf.cases.size() == 1 ? "" : "s");
      out.push_back(std::move(lf));
    } catch (const rig::scenario::ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ok = false;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", f.string().c_str(), e.what());
      ok = false;
    }
  }
  return ok;
}

std::string g_rig_config;  // --rig (HIL)
std::string g_firmware;    // --firmware (PIL): the firmware ELF

std::unique_ptr<rig::Dut> make_dut(const std::string& mode) {
  if (mode == "sil") return std::make_unique<rig::InProcessDut>();
#ifdef BMSRIG_HAVE_QEMU_DUT
  // The image: BMSRIG_PIL_IMAGE or build/cross-cm3/firmware/boards/mps2-an385/fw_mps2_an385.elf.
  if (mode == "pil") {
    rig::QemuDutOptions opt;
    opt.image = g_firmware;  // empty: default_pil_image()
    return std::make_unique<rig::QemuDut>(opt);
  }
#endif
#ifdef BMSRIG_HAVE_BENCH_DUT
  if (mode == "hil") {
    if (g_rig_config.empty()) throw rig::DutError("mode 'hil' needs --rig <rig.yaml> (the bench description)");
    rig::BenchDutOptions opt;
    opt.handle_signals = false;  // bmsrig's own Ctrl-C handling stops the run; Dut::stop() makes the bench safe
    return std::make_unique<rig::BenchDut>(rig::io::load_rig_config(g_rig_config), opt);
  }
#endif
  throw rig::DutError("mode '" + mode + "' is not available in this build");
}

std::string sanitize(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return o;
}

// The headline check of a case: the first failing one, else the first with a measured margin (authors list the
// headline requirement first), else the first.
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
      os << "\n           " << (k.verdict == rig::Verdict::kPass ? "ok   " : k.verdict == rig::Verdict::kFail ? "FAIL " : "ERR  ")
         << k.name << ": " << (k.verdict == rig::Verdict::kPass && !k.evidence.empty() ? k.evidence : k.message);
    }
  }
  char tail[128];
  const double ratio = c.wall_s > 0 ? c.simulated_s / c.wall_s : 0.0;
  std::snprintf(tail, sizeof tail, "  [%.1f s simulated in %.2f s, %.0fx]", c.simulated_s, c.wall_s, ratio);
  os << tail;
  return os.str();
}

struct HtmlOut {
  std::string path;          // --html
  std::string requirements;  // --requirements REQUIREMENTS.md (IDs for the traceability matrix)
};

struct Filters {
  std::vector<std::string> requirements;  // keep cases naming any of these IDs
  std::string name;                       // keep cases whose display name contains this
};

// What one run of cases needs: the inputs, the Dut mode and the output files.
struct RunSpec {
  std::vector<std::string> inputs;
  std::string mode = "sil";
  int jobs = 1;
  std::string junit, json, trace_dir;
  bool wide_csv = false;  // with trace_dir: also <case>.wide.csv (one column per signal, units in the header)
  std::optional<std::uint64_t> seed;
  std::string command_line;
  Filters filters;
  HtmlOut html;
  std::string html_title = "bmsrig report";
  bool print_output_files = true;  // the closing "junit: …", "report: …" lines (certify prints its own)
};

// Loads, runs and judges the cases, writes the requested outputs and prints the per-case lines and the summary.
// `run` receives the results (with in-memory traces). Returns the exit status of `bmsrig run`.
int execute(const RunSpec& spec, rig::report::RunResult& run, std::size_t* file_count = nullptr) {
  const auto& inputs = spec.inputs;
  const auto& mode = spec.mode;
  const auto& junit = spec.junit;
  const auto& json = spec.json;
  const auto& trace_dir = spec.trace_dir;
  const auto& seed = spec.seed;
  const auto& filters = spec.filters;
  const auto& html = spec.html;
  int jobs = spec.jobs;
  rig::scenario::LoadOptions opt;
  opt.seed = seed;
  std::vector<LoadedFile> files;
  if (!load_all(inputs, opt, files, false)) {
    std::fprintf(stderr, "bmsrig: scenario(s) refused; nothing was run\n");
    return kExitBadInput;
  }
  if (file_count != nullptr) *file_count = files.size();
  struct Job {
    const LoadedFile* file;
    const rig::scenario::Scenario* sc;
  };
  std::vector<Job> work;
  for (const auto& f : files) {
    for (const auto& c : f.cases) {
      if (!filters.requirements.empty() &&
          std::none_of(filters.requirements.begin(), filters.requirements.end(), [&](const std::string& r) {
            return std::find(c.requirements.begin(), c.requirements.end(), r) != c.requirements.end();
          }))
        continue;
      if (!filters.name.empty()) {
        rig::report::CaseResult probe;
        probe.name = c.name;
        probe.parameters = c.parameters;
        if (probe.display_name().find(filters.name) == std::string::npos) continue;
      }
      work.push_back(Job{&f, &c});
    }
  }
  if (work.empty()) {
    std::fprintf(stderr, "bmsrig: no case matches the filters\n");
    return kExitUsage;
  }

  // A killed run (SIGKILL, power loss) writes nothing: the previous run's files at the same paths must not stay
  // behind looking current, so they go now and come back, complete, at the end (written atomically).
  for (const std::string* out : {&junit, &json, &html.path}) {
    std::error_code ec;
    if (!out->empty()) fs::remove(*out, ec);
  }

  run = rig::report::RunResult{};
  run.mode = mode;
  run.host = rig::report::host_name();
  run.date = rig::report::utc_now_iso8601();
  run.command_line = spec.command_line;
  try {
    const auto probe = make_dut(mode);
    const auto info = probe->firmware_info();
    run.firmware_version = info.version;
    run.firmware_hash = info.build_hash;
    run.firmware_target = info.target;
    run.rig_version = std::string("0.1.0+") + info.build_hash;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig: %s\n", e.what());
    return kExitUsage;
  }
  run.cases.resize(work.size());
  std::vector<char> finished(work.size(), 0);
  for (std::size_t i = 0; i < work.size(); ++i) {
    auto& c = run.cases[i];
    const auto& sc = *work[i].sc;
    c.scenario_file = work[i].file->path.string();
    c.scenario_sha256 = work[i].file->sha256;
    c.name = sc.name;
    c.parameters = sc.parameters;
    c.requirements = sc.requirements;
    c.mode = mode;
    c.completed = false;
    c.verdict = rig::Verdict::kError;
    c.error = "not run: interrupted";
  }

  for (int sig : kStopSignals) std::signal(sig, on_sigint);
  std::signal(SIGPIPE, SIG_IGN);  // a terminal that went away must not end the run before the bench is safe
  const bool tty = isatty(fileno(stderr)) != 0;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex print_mutex;
  std::vector<std::atomic<std::int64_t>> progress_ns(work.size());
  for (auto& p : progress_ns) p.store(-1);
  const auto t0 = std::chrono::steady_clock::now();

  // Longest simulated duration first, so that -j N is not left waiting on one long case at the end (results keep
  // the file order).
  std::vector<std::size_t> order(work.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return work[a].sc->max_duration > work[b].sc->max_duration;
  });
  auto worker = [&] {
    while (!g_stop.load()) {
      const std::size_t k = next.fetch_add(1);
      if (k >= work.size()) return;
      const std::size_t i = order[k];
      const auto& sc = *work[i].sc;
      auto& c = run.cases[i];
      rig::RunOptions ro;
      ro.stop = &g_stop;
      ro.progress_every = std::chrono::seconds(10);
      ro.progress = [&, i](rig::Time now, rig::Time) { progress_ns[i].store(now.count()); };
      progress_ns[i].store(0);
      rig::RunOutput out;
      try {
        auto dut = make_dut(mode);
        out = rig::run_scenario(sc, *dut, ro);
        // A bench learns its board's identity from the board itself (telemetry), only once a case has run.
        if (const auto info = dut->firmware_info(); !info.version.empty()) {
          std::lock_guard<std::mutex> lock(print_mutex);
          if (run.firmware_version.empty()) {
            run.firmware_version = info.version;
            run.firmware_hash = info.build_hash;
          }
        }
      } catch (const std::exception& e) {
        out.error = e.what();
      }
      progress_ns[i].store(-1);
      c.error = out.error;
      c.completed = out.completed && out.error.empty();
      c.verdict = out.verdict;
      c.checks = std::move(out.checks);
      c.simulated_s = rig::to_seconds(out.simulated);
      c.wall_s = out.wall_s;
      c.trace = out.trace;
      if (out.loop)  // HIL: pacing jitter and real-time status into the results
        c.loop_jitter = rig::report::LoopJitter{out.loop->ticks, out.loop->p50.count() / 1e3, out.loop->p99.count() / 1e3,
                                                out.loop->max.count() / 1e3, out.loop->sched_fifo, out.loop->mlockall,
                                                out.loop->status};
      for (const auto& [name, u] : out.measured) c.measured.push_back(rig::report::MeasuredSignal{name, u.value, u.time_s});
      if (!out.completed && out.error.empty()) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "incomplete: run interrupted at t=%.3f s (checks judged on the partial trace)",
                      c.simulated_s);
        c.error = buf;
        c.verdict = rig::Verdict::kError;  // a partial trace proves nothing either way
      }
      if (!trace_dir.empty() && out.trace) {
        const fs::path sf(c.scenario_file);
        std::string stem = sanitize(sf.stem().string());
        if (sf.has_parent_path() && !sf.parent_path().filename().empty())
          stem = sanitize(sf.parent_path().filename().string()) + "__" + stem;  // unique across folders
        for (const auto& [k, v] : c.parameters) stem += "__" + sanitize(k) + "-" + sanitize(v);
        const fs::path base = fs::path(trace_dir) / stem;
        try {
          rig::report::write_trace_csv(*out.trace, base.string() + ".csv");
          rig::report::write_trace_vcd(*out.trace, base.string() + ".vcd", run.date);
          c.trace_files = {base.string() + ".csv", base.string() + ".vcd"};
          if (spec.wide_csv) {
            rig::report::write_trace_csv_wide(*out.trace, base.string() + ".wide.csv");
            c.trace_files.push_back(base.string() + ".wide.csv");
          }
          // The timeline entries as they fired: the stimulus side of the evidence.
          std::string fired = "# time_s\ttimeline entry\n";
          for (const auto& f : out.fired) {
            char t[32];
            std::snprintf(t, sizeof t, "%.3f\t", rig::to_seconds(f.t));
            fired += t + f.what + "\n";
          }
          rig::report::write_file_atomic(base.string() + ".timeline.txt", fired);
          c.trace_files.push_back(base.string() + ".timeline.txt");
        } catch (const std::exception& e) {
          std::lock_guard lock(print_mutex);
          spdlog::warn("cannot write the trace of {}: {}", c.display_name(), e.what());
        }
      }
      finished[i] = 1;
      ++done;
      std::lock_guard lock(print_mutex);
      if (tty) std::fprintf(stderr, "\r\033[K");
      std::printf("%s\n", case_line(c).c_str());
      std::fflush(stdout);
    }
  };

  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(work.size())));
  if (mode == "hil") jobs = 1;  // one bench, one case at a time (real time)
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  auto last_print = std::chrono::steady_clock::now();
  // Progress line (tty only): cases done, and the simulated time of the running ones.
  while (done.load() < work.size() && !g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto since = std::chrono::steady_clock::now() - last_print;
    if (tty ? since < std::chrono::milliseconds(250) : since < std::chrono::seconds(30)) continue;
    last_print = std::chrono::steady_clock::now();
    std::ostringstream os;
    os << "[" << done.load() << "/" << work.size() << "]";
    for (std::size_t i = 0; i < work.size(); ++i) {
      const auto ns = progress_ns[i].load();
      if (ns < 0) continue;
      const double total = rig::to_seconds(work[i].sc->max_duration);
      char buf[96];
      std::snprintf(buf, sizeof buf, " %s %.0f/%.0f s", sanitize(fs::path(run.cases[i].scenario_file).stem().string()).c_str(),
                    ns * 1e-9, total);
      os << buf;
    }
    std::lock_guard lock(print_mutex);
    if (tty) std::fprintf(stderr, "\r\033[K%s", os.str().substr(0, 150).c_str());
    else std::fprintf(stderr, "bmsrig: progress %s\n", os.str().c_str());  // logs (CI): every 30 s
  }
  for (auto& t : threads) t.join();
  if (tty) std::fprintf(stderr, "\r\033[K");
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.interrupted = g_stop.load();

  int status = kExitPass;
  try {
    if (!junit.empty()) rig::report::write_junit(run, junit);
    if (!json.empty()) rig::report::write_json(run, json);
    if (!html.path.empty()) {
      rig::report::HtmlOptions ho;
      ho.title = spec.html_title;
      if (!html.requirements.empty()) ho.requirement_ids = rig::report::parse_requirement_ids(html.requirements);
      rig::report::write_html_report(run, ho, html.path);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig: %s\n", e.what());
    status = kExitError;
  }

  // Summary.
  const auto counts = run.counts();
  std::printf("\n== summary (%s, %zu case%s, %.2f s wall)\n", mode.c_str(), counts.total, counts.total == 1 ? "" : "s", run.wall_s);
  for (const auto& c : run.cases) {
    const auto* k = key_check(c);
    std::string key;
    if (!c.error.empty()) key = c.error;
    else if (k != nullptr) key = k->evidence.empty() ? k->message : k->evidence;
    std::printf("%-10s %s — %s\n", verdict_tag(c), c.display_name().c_str(), key.c_str());
  }
  std::printf("passed %zu, failed %zu, errors %zu, incomplete %zu\n", counts.passed, counts.failed, counts.errors,
              counts.incomplete);
  if (spec.print_output_files) {
    if (!junit.empty()) std::printf("junit: %s\n", junit.c_str());
    if (!json.empty()) std::printf("json: %s\n", json.c_str());
    if (!trace_dir.empty()) std::printf("traces: %s\n", trace_dir.c_str());
    if (!html.path.empty()) std::printf("report: %s\n", html.path.c_str());  // last: the file a reader opens
  }
  if (run.interrupted) return kExitInterrupted;
  if (status != kExitPass) return status;
  switch (run.verdict()) {
    case rig::Verdict::kPass: return kExitPass;
    case rig::Verdict::kFail: return kExitFail;
    default: return kExitError;
  }
}

int cmd_run(const RunSpec& spec) {
  rig::report::RunResult run;
  return execute(spec, run);
}

#ifndef BMSRIG_SOURCE_DIR
#define BMSRIG_SOURCE_DIR ""
#endif
#ifndef BMSRIG_REQUIREMENTS_MD
#define BMSRIG_REQUIREMENTS_MD ""
#endif

// A default input: `relative` under the current directory if it exists there, else under the source tree this
// bmsrig was built from (BMSRIG_SOURCE_DIR), else `configured` (a CMake cache path) if given and present.
std::optional<fs::path> find_default(const fs::path& relative, const fs::path& configured = {}) {
  std::error_code ec;
  if (fs::exists(relative, ec)) return relative;
  const fs::path src(BMSRIG_SOURCE_DIR);
  if (!src.empty() && fs::exists(src / relative, ec)) return src / relative;
  if (!configured.empty() && fs::exists(configured, ec)) return configured;
  return std::nullopt;
}

std::optional<fs::path> default_requirements() {
  return find_default(fs::path("docs") / "spec" / "REQUIREMENTS.md", fs::path(BMSRIG_REQUIREMENTS_MD));
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

struct CertifySpec {
  std::vector<std::string> inputs;  // empty: the scenarios/ folder
  std::string out_dir = "out/certify";
  std::string mode = "sil";
  int jobs = 1;
  std::string requirements;  // empty: docs/spec/REQUIREMENTS.md
  std::string command_line;
};

// Removes the outputs a previous certify run left in `dir` (only the files certify itself writes), so the folder
// and its manifest describe this run alone.
void clear_previous_outputs(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"report.html", "junit.xml", "results.json", "MANIFEST.sha256", "REQUIREMENTS.md"})
    fs::remove(dir / f, ec);
  const fs::path traces = dir / "traces";
  if (!fs::is_directory(traces, ec)) return;
  for (const auto& e : fs::directory_iterator(traces, ec)) {
    const std::string n = e.path().filename().string();
    if (e.is_regular_file() && (n.ends_with(".csv") || n.ends_with(".vcd") || n.ends_with(".timeline.txt")))
      fs::remove(e.path(), ec);
  }
}

// bmsrig certify: the certification set in one run, judged against the spec's requirement list.
int cmd_certify(const CertifySpec& spec) {
  std::vector<std::string> inputs = spec.inputs;
  if (inputs.empty()) {
    const auto lib = find_default("scenarios");
    if (!lib) {
      std::fprintf(stderr, "bmsrig certify: no scenarios/ folder in the current directory or in %s; name the "
                           "scenario folders\n", BMSRIG_SOURCE_DIR);
      return kExitUsage;
    }
    inputs.push_back(lib->string());
  }
  fs::path req_file(spec.requirements);
  if (req_file.empty()) {
    const auto found = default_requirements();
    if (!found) {
      std::fprintf(stderr, "bmsrig certify: no docs/spec/REQUIREMENTS.md in the current directory or in %s; give "
                           "--requirements FILE\n", BMSRIG_SOURCE_DIR);
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
  rs.jobs = spec.jobs;
  rs.junit = (out / "junit.xml").string();
  rs.json = (out / "results.json").string();
  rs.trace_dir = (out / "traces").string();
  rs.command_line = spec.command_line;
  rs.html.path = (out / "report.html").string();
  rs.html.requirements = req_file.string();
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
    for (const char* f : {"report.html", "junit.xml", "results.json", "REQUIREMENTS.md"})
      if (fs::exists(out / f)) artefacts.push_back(out / f);
    for (const auto& c : run.cases)
      for (const auto& f : c.trace_files)
        if (fs::exists(f)) artefacts.emplace_back(f);
    rig::report::write_manifest(artefacts, out / "MANIFEST.sha256");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig certify: %s\n", e.what());
    write_status = kExitError;
  }

  const auto rows = rig::report::traceability(run, ids);
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
  const auto verdict = rig::report::certification_verdict(run, ids);
  std::printf("\n== certification (%s): %zu scenario files, %zu test cases; %zu of %zu requirements covered, %zu "
              "passing; %.1f s wall\n",
              spec.mode.c_str(), file_count, counts.total, covered, rows.size(),
              covered - failed.size() - errored.size(), run.wall_s);
  std::printf("requirements: %s (sha256 %s)\n", req_file.c_str(), req_sha.c_str());
  if (!uncovered.empty()) std::printf("uncovered requirements (%zu): %s\n", uncovered.size(), join(uncovered).c_str());
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
  const char* word = rc == kExitPass ? "PASS" : rc == kExitFail ? "FAIL" : run.interrupted ? "INTERRUPTED"
                     : !uncovered.empty() && errored.empty() && counts.errors == 0 ? "INCOMPLETE COVERAGE" : "ERROR";
  std::printf("certification: %s (exit %d)\n", word, rc);
  std::printf("report: %s\n", rs.html.path.c_str());
  return rc;
}

// Reads a trace file named in a results file: as written (relative to the current directory), else relative to the
// results file's folder, else by its name in that folder or its traces/ subfolder (a copied result folder).
std::string locate_trace(const std::string& f, const fs::path& json_dir) {
  std::error_code ec;
  const fs::path p(f);
  for (const fs::path& c : {p, json_dir / p, json_dir / p.filename(), json_dir / "traces" / p.filename()})
    if (fs::exists(c, ec)) return c.string();
  return f;
}

// bmsrig report: the HTML report again from a results JSON and the traces it names.
int cmd_report(const std::string& json_file, const std::string& out_html, const std::string& requirements,
               bool no_requirements, const std::string& compare_json = {}) {
  rig::report::RunResult run;
  try {
    run = rig::report::read_json(json_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig report: %s\n", e.what());
    return kExitBadInput;
  }
  // --compare: the agreement of this run (A) with another run of the same scenarios (B)
  std::optional<rig::report::Comparison> agreement;
  if (!compare_json.empty()) {
    try {
      agreement = rig::report::compare(rig::report::load_compare_side(json_file),
                                       rig::report::load_compare_side(compare_json));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bmsrig report: %s\n", e.what());
      return kExitBadInput;
    }
  }
  const fs::path dir = fs::path(json_file).parent_path();
  std::size_t with_trace = 0;
  for (auto& c : run.cases) {
    for (auto& f : c.trace_files) f = locate_trace(f, dir);
    if (std::any_of(c.trace_files.begin(), c.trace_files.end(),
                    [](const std::string& f) { return f.ends_with(".csv") && fs::exists(f); }))
      ++with_trace;
  }
  rig::report::HtmlOptions ho;
  if (run.command_line.find(" certify") != std::string::npos) ho.title = "bmsrig certification report";
  std::string req = requirements;
  if (req.empty() && !no_requirements) {
    if (const auto found = default_requirements()) req = found->string();
  }
  try {
    if (!req.empty()) ho.requirement_ids = rig::report::parse_requirement_ids(req);
    if (agreement) rig::report::write_html_report(run, ho, *agreement, out_html);
    else rig::report::write_html_report(run, ho, out_html);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig report: %s\n", e.what());
    return kExitError;
  }
  std::printf("%zu test cases from %s (%zu with a trace file); requirements: %s\n", run.cases.size(), json_file.c_str(),
              with_trace, req.empty() ? "none" : req.c_str());
  if (agreement) std::printf("agreement with %s: %s\n", compare_json.c_str(), rig::report::comparison_summary(*agreement).c_str());
  std::printf("report: %s\n", out_html.c_str());
  return kExitPass;
}

// bmsrig compare: per case and check, do two runs of the same scenarios (e.g. SIL and HIL) agree within the
// declared tolerances (rig/compare.hpp)?
int cmd_compare(const std::string& a_file, const std::string& b_file, const std::string& out_json,
                const std::string& tolerance_file) {
  rig::report::Comparison cmp;
  try {
    rig::report::ToleranceOverrides overrides;
    if (!tolerance_file.empty()) overrides = rig::report::load_tolerance_file(tolerance_file);
    cmp = rig::report::compare(rig::report::load_compare_side(a_file), rig::report::load_compare_side(b_file),
                               overrides);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig compare: %s\n", e.what());
    return kExitError;
  }
  std::fputs(rig::report::comparison_text(cmp).c_str(), stdout);
  if (!out_json.empty()) {
    try {
      rig::report::write_comparison_json(cmp, out_json);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bmsrig compare: %s\n", e.what());
      return kExitError;
    }
    std::printf("json: %s\n", out_json.c_str());
  }
  return cmp.agree() ? kExitPass : kExitFail;
}

int cmd_validate(const std::vector<std::string>& inputs) {
  std::vector<LoadedFile> files;
  return load_all(inputs, {}, files, true) ? kExitPass : kExitBadInput;
}

int cmd_list(const std::vector<std::string>& inputs) {
  std::vector<LoadedFile> files;
  const bool ok = load_all(inputs, {}, files, false);
  std::map<std::string, std::vector<std::string>> by_req;
  for (const auto& f : files) {
    const auto& first = f.cases.front();
    std::string reqs;
    for (const auto& r : first.requirements) reqs += (reqs.empty() ? "" : ", ") + r;
    std::printf("%s\n    %s%s  [%s]  %.0f s\n", f.path.string().c_str(), first.name.c_str(),
                f.cases.size() > 1 ? (" (" + std::to_string(f.cases.size()) + " cases)").c_str() : "", reqs.c_str(),
                rig::to_seconds(first.max_duration));
    for (const auto& r : first.requirements) by_req[r].push_back(f.path.filename().string());
  }
  std::printf("\nrequirements covered (%zu):\n", by_req.size());
  for (const auto& [r, fl] : by_req) {
    std::string s;
    for (const auto& x : fl) s += (s.empty() ? "" : ", ") + x;
    std::printf("  %-8s %s\n", r.c_str(), s.c_str());
  }
  return ok ? kExitPass : kExitBadInput;
}

// The signal registry (rig/signals.hpp): without a file its patterns ([b] battery, [c] cell, [i] load), with a
// scenario file the concrete names of that scenario's world; --json for tools.
int cmd_signals(const std::string& file, bool json) {
  namespace sc = rig::scenario;
  struct Row {
    std::string name;
    const sc::SignalDef* def;
  };
  std::vector<Row> rows;
  if (file.empty()) {
    for (const auto& d : sc::registry()) rows.push_back({d.pattern, &d});
  } else {
    std::vector<LoadedFile> files;
    if (!load_all({file}, {}, files, false)) return kExitBadInput;
    const auto& c = files.front().cases.front();
    const int nb = static_cast<int>(c.world.bank.batteries.size()), nl = static_cast<int>(c.world.loads.size());
    for (const auto& d : sc::registry())
      for (auto& n : sc::expand(d, nb, nl)) rows.push_back({std::move(n), &d});
  }
  auto kind_text = [](rig::SignalKind k) {
    return k == rig::SignalKind::kAnalog ? "analog" : k == rig::SignalKind::kDigital ? "digital" : "integer";
  };
  auto write_text = [](const sc::WriteSpec& w) -> std::string {
    if (w.kind == sc::WriteKind::kNone) return "-";
    if (w.kind == sc::WriteKind::kBool) return "true|false";
    if (w.kind == sc::WriteKind::kChoice) return std::string(w.choices);
    char buf[64];
    std::snprintf(buf, sizeof buf, "[%g, %g]", w.lo, w.hi);
    return buf;
  };
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      const auto& d = *r.def;
      nlohmann::ordered_json j;
      j["name"] = r.name;
      j["unit"] = d.unit;
      j["kind"] = kind_text(d.kind);
      j["resolution"] = d.resolution;
      j["sampled"] = d.source == sc::Source::kNone ? "not recorded"
                     : d.rate == sc::SampleRate::kPlantStep ? "plant step" : "tick";
      j["source"] = sc::to_string(d.source);
      if (d.write.kind != sc::WriteKind::kNone) j["write"] = write_text(d.write);
      if (*d.aliases) j["aliases"] = d.aliases;
      j["bench"] = sc::to_string(d.bench);
      j["meaning"] = d.meaning;
      out.push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitPass;
  }
  if (file.empty())
    std::printf("# the signal registry: [b] battery 0..4, [c] cell 0..3, [i] load; give a scenario file for its world\n");
  std::printf("%-44s %-5s %-7s %-7s %-10s %-13s %-6s %s\n", "signal", "unit", "kind", "res.", "sampled", "set:/ramp:",
              "bench", "meaning (aliases)");
  for (const auto& r : rows) {
    const auto& d = *r.def;
    char res[32] = "";
    if (d.kind == rig::SignalKind::kAnalog && d.resolution > 0) std::snprintf(res, sizeof res, "%g", d.resolution);
    const char* sampled = d.source == sc::Source::kNone ? "set point" : d.rate == sc::SampleRate::kPlantStep ? "plant step" : "tick";
    std::string meaning = d.meaning;
    if (*d.aliases) meaning += std::string(" (") + d.aliases + ")";
    std::printf("%-44s %-5s %-7s %-7s %-10s %-13s %-6s %s\n", r.name.c_str(), d.unit, kind_text(d.kind), res, sampled,
                write_text(d.write).c_str(), sc::to_string(d.bench), meaning.c_str());
  }
  return kExitPass;
}

// `bmsrig bench check rig.yaml`: bring a bench up without running anything (rig/dut/bench check_bench()).
int cmd_bench_check(const std::string& path) {
#ifdef BMSRIG_HAVE_BENCH_DUT
  rig::io::RigConfig rig;
  try {
    rig = rig::io::load_rig_config(path);
  } catch (const rig::io::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitBadInput;
  }
  std::printf("bench '%s' (%s)%s%s\n", rig.name.c_str(), path.c_str(), rig.description.empty() ? "" : ": ",
              rig.description.c_str());
  const auto r = rig::check_bench(rig);
  for (const auto& p : r.problems) std::printf("problem: %s\n", p.c_str());
  if (!r.instruments.empty()) std::printf("instruments (*IDN?):\n");
  for (const auto& [name, idn] : r.instruments) std::printf("  %-20s %s\n", name.c_str(), idn.c_str());
  if (!r.channels.empty())
    std::printf("channels (outputs at their safe state, inputs as read now):\n  %-42s %-4s %-36s %-24s %-16s %-9s %s\n",
                "signal", "dir", "backend", "calibration (dev = g*x+o)", "limits", "accuracy", "present");
  for (const auto& c : r.channels) {
    const auto& cfg = *c.config;
    const bool in = cfg.direction == rig::io::Direction::kIn;
    std::string cal = "-", lim = "-", acc = "-", present;
    if (!cfg.is_digital()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "g=%g o=%g", cfg.analog.calibration.gain, cfg.analog.calibration.offset);
      cal = buf;
      std::snprintf(buf, sizeof buf, "[%g, %g] %s", cfg.analog.limits.min, cfg.analog.limits.max, cfg.analog.unit.c_str());
      lim = buf;
      if (in) {
        std::snprintf(buf, sizeof buf, "%g %s", cfg.accuracy, cfg.analog.unit.c_str());
        acc = buf;
      }
    }
    if (!c.problem.empty()) present = "FAILED: " + c.problem;
    else if (c.value) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.4f %s", *c.value, cfg.analog.unit.c_str());
      present = buf;
    } else if (c.level) {
      present = *c.level ? "high" : "low";
    }
    std::printf("  %-42s %-4s %-36s %-24s %-16s %-9s %s\n", cfg.signal.c_str(), in ? "in" : "out", c.backend.c_str(),
                cal.c_str(), lim.c_str(), acc.c_str(), present.c_str());
  }
  for (const auto& u : r.unsafe) std::printf("NOT SAFE: %s\n", u.c_str());
  std::printf("%s\n", r.ok() ? "bench ok: every channel opened, outputs safe, inputs read" : "bench NOT ok (see above)");
  return r.ok() ? kExitPass : kExitError;
#else
  std::fprintf(stderr, "bmsrig: this build has no bench support (rig/dut/bench); cannot check %s\n", path.c_str());
  return kExitError;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("bmsrig");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("bmsrig: %^%l%$: %v");

  CLI::App app{"bmsrig: HIL/SIL test rig for the BMS firmware — runs YAML scenarios and judges them"};
  app.require_subcommand(1);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  std::vector<std::string> run_paths, validate_paths, list_paths;
  std::string mode = "sil", junit, json, trace_dir;
  int jobs = 1;
  std::optional<std::uint64_t> seed;
  std::uint64_t seed_value = 0;

  auto* run = app.add_subcommand("run", "run scenarios and judge their expectations");
  run->add_option("paths", run_paths, "scenario files or folders (searched recursively)")->required();
  run->add_option("--mode", mode, "device under test: sil (in process), pil (QEMU), hil (bench)")
      ->check(CLI::IsMember({"sil", "pil", "hil"}));
  run->add_option("-j,--jobs", jobs, "cases run in parallel threads (hil: always 1)")->check(CLI::Range(1, 256));
  run->add_option("--rig", g_rig_config, "the bench description rig.yaml (hil)");
  run->add_option("--firmware", g_firmware,
                  "the firmware image (ELF) for pil (default: BMSRIG_PIL_IMAGE, else this tree's cross-cm3 build)");
  HtmlOut html;
  run->add_option("--html", html.path, "write the self-contained HTML report here");
  run->add_option("--requirements", html.requirements, "REQUIREMENTS.md: requirement IDs for the report's traceability matrix")
      ->check(CLI::ExistingFile);
  run->add_option("--junit", junit, "write JUnit XML here");
  run->add_option("--json", json, "write the JSON results here");
  run->add_option("--trace-dir", trace_dir, "write one CSV and one VCD trace per case into this folder");
  bool wide_csv = false;
  run->add_flag("--wide-csv", wide_csv, "with --trace-dir, also a wide CSV per case (one column per signal, units in the header)");
  auto* seed_opt = run->add_option("--seed", seed_value, "override every scenario's spread seed");
  Filters filters;
  run->add_option("-r,--requirement", filters.requirements, "run only cases covering this requirement ID (repeatable)");
  run->add_option("-k,--name", filters.name, "run only cases whose name contains this text");

  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  validate->add_option("paths", validate_paths, "scenario files or folders")->required();
  auto* list = app.add_subcommand("list", "list scenarios and the requirements they cover");
  list->add_option("paths", list_paths, "scenario files or folders")->required();

  CertifySpec cert;
  cert.command_line = command_line;
  cert.jobs = std::max(1u, std::thread::hardware_concurrency());
  const auto req_default = default_requirements();
  const auto lib_default = find_default("scenarios");
  auto* certify = app.add_subcommand(
      "certify",
      "run the certification set and judge it against the spec's requirement list: writes report.html, junit.xml, "
      "results.json, traces/, a copy of REQUIREMENTS.md and MANIFEST.sha256 (sha256sum -c) into --out; exit 0 only "
      "if every requirement is covered and every case passed (1: a check failed, 2: a requirement uncovered or a "
      "case errored). The last line names the report.");
  certify->add_option("paths", cert.inputs,
                      "scenario files or folders (default: the scenarios/ folder of the current directory, else of "
                      "the source tree bmsrig was built from" +
                          (lib_default ? " — here " + lib_default->string() : std::string(" — none found here")) +
                          "; pending/ folders are skipped)");
  certify->add_option("--out", cert.out_dir, "output folder")->capture_default_str();
  certify->add_option("-j,--jobs", cert.jobs, "cases run in parallel threads (default: the CPU count)")
      ->check(CLI::Range(1, 256));
  certify->add_option("--mode", cert.mode, "device under test: sil (in process), pil (QEMU), hil (bench, needs --rig)")
      ->check(CLI::IsMember({"sil", "pil", "hil"}))
      ->capture_default_str();
  certify->add_option("--rig", g_rig_config, "the bench description rig.yaml (hil)");
  certify->add_option("--firmware", g_firmware, "the firmware image (ELF) for pil");
  certify->add_option("--requirements", cert.requirements,
                      "the spec whose `- XXX-n` lines list the requirement IDs (default: docs/spec/REQUIREMENTS.md "
                      "of the current directory, else of the source tree" +
                          (req_default ? " — here " + req_default->string() : std::string(" — none found here")) +
                          ")")
      ->check(CLI::ExistingFile);

  std::string report_json, report_out, report_requirements;
  bool report_no_requirements = false;
  auto* report = app.add_subcommand("report", "write the HTML report again from a results JSON (and its trace CSVs)");
  report->add_option("results", report_json, "results.json written by run --json or certify")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--out", report_out, "the HTML file to write")->required();
  report->add_option("--requirements", report_requirements,
                     "REQUIREMENTS.md for the traceability matrix (default: docs/spec/REQUIREMENTS.md as for certify)")
      ->check(CLI::ExistingFile);
  report->add_flag("--no-requirements", report_no_requirements, "no traceability matrix against a spec");
  std::string report_compare;
  report->add_option("--compare", report_compare,
                     "another results.json of the same scenarios (e.g. the HIL run): adds a section \"Agreement with "
                     "<its mode>\" (as bmsrig compare)");

  std::string compare_a, compare_b, compare_json, compare_tolerances;
  auto* compare = app.add_subcommand(
      "compare",
      "compare two results files of the same scenarios (e.g. SIL and HIL): per case and check, both verdicts and "
      "margins and whether they agree within the declared tolerances; exit 0 if everything on both sides agrees "
      "(borderline included), 1 if something disagrees, 2 if a file cannot be read");
  compare->add_option("results_a", compare_a, "results.json A (bmsrig run --json)")->required();
  compare->add_option("results_b", compare_b, "results.json B")->required();
  compare->add_option("--json", compare_json, "write the comparison as JSON here (format: rig/report/include/rig/compare.hpp)");
  compare->add_option("--tolerance-file", compare_tolerances,
                      "JSON per mode {\"hil\": {\"time_s\": 0.02, \"value\": 0, \"value_rel\": 0.01}, ...}: overrides "
                      "the tolerances of that mode");

  std::string signals_file;
  bool signals_json = false;
  auto* signals = app.add_subcommand("signals", "the signal registry: names, units, what a scenario may write, what a bench may carry");
  signals->add_option("scenario", signals_file, "a scenario file (the concrete names of its world)");
  signals->add_flag("--json", signals_json, "print the registry as JSON");

  std::string bench_rig;
  auto* bench = app.add_subcommand("bench", "bring up a bench described by a rig.yaml");
  auto* bench_check = bench->add_subcommand(
      "check", "open every channel and instrument (*IDN?), set safe states, print each channel's calibration and "
               "present reading; changes nothing else");
  bench_check->add_option("rig", bench_rig, "the rig file")->required();
  bench->require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  if (*seed_opt) seed = seed_value;
  if (*run) {
    RunSpec spec;
    spec.inputs = run_paths;
    spec.mode = mode;
    spec.jobs = jobs;
    spec.junit = junit;
    spec.json = json;
    spec.trace_dir = trace_dir;
    spec.wide_csv = wide_csv;
    spec.seed = seed;
    spec.command_line = command_line;
    spec.filters = filters;
    spec.html = html;
    return cmd_run(spec);
  }
  if (*certify) return cmd_certify(cert);
  if (*report) return cmd_report(report_json, report_out, report_requirements, report_no_requirements, report_compare);
  if (*compare) return cmd_compare(compare_a, compare_b, compare_json, compare_tolerances);
  if (*validate) return cmd_validate(validate_paths);
  if (*signals) return cmd_signals(signals_file, signals_json);
  if (*bench) return cmd_bench_check(bench_rig);
  return cmd_list(list_paths);
}
