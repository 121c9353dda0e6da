// The YAML scenario loader: every problem is found before anything runs and reported at file:line:column.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

#include "fw/bms.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_hex.hpp"
#include "rig/scenario.hpp"
#include "rig/utf8.hpp"

namespace rig::scenario {

std::string SourceLoc::str() const {
  std::ostringstream os;
  os << file << ':' << line << ':' << column;
  return os.str();
}

ScenarioError::ScenarioError(SourceLoc loc, const std::string& message)
    : std::runtime_error(loc.str() + ": " + message), loc_(std::move(loc)), message_(message) {}

ScenarioError::ScenarioError(SourceLoc loc, std::string message, const std::string& all, std::size_t count)
    : std::runtime_error(all), loc_(std::move(loc)), message_(std::move(message)), count_(count) {}

ScenarioError ScenarioError::combine(const std::vector<ScenarioError>& errors) {
  std::string all;
  std::size_t count = 0;
  for (const auto& e : errors) {
    if (!all.empty()) all += '\n';
    all += e.what();
    count += e.count();
  }
  return ScenarioError(errors.front().loc(), errors.front().message(), all, count);
}

expr::Resolver resolver_for(const std::vector<SignalSpec>& catalogue) {
  auto index = std::make_shared<std::map<std::string, expr::SignalDecl, std::less<>>>();
  auto names = std::make_shared<std::vector<std::string>>();
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    const auto& info = catalogue[i].info;
    index->emplace(info.name, expr::SignalDecl{static_cast<SignalId>(i), info.unit, info.kind});
    names->push_back(info.name);
  }
  expr::Resolver r;
  r.lookup = [index](std::string_view name) -> std::optional<expr::SignalDecl> {
    auto it = index->find(name);
    if (it == index->end()) return std::nullopt;
    return it->second;
  };
  r.names = [names] { return *names; };
  return r;
}

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
namespace fs = std::filesystem;

struct Ctx {
  std::string file;  // as shown in messages
  fs::path dir;      // includes are relative to this
  const Params* params = nullptr;
};

SourceLoc loc_of(const Ctx& ctx, const YAML::Node& n) {
  const auto m = n.Mark();
  if (m.is_null()) return SourceLoc{ctx.file, 0, 0};
  return SourceLoc{ctx.file, m.line + 1, m.column + 1};
}

[[noreturn]] void fail(const Ctx& ctx, const YAML::Node& n, const std::string& msg) {
  throw ScenarioError(loc_of(ctx, n), msg);
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += x;
  }
  return s;
}

const char* node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a value";
    case YAML::NodeType::Null: return "nothing";
    default: return "an undefined node";
  }
}

// Substitutes ${name} from the matrix parameters.
std::string substitute(const Ctx& ctx, const YAML::Node& n, const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto p = text.find("${", i);
    if (p == std::string::npos) {
      out.append(text, i, std::string::npos);
      break;
    }
    out.append(text, i, p - i);
    const auto e = text.find('}', p);
    if (e == std::string::npos) fail(ctx, n, "found an unterminated '${' in '" + text + "', expected ${name}");
    const std::string key = text.substr(p + 2, e - p - 2);
    bool found = false;
    if (ctx.params != nullptr) {
      for (const auto& [k, v] : *ctx.params) {
        if (k == key) {
          out += v;
          found = true;
          break;
        }
      }
    }
    if (!found) {
      std::vector<std::string> names;
      if (ctx.params != nullptr)
        for (const auto& kv : *ctx.params) names.push_back(kv.first);
      std::string msg = "found unknown parameter '${" + key + "}', expected one of the matrix parameters";
      if (names.empty()) msg = "found parameter '${" + key + "}' but the scenario has no matrix:";
      else msg += " (" + join(names) + ")";
      fail(ctx, n, msg);
    }
    i = e + 1;
  }
  return out;
}

std::string scalar(const Ctx& ctx, const YAML::Node& n, const std::string& expected) {
  if (!n.IsScalar()) fail(ctx, n, std::string("found ") + node_kind(n) + ", expected " + expected);
  return substitute(ctx, n, n.Scalar());
}

// Column offset of the scalar's text inside the file (quoted scalars start one column later).
int text_column(const YAML::Node& n) { return (n.Tag() == "!") ? 1 : 0; }

struct KeyRule {
  const char* key;
};

// Checks a map's keys: unknown or duplicate keys are errors (with a did-you-mean).
void check_keys(const Ctx& ctx, const YAML::Node& map, const std::string& where,
                const std::vector<std::string>& allowed) {
  if (!map.IsMap()) fail(ctx, map, std::string("found ") + node_kind(map) + " for " + where + ", expected a map");
  std::set<std::string> seen;
  std::vector<ScenarioError> bad;  // every bad key of the map, not only the first
  for (auto it = map.begin(); it != map.end(); ++it) {
    try {
      if (!it->first.IsScalar()) fail(ctx, it->first, "found a complex key in " + where + ", expected a name");
      const std::string k = it->first.Scalar();
      if (!seen.insert(k).second) fail(ctx, it->first, "found key '" + k + "' twice in " + where + ", expected it once");
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      const auto close = expr::close_matches(k, allowed, 1);
      std::string msg = "found unknown key '" + k + "' in " + where;
      if (!close.empty()) msg += " (did you mean '" + close.front() + "'?)";
      msg += ", expected one of: " + join(allowed);
      fail(ctx, it->first, msg);
    } catch (const ScenarioError& e) {
      bad.push_back(e);
    }
  }
  if (!bad.empty()) throw ScenarioError::combine(bad);
}

// Runs `f` for each entry of a map, collecting the errors of all entries (one bad entry does not hide the next).
template <class F>
void each_entry(const YAML::Node& map, F&& f) {
  std::vector<ScenarioError> bad;
  for (auto it = map.begin(); it != map.end(); ++it) {
    try {
      f(it);
    } catch (const ScenarioError& e) {
      bad.push_back(e);
    }
  }
  if (!bad.empty()) throw ScenarioError::combine(bad);
}

// ---- units ------------------------------------------------------------------------------------------------------

enum class Dim { kVoltage, kCurrent, kTime, kTemperature, kRatio, kPlain, kResistance, kPower, kCapacity };

const char* dim_text(Dim d) {
  switch (d) {
    case Dim::kVoltage: return "a voltage (V, mV)";
    case Dim::kCurrent: return "a current (A, mA)";
    case Dim::kTime: return "a duration (ms, s, min, h)";
    case Dim::kTemperature: return "a temperature (°C, degC)";
    case Dim::kRatio: return "a ratio (0..1 or %)";
    case Dim::kPlain: return "a plain number";
    case Dim::kResistance: return "a resistance (Ohm, mOhm)";
    case Dim::kPower: return "a power (W, kW)";
    case Dim::kCapacity: return "a capacity (Ah)";
  }
  return "?";
}
const char* dim_si(Dim d) {
  switch (d) {
    case Dim::kVoltage: return "V";
    case Dim::kCurrent: return "A";
    case Dim::kTime: return "s";
    case Dim::kTemperature: return "degC";
    case Dim::kResistance: return "Ohm";
    case Dim::kPower: return "W";
    case Dim::kCapacity: return "Ah";
    default: return "";
  }
}

// Reads a number with an optional unit (required for durations); returns it in the dimension's SI unit.
double quantity(const Ctx& ctx, const YAML::Node& n, Dim dim, const std::string& key) {
  const std::string text = scalar(ctx, n, std::string(dim_text(dim)) + " for '" + key + "'");
  std::string t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  if (!t.empty() && t.back() == '%') {
    if (dim != Dim::kRatio)
      fail(ctx, n, "found '" + text + "' (a percentage), expected " + dim_text(dim) + " for '" + key + "'");
    try {
      const auto q = expr::parse_quantity(t.substr(0, t.size() - 1));
      if (!q.unit.empty()) throw expr::ParseError(1, "unit");
      return q.value / 100.0;
    } catch (const expr::ParseError&) {
      fail(ctx, n, "found '" + text + "', expected a percentage like '8 %' for '" + key + "'");
    }
  }
  expr::Quantity q;
  try {
    q = expr::parse_quantity(t);
  } catch (const expr::ParseError&) {
    std::string example;
    switch (dim) {
      case Dim::kTime: example = " (a number with its unit, e.g. '30 s')"; break;
      case Dim::kCurrent: example = " (a number with a unit, e.g. '90 A')"; break;
      case Dim::kVoltage: example = " (a number with a unit, e.g. '13.2 V')"; break;
      case Dim::kTemperature: example = " (e.g. '25' or '25 degC')"; break;
      case Dim::kRatio: example = " (e.g. '0.08' or '8 %')"; break;
      case Dim::kPlain: example = " (e.g. '2000')"; break;
      default: break;
    }
    fail(ctx, n, "found '" + text + "', expected " + dim_text(dim) + " for '" + key + "'" + example);
  }
  if (!std::isfinite(q.value)) fail(ctx, n, "found '" + text + "', expected a finite number for '" + key + "'");
  if (q.unit.empty()) {
    if (dim == Dim::kTime)
      fail(ctx, n, "found '" + text + "' without a unit, expected a duration with its unit (e.g. '30 s', '500 ms') for '" +
                       key + "'");
    return q.value;
  }
  const std::string want = dim_si(dim);
  if (want.empty() || q.unit_si != want)
    fail(ctx, n, "found '" + text + "' (unit '" + q.unit + "'), expected " + dim_text(dim) + " for '" + key + "'");
  if (dim == Dim::kTime && std::fabs(q.value_si) > kMaxScenarioTimeS)
    fail(ctx, n, "found '" + text + "' for '" + key + "', expected at most 7 days (604800 s), the longest time a scenario may name");
  return q.value_si;
}

Time duration(const Ctx& ctx, const YAML::Node& n, const std::string& key) {
  const double s = quantity(ctx, n, Dim::kTime, key);
  if (s < 0) fail(ctx, n, "found a negative duration '" + n.Scalar() + "', expected ≥ 0 for '" + key + "'");
  return from_seconds(s);
}

double ranged(const Ctx& ctx, const YAML::Node& n, Dim dim, const std::string& key, double lo, double hi,
              const char* unit_text) {
  const double v = quantity(ctx, n, dim, key);
  if (!(v >= lo && v <= hi)) {
    std::ostringstream os;
    os << "found " << key << " = " << n.Scalar() << ", expected a value in [" << lo << ", " << hi << "]" << unit_text;
    fail(ctx, n, os.str());
  }
  return v;
}

