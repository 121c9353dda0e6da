#include "rig/app/history.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "rig/compare.hpp"
#include "rig/sha256.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace rig::app {

std::string case_id(const std::string& scenario_file, const std::vector<std::pair<std::string, std::string>>& parameters) {
  const fs::path p = fs::path(scenario_file).lexically_normal();
  std::vector<std::string> parts;
  for (const auto& x : p) parts.push_back(x.string());
  std::size_t from = parts.size() >= 2 ? parts.size() - 2 : 0;  // folder/name
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    if (parts[i] == "scenarios") from = i + 1;  // the last scenarios/ folder on the path
  std::string id;
  for (std::size_t i = from; i < parts.size(); ++i) id += (id.empty() ? "" : "/") + parts[i];
  if (id.ends_with(".yaml")) id.resize(id.size() - 5);
  if (!parameters.empty()) {
    id += "[";
    for (std::size_t i = 0; i < parameters.size(); ++i)
      id += (i ? "," : "") + parameters[i].first + "=" + parameters[i].second;
    id += "]";
  }
  return id;
}

std::string case_id(const rig::report::CaseResult& c) { return case_id(c.scenario_file, c.parameters); }

namespace {

// A small owner of an sqlite3 connection; every failure throws HistoryError naming the file.
class Db {
 public:
  Db(const fs::path& path, bool create) : path_(path.string()) {
    const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (!create && !fs::exists(path)) throw HistoryError(path_ + ": no such history database");
    if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) fail("cannot open");
    sqlite3_busy_timeout(db_, 10000);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  [[noreturn]] void fail(const std::string& what) const {
    throw HistoryError(path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      throw HistoryError(path_ + ": " + m + " (in: " + std::string(sql).substr(0, 60) + ")");
    }
  }
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(Db& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.get(), sql, -1, &s_, nullptr) != SQLITE_OK) db.fail("cannot prepare a statement");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, long long v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::optional<double> v) {
    if (v) sqlite3_bind_double(s_, i, *v);
    else sqlite3_bind_null(s_, i);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail("cannot write or read");
  }
  void run() {
    step();
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string text(int i) const {
    const auto* t = sqlite3_column_text(s_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  long long integer(int i) const { return sqlite3_column_int64(s_, i); }
  std::optional<double> real(int i) const {
    if (sqlite3_column_type(s_, i) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(s_, i);
  }

 private:
  Db& db_;
  sqlite3_stmt* s_ = nullptr;
};

int schema_version(Db& db) {
  Stmt s(db, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void check_schema(Db& db) {
  const int v = schema_version(db);
  if (v > kHistorySchemaVersion)
    throw HistoryError(db.path() + ": history schema version " + std::to_string(v) + " is newer than this bmsrig's (" +
                       std::to_string(kHistorySchemaVersion) + "); use a newer bmsrig");
}

// Creates the tables of schema version 1 in an empty database (inside the caller's transaction).
void migrate(Db& db) {
  const int v = schema_version(db);
  check_schema(db);
  if (v == kHistorySchemaVersion) return;
  if (v == 0) {
    Stmt tables(db, "SELECT count(*) FROM sqlite_master");
    tables.step();
    if (tables.integer(0) != 0) throw HistoryError(db.path() + ": not a bmsrig history database (has tables, no schema version)");
    db.exec(R"sql(
      CREATE TABLE runs(id INTEGER PRIMARY KEY, results_sha256 TEXT NOT NULL UNIQUE, date TEXT NOT NULL,
        added TEXT NOT NULL, mode TEXT NOT NULL, host TEXT, firmware_version TEXT, firmware_hash TEXT,
        firmware_target TEXT, rig_version TEXT, complete INTEGER NOT NULL, verdict TEXT NOT NULL);
      CREATE TABLE cases(run_id INTEGER NOT NULL REFERENCES runs(id), case_id TEXT NOT NULL, scenario_file TEXT,
        scenario_sha256 TEXT, name TEXT, verdict TEXT NOT NULL, wall_s REAL, simulated_s REAL,
        PRIMARY KEY(run_id, case_id));
      CREATE TABLE checks(run_id INTEGER NOT NULL REFERENCES runs(id), case_id TEXT NOT NULL, check_name TEXT NOT NULL,
        kind TEXT, verdict TEXT NOT NULL, margin REAL, unit TEXT, uncertainty REAL NOT NULL, measured REAL,
        limit_text TEXT, PRIMARY KEY(run_id, case_id, check_name));
      CREATE INDEX checks_by_key ON checks(case_id, check_name);
      PRAGMA user_version = 1;
    )sql");
  }
}

std::string file_text(const fs::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) throw rig::report::WriteError(p.string() + ": cannot read");
  std::string s;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

// Check names within a case, made unique in order ("x", "x #2", ...).
std::vector<std::string> check_keys(const rig::report::CaseResult& c) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (const auto& k : c.checks) {
    const int n = ++seen[k.name];
    out.push_back(n == 1 ? k.name : k.name + " #" + std::to_string(n));
  }
  return out;
}

}  // namespace

HistoryAdd history_add(const fs::path& db_path, const fs::path& results_json,
                       const std::function<void(std::size_t)>& after_row) {
  // Read and judge everything before touching the database.
  const std::string sha = rig::report::sha256_hex(file_text(results_json));
  rig::report::CompareSide side;
  try {
    side = rig::report::load_compare_side(results_json);
  } catch (const rig::report::CompareError& e) {
    throw rig::report::WriteError(e.what());
  }
  const auto& run = side.run;
  // Each check's uncertainty as bmsrig compare resolves it for one side (declared in the results, else the mode's).
  std::map<std::tuple<std::string, std::string, std::size_t>, double> tolerance;
  for (const auto& row : rig::report::compare(side, side).rows)
    if (row.index_a && row.a) tolerance[{row.scenario_file, row.case_name, *row.index_a}] = row.a->tolerance;

  Db db(db_path, true);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("BEGIN IMMEDIATE");
  try {
    migrate(db);
    HistoryAdd out;
    {
      Stmt dup(db, "SELECT id FROM runs WHERE results_sha256 = ?");
      dup.bind(1, sha);
      if (dup.step()) {
        out.run_id = dup.integer(0);
        out.already_recorded = true;
      }
    }
    if (out.already_recorded) {
      db.exec("ROLLBACK");
      return out;
    }
    std::size_t rows = 0;
    Stmt ins_run(db, "INSERT INTO runs(results_sha256, date, added, mode, host, firmware_version, firmware_hash, "
                     "firmware_target, rig_version, complete, verdict) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    ins_run.bind(1, sha).bind(2, run.date).bind(3, rig::report::utc_now_iso8601()).bind(4, run.mode).bind(5, run.host);
    ins_run.bind(6, run.firmware_version).bind(7, run.firmware_hash).bind(8, run.firmware_target).bind(9, run.rig_version);
    ins_run.bind(10, static_cast<long long>(run.interrupted ? 0 : 1)).bind(11, std::string(rig::to_string(run.verdict())));
    ins_run.run();
    out.run_id = sqlite3_last_insert_rowid(db.get());
    if (after_row) after_row(++rows);
    Stmt ins_case(db, "INSERT INTO cases(run_id, case_id, scenario_file, scenario_sha256, name, verdict, wall_s, "
                      "simulated_s) VALUES(?,?,?,?,?,?,?,?)");
    Stmt ins_check(db, "INSERT INTO checks(run_id, case_id, check_name, kind, verdict, margin, unit, uncertainty, "
                       "measured, limit_text) VALUES(?,?,?,?,?,?,?,?,?,?)");
    std::set<std::string> ids;
    for (const auto& c : run.cases) {
      const std::string id = case_id(c);
      if (!ids.insert(id).second)
        throw rig::report::WriteError(results_json.string() + ": case " + id + " appears twice");
      ins_case.bind(1, out.run_id).bind(2, id).bind(3, c.scenario_file).bind(4, c.scenario_sha256).bind(5, c.name);
      ins_case.bind(6, std::string(rig::to_string(c.verdict))).bind(7, c.wall_s).bind(8, c.simulated_s);
      ins_case.run();
      ++out.cases;
      if (after_row) after_row(++rows);
      const auto keys = check_keys(c);
      for (std::size_t i = 0; i < c.checks.size(); ++i) {
        const auto& k = c.checks[i];
        const auto t = tolerance.find({c.scenario_file, c.display_name(), i});
        ins_check.bind(1, out.run_id).bind(2, id).bind(3, keys[i]).bind(4, k.kind);
        ins_check.bind(5, std::string(rig::to_string(k.verdict))).bind(6, k.margin).bind(7, k.measured_unit);
        ins_check.bind(8, t == tolerance.end() ? 0.0 : t->second).bind(9, k.measured).bind(10, k.limit_text);
        ins_check.run();
        ++out.checks;
        if (after_row) after_row(++rows);
      }
    }
    db.exec("COMMIT");
    return out;
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

Trend history_trend(const fs::path& db_path, std::size_t last_k, const std::string& mode_filter) {
  Trend t;
  t.last_k = std::max<std::size_t>(last_k, 2);
  Db db(db_path, false);
  check_schema(db);
  if (schema_version(db) != kHistorySchemaVersion) throw HistoryError(db_path.string() + ": not a bmsrig history database");
  struct Run {
    long long id;
    std::string date, fw_version, fw_hash, rig_version;
  };
  std::map<std::string, std::vector<Run>> runs_by_mode;
  {
    Stmt s(db, "SELECT id, mode, date, firmware_version, firmware_hash, rig_version FROM runs ORDER BY id");
    while (s.step()) {
      if (!mode_filter.empty() && s.text(1) != mode_filter) continue;
      runs_by_mode[s.text(1)].push_back(Run{s.integer(0), s.text(2), s.text(3), s.text(4), s.text(5)});
    }
  }
  for (auto& [mode, runs] : runs_by_mode) {
    t.modes.push_back(mode);
    if (runs.size() > t.last_k) runs.erase(runs.begin(), runs.end() - static_cast<std::ptrdiff_t>(t.last_k));
    std::map<long long, const Run*> by_id;
    for (const auto& r : runs) by_id[r.id] = &r;
    const long long latest = runs.back().id;
    const long long previous = runs.size() >= 2 ? runs[runs.size() - 2].id : -1;

    // Cases of the latest run and the one before.
    std::map<long long, std::set<std::string>> cases;
    std::map<std::pair<long long, std::string>, std::string> scenario_sha;
    {
      Stmt s(db, "SELECT run_id, case_id, scenario_sha256 FROM cases WHERE run_id >= ?");
      s.bind(1, runs.front().id);
      while (s.step())
        if (by_id.count(s.integer(0))) {
          cases[s.integer(0)].insert(s.text(1));
          scenario_sha[{s.integer(0), s.text(1)}] = s.text(2);
        }
    }
    if (previous >= 0) {
      for (const auto& id : cases[latest])
        if (!cases[previous].count(id))
          t.flags.push_back({"case_appeared", mode, id, "", mode + " " + id + ": new in the latest run"});
      for (const auto& id : cases[previous])
        if (!cases[latest].count(id))
          t.flags.push_back({"case_vanished", mode, id, "", mode + " " + id + ": in the run before, missing from the latest"});
    }

    std::map<std::pair<std::string, std::string>, CheckSeries> series;
    {
      Stmt s(db, "SELECT run_id, case_id, check_name, verdict, margin, unit, uncertainty FROM checks WHERE run_id >= ? "
                 "ORDER BY run_id");
      s.bind(1, runs.front().id);
      while (s.step()) {
        const auto it = by_id.find(s.integer(0));
        if (it == by_id.end()) continue;
        auto& cs = series[{s.text(1), s.text(2)}];
        cs.mode = mode;
        cs.case_id = s.text(1);
        cs.check = s.text(2);
        cs.unit = s.text(5);
        const Run& r = *it->second;
        cs.points.push_back(HistoryPoint{r.id, r.date, r.fw_version, r.fw_hash, r.rig_version,
                                         scenario_sha[{r.id, cs.case_id}], s.text(3), s.real(4),
                                         s.real(6).value_or(0.0)});
      }
    }
    for (auto& [key, cs] : series) {
      const auto& last = cs.points.back();
      if (last.run_id != latest) continue;  // a check the latest run no longer has: its case is flagged if it vanished
      const std::string who = mode + " " + cs.case_id + " :: " + cs.check;
      if (cs.points.size() >= 2) {
        const auto& before = cs.points[cs.points.size() - 2];
        if (before.run_id == previous && before.verdict != last.verdict) {
          const std::string text = "verdict " + before.verdict + " -> " + last.verdict;
          cs.flags.push_back(text);
          t.flags.push_back({"verdict_changed", mode, cs.case_id, cs.check, who + ": " + text});
        }
      }
      if (last.margin) {
        const HistoryPoint* best = nullptr;
        for (std::size_t i = 0; i + 1 < cs.points.size(); ++i)
          if (cs.points[i].margin && (!best || *cs.points[i].margin > *best->margin)) best = &cs.points[i];
        if (best) {
          const double drop = *best->margin - *last.margin;
          const double resolvable = best->uncertainty + last.uncertainty;
          if (drop > resolvable) {
            char buf[256];
            std::snprintf(buf, sizeof buf, "margin shrank %g -> %g %s (by %g, more than the uncertainty %g) over the last %zu runs",
                          *best->margin, *last.margin, cs.unit.c_str(), drop, resolvable, cs.points.size());
            cs.flags.push_back(buf);
            t.flags.push_back({"margin_shrank", mode, cs.case_id, cs.check, who + ": " + buf});
          }
        }
      }
    }
    for (auto& [key, cs] : series) t.series.push_back(std::move(cs));
  }
  std::stable_sort(t.series.begin(), t.series.end(),
                   [](const CheckSeries& a, const CheckSeries& b) { return !a.flags.empty() && b.flags.empty(); });
  return t;
}

std::string trend_text(const Trend& t) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "margin trend over the last %zu runs per mode (%s)\n", t.last_k,
                t.modes.empty() ? "no runs" : [&] {
                  std::string m;
                  for (const auto& x : t.modes) m += (m.empty() ? "" : ", ") + x;
                  return m;
                }().c_str());
  out += buf;
  for (const auto& s : t.series) {
    std::string margins;
    for (const auto& p : s.points) {
      if (p.margin) std::snprintf(buf, sizeof buf, " %10.4g", *p.margin);
      else std::snprintf(buf, sizeof buf, " %10s", p.verdict.c_str());
      margins += buf;
    }
    std::snprintf(buf, sizeof buf, "%-4s %-4s %s :: %s [%s]:", s.flags.empty() ? "" : "FLAG", s.mode.c_str(),
                  s.case_id.c_str(), s.check.c_str(), s.unit.c_str());
    out += std::string(buf) + margins + "\n";
  }
  out += "\n";
  for (const auto& f : t.flags) out += "flagged: " + f.text + "\n";
  std::snprintf(buf, sizeof buf, "trend: %zu flagged (%zu check series)\n", t.flags.size(), t.series.size());
  out += buf;
  return out;
}

std::string trend_json(const Trend& t) {
  nlohmann::ordered_json j;
  j["last_k"] = t.last_k;
  j["flags"] = nlohmann::ordered_json::array();
  for (const auto& f : t.flags)
    j["flags"].push_back({{"kind", f.kind}, {"mode", f.mode}, {"case", f.case_id}, {"check", f.check}, {"text", f.text}});
  j["series"] = nlohmann::ordered_json::array();
  for (const auto& s : t.series) {
    nlohmann::ordered_json js{{"mode", s.mode}, {"case", s.case_id}, {"check", s.check}, {"unit", s.unit}, {"flags", s.flags}};
    js["points"] = nlohmann::ordered_json::array();
    for (const auto& p : s.points)
      js["points"].push_back({{"run", p.run_id}, {"date", p.date}, {"firmware", p.firmware_version + "+" + p.firmware_hash},
                              {"verdict", p.verdict}, {"margin", p.margin ? nlohmann::ordered_json(*p.margin) : nullptr},
                              {"uncertainty", p.uncertainty}});
    j["series"].push_back(std::move(js));
  }
  return j.dump(2) + "\n";
}

rig::report::MarginHistory margin_history(const fs::path& db, const rig::report::RunResult& run, std::size_t last_k,
                                          const fs::path& results_json) {
  static std::atomic<int> counter{0};
  const fs::path tmp = fs::temp_directory_path() /
                       ("bmsrig-history-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{tmp};
  const fs::path copy = tmp / "history.db";
  if (fs::exists(db)) {
    Db src(db, false);
    std::string quoted;
    for (char c : copy.string()) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    src.exec(("VACUUM INTO '" + quoted + "'").c_str());
  }
  if (results_json.empty() || !fs::exists(results_json)) {
    rig::report::write_json(run, tmp / "results.json");
    history_add(copy, tmp / "results.json");
  } else {
    history_add(copy, results_json);
  }
  const Trend t = history_trend(copy, last_k, run.mode);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < run.cases.size(); ++i) index.emplace(case_id(run.cases[i]), i);
  rig::report::MarginHistory h;
  h.source = db.string();
  h.last_k = last_k;
  for (const auto& s : t.series) {
    const auto it = index.find(s.case_id);
    if (it == index.end()) continue;  // a check of a case this run does not have
    rig::report::MarginSeries m;
    m.case_index = it->second;
    m.check = s.check;
    m.unit = s.unit;
    for (const auto& p : s.points) {
      m.margins.push_back(p.margin);
      m.verdicts.push_back(p.verdict);
    }
    m.flags = s.flags;
    h.series.push_back(std::move(m));
  }
  return h;
}

}  // namespace rig::app
