// Requirement IDs from REQUIREMENTS.md and the traceability summary.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "rig/writers.hpp"

namespace rig::report {

std::vector<std::string> parse_requirement_ids_text(std::string_view md) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while (pos < md.size()) {
    std::size_t eol = md.find('\n', pos);
    if (eol == std::string_view::npos) eol = md.size();
    std::string_view line = md.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.starts_with("- ")) continue;
    std::size_t i = 2, letters = 0;
    while (i < line.size() && std::isupper(static_cast<unsigned char>(line[i]))) ++i, ++letters;
    if (letters == 0 || i >= line.size() || line[i] != '-') continue;
    ++i;
    std::size_t digits = 0;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i, ++digits;
    if (digits == 0 || (i < line.size() && line[i] != ' ' && line[i] != '\t')) continue;
    std::string id(line.substr(2, i - 2));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  return ids;
}

std::map<std::string, std::string> parse_requirements_text(std::string_view md) {
  std::map<std::string, std::string> texts;
  std::string* current = nullptr;  // the requirement whose indented continuation lines are being read
  std::size_t pos = 0;
  while (pos < md.size()) {
    std::size_t eol = md.find('\n', pos);
    if (eol == std::string_view::npos) eol = md.size();
    std::string_view line = md.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto ids = parse_requirement_ids_text(line);
    if (!ids.empty()) {
      std::string_view rest = line.substr(2 + ids[0].size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      auto [it, inserted] = texts.emplace(ids[0], std::string(rest));
      current = inserted ? &it->second : nullptr;  // a repeated ID keeps its first text
      continue;
    }
    if (current != nullptr && line.size() > 1 && (line.front() == ' ' || line.front() == '\t')) {
      std::string_view more = line;
      while (!more.empty() && (more.front() == ' ' || more.front() == '\t')) more.remove_prefix(1);
      if (!more.starts_with("- ")) {
        *current += " ";
        *current += more;
        continue;
      }
    }
    current = nullptr;
  }
  return texts;
}

std::map<std::string, std::string> parse_requirements(const std::filesystem::path& requirements_md) {
  std::ifstream in(requirements_md, std::ios::binary);
  if (!in) throw WriteError("cannot read " + requirements_md.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_requirements_text(ss.str());
}

std::vector<std::string> parse_requirement_ids(const std::filesystem::path& requirements_md) {
  std::ifstream in(requirements_md, std::ios::binary);
  if (!in) throw WriteError("cannot read " + requirements_md.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_requirement_ids_text(ss.str());
}

ObservationMap parse_observation_map_text(std::string_view md) {
  ObservationMap map;
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '`')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '`' || v.back() == '\r')) v.remove_suffix(1);
    return v;
  };
  std::size_t pos = 0;
  while (pos < md.size()) {
    std::size_t eol = md.find('\n', pos);
    if (eol == std::string_view::npos) eol = md.size();
    std::string_view line = trim(md.substr(pos, eol - pos));
    pos = eol + 1;
    if (!line.starts_with("|")) continue;
    line.remove_prefix(1);
    const auto bar = line.find('|');
    if (bar == std::string_view::npos) continue;
    const std::string id(trim(line.substr(0, bar)));
    const auto ids = parse_requirement_ids_text("- " + id + " x\n");
    if (ids.size() != 1 || ids[0] != id) continue;  // the header or a separator row
    std::string_view rest = line.substr(bar + 1);
    if (const auto end = rest.find('|'); end != std::string_view::npos) rest = rest.substr(0, end);
    auto& list = map[id];
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = trim(rest.substr(0, comma));
      if (!item.empty()) list.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return map;
}

ObservationMap parse_observation_map(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WriteError("cannot read the observation map " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_observation_map_text(ss.str());
}

bool signal_matches(std::string_view p, std::string_view s) {
  // '*' matches any run of characters (iterative glob with one backtrack point).
  std::size_t i = 0, j = 0, star = std::string_view::npos, mark = 0;
  while (j < s.size()) {
    if (i < p.size() && p[i] == '*') {
      star = i++;
      mark = j;
    } else if (i < p.size() && p[i] == s[j]) {
      ++i, ++j;
    } else if (star != std::string_view::npos) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i] == '*') ++i;
  return i == p.size();
}

std::vector<RequirementStatus> traceability(const RunResult& run, const std::vector<std::string>& ids,
                                            const ObservationMap* observation) {
  std::vector<RequirementStatus> out;
  for (const auto& id : ids) {
    RequirementStatus st;
    st.id = id;
    st.by_observation = observation != nullptr;
    for (std::size_t i = 0; i < run.cases.size(); ++i) {
      const auto& reqs = run.cases[i].requirements;
      if (std::find(reqs.begin(), reqs.end(), id) != reqs.end()) st.cases.push_back(i);
    }
    if (observation != nullptr) {
      const auto it = observation->find(id);
      for (std::size_t i : st.cases) {
        const auto& c = run.cases[i];
        if (it == observation->end() || !c.completed) break;
        for (std::size_t k = 0; k < c.checks.size(); ++k) {
          const auto& ch = c.checks[k];
          if (ch.verdict != Verdict::kPass) continue;
          for (const auto& sig : ch.signals) {
            const bool hit = std::any_of(it->second.begin(), it->second.end(),
                                         [&](const std::string& p) { return signal_matches(p, sig); });
            if (hit) {
              st.observed_by.push_back({i, k, sig});
              break;
            }
          }
        }
      }
    }
    if (!st.cases.empty()) {
      st.verdict = Verdict::kPass;
      for (std::size_t i : st.cases) {
        const auto& c = run.cases[i];
        const Verdict v = c.completed ? c.verdict : Verdict::kError;
        if (v == Verdict::kError) st.verdict = Verdict::kError;
        else if (v == Verdict::kFail && st.verdict != Verdict::kError) st.verdict = Verdict::kFail;
        else if (v == Verdict::kInconclusive && st.verdict == Verdict::kPass) st.verdict = Verdict::kInconclusive;
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

Verdict certification_verdict(const RunResult& run, const std::vector<std::string>& requirement_ids,
                              const ObservationMap* observation) {
  Verdict v = run.verdict();
  if (v == Verdict::kError) return v;
  for (const auto& r : traceability(run, requirement_ids, observation)) {
    if (!r.covered() || r.verdict == Verdict::kError) return Verdict::kError;
    if (r.verdict == Verdict::kFail) v = Verdict::kFail;
  }
  return v;
}

}  // namespace rig::report