long integer(const Ctx& ctx, const YAML::Node& n, const std::string& key, long lo, long hi) {
  const std::string text = scalar(ctx, n, "an integer for '" + key + "'");
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0')
    fail(ctx, n, "found '" + text + "', expected an integer for '" + key + "'");
  if (v < lo || v > hi)
    fail(ctx, n, "found " + key + " = " + text + ", expected an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  return v;
}

bool boolean(const Ctx& ctx, const YAML::Node& n, const std::string& key) {
  const std::string text = scalar(ctx, n, "true or false for '" + key + "'");
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(ctx, n, "found '" + text + "', expected true or false for '" + key + "'");
}

std::string choice(const Ctx& ctx, const YAML::Node& n, const std::string& key, const std::vector<std::string>& options) {
  const std::string text = scalar(ctx, n, "one of " + join(options) + " for '" + key + "'");
  if (std::find(options.begin(), options.end(), text) != options.end()) return text;
  const auto close = expr::close_matches(text, options, 1);
  std::string msg = "found '" + text + "' for '" + key + "'";
  if (!close.empty()) msg += " (did you mean '" + close.front() + "'?)";
  fail(ctx, n, msg + ", expected one of: " + join(options));
}

// Runs a plant validate() and turns its refusal into an error at `n`.
template <class F>
void plant_check(const Ctx& ctx, const YAML::Node& n, F&& validate) {
  try {
    validate();
  } catch (const std::exception& e) {
    fail(ctx, n, "found a value the plant model refuses (" + std::string(e.what()) + "), expected a value in its range");
  }
}

// ---- the draft (collected from the file and its includes) ---------------------------------------------------------

struct Section {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  Ctx ctx;
};

struct Draft {
  std::vector<Section> sections;  // includes first, in order
  std::map<fs::path, SourceLoc> included;  // every fragment loaded so far, where it was first included
};

// A '{' or '[' left open, or a bracket that closes nothing, found by scanning the text (quotes and comments skipped).
struct Bracket {
  char c;
  int line, column;
};
struct BracketProblem {
  Bracket at;
  bool unclosed;  // else: a closing bracket without its opening one
};
std::optional<BracketProblem> bracket_problem(const std::string& text) {
  std::vector<Bracket> open;
  int line = 1, column = 0;
  char quote = 0;
  bool comment = false;
  char prev = '\n';
  for (const char ch : text) {
    ++column;
    if (ch == '\n') {
      // A flow collection may span lines, but a line that starts a new key at the left margin ends any open one.
      ++line;
      column = 0;
      comment = false;
      if (quote == '\'') quote = 0;
      prev = ch;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (ch == quote) quote = 0;
      prev = ch;
      continue;
    }
    if ((ch == '\'' || ch == '"') && (prev == ' ' || prev == '{' || prev == '[' || prev == ',' || prev == ':' || prev == '\n')) quote = ch;
    else if (ch == '#' && (prev == ' ' || prev == '\n' || prev == '\t')) comment = true;
    else if (ch == '{' || ch == '[') open.push_back({ch, line, column});
    else if (ch == '}' || ch == ']') {
      const char want = ch == '}' ? '{' : '[';
      if (open.empty()) return BracketProblem{{ch, line, column}, false};
      if (open.back().c != want) return BracketProblem{open.back(), true};
      open.pop_back();
    }
    prev = ch;
  }
  if (!open.empty()) return BracketProblem{open.back(), true};
  return std::nullopt;
}

// yaml-cpp's message and mark in a test engineer's words, at the line of the mistake where it can be found.
std::tuple<int, int, std::string> explain_yaml_error(const std::string& text, int line, int column, const std::string& msg) {
  const std::string prefix = "found invalid YAML: ";
  if (msg.find("flow") != std::string::npos) {
    if (const auto p = bracket_problem(text)) {
      const std::string open(1, p->at.c), close(1, p->at.c == '{' ? '}' : p->at.c == '[' ? ']' : '?');
      if (p->unclosed)
        return {p->at.line, p->at.column,
                prefix + "a '" + open + "' that is never closed, expected a matching '" + close + "'"};
      return {p->at.line, p->at.column,
              prefix + "a '" + open + "' that closes nothing, expected it removed or its opening bracket added"};
    }
    return {line, column,
            prefix + "a { } or [ ] that yaml cannot read, expected values that contain [ ] or ${...} inside { } or [ ] "
                     "to be quoted, e.g. { 'load[0]/current_a': 40 A }"};
  }
  if (msg.find("illegal map value") != std::string::npos)
    return {line, column,
            prefix + "a second ':' on one line, expected one 'key: value' per line (quote a value that contains ': ', "
                     "or put the nested map on its own indented lines)"};
  if (msg.find("tab") != std::string::npos)
    return {line, column, prefix + "a tab used for indentation, expected spaces"};
  if (msg.find("end of map not found") != std::string::npos || msg.find("end of sequence not found") != std::string::npos ||
      msg.find("block") != std::string::npos)
    return {line, column,
            prefix + "a line indented differently from the lines above it, expected the keys (or '- ' items) of one "
                     "map (or list) to start in the same column"};
  if (msg.find("end of string") != std::string::npos || msg.find("quote") != std::string::npos)
    return {line, column, prefix + "a quoted text that is never closed, expected its closing quote"};
  return {line, column, prefix + msg + ", expected YAML as in scenarios/README.md"};
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  if (const auto bad = first_invalid_utf8(text)) {
    const auto [line, col] = line_column_of(text, *bad);
    throw ScenarioError(SourceLoc{file, line, col}, "found a byte that is not UTF-8, expected UTF-8 text");
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    const auto [line, column, message] = explain_yaml_error(text, e.mark.line + 1, e.mark.column + 1, e.msg);
    throw ScenarioError(SourceLoc{file, line, column}, message);
  }
}

std::string read_text(const fs::path& p, const Ctx* from, const YAML::Node* at) {
  // A regular file of bounded size only: a FIFO would block the open, a device (/dev/zero) would be read forever.
  std::error_code ec;
  const auto status = fs::status(p, ec);
  std::string problem;
  if (!ec && fs::exists(status) && !fs::is_regular_file(status))
    problem = fs::is_directory(status) ? "a folder" : "not a regular file (a pipe, socket or device)";
  else if (!ec && fs::exists(status) && fs::file_size(p, ec) > kMaxScenarioFileBytes)
    problem = "larger than " + std::to_string(kMaxScenarioFileBytes / 1024) + " KiB";
  if (!problem.empty()) {
    if (from != nullptr) fail(*from, *at, "found include '" + p.string() + "', which is " + problem + ", expected a scenario file");
    throw ScenarioError(SourceLoc{p.string(), 0, 0}, "found " + problem + ", expected a scenario file");
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    if (from != nullptr) fail(*from, *at, "found include '" + p.string() + "' which cannot be read, expected an existing file");
    throw ScenarioError(SourceLoc{p.string(), 0, 0}, "cannot read the file, expected a readable scenario file");
  }
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

const std::vector<std::string> kTopKeys = {"name",  "description", "requirements", "include",  "matrix",
                                           "bank",  "alternator",  "starter",      "loads",    "charger",
                                           "fuse",  "firmware",    "plant",        "ambient_c", "remote_mode",
                                           "duration", "timeline", "expect"};

void collect(const YAML::Node& root, const Ctx& ctx, Draft& d, std::vector<fs::path>& stack, bool is_fragment) {
  if (root.IsNull()) fail(ctx, root, "found an empty file, expected a YAML map of scenario keys");
  check_keys(ctx, root, is_fragment ? "an included fragment" : "the scenario", kTopKeys);
  if (auto inc = root["include"]) {
    std::vector<YAML::Node> items;
    if (inc.IsSequence())
      for (const auto& i : inc) items.push_back(i);
    else
      items.push_back(inc);
    for (const auto& item : items) {
      const std::string rel = scalar(ctx, item, "a fragment file name");
      const fs::path p = ctx.dir / rel;
      std::error_code ec;
      const fs::path canon = fs::weakly_canonical(p, ec);
      if (std::find(stack.begin(), stack.end(), canon) != stack.end())
        fail(ctx, item, "found include '" + rel + "' which includes itself (cycle), expected a fragment that does not");
      // Each fragment once per scenario (its sections would otherwise apply twice, and a fragment included twice at
      // each of n levels would be loaded 2^n times); a bounded number of fragments in all.
      if (const auto it = d.included.find(canon); it != d.included.end())
        fail(ctx, item, "found include '" + rel + "' a second time (first at " + it->second.str() +
                            "), expected each fragment once per scenario");
      if (d.included.size() >= kMaxIncludes)
        fail(ctx, item, "found more than " + std::to_string(kMaxIncludes) + " included fragments, expected at most that many");
      d.included.emplace(canon, loc_of(ctx, item));
      const std::string text = read_text(p, &ctx, &item);
      Ctx sub{p.lexically_normal().string(), p.parent_path(), ctx.params};
      const YAML::Node froot = parse_yaml(text, sub.file);
      stack.push_back(canon);
      collect(froot, sub, d, stack, true);
      stack.pop_back();
    }
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (k == "include") continue;
    if (is_fragment && (k == "name" || k == "matrix"))
      fail(ctx, it->first, "found '" + k + "' in an included fragment, expected it only in the scenario file");
    d.sections.push_back(Section{k, it->first, it->second, ctx});
  }
}

// ---- setup sections -------------------------------------------------------------------------------------------------

struct Setup {
  int batteries = 1;
  double soc = 0.5;
  double temperature_c = 25.0;
  plant::BatteryParams battery{};
  plant::SpreadParams spread{};
  bool fuse_given = false;
  std::map<std::string, SourceLoc> fw_locs;  // firmware key → where it was set
  std::map<std::string, YAML::Node> fw_nodes;
};

void read_bank(const Section& s, Scenario& sc, Setup& su) {
  const auto& ctx = s.ctx;
  check_keys(ctx, s.value, "bank", {"batteries", "soc", "temperature_c", "capacity_ah", "spread", "smart_bms"});
  for (auto it = s.value.begin(); it != s.value.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "batteries") su.batteries = static_cast<int>(integer(ctx, v, "batteries", 1, fw::kMaxBatteries));
    else if (k == "soc") su.soc = ranged(ctx, v, Dim::kRatio, "soc", 0.0, 1.0, "");
    else if (k == "temperature_c") su.temperature_c = ranged(ctx, v, Dim::kTemperature, "temperature_c", -40, 85, " °C");
    else if (k == "capacity_ah") {
      su.battery.cell.capacity_ah = quantity(ctx, v, Dim::kCapacity, k);
      plant_check(ctx, v, [&] { su.battery.validate(); });
    } else if (k == "spread") {
      check_keys(ctx, v, "bank.spread", {"seed", "capacity", "r0", "soc"});
      for (auto jt = v.begin(); jt != v.end(); ++jt) {
        const std::string sk = jt->first.Scalar();
        const YAML::Node sv = jt->second;
        if (sk == "seed") su.spread.seed = static_cast<std::uint64_t>(integer(ctx, sv, "seed", 0, 2147483647L));
        else if (sk == "capacity") su.spread.capacity_rel = quantity(ctx, sv, Dim::kRatio, "spread.capacity");
        else if (sk == "r0") su.spread.r0_rel = quantity(ctx, sv, Dim::kRatio, "spread.r0");
        else su.spread.soc_abs = quantity(ctx, sv, Dim::kRatio, "spread.soc");
        plant_check(ctx, sv, [&] { su.spread.validate(); });
      }
      sc.seed = su.spread.seed;
    } else if (k == "smart_bms") {
      check_keys(ctx, v, "bank.smart_bms", {"load_disconnect_v", "prealarm_v", "cell_overvoltage_v", "low_temp_charge_c"});
      for (auto jt = v.begin(); jt != v.end(); ++jt) {
        const std::string sk = jt->first.Scalar();
        const YAML::Node sv = jt->second;
        auto& b = su.battery.smart_bms;
        if (sk == "load_disconnect_v") b.load_disconnect_v = quantity(ctx, sv, Dim::kVoltage, sk);
        else if (sk == "prealarm_v") b.prealarm_v = quantity(ctx, sv, Dim::kVoltage, sk);
        else if (sk == "cell_overvoltage_v") b.cell_overvoltage_v = quantity(ctx, sv, Dim::kVoltage, sk);
        else b.low_temp_charge_c = quantity(ctx, sv, Dim::kTemperature, sk);
        plant_check(ctx, sv, [&] { b.validate(); });
      }
    }
  }
}

void read_alternator(const Section& s, Scenario& sc) {
  const auto& ctx = s.ctx;
  check_keys(ctx, s.value, "alternator", {"engine_rpm", "rated_a", "set_point_v", "pulley_ratio", "droop_ohm"});
  auto& a = sc.world.alternator;
  for (auto it = s.value.begin(); it != s.value.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "engine_rpm") sc.world.engine_rpm = ranged(ctx, v, Dim::kPlain, k, 0, 8000, " rpm");
    else if (k == "rated_a") a.rated_current_a = quantity(ctx, v, Dim::kCurrent, k);
    else if (k == "set_point_v") a.set_point_v = quantity(ctx, v, Dim::kVoltage, k);
    else if (k == "pulley_ratio") a.pulley_ratio = quantity(ctx, v, Dim::kPlain, k);
    else a.droop_ohm = quantity(ctx, v, Dim::kResistance, k);
    plant_check(ctx, v, [&] { a.validate(); });
  }
}

