#include "rig/app/execution.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "rig/app/console.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/history.hpp"
#include "rig/app/shard.hpp"
#include "rig/sha256.hpp"
#include "rig/runner.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace rig::app {

namespace {

std::atomic<bool> g_stop{false};

// Ctrl-C, kill, a dropped ssh session (SIGHUP) or Ctrl-\ (SIGQUIT): the running cases stop at their next tick and
// every Dut stops (a bench drives every channel to its safe state); a second signal ends the process at once.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
  for (int sig : kStopSignals) std::signal(sig, SIG_DFL);
}

}  // namespace

std::atomic<bool>& stop_requested() { return g_stop; }

int execute(const RunSpec& spec, rig::report::RunResult& run, std::size_t* file_count) {
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
  // Requirement IDs are checked as `validate` checks them: against --requirements, else the project's spec when
  // found; a case naming an ID the spec does not define would otherwise count for nothing in the traceability.
  {
    std::string req = spec.html.requirements;
    if (req.empty())
      if (const auto found = default_requirements()) req = found->string();
    if (!req.empty()) {
      try {
        opt.known_requirements = rig::report::parse_requirement_ids(req);
        opt.requirements_file = req;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bmsrig: %s\n", e.what());
        return kExitBadInput;
      }
    }
  }
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
      if (!filters.cases.empty() &&
          std::find(filters.cases.begin(), filters.cases.end(), case_id(f.path.string(), c.parameters)) ==
              filters.cases.end())
        continue;
      work.push_back(Job{&f, &c});
    }
  }
  if (work.empty()) {
    std::fprintf(stderr, "bmsrig: no case matches the filters\n");
    return kExitUsage;
  }
  // --shard K/N: this run's part of the cases (rig/app/shard.hpp); the whole library is recorded in shard.json.
  std::optional<ShardInfo> shard;
  if (spec.shard) {
    if (json.empty()) {
      std::fprintf(stderr, "bmsrig: --shard needs --json (shard.json is written beside it)\n");
      return kExitUsage;
    }
    shard.emplace();
    shard->shard = *spec.shard;
    const auto measured = spec.shard_history.empty() ? std::map<std::string, double>{}
                                                     : measured_durations(spec.shard_history, mode);
    std::vector<ShardItem> items;
    std::string lines;
    for (const auto& j : work) {
      const std::string id = case_id(j.file->path.string(), j.sc->parameters);
      const auto m = measured.find(id);
      items.push_back({id, m != measured.end() ? m->second : rig::to_seconds(j.sc->max_duration)});
      shard->library.push_back(id);
      lines += id + "  " + j.file->sha256 + "\n";
    }
    shard->library_sha256 = rig::report::sha256_hex(lines);
    const auto part = partition(items, spec.shard->count);
    std::vector<Job> mine;
    for (std::size_t i = 0; i < work.size(); ++i)
      if (part[i] == spec.shard->index) mine.push_back(work[i]);
    std::fprintf(stderr, "bmsrig: shard %d/%d: %zu of %zu cases (expected durations from %s)\n", spec.shard->index,
                 spec.shard->count, mine.size(), work.size(), measured.empty() ? "the scenarios" : "the history");
    work = std::move(mine);
  }

  // The mode's preparation, once before any case (hil with --firmware: flash, then check the board's identity).
  try {
    duts().prepare(mode, spec.dut);
  } catch (const DutPreparationError& e) {
    std::fprintf(stderr, "bmsrig: %s\nbmsrig: nothing was run (exit %d)\n", e.what(), kExitBoardRefused);
    return kExitBoardRefused;
  }

  // A killed run (SIGKILL, power loss) writes nothing: the previous run's files at the same paths must not stay
  // behind looking current, so they go now and come back, complete, at the end (written atomically).
  for (const std::string* out : {&junit, &json, &html.path}) {
    std::error_code ec;
    if (!out->empty()) fs::remove(*out, ec);
  }
  if (shard) {
    std::error_code ec;
    fs::remove(fs::path(json).parent_path() / "shard.json", ec);
  }

  run = rig::report::RunResult{};
  run.mode = mode;
  run.host = rig::report::host_name();
  run.date = rig::report::utc_now_iso8601();
  run.command_line = spec.command_line;
  try {
    const auto probe = duts().make(mode, spec.dut);
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

  for (int sig : kStopSignals) std::signal(sig, on_stop_signal);
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
    while (!stop_requested().load()) {
      const std::size_t k = next.fetch_add(1);
      if (k >= work.size()) return;
      const std::size_t i = order[k];
      const auto& sc = *work[i].sc;
      auto& c = run.cases[i];
      rig::RunOptions ro;
      ro.stop = &stop_requested();
      ro.progress_every = std::chrono::seconds(10);
      ro.progress = [&, i](rig::Time now, rig::Time) { progress_ns[i].store(now.count()); };
      progress_ns[i].store(0);
      rig::RunOutput out;
      try {
        auto dut = duts().make(mode, spec.dut);
        out = rig::run_scenario(sc, *dut, ro);
        for (const auto& h : dut->health()) c.health.push_back(rig::report::HealthCount{h.name, h.value, h.fault_count, h.meaning});
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
      // The device misbehaving by itself is said at once, whatever the checks judged.
      for (const auto& f : c.health_faults()) std::printf("  device fault: %s\n", f.c_str());
      std::fflush(stdout);
    }
  };

  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(work.size())));
  if (mode == "hil") jobs = 1;  // one bench, one case at a time (real time)
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  auto last_print = std::chrono::steady_clock::now();
  // Progress line (tty only): cases done, and the simulated time of the running ones.
  while (done.load() < work.size() && !stop_requested().load()) {
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
  run.interrupted = stop_requested().load();

  int status = kExitPass;
  try {
    if (!junit.empty()) rig::report::write_junit(run, junit);
    if (!json.empty()) rig::report::write_json(run, json);
    if (shard) {
      shard->mode = mode;
      shard->firmware_version = run.firmware_version;
      shard->firmware_hash = run.firmware_hash;
      shard->rig_version = run.rig_version;
      rig::report::write_file_atomic(fs::path(json).parent_path() / "shard.json", shard_json(*shard));
    }
    if (!html.path.empty()) {
      rig::report::HtmlOptions ho;
      ho.title = spec.html_title;
      if (!html.requirements.empty()) {
        ho.requirement_ids = rig::report::parse_requirement_ids(html.requirements);
        ho.requirement_texts = rig::report::parse_requirements(html.requirements);
      }
      rig::report::ObservationMap observation;
      if (!html.observation_map.empty()) {
        observation = rig::report::parse_observation_map(html.observation_map);
        ho.observation = &observation;
      }
      if (!html.history.empty()) ho.history = margin_history(html.history, run, html.history_last, json);
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
    for (const auto& f : c.health_faults()) std::printf("%-10s   device fault: %s\n", "", f.c_str());
  }
  std::printf("passed %zu, failed %zu, errors %zu, inconclusive %zu, incomplete %zu\n", counts.passed, counts.failed,
              counts.errors, counts.inconclusive, counts.incomplete);
  if (spec.print_output_files) {
    if (!junit.empty()) std::printf("junit: %s\n", junit.c_str());
    if (!json.empty()) std::printf("json: %s\n", json.c_str());
    if (!trace_dir.empty()) std::printf("traces: %s\n", trace_dir.c_str());
    if (!html.path.empty()) std::printf("report: %s\n", html.path.c_str());  // last: the file a reader opens
  }
  if (run.interrupted) return kExitInterrupted;
  for (const auto& c : run.cases)
    if (c.error.find(rig::kBoardIdentityRefused) != std::string::npos) {
      std::fprintf(stderr, "bmsrig: the board does not run the image given; no case was judged (exit %d)\n",
                   kExitBoardRefused);
      return kExitBoardRefused;
    }
  if (status != kExitPass) return status;
  switch (run.verdict()) {
    case rig::Verdict::kPass: return kExitPass;
    case rig::Verdict::kFail: return kExitFail;
    default: return kExitError;
  }
}

}  // namespace rig::app
