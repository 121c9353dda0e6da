// Agreement between two results files (see rig/compare.hpp).
#include "rig/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rig/writers.hpp"

namespace rig::report {

using nlohmann::ordered_json;

namespace {

// One firmware tick (fw::kTickMs = 10 ms): SIL and PIL judge on tick-sampled outputs.
constexpr double kTickS = 0.010;
// HIL placeholders until the bench declares them: 2 loop periods of 10 ms, 1 % of the limit.
constexpr double kHilTimeS = 2 * 0.010;
constexpr double kHilValueRel = 0.01;

// Relative slack for comparisons against a tolerance (margins are printed and re-read with finite precision).
bool within(double x, double tol) { return std::fabs(x) <= tol + 1e-9 * std::max(1.0, std::fabs(tol)); }

std::optional<double> num_field(const ordered_json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

Uncertainty uncertainty_of(const ordered_json& j) {
  Uncertainty u;
  if (!j.is_object() || !j.contains("uncertainty") || !j["uncertainty"].is_object()) return u;
  const auto& o = j["uncertainty"];
  u.time_s = num_field(o, "time_s");
  u.value = num_field(o, "value");
  u.value_rel = num_field(o, "value_rel");
  return u;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompareError("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Seconds per unit of a time unit, or nullopt if `unit` is not a time.
std::optional<double> seconds_per(const std::string& unit) {
  if (unit == "s") return 1.0;
  if (unit == "ms") return 1e-3;
  if (unit == "us" || unit == "\xC2\xB5s") return 1e-6;
  if (unit == "min") return 60.0;
  if (unit == "h") return 3600.0;
  return std::nullopt;
}

struct Resolved {
  double tolerance = 0.0;
  std::string source;
};

// This side's tolerance on a check's margin (see the precedence in compare.hpp).
Resolved resolve(const CompareSide& side, std::size_t case_index, std::optional<std::size_t> check_index,
                 const std::string& mode, const ToleranceOverrides& overrides, Quantity q, const std::string& unit,
                 std::optional<double> limit) {
  struct Level {
    const Uncertainty* u;
    std::string source;
  };
  std::vector<Level> levels;
  const auto ov = overrides.find(mode);
  if (ov != overrides.end()) levels.push_back({&ov->second, "tolerance file"});
  if (check_index && case_index < side.check_uncertainty.size() &&
      *check_index < side.check_uncertainty[case_index].size())
    levels.push_back({&side.check_uncertainty[case_index][*check_index], "results check"});
  if (case_index < side.case_uncertainty.size()) levels.push_back({&side.case_uncertainty[case_index], "results case"});
  levels.push_back({&side.run_uncertainty, "results run"});
  const Uncertainty def = default_uncertainty(mode);
  const std::string mode_name = mode == "sil" || mode == "pil" || mode == "hil" ? mode : "hil (mode unknown)";
  levels.push_back({&def, "default " + mode_name});

  Resolved r;
  if (q == Quantity::kTime) {
    for (const auto& l : levels)
      if (l.u->declares_time()) {
        r.tolerance = *l.u->time_s / seconds_per(unit).value_or(1.0);
        r.source = l.source;
        break;
      }
  } else if (q == Quantity::kValue) {
    for (const auto& l : levels)
      if (l.u->declares_value()) {
        r.tolerance = l.u->value.value_or(0.0) + (limit ? l.u->value_rel.value_or(0.0) * std::fabs(*limit) : 0.0);
        r.source = l.source;
        break;
      }
  }
  return r;
}

std::string normal_path(const std::string& p) { return std::filesystem::path(p).lexically_normal().generic_string(); }
std::string file_name(const std::string& p) { return std::filesystem::path(p).filename().string(); }

std::string params_key(const CaseResult& c) {
  auto ps = c.parameters;
  std::sort(ps.begin(), ps.end());
  std::string k;
  for (const auto& [n, v] : ps) k += n + "=" + v + "\x1f";
  return k;
}

// Pairs items of two lists by a key: the k-th occurrence of a key in A with the k-th in B. Returns for each A item
// the matched B index (or npos); `taken_b` marks matched B items. Items already matched are left alone.
template <typename KeyA, typename KeyB>
void pair_by_key(std::size_t na, std::size_t nb, KeyA key_a, KeyB key_b, std::vector<std::size_t>& match_a,
                 std::vector<char>& taken_b) {
  std::map<std::string, std::vector<std::size_t>> free_b;
  for (std::size_t j = 0; j < nb; ++j)
    if (!taken_b[j]) free_b[key_b(j)].push_back(j);
  std::map<std::string, std::size_t> used;
  for (std::size_t i = 0; i < na; ++i) {
    if (match_a[i] != std::string::npos) continue;
    const std::string k = key_a(i);
    const auto it = free_b.find(k);
    if (it == free_b.end()) continue;
    auto& n = used[k];
    if (n < it->second.size()) {
      match_a[i] = it->second[n++];
      taken_b[match_a[i]] = 1;
    }
  }
}

std::string mode_of(const CaseResult& c, const RunResult& run) { return c.mode.empty() ? run.mode : c.mode; }

CheckSideResult side_of(const checks::CheckResult& r) {
  CheckSideResult s;
  s.verdict = r.verdict;
  s.margin = r.margin;
  s.measured = r.measured;
  s.limit = r.limit;
  return s;
}

ComparisonRow case_row(const CaseResult& c) {
  ComparisonRow row;
  row.scenario_file = c.scenario_file;
  row.case_name = c.display_name();
  row.parameters = c.parameters;
  return row;
}

ComparisonSide summary_of(const CompareSide& s) {
  return {s.file, s.run.mode, s.run.firmware_version, s.run.firmware_hash, s.run.host, s.run.date};
}

void compare_case(const CompareSide& A, std::size_t ia, const CompareSide& B, std::size_t ib,
                  const ToleranceOverrides& overrides, std::vector<ComparisonRow>& rows) {
  const CaseResult& ca = A.run.cases[ia];
  const CaseResult& cb = B.run.cases[ib];
  const std::string mode_a = mode_of(ca, A.run), mode_b = mode_of(cb, B.run);
  std::string note;
  if (!ca.scenario_sha256.empty() && !cb.scenario_sha256.empty() && ca.scenario_sha256 != cb.scenario_sha256)
    note = "scenario files differ (SHA-256)";

  if (ca.checks.empty() || cb.checks.empty() || !ca.error.empty() || !cb.error.empty()) {
    ComparisonRow row = case_row(ca);
    row.check = "(case)";
    CheckSideResult sa, sb;
    sa.verdict = ca.verdict;
    sb.verdict = cb.verdict;
    row.a = sa;
    row.b = sb;
    row.status = ca.verdict == cb.verdict ? Agreement::kAgree : Agreement::kDisagree;
    std::string errs;
    if (!ca.error.empty()) errs += "A: " + ca.error;
    if (!cb.error.empty()) errs += std::string(errs.empty() ? "" : "; ") + "B: " + cb.error;
    row.note = note.empty() ? errs : errs.empty() ? note : note + "; " + errs;
    rows.push_back(std::move(row));
  }

  // checks: by name (k-th occurrence with k-th), unnamed ones by index
  const std::size_t na = ca.checks.size(), nb = cb.checks.size();
  std::vector<std::size_t> match(na, std::string::npos);
  std::vector<char> taken(nb, 0);
  auto keyed = [](const std::vector<checks::CheckResult>& v) {
    std::vector<std::string> keys(v.size());
    std::map<std::string, int> seen;
    for (std::size_t i = 0; i < v.size(); ++i)
      keys[i] = v[i].name.empty() ? "#" + std::to_string(i) : v[i].name + "\x1f" + std::to_string(seen[v[i].name]++);
    return keys;
  };
  const auto ka = keyed(ca.checks), kb = keyed(cb.checks);
  pair_by_key(na, nb, [&](std::size_t i) { return ka[i]; }, [&](std::size_t j) { return kb[j]; }, match, taken);

  auto base = [&](const checks::CheckResult& r) {
    ComparisonRow row = case_row(ca);
    row.check = r.name.empty() ? "#" : r.name;
    row.kind = r.kind;
    row.unit = r.measured_unit;
    row.note = note;
    return row;
  };
  auto quantity = [](const std::string& unit, bool has_margin) {
    if (!has_margin) return Quantity::kNone;
    return seconds_per(unit) ? Quantity::kTime : Quantity::kValue;
  };
  for (std::size_t i = 0; i < na; ++i) {
    const auto& ra = ca.checks[i];
    ComparisonRow row = base(ra);
    row.index_a = i;
    CheckSideResult sa = side_of(ra);
    if (match[i] == std::string::npos) {
      row.quantity = quantity(ra.measured_unit, ra.margin.has_value());
      const auto t = resolve(A, ia, i, mode_a, overrides, row.quantity, row.unit, ra.limit);
      sa.tolerance = t.tolerance;
      sa.tolerance_source = t.source;
      row.a = sa;
      row.status = Agreement::kOnlyInA;
      rows.push_back(std::move(row));
      continue;
    }
    const std::size_t j = match[i];
    const auto& rb = cb.checks[j];
    row.index_b = j;
    if (row.unit.empty()) row.unit = rb.measured_unit;
    CheckSideResult sb = side_of(rb);
    if (!ra.measured_unit.empty() && !rb.measured_unit.empty() && ra.measured_unit != rb.measured_unit) {
      // margins in different units cannot be subtracted: verdicts only
      row.quantity = Quantity::kNone;
      row.note += std::string(row.note.empty() ? "" : "; ") + "units differ (" + ra.measured_unit + " vs " +
                  rb.measured_unit + ")";
      row.status = ra.verdict == rb.verdict ? Agreement::kAgree : Agreement::kDisagree;
      row.a = sa;
      row.b = sb;
      rows.push_back(std::move(row));
      continue;
    }
    row.quantity = quantity(row.unit, ra.margin.has_value() || rb.margin.has_value());
    const auto ta = resolve(A, ia, i, mode_a, overrides, row.quantity, row.unit, ra.limit ? ra.limit : rb.limit);
    const auto tb = resolve(B, ib, j, mode_b, overrides, row.quantity, row.unit, rb.limit ? rb.limit : ra.limit);
    sa.tolerance = ta.tolerance;
    sa.tolerance_source = ta.source;
    sb.tolerance = tb.tolerance;
    sb.tolerance_source = tb.source;
    if (row.quantity != Quantity::kNone) row.tolerance = ta.tolerance + tb.tolerance;
    if (ra.margin && rb.margin) row.difference = *ra.margin - *rb.margin;
    row.status = judge_margins(ra.verdict, ra.margin, rb.verdict, rb.margin, row.tolerance.value_or(0.0));
    row.a = sa;
    row.b = sb;
    rows.push_back(std::move(row));
  }
  for (std::size_t j = 0; j < nb; ++j) {
    if (taken[j]) continue;
    const auto& rb = cb.checks[j];
    ComparisonRow row = base(rb);
    row.index_b = j;
    row.quantity = quantity(rb.measured_unit, rb.margin.has_value());
    CheckSideResult sb = side_of(rb);
    const auto t = resolve(B, ib, j, mode_b, overrides, row.quantity, row.unit, rb.limit);
    sb.tolerance = t.tolerance;
    sb.tolerance_source = t.source;
    row.b = sb;
    row.status = Agreement::kOnlyInB;
    rows.push_back(std::move(row));
  }
}

// ---- formatting ----------------------------------------------------------------------------------------------

std::string num(double v, bool sign) {
  char buf[48];
  if (v == 0.0) return sign ? "+0" : "0";
  if (std::fabs(v) >= 0.01 && std::fabs(v) < 1e6)
    std::snprintf(buf, sizeof buf, sign ? "%+.3f" : "%.3f", v);
  else
    std::snprintf(buf, sizeof buf, sign ? "%+.3g" : "%.3g", v);
  return buf;
}

std::string with_unit(const std::string& s, const std::string& unit) { return unit.empty() ? s : s + " " + unit; }

std::string verdict_upper(Verdict v) {
  std::string t = rig::to_string(v);
  for (auto& ch : t) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return t;
}

std::string side_cell(const std::optional<CheckSideResult>& s, const std::string& unit) {
  if (!s) return "—";
  std::string o = verdict_upper(s->verdict);
  if (s->margin) o += " " + with_unit(num(*s->margin, true), unit);
  return o;
}

std::string status_text(Agreement a) {
  switch (a) {
    case Agreement::kAgree: return "agree";
    case Agreement::kBorderline: return "borderline";
    case Agreement::kDisagree: return "DISAGREE";
    case Agreement::kOnlyInA: return "only in A";
    case Agreement::kOnlyInB: return "only in B";
  }
  return "?";
}

// Display width of UTF-8 text (code points).
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

ordered_json opt_json(const std::optional<double>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }
ordered_json idx_json(const std::optional<std::size_t>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

ordered_json side_json(const std::optional<CheckSideResult>& s) {
  if (!s) return nullptr;
  return {{"verdict", rig::to_string(s->verdict)}, {"margin", opt_json(s->margin)}, {"measured", opt_json(s->measured)},
          {"limit", opt_json(s->limit)}, {"tolerance", s->tolerance}, {"tolerance_source", s->tolerance_source}};
}

}  // namespace

Uncertainty default_uncertainty(const std::string& mode) {
  Uncertainty u;
  if (mode == "sil" || mode == "pil") {
    u.time_s = kTickS;
    u.value = 0.0;
    u.value_rel = 0.0;
  } else {
    u.time_s = kHilTimeS;
    u.value = 0.0;
    u.value_rel = kHilValueRel;
  }
  return u;
}

CompareSide compare_side(RunResult run, std::string file) {
  CompareSide s;
  s.file = std::move(file);
  s.run = std::move(run);
  return s;
}

CompareSide load_compare_side(const std::filesystem::path& path) {
  CompareSide s;
  s.file = path.string();
  try {
    s.run = read_json(path);
  } catch (const std::exception& e) {
    throw CompareError(e.what());  // read_json names the file
  }
  try {
    const auto j = ordered_json::parse(read_text(path));
    s.run_uncertainty = uncertainty_of(j);
    for (const auto& cj : j.at("cases")) {
      s.case_uncertainty.push_back(uncertainty_of(cj));
      auto& per_check = s.check_uncertainty.emplace_back();
      for (const auto& ch : cj.at("checks")) per_check.push_back(uncertainty_of(ch));
    }
  } catch (const nlohmann::json::exception& e) {
    throw CompareError(path.string() + ": malformed results file: " + e.what());
  }
  return s;
}

ToleranceOverrides load_tolerance_file(const std::filesystem::path& path) {
  ToleranceOverrides out;
  try {
    const auto j = ordered_json::parse(read_text(path));
    if (!j.is_object()) throw CompareError(path.string() + ": a tolerance file is a JSON object {\"hil\": {...}, ...}");
    for (const auto& [mode, v] : j.items()) {
      if (!v.is_object())
        throw CompareError(path.string() + ": \"" + mode + "\" must be an object {\"time_s\", \"value\", \"value_rel\"}");
      for (const auto& [k, x] : v.items()) {
        if (k != "time_s" && k != "value" && k != "value_rel")
          throw CompareError(path.string() + ": \"" + mode + "\": unknown field \"" + k +
                             "\" (expected time_s, value, value_rel)");
        if (!x.is_number() || x.get<double>() < 0)
          throw CompareError(path.string() + ": \"" + mode + "\"." + k + " must be a number ≥ 0");
      }
      ordered_json wrap = {{"uncertainty", v}};
      out[mode] = uncertainty_of(wrap);
    }
  } catch (const nlohmann::json::exception& e) {
    throw CompareError(path.string() + ": malformed tolerance file: " + e.what());
  }
  return out;
}

const char* to_string(Agreement a) {
  switch (a) {
    case Agreement::kAgree: return "agree";
    case Agreement::kBorderline: return "borderline";
    case Agreement::kDisagree: return "disagree";
    case Agreement::kOnlyInA: return "only_in_a";
    case Agreement::kOnlyInB: return "only_in_b";
  }
  return "disagree";
}

const char* to_string(Quantity q) {
  switch (q) {
    case Quantity::kTime: return "time";
    case Quantity::kValue: return "value";
    case Quantity::kNone: return "none";
  }
  return "none";
}

Agreement judge_margins(Verdict verdict_a, std::optional<double> margin_a, Verdict verdict_b,
                        std::optional<double> margin_b, double tolerance) {
  if (verdict_a == verdict_b) return Agreement::kAgree;
  if (!margin_a || !margin_b) return Agreement::kDisagree;
  // an unjudged check (error) is no borderline measurement
  if (verdict_a == Verdict::kError || verdict_b == Verdict::kError) return Agreement::kDisagree;
  if (within(*margin_a - *margin_b, tolerance) && within(*margin_a, tolerance) && within(*margin_b, tolerance))
    return Agreement::kBorderline;
  return Agreement::kDisagree;
}

Comparison compare(const CompareSide& A, const CompareSide& B, const ToleranceOverrides& overrides) {
  Comparison out;
  out.a = summary_of(A);
  out.b = summary_of(B);
  const auto& ca = A.run.cases;
  const auto& cb = B.run.cases;
  std::vector<std::size_t> match(ca.size(), std::string::npos);
  std::vector<char> taken(cb.size(), 0);
  auto key = [](const CaseResult& c, bool by_name) {
    return (by_name ? file_name(c.scenario_file) : normal_path(c.scenario_file)) + "\x1e" + c.name + "\x1e" + params_key(c);
  };
  // exact path first, then the file's name (runs started from different folders)
  pair_by_key(ca.size(), cb.size(), [&](std::size_t i) { return key(ca[i], false); },
              [&](std::size_t j) { return key(cb[j], false); }, match, taken);
  pair_by_key(ca.size(), cb.size(), [&](std::size_t i) { return key(ca[i], true); },
              [&](std::size_t j) { return key(cb[j], true); }, match, taken);
  for (std::size_t i = 0; i < ca.size(); ++i) {
    if (match[i] != std::string::npos) {
      compare_case(A, i, B, match[i], overrides, out.rows);
      continue;
    }
    ComparisonRow row = case_row(ca[i]);
    CheckSideResult s;
    s.verdict = ca[i].verdict;
    row.a = s;
    row.status = Agreement::kOnlyInA;
    out.rows.push_back(std::move(row));
  }
  for (std::size_t j = 0; j < cb.size(); ++j) {
    if (taken[j]) continue;
    ComparisonRow row = case_row(cb[j]);
    CheckSideResult s;
    s.verdict = cb[j].verdict;
    row.b = s;
    row.status = Agreement::kOnlyInB;
    out.rows.push_back(std::move(row));
  }
  return out;
}

Comparison::Counts Comparison::counts() const {
  Counts c;
  c.rows = rows.size();
  for (const auto& r : rows) {
    switch (r.status) {
      case Agreement::kAgree: ++c.agree, ++c.compared; break;
      case Agreement::kBorderline: ++c.borderline, ++c.compared; break;
      case Agreement::kDisagree: ++c.disagree, ++c.compared; break;
      case Agreement::kOnlyInA: ++c.only_in_a; break;
      case Agreement::kOnlyInB: ++c.only_in_b; break;
    }
  }
  return c;
}

bool Comparison::agree() const { return counts().disagree == 0; }

std::string comparison_summary(const Comparison& c) {
  const auto n = c.counts();
  std::string mode_a = c.a.mode.empty() ? "?" : c.a.mode, mode_b = c.b.mode.empty() ? "?" : c.b.mode;
  std::ostringstream os;
  os << "A (" << mode_a << ") vs B (" << mode_b << "): " << n.compared << " compared: " << n.agree << " agree, "
     << n.borderline << " borderline, " << n.disagree << " DISAGREE; " << n.only_in_a << " only in A, " << n.only_in_b
     << " only in B";
  return os.str();
}

std::string comparison_text(const Comparison& c) {
  // one heading line per case (its display name and scenario file), then one line per check
  const std::vector<std::string> head = {"check", "A verdict/margin", "B verdict/margin", "difference", "tolerance",
                                         "status"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : c.rows) {
    const std::string unit = r.quantity == Quantity::kNone ? "" : r.unit;
    cells.push_back({r.check.empty() ? "—" : r.check, side_cell(r.a, unit), side_cell(r.b, unit),
                     r.difference ? with_unit(num(*r.difference, true), unit) : "",
                     r.tolerance ? with_unit(num(*r.tolerance, false), unit) : "", status_text(r.status)});
  }
  std::vector<std::size_t> w(head.size(), 0);
  constexpr std::size_t kMaxCol = 56;  // a long check name overflows its column instead of stretching every line
  for (std::size_t k = 0; k < head.size(); ++k) w[k] = width(head[k]);
  for (const auto& row : cells)
    for (std::size_t k = 0; k < row.size(); ++k) w[k] = std::max(w[k], std::min(kMaxCol, width(row[k])));
  auto line = [&](const std::vector<std::string>& row) {
    std::string l = "  ";
    for (std::size_t k = 0; k < row.size(); ++k) {
      l += row[k];
      if (k + 1 < row.size()) l += std::string(w[k] > width(row[k]) ? w[k] - width(row[k]) : 0, ' ') + "  ";
    }
    return l + "\n";
  };
  std::string o;
  o += "A: " + c.a.file + " (" + c.a.mode + ", firmware " + c.a.firmware_version + " " + c.a.firmware_hash + ")\n";
  o += "B: " + c.b.file + " (" + c.b.mode + ", firmware " + c.b.firmware_version + " " + c.b.firmware_hash + ")\n\n";
  o += "case (scenario file)\n" + line(head);
  std::string last_case;
  for (std::size_t r = 0; r < c.rows.size(); ++r) {
    const auto& row = c.rows[r];
    const std::string case_key = row.scenario_file + "\x1e" + row.case_name;
    if (r == 0 || case_key != last_case) o += row.case_name + " (" + row.scenario_file + ")\n";
    last_case = case_key;
    o += line(cells[r]);
    if (!row.note.empty()) o += "      note: " + row.note + "\n";
  }
  o += "\n" + comparison_summary(c) + "\n";
  o += std::string("verdict: ") + (c.agree() ? "agree" : "DISAGREE") + "\n";
  return o;
}

std::string comparison_json(const Comparison& c) {
  auto side = [](const ComparisonSide& s) {
    return ordered_json{{"file", s.file},   {"mode", s.mode}, {"firmware_version", s.firmware_version},
                        {"firmware_hash", s.firmware_hash}, {"host", s.host}, {"date", s.date}};
  };
  const auto n = c.counts();
  ordered_json j;
  j["format"] = "bmsrig-comparison";
  j["format_version"] = 1;
  j["a"] = side(c.a);
  j["b"] = side(c.b);
  j["agree"] = c.agree();
  j["counts"] = {{"rows", n.rows},         {"compared", n.compared},   {"agree", n.agree},
                 {"borderline", n.borderline}, {"disagree", n.disagree}, {"only_in_a", n.only_in_a},
                 {"only_in_b", n.only_in_b}};
  ordered_json rows = ordered_json::array();
  for (const auto& r : c.rows) {
    ordered_json rj;
    rj["scenario_file"] = r.scenario_file;
    rj["case"] = r.case_name;
    ordered_json params = ordered_json::object();
    for (const auto& [k, v] : r.parameters) params[k] = v;
    rj["parameters"] = params;
    rj["check"] = r.check;
    rj["index_a"] = idx_json(r.index_a);
    rj["index_b"] = idx_json(r.index_b);
    rj["kind"] = r.kind;
    rj["unit"] = r.unit;
    rj["quantity"] = to_string(r.quantity);
    rj["a"] = side_json(r.a);
    rj["b"] = side_json(r.b);
    rj["difference"] = opt_json(r.difference);
    rj["tolerance"] = opt_json(r.tolerance);
    rj["status"] = to_string(r.status);
    rj["note"] = r.note;
    rows.push_back(std::move(rj));
  }
  j["rows"] = rows;
  return j.dump(2) + "\n";
}

void write_comparison_json(const Comparison& c, const std::filesystem::path& path) {
  write_file_atomic(path, comparison_json(c));
}

}  // namespace rig::report