void read_starter(const Section& s, Scenario& sc) {
  const auto& ctx = s.ctx;
  check_keys(ctx, s.value, "starter", {"soc", "capacity_ah", "r0_ohm"});
  auto& st = sc.world.starter;
  for (auto it = s.value.begin(); it != s.value.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "soc") st.initial_soc = ranged(ctx, v, Dim::kRatio, k, 0, 1, "");
    else if (k == "capacity_ah") st.capacity_ah = quantity(ctx, v, Dim::kCapacity, k);
    else st.r0_ohm = quantity(ctx, v, Dim::kResistance, k);
    plant_check(ctx, v, [&] { st.validate(); });
  }
}

void read_loads(const Section& s, Scenario& sc, bool& first_loads) {
  const auto& ctx = s.ctx;
  if (!s.value.IsSequence()) fail(ctx, s.value, std::string("found ") + node_kind(s.value) + " for loads, expected a list of loads");
  if (first_loads) {
    sc.world.loads.clear();
    first_loads = false;
  }
  for (const auto& item : s.value) {
    check_keys(ctx, item, "a load", {"current_a", "power_w", "resistance_ohm", "switched_by"});
    plant::LoadParams l;
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string k = it->first.Scalar();
      const YAML::Node v = it->second;
      if (k == "current_a") l.current_a = quantity(ctx, v, Dim::kCurrent, k);
      else if (k == "power_w") l.power_w = quantity(ctx, v, Dim::kPower, k);
      else if (k == "resistance_ohm") l.resistance_ohm = quantity(ctx, v, Dim::kResistance, k);
      else {
        const auto c = choice(ctx, v, k, {"always", "ld", "cd"});
        l.switched_by = c == "ld" ? plant::LoadSwitch::kLd : c == "cd" ? plant::LoadSwitch::kCd : plant::LoadSwitch::kAlways;
      }
      plant_check(ctx, v, [&] { l.validate(); });
    }
    if (sc.world.loads.size() >= 16) fail(ctx, item, "found more than 16 loads, expected at most 16");
    sc.world.loads.push_back(l);
  }
}

void read_charger(const Section& s, Scenario& sc, bool& shore) {
  const auto& ctx = s.ctx;
  check_keys(ctx, s.value, "charger", {"cv_v", "cc_a", "switched_by_cd", "shore_power"});
  auto& c = sc.world.charger;
  for (auto it = s.value.begin(); it != s.value.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "cv_v") c.cv_v = quantity(ctx, v, Dim::kVoltage, k);
    else if (k == "cc_a") c.cc_a = quantity(ctx, v, Dim::kCurrent, k);
    else if (k == "switched_by_cd") c.switched_by_cd = boolean(ctx, v, k);
    else shore = boolean(ctx, v, k);
    plant_check(ctx, v, [&] { c.validate(); });
  }
}

void read_fuse(const Section& s, Scenario& sc, Setup& su) {
  const auto& ctx = s.ctx;
  check_keys(ctx, s.value, "fuse", {"rating_a", "blow_multiple", "tau_s"});
  auto& f = sc.world.fuse;
  for (auto it = s.value.begin(); it != s.value.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    if (k == "rating_a") {
      f.rating_a = quantity(ctx, v, Dim::kCurrent, k);
      su.fuse_given = true;
    } else if (k == "blow_multiple") f.blow_multiple = quantity(ctx, v, Dim::kPlain, k);
    else f.tau_s = quantity(ctx, v, Dim::kTime, k);
    plant_check(ctx, v, [&] { f.validate(); });
  }
}

const std::vector<std::string> kFirmwareKeys = {"input_mode", "load_disconnect_v", "prealarm_v", "cell_overvoltage_v",
                                                "low_temp_charge_c", "prealarm_enabled", "prealarm_mode",
                                                "fuse_rating_a", "system_switch", "lvd_emergency_floor_v"};

void read_firmware(const Section& s, Scenario& sc, Setup& su) {
  const auto& ctx = s.ctx;
  check_keys(ctx, s.value, "firmware", kFirmwareKeys);
  auto& f = sc.firmware;
  for (auto it = s.value.begin(); it != s.value.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node v = it->second;
    su.fw_nodes[k] = v;
    su.fw_locs[k] = loc_of(ctx, v);
    auto mv = [&] { return static_cast<std::int32_t>(std::lround(quantity(ctx, v, Dim::kVoltage, k) * 1000.0)); };
    if (k == "input_mode")
      f.input_mode = choice(ctx, v, k, {"cells", "battery_signals"}) == "cells" ? fw::InputMode::kCells
                                                                             : fw::InputMode::kBatterySignals;
    else if (k == "load_disconnect_v") f.load_disconnect_mv = mv();
    else if (k == "prealarm_v") f.prealarm_mv = mv();
    else if (k == "cell_overvoltage_v") f.cell_overvoltage_mv = mv();
    else if (k == "lvd_emergency_floor_v") f.lvd_emergency_floor_mv = mv();
    else if (k == "low_temp_charge_c")
      f.low_temp_charge_dc = static_cast<std::int16_t>(
          std::clamp(std::lround(quantity(ctx, v, Dim::kTemperature, k) * 10.0), -32768L, 32767L));
    else if (k == "prealarm_enabled") f.prealarm_enabled = boolean(ctx, v, k);
    else if (k == "system_switch") f.system_switch = boolean(ctx, v, k);
    else if (k == "prealarm_mode")
      f.prealarm_mode = choice(ctx, v, k, {"continuous", "intermittent"}) == "continuous" ? fw::PreAlarmMode::kContinuous
                                                                                        : fw::PreAlarmMode::kIntermittent;
    else if (k == "fuse_rating_a") {
      const double a = quantity(ctx, v, Dim::kCurrent, k);
      if (a != std::floor(a)) fail(ctx, v, "found fuse_rating_a = " + v.Scalar() + ", expected a whole number of amps");
      f.fuse_rating_a = static_cast<std::int32_t>(std::clamp(a, -1e9, 1e9));
    }
  }
}

// Maps a fw::validate() refusal to the key that caused it.
void check_firmware(Scenario& sc, Setup& su, const SourceLoc& fallback) {
  const fw::ConfigError err = fw::validate(sc.firmware);
  if (err == fw::ConfigError::kOk) return;
  static const std::map<fw::ConfigError, std::pair<const char*, const char*>> keys = {
      {fw::ConfigError::kBatteryCount, {"batteries", "1..5 batteries"}},
      {fw::ConfigError::kLoadDisconnect, {"load_disconnect_v", "2.60..2.80 V"}},
      {fw::ConfigError::kPrealarm, {"prealarm_v", "2.85..3.15 V"}},
      {fw::ConfigError::kCellOvervoltage, {"cell_overvoltage_v", "3.60..4.20 V"}},
      {fw::ConfigError::kLowTempCharge, {"low_temp_charge_c", "-20..+20 °C"}},
      {fw::ConfigError::kFuseRating, {"fuse_rating_a", "a supported Megafuse rating: 40, 50, 60, 70, 80, 100 or 125 A"}},
      {fw::ConfigError::kEmergencyFloor, {"lvd_emergency_floor_v", "0 (off) or 2.00..2.79 V and below load_disconnect_v"}},
  };
  std::string key = fw::to_string(err);
  std::string range = "a valid value";
  if (auto it = keys.find(err); it != keys.end()) {
    key = it->second.first;
    range = it->second.second;
  }
  SourceLoc loc = fallback;
  std::string found = key;
  if (auto it = su.fw_locs.find(key); it != su.fw_locs.end()) {
    loc = it->second;
    found = key + " = " + su.fw_nodes[key].Scalar();
  }
  throw ScenarioError(loc, "found firmware " + found + ", which the firmware refuses (fw::validate: " +
                               fw::to_string(err) + "), expected " + range);
}

// ---- settable targets and faults ------------------------------------------------------------------------------------

