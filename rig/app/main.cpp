// bmsrig — run YAML scenarios against the BMS firmware and judge them.
//
//   bmsrig run <files or folders>... [--mode sil|pil|hil] [-j N] [--junit F] [--json F] [--trace-dir D] [--seed N]
//              [-r REQ-ID]... [-k name-text] [--html F [--requirements REQUIREMENTS.md]] [--rig rig.yaml]
//   bmsrig validate <files or folders>...
//   bmsrig list <files or folders>...
//   bmsrig signals [scenario file]
//
// Exit status (documented in rig/app/README.md):
//   0 every expectation of every case held          1 at least one check failed
//   2 a case could not be judged (error)            3 bad input: a scenario was refused, nothing ran
//   4 usage error (command line)                    130 interrupted (Ctrl-C); finished cases are still written
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

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

extern "C" void on_sigint(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
  std::signal(SIGTERM, SIG_DFL);
}

struct LoadedFile {
  fs::path path;
  std::string sha256;
  std::vector<rig::scenario::Scenario> cases;
};

// Loads every file; prints each refusal; returns false if any file was refused.
bool load_all(const std::vector<std::string>& inputs, const rig::scenario::LoadOptions& opt,
              std::vector<LoadedFile>& out, bool print_ok) {
  bool ok = true;
  std::vector<fs::path> files;
  try {
    files = rig::scenario::expand_paths(inputs);
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

std::unique_ptr<rig::Dut> make_dut(const std::string& mode) {
  if (mode == "sil") return std::make_unique<rig::InProcessDut>();
#ifdef BMSRIG_HAVE_QEMU_DUT
  // The image: BMSRIG_PIL_IMAGE or build/cross-cm3/firmware/boards/mps2-an385/fw_mps2_an385.elf.
  if (mode == "pil") return std::make_unique<rig::QemuDut>();
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

int cmd_run(const std::vector<std::string>& inputs, const std::string& mode, int jobs, const std::string& junit,
            const std::string& json, const std::string& trace_dir, std::optional<std::uint64_t> seed,
            const std::string& command_line, const Filters& filters, const HtmlOut& html) {
  rig::scenario::LoadOptions opt;
  opt.seed = seed;
  std::vector<LoadedFile> files;
  if (!load_all(inputs, opt, files, false)) {
    std::fprintf(stderr, "bmsrig: scenario(s) refused; nothing was run\n");
    return kExitBadInput;
  }
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

  rig::report::RunResult run;
  run.mode = mode;
  run.host = rig::report::host_name();
  run.date = rig::report::utc_now_iso8601();
  run.command_line = command_line;
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

  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
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
  if (!junit.empty()) std::printf("junit: %s\n", junit.c_str());
  if (!json.empty()) std::printf("json: %s\n", json.c_str());
  if (!html.path.empty()) std::printf("report: %s\n", html.path.c_str());
  if (!trace_dir.empty()) std::printf("traces: %s\n", trace_dir.c_str());
  if (run.interrupted) return kExitInterrupted;
  if (status != kExitPass) return status;
  switch (run.verdict()) {
    case rig::Verdict::kPass: return kExitPass;
    case rig::Verdict::kFail: return kExitFail;
    default: return kExitError;
  }
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

int cmd_signals(const std::string& file) {
  std::vector<rig::scenario::SignalSpec> cat;
  if (file.empty()) {
    cat = rig::scenario::signal_catalogue(1, 2);
    std::printf("# signals of a 1-battery, 2-load world (give a scenario file for its own world)\n");
  } else {
    std::vector<LoadedFile> files;
    if (!load_all({file}, {}, files, false)) return kExitBadInput;
    cat = files.front().cases.front().signals;
  }
  std::printf("%-46s %-5s %-8s %-11s %s\n", "signal", "unit", "kind", "resolution", "sampled");
  for (const auto& sig : cat) {
    const auto& i = sig.info;
    const char* kind = i.kind == rig::SignalKind::kAnalog ? "analog" : i.kind == rig::SignalKind::kDigital ? "digital" : "integer";
    char res[32] = "";
    if (i.kind == rig::SignalKind::kAnalog && i.resolution > 0) std::snprintf(res, sizeof res, "%g", i.resolution);
    std::printf("%-46s %-5s %-8s %-11s %s\n", i.name.c_str(), i.unit.c_str(), kind, res,
                sig.rate == rig::scenario::SampleRate::kPlantStep ? "every plant step" : "every tick");
  }
  return kExitPass;
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
  HtmlOut html;
  run->add_option("--html", html.path, "write the self-contained HTML report here");
  run->add_option("--requirements", html.requirements, "REQUIREMENTS.md: requirement IDs for the report's traceability matrix")
      ->check(CLI::ExistingFile);
  run->add_option("--junit", junit, "write JUnit XML here");
  run->add_option("--json", json, "write the JSON results here");
  run->add_option("--trace-dir", trace_dir, "write one CSV and one VCD trace per case into this folder");
  auto* seed_opt = run->add_option("--seed", seed_value, "override every scenario's spread seed");
  Filters filters;
  run->add_option("-r,--requirement", filters.requirements, "run only cases covering this requirement ID (repeatable)");
  run->add_option("-k,--name", filters.name, "run only cases whose name contains this text");

  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  validate->add_option("paths", validate_paths, "scenario files or folders")->required();
  auto* list = app.add_subcommand("list", "list scenarios and the requirements they cover");
  list->add_option("paths", list_paths, "scenario files or folders")->required();

  std::string signals_file;
  auto* signals = app.add_subcommand("signals", "list the signal names conditions and checks may use");
  signals->add_option("scenario", signals_file, "a scenario file (its battery and load count)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  if (*seed_opt) seed = seed_value;
  if (*run) return cmd_run(run_paths, mode, jobs, junit, json, trace_dir, seed, command_line, filters, html);
  if (*validate) return cmd_validate(validate_paths);
  if (*signals) return cmd_signals(signals_file);
  return cmd_list(list_paths);
}
