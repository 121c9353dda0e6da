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

std::vector<RequirementStatus> traceability(const RunResult& run, const std::vector<std::string>& ids) {
  std::vector<RequirementStatus> out;
  for (const auto& id : ids) {
    RequirementStatus st;
    st.id = id;
    for (std::size_t i = 0; i < run.cases.size(); ++i) {
      const auto& reqs = run.cases[i].requirements;
      if (std::find(reqs.begin(), reqs.end(), id) != reqs.end()) st.cases.push_back(i);
    }
    if (!st.cases.empty()) {
      st.verdict = Verdict::kPass;
      for (std::size_t i : st.cases) {
        const auto& c = run.cases[i];
        const Verdict v = c.completed ? c.verdict : Verdict::kError;
        if (v == Verdict::kError) st.verdict = Verdict::kError;
        else if (v == Verdict::kFail && st.verdict != Verdict::kError) st.verdict = Verdict::kFail;
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

Verdict certification_verdict(const RunResult& run, const std::vector<std::string>& requirement_ids) {
  Verdict v = run.verdict();
  if (v == Verdict::kError) return v;
  for (const auto& r : traceability(run, requirement_ids)) {
    if (!r.covered() || r.verdict == Verdict::kError) return Verdict::kError;
    if (r.verdict == Verdict::kFail) v = Verdict::kFail;
  }
  return v;
}

}  // namespace rig::report