struct SettableSpec {
  Settable s;
  const SignalDef* def = nullptr;
};

Dim write_dim(const WriteSpec& w) {
  const std::string_view d = w.dimension;
  if (d == "V") return Dim::kVoltage;
  if (d == "A") return Dim::kCurrent;
  if (d == "degC") return Dim::kTemperature;
  if (d == "ratio") return Dim::kRatio;
  if (d == "W") return Dim::kPower;
  if (d == "ohm") return Dim::kResistance;
  return Dim::kPlain;
}

// A set point by its canonical registry name (the loader's own initial actions).
Settable registry_settable(const std::string& name, int batteries, int loads) {
  const auto r = resolve(name, batteries, loads);
  if (!r || r->def->write.kind == WriteKind::kNone) throw std::logic_error("loader: " + name + " is not writable");
  const SignalDef* def = r->def;
  return Settable{r->name, [def](const plant::World& w) { return def->write.setpoint(w, 0, 0); },
                  [def](plant::World& w, double v) { def->write.set(w, 0, 0, v); }};
}

// A `set:` / `ramp:` target, bound through the signal registry (rig/signals.hpp): canonical names and aliases.
SettableSpec settable(const Ctx& ctx, const YAML::Node& key_node, const Scenario& sc, int batteries) {
  const std::string& given = key_node.Scalar();
  const int loads = static_cast<int>(sc.world.loads.size());
  const auto r = resolve(given, batteries, loads);
  if (!r || r->def->write.kind == WriteKind::kNone) {
    const auto names = writable_names(batteries, loads);
    const auto close = expr::close_matches(given, names, 1);
    std::string msg = r ? "found '" + given + "', which a scenario cannot write (it is " +
                              (r->def->source == Source::kFirmware ? "a firmware output" : "computed by the plant") + ")"
                        : "found unknown set-point '" + given + "'";
    if (!close.empty()) msg += " (did you mean '" + close.front() + "'?)";
    fail(ctx, key_node, msg + ", expected a writable signal (`bmsrig signals` lists them)");
  }
  const SignalDef* def = r->def;
  const int a = r->a, b = r->b;
  Settable st{r->name, [def, a, b](const plant::World& w) { return def->write.setpoint(w, a, b); },
              [def, a, b](plant::World& w, double v) { def->write.set(w, a, b, v); }};
  return SettableSpec{std::move(st), def};
}

double settable_value(const Ctx& ctx, const YAML::Node& v, const SettableSpec& sp) {
  const auto& w = sp.def->write;
  if (w.kind == WriteKind::kBool) return boolean(ctx, v, sp.s.name) ? 1.0 : 0.0;
  if (w.kind == WriteKind::kChoice) {
    std::vector<std::string> words;
    for (std::string_view c = w.choices; !c.empty();) {
      const auto k = c.find(',');
      words.emplace_back(c.substr(0, k));
      if (k == std::string_view::npos) break;
      c.remove_prefix(k + 1);
    }
    const auto m = choice(ctx, v, sp.s.name, words);
    return static_cast<double>(std::find(words.begin(), words.end(), m) - words.begin());
  }
  const double x = quantity(ctx, v, write_dim(w), sp.s.name);
  if (!(x >= w.lo && x <= w.hi)) {
    std::ostringstream os;
    os << "found " << sp.s.name << " = " << v.Scalar() << ", expected a value in [" << w.lo << ", " << w.hi << "]";
    fail(ctx, v, os.str());
  }
  return x;
}

struct CellRef {
  int b = 0, c = 0;
};

CellRef cell_ref(const Ctx& ctx, const YAML::Node& m, int batteries, bool need_cell = true) {
  CellRef r;
  if (!m["battery"]) fail(ctx, m, "found a fault without 'battery', expected battery: 0.." + std::to_string(batteries - 1));
  r.b = static_cast<int>(integer(ctx, m["battery"], "battery", 0, batteries - 1));
  if (need_cell) {
    if (!m["cell"]) fail(ctx, m, "found a fault without 'cell', expected cell: 0..3");
    r.c = static_cast<int>(integer(ctx, m["cell"], "cell", 0, 3));
  }
  return r;
}

const std::vector<std::string> kFaultKinds = {"weak_cell",      "sense_wire_open",     "cell_voltage_sensor",
                                              "cell_temperature_sensor", "cell_temperature", "bms_cable",
                                              "fuse",           "regulator_failure",   "load_dump",
                                              "belt_slip",      "crank",               "starter",
                                              "firmware_reset", "bms_cable_line",      "power_stage",
                                              "heatsink_sensor"};

plant::SensorFault sensor_fault(const Ctx& ctx, const YAML::Node& m, Dim dim) {
  plant::SensorFault f;
  const auto k = choice(ctx, m["kind"], "kind", {"none", "open", "short", "stuck", "noisy", "offset"});
  f.kind = k == "none" ? plant::SensorFaultKind::kNone
           : k == "open" ? plant::SensorFaultKind::kOpen
           : k == "short" ? plant::SensorFaultKind::kShort
           : k == "stuck" ? plant::SensorFaultKind::kStuck
           : k == "noisy" ? plant::SensorFaultKind::kNoisy
                          : plant::SensorFaultKind::kOffset;
  const char* vkey = dim == Dim::kVoltage ? "value_v" : "value_c";
  const char* skey = dim == Dim::kVoltage ? "sigma_v" : "sigma_c";
  if (m[vkey]) f.value = quantity(ctx, m[vkey], dim, vkey);
  if (m[skey]) f.sigma = quantity(ctx, m[skey], dim, skey);
  if (m["seed"]) f.seed = static_cast<std::uint64_t>(integer(ctx, m["seed"], "seed", 0, 2147483647L));
  if (m["hold_current"]) f.hold_current = boolean(ctx, m["hold_current"], "hold_current");
  plant_check(ctx, m, [&] { f.validate(); });
  return f;
}

void read_faults(const Ctx& ctx, const YAML::Node& faults, int batteries, std::vector<Action>& out) {
  check_keys(ctx, faults, "fault", kFaultKinds);
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    const std::string k = it->first.Scalar();
    const YAML::Node m = it->second;
    FaultAction fa{k, nullptr};
    if (k == "weak_cell") {
      check_keys(ctx, m, "weak_cell", {"battery", "cell", "drop_v", "capacity_scale", "r0_scale"});
      const auto cr = cell_ref(ctx, m, batteries);
      plant::CellFault cf;
      if (m["drop_v"]) cf.ocv_offset_v = -quantity(ctx, m["drop_v"], Dim::kVoltage, "drop_v");
      if (m["capacity_scale"]) cf.capacity_scale = quantity(ctx, m["capacity_scale"], Dim::kRatio, "capacity_scale");
      if (m["r0_scale"]) cf.r0_scale = quantity(ctx, m["r0_scale"], Dim::kPlain, "r0_scale");
      plant_check(ctx, m, [&] { cf.validate(); });
      fa.apply = [cr, cf](plant::World& w) { w.set_cell_fault(cr.b, cr.c, cf); };
    } else if (k == "sense_wire_open") {
      check_keys(ctx, m, k, {"battery", "cell", "open"});
      const auto cr = cell_ref(ctx, m, batteries);
      const bool open = m["open"] ? boolean(ctx, m["open"], "open") : true;
      fa.apply = [cr, open](plant::World& w) { w.set_sense_wire_open(cr.b, cr.c, open); };
    } else if (k == "cell_voltage_sensor" || k == "cell_temperature_sensor") {
      const bool volt = k == "cell_voltage_sensor";
      check_keys(ctx, m, k,
                 {"battery", "cell", "kind", volt ? "value_v" : "value_c", volt ? "sigma_v" : "sigma_c", "seed",
                  "hold_current"});
      const auto cr = cell_ref(ctx, m, batteries);
      if (!m["kind"]) fail(ctx, m, "found a sensor fault without 'kind', expected kind: none|open|stuck|noisy|offset");
      const auto f = sensor_fault(ctx, m, volt ? Dim::kVoltage : Dim::kTemperature);
      if (volt) fa.apply = [cr, f](plant::World& w) { w.set_cell_voltage_sensor_fault(cr.b, cr.c, f); };
      else fa.apply = [cr, f](plant::World& w) { w.set_cell_temperature_sensor_fault(cr.b, cr.c, f); };
    } else if (k == "heatsink_sensor") {
      check_keys(ctx, m, k, {"kind", "value_c", "sigma_c", "seed", "hold_current"});
      if (!m["kind"]) fail(ctx, m, "found a sensor fault without 'kind', expected kind: none|open|stuck|noisy|offset");
      const auto f = sensor_fault(ctx, m, Dim::kTemperature);
      fa.apply = [f](plant::World& w) { w.set_heatsink_sensor_fault(f); };
    } else if (k == "cell_temperature") {
      check_keys(ctx, m, k, {"battery", "cell", "hold_c", "release"});
      const auto cr = cell_ref(ctx, m, batteries);
      std::optional<double> hold;
      if (m["hold_c"]) hold = ranged(ctx, m["hold_c"], Dim::kTemperature, "hold_c", -60, 150, " °C");
      if (m["release"] && boolean(ctx, m["release"], "release")) hold.reset();
      fa.apply = [cr, hold](plant::World& w) { w.set_cell_temperature_override(cr.b, cr.c, hold); };
    } else if (k == "bms_cable") {
      check_keys(ctx, m, k, {"battery", "connected"});
      const auto cr = cell_ref(ctx, m, batteries, false);
      const bool con = m["connected"] ? boolean(ctx, m["connected"], "connected") : false;
      fa.apply = [cr, con](plant::World& w) { w.set_bms_cable_connected(cr.b, con); };
    } else if (k == "bms_cable_line") {
      check_keys(ctx, m, k, {"battery", "line", "stuck"});
      const auto cr = cell_ref(ctx, m, batteries, false);
      if (!m["line"]) fail(ctx, m, "found bms_cable_line without 'line', expected line: atc|atd|pa");
      const auto ln = choice(ctx, m["line"], "line", {"atc", "atd", "pa"});
      const auto line = ln == "atc" ? plant::CableLine::kAllowedToCharge
                        : ln == "atd" ? plant::CableLine::kAllowedToDischarge : plant::CableLine::kPrealarm;
      if (!m["stuck"]) fail(ctx, m, "found bms_cable_line without 'stuck', expected stuck: true|false|released");
      std::optional<bool> level;
      const auto st = choice(ctx, m["stuck"], "stuck", {"true", "false", "released"});
      if (st != "released") level = st == "true";
      fa.apply = [cr, line, level](plant::World& w) { w.set_bms_cable_line(cr.b, line, level); };
    } else if (k == "power_stage") {
      const auto what = choice(ctx, m, "power_stage", {"fail", "repair"});
      if (what == "fail") fa.apply = [](plant::World& w) { w.fail_power_stage(); };
      else fa.apply = [](plant::World& w) { w.repair_power_stage(); };
    } else if (k == "fuse") {
      const auto what = choice(ctx, m, "fuse", {"blow", "replace"});
      if (what == "blow") fa.apply = [](plant::World& w) { w.blow_fuse(); };
      else fa.apply = [](plant::World& w) { w.replace_fuse(); };
    } else if (k == "regulator_failure") {
      if (m.IsScalar() && m.Scalar() == "clear") {
        fa.apply = [](plant::World& w) { w.set_regulator_failure(std::nullopt); };
      } else {
        check_keys(ctx, m, k, {"set_point_v"});
        if (!m["set_point_v"]) fail(ctx, m, "found regulator_failure without set_point_v, expected set_point_v: 16.5 V or 'clear'");
        const double v = ranged(ctx, m["set_point_v"], Dim::kVoltage, "set_point_v", 0, 40, " V");
        fa.apply = [v](plant::World& w) { w.set_regulator_failure(v); };
      }
    } else if (k == "load_dump") {
      check_keys(ctx, m, k, {"peak_v", "rise", "decay_tau", "internal_ohm"});
      plant::LoadDumpParams p;
      if (m["peak_v"]) p.peak_v = quantity(ctx, m["peak_v"], Dim::kVoltage, "peak_v");
      if (m["rise"]) p.rise_s = to_seconds(duration(ctx, m["rise"], "rise"));
      if (m["decay_tau"]) p.decay_tau_s = to_seconds(duration(ctx, m["decay_tau"], "decay_tau"));
      if (m["internal_ohm"]) p.internal_resistance_ohm = quantity(ctx, m["internal_ohm"], Dim::kResistance, "internal_ohm");
      plant_check(ctx, m, [&] { p.validate(); });
      fa.apply = [p](plant::World& w) { w.start_load_dump(p); };
    } else if (k == "belt_slip") {
      check_keys(ctx, m, k, {"fraction"});
      const double f = m["fraction"] ? ranged(ctx, m["fraction"], Dim::kRatio, "fraction", 0, 1, "") : 0.0;
      fa.apply = [f](plant::World& w) { w.set_belt_slip(f); };
    } else if (k == "crank") {
      plant::CrankProfile p;
      if (!(m.IsScalar() && (m.Scalar() == "true" || m.Scalar() == "default"))) {
        check_keys(ctx, m, k, {"inrush_a", "inrush", "crank_a", "crank", "stall_v"});
        if (m["inrush_a"]) p.inrush_a = quantity(ctx, m["inrush_a"], Dim::kCurrent, "inrush_a");
        if (m["inrush"]) p.inrush_s = to_seconds(duration(ctx, m["inrush"], "inrush"));
        if (m["crank_a"]) p.crank_a = quantity(ctx, m["crank_a"], Dim::kCurrent, "crank_a");
        if (m["crank"]) p.crank_s = to_seconds(duration(ctx, m["crank"], "crank"));
        if (m["stall_v"]) p.stall_v = quantity(ctx, m["stall_v"], Dim::kVoltage, "stall_v");
        plant_check(ctx, m, [&] { p.validate(); });
      }
      fa.apply = [p](plant::World& w) { w.start_crank(p); };
    } else if (k == "starter") {
      check_keys(ctx, m, k, {"connected"});
      const bool con = m["connected"] ? boolean(ctx, m["connected"], "connected") : false;
      fa.apply = [con](plant::World& w) { w.set_starter_connected(con); };
    } else if (k == "firmware_reset") {
      // true (= watchdog) | false (no reset) | watchdog | power
      if (m.IsScalar() && (m.Scalar() == "watchdog" || m.Scalar() == "power")) {
        out.emplace_back(FirmwareResetAction{m.Scalar() == "power"});
        continue;
      }
      if (!m.IsScalar() || (m.Scalar() != "true" && m.Scalar() != "false"))
        fail(ctx, m, "found firmware_reset '" + (m.IsScalar() ? m.Scalar() : std::string("(not a scalar)")) +
                         "', expected watchdog, power or true (= watchdog)");
      if (!boolean(ctx, m, "firmware_reset")) continue;
      out.emplace_back(FirmwareResetAction{});
      continue;
    }
    out.emplace_back(std::move(fa));
  }
}

