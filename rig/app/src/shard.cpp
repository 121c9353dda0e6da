#include "rig/app/shard.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "rig/app/history.hpp"
#include "rig/sha256.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;

namespace rig::app {

std::optional<Shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    std::size_t a = 0, b = 0;
    const int k = std::stoi(text.substr(0, slash), &a);
    const int n = std::stoi(text.substr(slash + 1), &b);
    if (a != slash || b != text.size() - slash - 1 || k < 1 || n < 1 || k > n || n > 1000) return std::nullopt;
    return Shard{k, n};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<int> partition(const std::vector<ShardItem>& items, int parts) {
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (items[a].expected_s != items[b].expected_s) return items[a].expected_s > items[b].expected_s;
    return items[a].case_id < items[b].case_id;
  });
  std::vector<double> load(static_cast<std::size_t>(std::max(parts, 1)), 0.0);
  std::vector<int> out(items.size(), 1);
  for (const auto i : order) {
    const auto best = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[best] += items[i].expected_s;
    out[i] = static_cast<int>(best) + 1;
  }
  return out;
}

std::map<std::string, double> measured_durations(const fs::path& history_db, const std::string& mode) {
  std::map<std::string, double> out;
  std::error_code ec;
  if (!fs::exists(history_db, ec)) return out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(history_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT c.case_id, avg(c.wall_s) FROM cases c JOIN runs r ON r.id = c.run_id "
                               "WHERE r.mode = ? GROUP BY c.case_id", -1, &s, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(s, 1, mode.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(s) == SQLITE_ROW)
        out[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] = sqlite3_column_double(s, 1);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

std::string shard_json(const ShardInfo& s) {
  nlohmann::ordered_json j;
  j["format"] = "bmsrig-shard";
  j["shard"] = s.shard.index;
  j["of"] = s.shard.count;
  j["mode"] = s.mode;
  j["firmware"] = {{"version", s.firmware_version}, {"build_hash", s.firmware_hash}};
  j["rig_version"] = s.rig_version;
  j["library_sha256"] = s.library_sha256;
  j["library"] = s.library;
  return j.dump(2) + "\n";
}

ShardInfo read_shard_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw MergeError(path.string() + ": cannot read (a shard folder holds the shard.json of run --shard K/N)");
  try {
    const auto j = nlohmann::json::parse(in);
    if (j.value("format", "") != "bmsrig-shard") throw MergeError(path.string() + ": not a bmsrig shard file");
    ShardInfo s;
    s.shard = Shard{j.at("shard").get<int>(), j.at("of").get<int>()};
    s.mode = j.at("mode").get<std::string>();
    s.firmware_version = j.at("firmware").at("version").get<std::string>();
    s.firmware_hash = j.at("firmware").at("build_hash").get<std::string>();
    s.rig_version = j.at("rig_version").get<std::string>();
    s.library_sha256 = j.at("library_sha256").get<std::string>();
    s.library = j.at("library").get<std::vector<std::string>>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw MergeError(path.string() + ": malformed shard file: " + e.what());
  }
}

rig::report::RunResult merge(const MergeSpec& spec) {
  if (spec.inputs.empty()) throw MergeError("no shard folders given");
  struct Part {
    fs::path dir;
    ShardInfo info;
    rig::report::RunResult run;
  };
  std::vector<Part> parts;
  for (const auto& d : spec.inputs) {
    Part p{d, read_shard_json(d / "shard.json"), {}};
    try {
      p.run = rig::report::read_json(d / "results.json");
    } catch (const std::exception& e) {
      throw MergeError((d / "results.json").string() + ": " + e.what());
    }
    parts.push_back(std::move(p));
  }
  const auto& first = parts.front();
  auto refuse = [&](const Part& p, const std::string& what, const std::string& a, const std::string& b) {
    throw MergeError("shards differ: " + what + " of " + p.dir.string() + " is " + b + ", of " + first.dir.string() +
                     " " + a + "; shards of one run must come from the same " + what);
  };
  std::set<int> seen;
  for (const auto& p : parts) {
    if (p.info.library_sha256 != first.info.library_sha256)
      refuse(p, "scenario library (sha256 over every case and scenario file)", first.info.library_sha256.substr(0, 16),
             p.info.library_sha256.substr(0, 16));
    if (p.info.firmware_version != first.info.firmware_version || p.info.firmware_hash != first.info.firmware_hash)
      refuse(p, "firmware", first.info.firmware_version + "+" + first.info.firmware_hash,
             p.info.firmware_version + "+" + p.info.firmware_hash);
    if (p.run.firmware_version != p.info.firmware_version || p.run.firmware_hash != p.info.firmware_hash)
      throw MergeError(p.dir.string() + ": results.json names firmware " + p.run.firmware_version + "+" +
                       p.run.firmware_hash + ", its shard.json " + p.info.firmware_version + "+" + p.info.firmware_hash);
    if (p.info.rig_version != first.info.rig_version) refuse(p, "rig version", first.info.rig_version, p.info.rig_version);
    if (p.info.mode != first.info.mode) refuse(p, "mode", first.info.mode, p.info.mode);
    if (p.info.shard.count != first.info.shard.count)
      refuse(p, "shard count N", std::to_string(first.info.shard.count), std::to_string(p.info.shard.count));
    if (!seen.insert(p.info.shard.index).second)
      throw MergeError("shard " + std::to_string(p.info.shard.index) + "/" + std::to_string(p.info.shard.count) +
                       " given twice (" + p.dir.string() + ")");
  }
  if (static_cast<int>(seen.size()) != first.info.shard.count) {
    std::string missing;
    for (int k = 1; k <= first.info.shard.count; ++k)
      if (!seen.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    throw MergeError("shards missing: " + missing + " of " + std::to_string(first.info.shard.count));
  }

  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < first.info.library.size(); ++i) position[first.info.library[i]] = i;
  rig::report::RunResult merged = first.run;
  merged.cases.clear();
  merged.command_line = spec.command_line;
  merged.wall_s = 0.0;
  merged.interrupted = false;
  std::set<std::string> hosts;
  const fs::path traces = spec.out / "traces";
  fs::create_directories(traces);
  std::vector<fs::path> artefacts;
  for (auto& p : parts) {
    merged.wall_s = std::max(merged.wall_s, p.run.wall_s);  // the shards ran side by side
    merged.interrupted = merged.interrupted || p.run.interrupted;
    if (p.run.date < merged.date) merged.date = p.run.date;
    hosts.insert(p.run.host);
    for (auto& c : p.run.cases) {
      const auto id = case_id(c);
      if (!position.count(id))
        throw MergeError(p.dir.string() + ": case " + id + " is not in the shard's library");
      for (auto& f : c.trace_files) {
        fs::path src(f);
        if (!fs::exists(src)) src = p.dir / "traces" / fs::path(f).filename();
        if (!fs::exists(src)) throw MergeError(p.dir.string() + ": trace " + f + " of " + id + " is missing");
        const fs::path dst = traces / src.filename();
        fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
        f = dst.string();
        artefacts.push_back(dst);
      }
      merged.cases.push_back(std::move(c));
    }
  }
  std::sort(merged.cases.begin(), merged.cases.end(), [&](const auto& a, const auto& b) {
    return position[case_id(a)] < position[case_id(b)];
  });
  for (std::size_t i = 1; i < merged.cases.size(); ++i)
    if (case_id(merged.cases[i]) == case_id(merged.cases[i - 1]))
      throw MergeError("case " + case_id(merged.cases[i]) + " is in two shards");
  if (merged.cases.size() != first.info.library.size() && !merged.interrupted)
    throw MergeError("the shards hold " + std::to_string(merged.cases.size()) + " cases, the library " +
                     std::to_string(first.info.library.size()));
  merged.host.clear();
  for (const auto& h : hosts) merged.host += (merged.host.empty() ? "" : ",") + h;

  rig::report::write_json(merged, spec.out / "results.json");
  rig::report::write_junit(merged, spec.out / "junit.xml");
  rig::report::HtmlOptions ho;
  ho.title = "bmsrig report";
  if (!spec.requirements.empty()) {
    ho.title = "bmsrig certification report";
    ho.requirement_ids = rig::report::parse_requirement_ids(spec.requirements);
    std::ifstream in(spec.requirements, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    rig::report::write_file_atomic(spec.out / "REQUIREMENTS.md", ss.str());
    artefacts.push_back(spec.out / "REQUIREMENTS.md");
  }
  if (!spec.history.empty()) ho.history = margin_history(spec.history, merged, 20, spec.out / "results.json");
  rig::report::write_html_report(merged, ho, spec.out / "report.html");
  for (const char* f : {"report.html", "junit.xml", "results.json"}) artefacts.push_back(spec.out / f);
  rig::report::write_manifest(artefacts, spec.out / "MANIFEST.sha256");
  return merged;
}

}  // namespace rig::app