// ---- expressions ----------------------------------------------------------------------------------------------------

struct Exprs {
  expr::Resolver resolver;
  const std::vector<SignalSpec>* catalogue;
};

[[noreturn]] void expr_fail(const Ctx& ctx, const YAML::Node& n, const expr::ParseError& e, const std::string& what) {
  SourceLoc loc = loc_of(ctx, n);
  if (loc.line > 0) loc.column += text_column(n) + static_cast<int>(e.column()) - 1;
  throw ScenarioError(loc, "found " + e.detail() + " in " + what + " '" + n.Scalar() + "'");
}

expr::Event parse_event(const Ctx& ctx, const YAML::Node& n, const Exprs& ex, const std::string& what) {
  const std::string text = scalar(ctx, n, "an event (a condition, rise(..), fall(..)) for " + what);
  try {
    return expr::Event::parse(text, ex.resolver);
  } catch (const expr::ParseError& e) {
    expr_fail(ctx, n, e, what);
  }
}

expr::Condition parse_condition(const Ctx& ctx, const YAML::Node& n, const Exprs& ex, const std::string& what) {
  const std::string text = scalar(ctx, n, "a condition for " + what);
  try {
    return expr::Condition::parse(text, ex.resolver);
  } catch (const expr::ParseError& e) {
    expr_fail(ctx, n, e, what);
  }
}

expr::SignalRef signal_ref(const Ctx& ctx, const YAML::Node& n, const Exprs& ex) {
  const std::string name = scalar(ctx, n, "a signal name");
  const auto d = ex.resolver.lookup(name);
  if (!d) {
    const auto close = expr::close_matches(name, ex.resolver.names(), 1);
    std::string msg = "found unknown signal '" + name + "'";
    if (!close.empty()) msg += " (did you mean '" + close.front() + "'?)";
    fail(ctx, n, msg + ", expected a recorded signal (see rig/scenario/include/rig/signals.hpp)");
  }
  const auto& info = (*ex.catalogue)[d->id].info;
  return expr::SignalRef{name, d->id, info.unit, info.kind};
}

double signal_value(const Ctx& ctx, const YAML::Node& n, const expr::SignalRef& s, const std::string& key) {
  Dim dim = Dim::kPlain;
  if (s.unit == "V") dim = Dim::kVoltage;
  else if (s.unit == "A") dim = Dim::kCurrent;
  else if (s.unit == "degC") dim = Dim::kTemperature;
  else if (s.kind == SignalKind::kAnalog) dim = Dim::kRatio;
  return quantity(ctx, n, dim, key + " of " + s.name);
}

bool looks_like_time(const std::string& t) {
  return !t.empty() && (std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '.' ||
                        ((t[0] == '-' || t[0] == '+') && t.size() > 1 && std::isdigit(static_cast<unsigned char>(t[1]))));
}

checks::Anchor anchor(const Ctx& ctx, const YAML::Node& n, const Exprs& ex, const std::string& what) {
  checks::Anchor a;
  if (n.IsMap()) {
    check_keys(ctx, n, what, {"event", "at", "offset"});
    if (n["event"]) a.event = parse_event(ctx, n["event"], ex, what);
    else if (n["at"]) a.at = duration(ctx, n["at"], "at");
    else fail(ctx, n, "found " + what + " without 'event' or 'at', expected one of them");
    if (n["offset"]) {
      const double s = quantity(ctx, n["offset"], Dim::kTime, "offset");
      a.offset = from_seconds(s);
    }
    return a;
  }
  const std::string t = scalar(ctx, n, "a time or an event for " + what);
  if (looks_like_time(t)) a.at = duration(ctx, n, what);
  else a.event = parse_event(ctx, n, ex, what);
  return a;
}

std::string one_line(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  std::string s = e.c_str();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// "{key: value}" on one line, emitted directly: building a node that holds `value` would merge its memory with the
// whole document's (yaml-cpp), which made loading quadratic in the number of checks.
std::string one_line_entry(const std::string& key, const YAML::Node& value) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << YAML::BeginMap << YAML::Key << key << YAML::Value << value << YAML::EndMap;
  std::string s = e.c_str();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

const std::vector<std::string> kCheckKinds = {"always", "never", "eventually", "lead",        "settles", "bounded",
                                             "count",  "duty",  "total",      "for_at_most", "each"};

// A window known to be empty without running: both ends fixed times (or the same event and offsets) with until ≤ from.
void check_window(const Ctx& ctx, const YAML::Node& item, const checks::Window& w) {
  if (!w.from || !w.until) return;
  const auto& f = *w.from;
  const auto& u = *w.until;
  std::optional<Time> tf, tu;
  if (!f.event && !u.event) tf = f.at + f.offset, tu = u.at + u.offset;
  else if (f.event && u.event && f.event->text() == u.event->text()) tf = f.offset, tu = u.offset;
  if (!tf || *tu > *tf) return;
  const std::string what = *tu == *tf ? "an empty window (until equals from)" : "a window that ends before it starts";
  fail(ctx, item["until"], "found " + what + ": from " + one_line(item["from"]) + ", until " + one_line(item["until"]) +
                               ", expected until after from");
}

checks::CheckSpec read_check(const Ctx& ctx, const YAML::Node& item, const Exprs& ex, bool inner = false) {
  if (!item.IsMap()) fail(ctx, item, std::string("found ") + node_kind(item) + " in expect, expected a check such as 'never: <condition>'");
  std::vector<std::string> allowed = kCheckKinds;
  for (const char* k : {"name", "from", "until"}) allowed.emplace_back(k);
  if (inner) std::erase(allowed, std::string("from"));
  check_keys(ctx, item, inner ? "the check of each (its window starts at each occurrence; no 'from')" : "a check", allowed);
  checks::CheckSpec spec;
  std::optional<std::string> kind;
  YAML::Node body, kind_key;
  for (auto it = item.begin(); it != item.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(kCheckKinds.begin(), kCheckKinds.end(), k) == kCheckKinds.end()) continue;
    if (kind) fail(ctx, it->first, "found a second check kind '" + k + "' in one item, expected one per item");
    kind = k;
    body = it->second;
    kind_key = it->first;
  }
  if (!kind) fail(ctx, item, "found no check kind, expected one of: " + join(kCheckKinds));
  if (item["name"]) spec.name = scalar(ctx, item["name"], "a check name");
  if (item["from"]) spec.window.from = anchor(ctx, item["from"], ex, "from");
  if (item["until"]) spec.window.until = anchor(ctx, item["until"], ex, "until");
  check_window(ctx, item, spec.window);
  spec.source = substitute(ctx, item, one_line_entry(*kind, body));

  auto need = [&](const char* key) {
    if (!body[key]) fail(ctx, body, "found " + *kind + " without '" + key + "', expected it");
    return body[key];
  };
  if (*kind == "always" || *kind == "never") {
    YAML::Node cn = body;
    if (body.IsMap()) {
      check_keys(ctx, body, *kind, {"that"});
      cn = need("that");
    }
    auto c = parse_condition(ctx, cn, ex, *kind);
    if (*kind == "always") spec.kind = checks::Always{std::move(c)};
    else spec.kind = checks::Never{std::move(c)};
  } else if (*kind == "eventually") {
    check_keys(ctx, body, "eventually", {"that", "within", "after"});
    checks::Eventually e{parse_condition(ctx, need("that"), ex, "eventually.that"), duration(ctx, need("within"), "within"),
                         std::nullopt};
    if (body["after"]) e.after = anchor(ctx, body["after"], ex, "after");
    spec.kind = std::move(e);
  } else if (*kind == "lead") {
    check_keys(ctx, body, "lead", {"first", "then", "at_least", "at_most"});
    checks::Lead l{parse_event(ctx, need("first"), ex, "lead.first"), parse_event(ctx, need("then"), ex, "lead.then"),
                   std::nullopt, std::nullopt};
    if (body["at_least"]) l.at_least = from_seconds(quantity(ctx, body["at_least"], Dim::kTime, "at_least"));
    if (body["at_most"]) l.at_most = from_seconds(quantity(ctx, body["at_most"], Dim::kTime, "at_most"));
    if (!l.at_least && !l.at_most) fail(ctx, body, "found lead without limits, expected at_least and/or at_most");
    spec.kind = std::move(l);
  } else if (*kind == "settles") {
    check_keys(ctx, body, "settles", {"signal", "band", "target", "tolerance", "within", "after", "stays"});
    checks::Settles s;
    s.signal = signal_ref(ctx, need("signal"), ex);
    if (body["band"]) {
      const auto b = body["band"];
      if (!b.IsSequence() || b.size() != 2) fail(ctx, b, "found a band that is not [lo, hi], expected a list of two values");
      s.lo = signal_value(ctx, b[0], s.signal, "band");
      s.hi = signal_value(ctx, b[1], s.signal, "band");
      if (s.lo > s.hi) fail(ctx, b, "found band [" + b[0].Scalar() + ", " + b[1].Scalar() + "], expected lo ≤ hi");
    } else {
      const double t = signal_value(ctx, need("target"), s.signal, "target");
      const double tol = signal_value(ctx, need("tolerance"), s.signal, "tolerance");
      s.target = t;
      s.lo = t - tol;
      s.hi = t + tol;
    }
    s.within = duration(ctx, need("within"), "within");
    if (body["after"]) s.after = anchor(ctx, body["after"], ex, "after");
    if (body["stays"]) s.stays = boolean(ctx, body["stays"], "stays");
    spec.kind = std::move(s);
  } else if (*kind == "bounded") {
    check_keys(ctx, body, "bounded", {"signal", "min", "max", "excursion", "excursions", "total"});
    checks::Bounded b;
    b.signal = signal_ref(ctx, need("signal"), ex);
    if (body["min"]) b.lo = signal_value(ctx, body["min"], b.signal, "min");
    if (body["max"]) b.hi = signal_value(ctx, body["max"], b.signal, "max");
    if (!b.lo && !b.hi) fail(ctx, body, "found bounded without min or max, expected at least one");
    if (b.lo && b.hi && *b.lo > *b.hi)
      fail(ctx, body["max"], "found max " + body["max"].Scalar() + " below min " + body["min"].Scalar() + ", expected min ≤ max");
    if (body["excursion"]) b.allowed_excursion = duration(ctx, body["excursion"], "excursion");
    if (body["excursions"]) b.max_excursions = static_cast<int>(integer(ctx, body["excursions"], "excursions", 0, 1000000000));
    if (body["total"]) b.max_total = duration(ctx, body["total"], "total");
    spec.kind = std::move(b);
  } else if (*kind == "count") {
    check_keys(ctx, body, "count", {"of", "at_least", "at_most"});
    checks::Count c{parse_event(ctx, need("of"), ex, "count.of"), std::nullopt, std::nullopt};
    if (body["at_least"]) c.at_least = static_cast<int>(integer(ctx, body["at_least"], "at_least", 0, 1000000000));
    if (body["at_most"]) c.at_most = static_cast<int>(integer(ctx, body["at_most"], "at_most", 0, 1000000000));
    if (!c.at_least && !c.at_most) fail(ctx, body, "found count without limits, expected at_least and/or at_most");
    if (c.at_least && c.at_most && *c.at_least > *c.at_most)
      fail(ctx, body["at_most"], "found at_most below at_least, expected at_least ≤ at_most");
    spec.kind = std::move(c);
  } else if (*kind == "duty") {
    check_keys(ctx, body, "duty", {"that", "at_least", "at_most"});
    checks::Duty d{parse_condition(ctx, need("that"), ex, "duty.that"), std::nullopt, std::nullopt};
    if (body["at_least"]) d.at_least = ranged(ctx, body["at_least"], Dim::kRatio, "at_least", 0, 1, "");
    if (body["at_most"]) d.at_most = ranged(ctx, body["at_most"], Dim::kRatio, "at_most", 0, 1, "");
    if (!d.at_least && !d.at_most) fail(ctx, body, "found duty without limits, expected at_least and/or at_most (e.g. 10 %)");
    if (d.at_least && d.at_most && *d.at_least > *d.at_most)
      fail(ctx, body["at_most"], "found at_most below at_least, expected at_least ≤ at_most");
    spec.kind = std::move(d);
  } else if (*kind == "total") {
    check_keys(ctx, body, "total", {"that", "at_least", "at_most"});
    checks::Total t{parse_condition(ctx, need("that"), ex, "total.that"), std::nullopt, std::nullopt};
    if (body["at_least"]) t.at_least = duration(ctx, body["at_least"], "at_least");
    if (body["at_most"]) t.at_most = duration(ctx, body["at_most"], "at_most");
    if (!t.at_least && !t.at_most) fail(ctx, body, "found total without limits, expected at_least and/or at_most");
    if (t.at_least && t.at_most && *t.at_least > *t.at_most)
      fail(ctx, body["at_most"], "found at_most below at_least, expected at_least ≤ at_most");
    spec.kind = std::move(t);
  } else if (*kind == "for_at_most") {
    check_keys(ctx, body, "for_at_most", {"that", "duration"});
    spec.kind = checks::ForAtMost{parse_condition(ctx, need("that"), ex, "for_at_most.that"),
                                  duration(ctx, need("duration"), "duration")};
  } else {  // each
    if (inner) fail(ctx, kind_key, "found each inside each, expected another kind of check");
    check_keys(ctx, body, "each", {"of", "check"});
    checks::Each e{parse_event(ctx, need("of"), ex, "each.of"), nullptr};
    e.check = std::make_shared<const checks::CheckSpec>(read_check(ctx, need("check"), ex, true));
    spec.kind = std::move(e);
  }
  return spec;
}

// ---- timeline -------------------------------------------------------------------------------------------------------

// vedirect: { get: 0x2100 } | { set: 0x2103, value: 3 [, size: 4] } | { send: ":7002100FF" } → one HEX line.
unsigned long hex_or_decimal(const Ctx& ctx, const YAML::Node& n, const std::string& key, unsigned long hi) {
  const std::string text = scalar(ctx, n, "a number for '" + key + "'");
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text.c_str(), &end, 0);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0 || v > hi)
    fail(ctx, n, "found '" + text + "', expected a number 0.." + std::to_string(hi) + " for '" + key +
                     "' (decimal or 0x hex)");
  return v;
}

VeDirectAction read_vedirect(const Ctx& ctx, const YAML::Node& m) {
  check_keys(ctx, m, "vedirect", {"get", "set", "value", "size", "send"});
  const int kinds = (m["get"] ? 1 : 0) + (m["set"] ? 1 : 0) + (m["send"] ? 1 : 0);
  if (kinds != 1) fail(ctx, m, "found a vedirect action with " + std::to_string(kinds) +
                                   " of get/set/send, expected exactly one: { get: 0x2100 }, { set: 0x2103, value: 3 } "
                                   "or { send: \":7002100FF\" }");
  if (m["send"]) {
    // As a host writes it on the port: ':' then the frame's characters (malformed ones too, to test the error reply);
    // no second ':' (a board restarts its line there) and no control characters (the line ends with the '\n' the
    // rig appends).
    const std::string line = scalar(ctx, m["send"], "a HEX line for 'send'");
    bool ok = line.size() >= 2 && line[0] == ':' && line.size() <= 2 * fw::vedirect::kMaxHexFrameChars;
    for (std::size_t i = 1; ok && i < line.size(); ++i)
      ok = line[i] != ':' && static_cast<unsigned char>(line[i]) >= 0x20 && static_cast<unsigned char>(line[i]) < 0x7F;
    if (!ok)
      fail(ctx, m["send"], "found '" + line + "', expected a HEX line: ':' followed by 1.." +
                               std::to_string(2 * fw::vedirect::kMaxHexFrameChars - 1) +
                               " printable characters other than ':' (e.g. \":7002100FF\")");
    return VeDirectAction{line};
  }
  fw::vedirect::HexFrame f;
  if (m["get"]) {
    if (m["value"] || m["size"]) fail(ctx, m, "found value/size with get, expected them only with set");
    f = fw::vedirect::make_get(static_cast<std::uint16_t>(hex_or_decimal(ctx, m["get"], "get", 0xFFFF)));
  } else {
    const auto reg = static_cast<std::uint16_t>(hex_or_decimal(ctx, m["set"], "set", 0xFFFF));
    if (!m["value"]) fail(ctx, m, "found set without 'value', expected value: <number>");
    std::uint32_t cur = 0;
    std::size_t size = 4;
    if (!fw::vedirect::read_register(reg, fw::Config{}, fw::Outputs{}, cur, size)) size = 4;
    if (m["size"]) size = static_cast<std::size_t>(integer(ctx, m["size"], "size", 0, 4));
    if (size == 3) fail(ctx, m["size"], "found size = 3, expected 0, 1, 2 or 4 bytes");
    const auto value = static_cast<std::uint32_t>(hex_or_decimal(ctx, m["value"], "value", 0xFFFFFFFFul));
    f = fw::vedirect::make_register(static_cast<std::uint8_t>(fw::vedirect::HexCommand::kSet), reg, 0, value, size);
  }
  char line[fw::vedirect::kMaxHexFrameChars + 1];
  const std::size_t n = fw::vedirect::encode_hex(f, line, sizeof line);
  return VeDirectAction{std::string(line, n)};
}

TimelineEntry read_entry(const Ctx& ctx, const YAML::Node& item, const Exprs& ex, const Scenario& sc, int batteries) {
  check_keys(ctx, item, "a timeline entry",
             {"label", "at", "after", "when", "once", "repeat", "set", "ramp", "fault", "vedirect", "end"});
  TimelineEntry e;
  e.loc = loc_of(ctx, item);
  if (item["label"]) e.label = scalar(ctx, item["label"], "a label");
  const bool has_at = static_cast<bool>(item["at"]), has_when = static_cast<bool>(item["when"]),
             has_after = static_cast<bool>(item["after"]);
  if (has_at && (has_when || has_after))
    fail(ctx, item["at"], "found 'at' together with 'when'/'after', expected either at: <time> or when: <condition> [after: <delay>] or after: <delay>");
  if (!has_at && !has_when && !has_after)
    fail(ctx, item, "found a timeline entry without a trigger, expected at: <time>, when: <condition> or after: <delay>");
  if (has_at) {
    e.trigger.kind = Trigger::Kind::kAt;
    e.trigger.at = duration(ctx, item["at"], "at");
  } else if (has_when) {
    e.trigger.kind = Trigger::Kind::kWhen;
    e.trigger.when = parse_event(ctx, item["when"], ex, "when");
    if (has_after) e.trigger.at = duration(ctx, item["after"], "after");
    if (item["once"]) e.trigger.once = boolean(ctx, item["once"], "once");
  } else {
    e.trigger.kind = Trigger::Kind::kAfterPrevious;
    e.trigger.at = duration(ctx, item["after"], "after");
  }
  if (item["once"] && !has_when) fail(ctx, item["once"], "found 'once' without 'when', expected it only with when:");
  if (item["repeat"]) {
    const auto r = item["repeat"];
    check_keys(ctx, r, "repeat", {"every", "count"});
    if (!r["every"]) fail(ctx, r, "found repeat without 'every', expected every: <duration>");
    Repeat rep{duration(ctx, r["every"], "every"), 0};
    if (rep.every < std::chrono::milliseconds(fw::kTickMs))
      fail(ctx, r["every"], "found every = " + r["every"].Scalar() + ", expected at least one firmware tick (10 ms)");
    if (r["count"]) rep.count = static_cast<int>(integer(ctx, r["count"], "count", 1, 1000000));
    e.repeat = rep;
  }
  if (auto s = item["set"]) {
    if (!s.IsMap()) fail(ctx, s, "found " + std::string(node_kind(s)) + " for set, expected { <set-point>: <value>, ... }");
    check_keys(ctx, s, "set", [&] {
      std::vector<std::string> keys;
      for (auto it = s.begin(); it != s.end(); ++it) keys.push_back(it->first.Scalar());
      return keys;
    }());
    each_entry(s, [&](const auto& it) {
      const auto sp = settable(ctx, it->first, sc, batteries);
      e.actions.emplace_back(SetAction{sp.s, settable_value(ctx, it->second, sp)});
    });
  }
  if (auto r = item["ramp"]) {
    if (!r.IsMap()) fail(ctx, r, "found " + std::string(node_kind(r)) + " for ramp, expected { <set-point>: { to: <value>, over: <duration> } }");
    each_entry(r, [&](const auto& it) {
      const auto sp = settable(ctx, it->first, sc, batteries);
      if (sp.def->write.kind != WriteKind::kNumber)
        fail(ctx, it->first, "found a ramp of '" + sp.s.name + "', expected a ramp of an analog set-point");
      const auto body = it->second;
      check_keys(ctx, body, "ramp of " + sp.s.name, {"to", "over", "from"});
      if (!body["to"] || !body["over"]) fail(ctx, body, "found a ramp without 'to' or 'over', expected both");
      RampAction ra{sp.s, settable_value(ctx, body["to"], sp), duration(ctx, body["over"], "over")};
      if (body["from"]) {
        const double from = settable_value(ctx, body["from"], sp);
        e.actions.emplace_back(SetAction{sp.s, from});
      }
      e.actions.emplace_back(std::move(ra));
    });
  }
  if (auto f = item["fault"]) read_faults(ctx, f, batteries, e.actions);
  if (auto v = item["vedirect"]) e.actions.emplace_back(read_vedirect(ctx, v));
  if (auto en = item["end"]) {
    if (boolean(ctx, en, "end")) e.actions.emplace_back(EndAction{});
  }
  if (e.actions.empty()) fail(ctx, item, "found a timeline entry without an action, expected set:, ramp:, fault:, vedirect: or end: true");
  return e;
}

// ---- one case -------------------------------------------------------------------------------------------------------

constexpr std::size_t kMaxErrors = 20;

// Collects refusals so one run of the loader reports several independent problems.
struct Errors {
  std::vector<ScenarioError> list;
  template <class F>
  void guard(F&& f) {
    if (list.size() >= kMaxErrors) return;
    try {
      f();
    } catch (const ScenarioError& e) {
      list.push_back(e);
    }
  }
  void throw_if_any() const {
    if (!list.empty()) throw ScenarioError::combine(list);
  }
};

Scenario build_case(const YAML::Node& root, const Ctx& ctx, const LoadOptions& opt) {
  Draft d;
  std::vector<fs::path> stack;
  {
    std::error_code ec;
    stack.push_back(fs::weakly_canonical(fs::path(ctx.file), ec));
  }
  collect(root, ctx, d, stack, false);

  Scenario sc;
  sc.file = ctx.file;
  sc.parameters = *ctx.params;
  sc.world = plant::WorldParams{};
  // The power stage's limit loop is realistic unless the scenario asks for an exact one (plant_models README).
  sc.world.power_stage = sc.world.power_stage.realistic_limiter();
  Setup su;
  bool first_loads = true;
  bool shore = false;
  std::optional<double> ambient;
  std::optional<int> remote;
  bool have_name = false;
  std::optional<Time> duration_cap;

  Errors errors;
  for (const auto& s : d.sections) errors.guard([&] {
    const auto& c = s.ctx;
    if (s.key == "name") {
      sc.name = scalar(c, s.value, "the scenario's name");
      have_name = true;
    } else if (s.key == "description") sc.description = scalar(c, s.value, "a description");
    else if (s.key == "requirements") {
      if (!s.value.IsSequence()) fail(c, s.value, std::string("found ") + node_kind(s.value) + " for requirements, expected a list of IDs like [LD-2, PA-3]");
      std::vector<ScenarioError> bad;  // every bad ID, not only the first
      for (const auto& r : s.value) try {
        const std::string id = scalar(c, r, "a requirement ID");
        const auto dash = id.find('-');
        bool ok = dash != std::string::npos && dash > 0 && dash + 1 < id.size();
        for (std::size_t i = 0; ok && i < id.size(); ++i)
          ok = i == dash ? true : i < dash ? std::isupper(static_cast<unsigned char>(id[i])) != 0
                                          : std::isdigit(static_cast<unsigned char>(id[i])) != 0;
        if (!ok) fail(c, r, "found requirement '" + id + "', expected an ID like 'LD-2' (letters, '-', digits)");
        if (!opt.known_requirements.empty() &&
            std::find(opt.known_requirements.begin(), opt.known_requirements.end(), id) == opt.known_requirements.end()) {
          const auto close = expr::close_matches(id, opt.known_requirements, 1);
          fail(c, r, "found requirement '" + id + "', which " +
                         (opt.requirements_file.empty() ? std::string("the requirements") : opt.requirements_file) +
                         " does not define" + (close.empty() ? "" : " (did you mean '" + close.front() + "'?)") +
                         ", expected one of its IDs");
        }
        if (std::find(sc.requirements.begin(), sc.requirements.end(), id) == sc.requirements.end())
          sc.requirements.push_back(id);
      } catch (const ScenarioError& e) {
        bad.push_back(e);
      }
      if (!bad.empty()) throw ScenarioError::combine(bad);
    } else if (s.key == "matrix") {
      // handled by load_text
    } else if (s.key == "bank") read_bank(s, sc, su);
    else if (s.key == "alternator") read_alternator(s, sc);
    else if (s.key == "starter") read_starter(s, sc);
    else if (s.key == "loads") read_loads(s, sc, first_loads);
    else if (s.key == "charger") read_charger(s, sc, shore);
    else if (s.key == "fuse") read_fuse(s, sc, su);
    else if (s.key == "firmware") read_firmware(s, sc, su);
    else if (s.key == "plant") {
      check_keys(c, s.value, "plant", {"step", "sensor_noise", "sensor_seed", "power_stage"});
      if (auto n = s.value["sensor_noise"]) {   // ideal sensors unless the scenario opts in
        const auto seed = sc.world.sensors.seed;
        sc.world.sensors = choice(c, n, "sensor_noise", {"off", "realistic"}) == "realistic"
                               ? plant::SensorParams::realistic(seed) : plant::SensorParams{};
        sc.world.sensors.seed = seed;
      }
      if (auto n = s.value["sensor_seed"])
        sc.world.sensors.seed = static_cast<std::uint64_t>(integer(c, n, "sensor_seed", 0, 2147483647L));
      if (auto ps = s.value["power_stage"]) {
        check_keys(c, ps, "plant.power_stage",
                   {"realistic_limiter", "reverse_conduction", "gain_error", "offset_a", "windup_fraction"});
        auto& st = sc.world.power_stage;
        if (ps["realistic_limiter"] && !boolean(c, ps["realistic_limiter"], "realistic_limiter")) {
          st.gain_error = 0.0;  // an exact limit loop
          st.offset_a = 0.0;
          st.windup_fraction = 0.0;
        }
        if (ps["reverse_conduction"]) st.reverse_conduction = boolean(c, ps["reverse_conduction"], "reverse_conduction");
        if (ps["gain_error"]) st.gain_error = quantity(c, ps["gain_error"], Dim::kPlain, "gain_error");
        if (ps["offset_a"]) st.offset_a = quantity(c, ps["offset_a"], Dim::kCurrent, "offset_a");
        if (ps["windup_fraction"]) st.windup_fraction = quantity(c, ps["windup_fraction"], Dim::kPlain, "windup_fraction");
        plant_check(c, ps, [&] { st.validate(); });
      }
      if (auto st = s.value["step"]) {
        const Time step = duration(c, st, "step");
        const auto tick = std::chrono::duration_cast<Time>(std::chrono::milliseconds(fw::kTickMs));
        if (step < std::chrono::microseconds(100) || step > tick || tick.count() % step.count() != 0)
          fail(c, st, "found plant step " + st.Scalar() + ", expected a step between 0.1 ms and 10 ms that divides the 10 ms firmware tick");
        sc.plant_step = step;
      }
    } else if (s.key == "ambient_c") ambient = ranged(c, s.value, Dim::kTemperature, "ambient_c", -40, 85, " °C");
    else if (s.key == "remote_mode") remote = choice(c, s.value, "remote_mode", {"a", "b", "c", "d"})[0] - 'a';
    else if (s.key == "duration") {
      duration_cap = duration(c, s.value, "duration");
      if (*duration_cap <= Time{0}) fail(c, s.value, "found duration " + s.value.Scalar() + ", expected a positive duration");
    }
  });
  if (!have_name) errors.guard([&] { throw ScenarioError(loc_of(ctx, root), "found no 'name:', expected the scenario's name"); });
  // A broken setup section does not stop here: the timeline and the checks are read against the world as far as
  // it could be read (defaults elsewhere), so their own errors are reported too.

  // The world.
  sc.world.bank.batteries.assign(static_cast<std::size_t>(su.batteries), su.battery);
  for (auto& b : sc.world.bank.batteries) b.initial_soc = su.soc;
  sc.world.bank.spread = su.spread;
  if (opt.seed) sc.world.bank.spread.seed = *opt.seed;
  sc.seed = sc.world.bank.spread.seed;
  sc.bank_temperature_c = su.temperature_c;
  sc.world.ambient_c = ambient.value_or(su.temperature_c);
  sc.firmware.battery_count = static_cast<std::uint8_t>(su.batteries);
  if (!su.fuse_given) sc.world.fuse.rating_a = sc.firmware.fuse_rating_a;
  errors.guard([&] { check_firmware(sc, su, loc_of(ctx, root)); });
  const bool setup_broken = !errors.list.empty();
  errors.guard([&] {
    try {
      sc.world.validate();
    } catch (const std::exception& e) {
      if (setup_broken) return;  // already reported where it is written
      throw ScenarioError(loc_of(ctx, root), std::string("found a world the plant model refuses (") + e.what() +
                                                 "), expected parameters in range");
    }
  });

  sc.signals = signal_catalogue(su.batteries, static_cast<int>(sc.world.loads.size()));
  const Exprs ex{resolver_for(sc.signals), &sc.signals};

  // Initial actions (shore power, remote mode) become entries at t = 0.
  if (shore || remote) {
    TimelineEntry e;
    e.loc = loc_of(ctx, root);
    e.label = "initial state";
    const int loads = static_cast<int>(sc.world.loads.size());
    if (shore) e.actions.emplace_back(SetAction{registry_settable("charger/shore_power", su.batteries, loads), 1.0});
    if (remote)
      e.actions.emplace_back(SetAction{registry_settable("remote/mode", su.batteries, loads), static_cast<double>(*remote)});
    sc.timeline.push_back(std::move(e));
  }

  std::optional<Time> fixed_end;
  bool any_end = false;
  std::vector<std::pair<YAML::Node, const Ctx*>> check_starts;  // each check's item, for errors found later
  for (const auto& s : d.sections) {
    const auto& c = s.ctx;
    if (s.key == "timeline") {
      if (!s.value.IsSequence()) {
        errors.guard([&] { fail(c, s.value, std::string("found ") + node_kind(s.value) + " for timeline, expected a list of entries"); });
        continue;
      }
      for (const auto& item : s.value) errors.guard([&] {
        if (sc.timeline.size() >= kMaxTimelineEntries)
          fail(c, item, "found more than " + std::to_string(kMaxTimelineEntries) + " timeline entries, expected at most that many");
        auto e = read_entry(c, item, ex, sc, su.batteries);
        for (const auto& a : e.actions) {
          if (!std::holds_alternative<EndAction>(a)) continue;
          any_end = true;
          if (e.trigger.kind == Trigger::Kind::kAt) fixed_end = std::max(fixed_end.value_or(Time{0}), e.trigger.at);
        }
        sc.timeline.push_back(std::move(e));
      });
    } else if (s.key == "expect") {
      if (!s.value.IsSequence()) {
        errors.guard([&] { fail(c, s.value, std::string("found ") + node_kind(s.value) + " for expect, expected a list of checks"); });
        continue;
      }
      for (const auto& item : s.value) errors.guard([&] {
        if (sc.expect.size() >= kMaxChecks)
          fail(c, item, "found more than " + std::to_string(kMaxChecks) + " checks, expected at most that many");
        sc.expect.push_back(read_check(c, item, ex));
        check_starts.emplace_back(item, &c);
      });
    }
  }
  const bool expect_written = std::any_of(d.sections.begin(), d.sections.end(), [](const Section& s) { return s.key == "expect"; });
  errors.guard([&] {
    if (duration_cap) sc.max_duration = *duration_cap;
    else if (fixed_end) sc.max_duration = *fixed_end;
    else
      throw ScenarioError(loc_of(ctx, root), any_end ? "found only conditional 'end' entries, expected 'duration:' as well (the longest the run may take)"
                                                     : "found no end, expected 'duration:' or a timeline entry 'at: <time>, end: true'");
  });
  // A window that starts only after the run has ended (a fixed `from` beyond the duration) can never be judged.
  for (std::size_t i = 0; i < check_starts.size() && i < sc.expect.size(); ++i) {
    const auto& w = sc.expect[i].window;
    if (!w.from || w.from->event || sc.max_duration <= Time{0}) continue;
    const Time from = w.from->at + w.from->offset;
    if (from > sc.max_duration)
      errors.guard([&] {
        const auto& [item, c] = check_starts[i];
        fail(*c, item["from"], "found a window from " + item["from"].Scalar() + ", after the run ends (" +
                                   checks::format_duration_limit(sc.max_duration) + "), expected a start within the run");
      });
  }
  if (sc.expect.empty() && !(expect_written && !errors.list.empty()))
    errors.guard([&] { throw ScenarioError(loc_of(ctx, root), "found no 'expect:' checks, expected at least one check"); });
  errors.throw_if_any();
  return sc;
}

std::vector<Params> matrix_combinations(const YAML::Node& root, const Ctx& ctx) {
  std::vector<Params> out{Params{}};
  const auto m = root.IsMap() ? root["matrix"] : YAML::Node();
  if (!m) return out;
  auto ident_ok = [](const std::string& key) {
    bool ok = !key.empty();
    for (char ch : key) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
    return ok;
  };
  if (m.IsSequence()) {  // a list of combinations: [{fuse: 60, limit: 54}, {fuse: 100, limit: 90}]
    out.clear();
    std::vector<std::string> keys;
    for (const auto& item : m) {
      if (out.size() == kMaxMatrixCases)
        fail(ctx, item, "found more than " + std::to_string(kMaxMatrixCases) + " matrix combinations, expected at most that many");
      if (!item.IsMap()) fail(ctx, item, std::string("found ") + node_kind(item) + " in the matrix list, expected a map of parameter: value");
      Params p;
      std::vector<std::string> these;
      for (auto it = item.begin(); it != item.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (!ident_ok(key)) fail(ctx, it->first, "found parameter name '" + key + "', expected letters, digits and '_'");
        if (!it->second.IsScalar()) fail(ctx, it->second, std::string("found ") + node_kind(it->second) + " as a matrix value, expected a plain value");
        p.emplace_back(key, it->second.Scalar());
        these.push_back(key);
      }
      if (keys.empty()) keys = these;
      else if (these != keys)
        fail(ctx, item, "found parameters (" + join(these) + "), expected the same parameters as the first combination (" + join(keys) + ")");
      out.push_back(std::move(p));
    }
    if (out.empty()) fail(ctx, m, "found an empty matrix list, expected at least one combination");
    return out;
  }
  if (!m.IsMap()) fail(ctx, m, std::string("found ") + node_kind(m) + " for matrix, expected a map of parameter: [values] or a list of combinations");
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string key = it->first.Scalar();
    bool ident = !key.empty();
    for (char ch : key) ident = ident && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
    if (!ident) fail(ctx, it->first, "found parameter name '" + key + "', expected letters, digits and '_'");
    const auto vals = it->second;
    if (!vals.IsSequence() || vals.size() == 0)
      fail(ctx, vals, "found " + std::string(node_kind(vals)) + " for matrix parameter '" + key + "', expected a non-empty list of values");
    std::vector<Params> next;
    for (const auto& base : out) {
      for (const auto& v : vals) {
        if (!v.IsScalar()) fail(ctx, v, std::string("found ") + node_kind(v) + " as a matrix value, expected a plain value");
        Params p = base;
        p.emplace_back(key, v.Scalar());
        next.push_back(std::move(p));
      }
    }
    out = std::move(next);
    if (out.size() > kMaxMatrixCases)
      fail(ctx, m, "found more than " + std::to_string(kMaxMatrixCases) + " matrix combinations, expected at most that many");
  }
  return out;
}

}  // namespace

std::vector<Scenario> load_text(const std::string& text, const std::string& file, const LoadOptions& options) {
  const YAML::Node root = parse_yaml(text, file);
  const Params none;
  Ctx ctx{file, fs::path(file).parent_path(), &none};
  if (!root.IsMap()) fail(ctx, root, std::string("found ") + node_kind(root) + " at the top of the file, expected a map of scenario keys");
  const auto combos = matrix_combinations(root, ctx);
  std::vector<Scenario> out;
  for (const auto& p : combos) {
    Ctx c{file, ctx.dir, &p};
    out.push_back(build_case(root, c, options));
  }
  return out;
}

std::vector<Scenario> load_file(const fs::path& path, const LoadOptions& options) {
  return load_text(read_text(path, nullptr, nullptr), path.string(), options);
}

std::vector<fs::path> expand_paths(const std::vector<std::string>& paths) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    const fs::path path(p);
    if (fs::is_directory(path)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(path); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_directory()) {
          const auto n = it->path().filename().string();
          if (n == "fragments" || n == "schema" || (!n.empty() && n[0] == '.')) it.disable_recursion_pending();
          continue;
        }
        const auto ext = it->path().extension().string();
        if (ext == ".yaml" || ext == ".yml") found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace rig::scenario
