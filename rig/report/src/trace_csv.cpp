// Trace CSV in long format: time_s,signal,value (one row per recorded change).
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "rig/expr.hpp"
#include <optional>

#include "rig/writers.hpp"
#include "text_out.hpp"
#include "text_util.hpp"

namespace rig::report {

namespace {

// Nanoseconds as seconds with exactly 9 decimals.
std::string ns_seconds(Time t) {
  long long ns = t.count();
  std::string sign;
  if (ns < 0) sign = "-", ns = -ns;
  char frac[16];
  std::snprintf(frac, sizeof frac, "%09lld", ns % 1'000'000'000LL);
  return sign + std::to_string(ns / 1'000'000'000LL) + "." + frac;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

// Exact parse of "[-]int[.frac]" seconds into nanoseconds.
std::optional<Time> parse_ns(std::string_view s) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') neg = true, s.remove_prefix(1);
  const auto dot = s.find('.');
  const std::string_view ip = s.substr(0, dot);
  std::string fp(dot == std::string_view::npos ? "" : s.substr(dot + 1));
  if (ip.empty() || fp.size() > 9) return std::nullopt;
  long long i = 0, f = 0;
  if (std::from_chars(ip.data(), ip.data() + ip.size(), i).ec != std::errc()) return std::nullopt;
  fp.resize(9, '0');
  if (std::from_chars(fp.data(), fp.data() + fp.size(), f).ec != std::errc()) return std::nullopt;
  const long long ns = i * 1'000'000'000LL + f;
  return Time{neg ? -ns : ns};
}

}  // namespace

namespace {

void emit_csv(const Trace& trace, detail::TextOut& o) {
  std::vector<std::string> names;
  for (SignalId id = 0; id < trace.signal_count(); ++id) names.push_back(csv_field(trace.info(id).name));
  o += "time_s,signal,value\n";
  detail::for_each_sample_in_time_order(trace, [&](const Sample& s, SignalId id) {
    o += ns_seconds(s.t);
    o += ',';
    o += names[id];
    o += ',';
    o += detail::shortest(s.value);
    o += '\n';
    o.chunk();
  });
  o += ns_seconds(trace.end_time()) + ",#end,\n";
}

void emit_csv_wide(const Trace& trace, detail::TextOut& o) {
  const SignalId n = trace.signal_count();
  o += "time_s";
  for (SignalId id = 0; id < n; ++id) {
    const auto& info = trace.info(id);
    o += ',';
    o += csv_field(info.unit.empty() ? info.name : info.name + " [" + info.unit + "]");
  }
  o += '\n';
  // Merge the per-signal series by time: one row per instant at which anything changed, every value held.
  std::vector<std::size_t> next(n, 0);
  std::vector<std::string> held(n);
  while (true) {
    std::optional<Time> t;
    for (SignalId id = 0; id < n; ++id) {
      const auto& s = trace.samples(id);
      if (next[id] < s.size() && (!t || s[next[id]].t < *t)) t = s[next[id]].t;
    }
    if (!t) break;
    for (SignalId id = 0; id < n; ++id) {
      const auto& s = trace.samples(id);
      while (next[id] < s.size() && s[next[id]].t == *t) held[id] = detail::shortest(s[next[id]++].value);
    }
    o += ns_seconds(*t);
    for (SignalId id = 0; id < n; ++id) {
      o += ',';
      o += held[id];
    }
    o += '\n';
    o.chunk();
  }
}

}  // namespace

std::string trace_csv(const Trace& trace) {
  detail::TextOut o;
  emit_csv(trace, o);
  return o.take();
}

void write_trace_csv(const Trace& trace, const std::filesystem::path& path) {
  detail::write_streamed(path, [&](detail::TextOut& o) { emit_csv(trace, o); });
}

std::string trace_csv_wide(const Trace& trace) {
  detail::TextOut o;
  emit_csv_wide(trace, o);
  return o.take();
}

void write_trace_csv_wide(const Trace& trace, const std::filesystem::path& path) {
  detail::write_streamed(path, [&](detail::TextOut& o) { emit_csv_wide(trace, o); });
}

Trace read_trace_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WriteError("cannot read " + path.string());
  std::string line;
  std::getline(in, line);
  if (line != "time_s,signal,value") throw WriteError(path.string() + ":1: expected header 'time_s,signal,value'");
  struct Pending {
    std::string name;
    std::vector<Sample> samples;
    bool binary = true;
  };
  std::vector<Pending> sigs;
  std::unordered_map<std::string, std::size_t> index;
  Time end{0};
  std::size_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    const auto c1 = line.find(',');
    if (c1 == std::string::npos) throw WriteError(path.string() + ":" + std::to_string(lineno) + ": expected 3 fields");
    std::string name;
    std::size_t p = c1 + 1;
    if (p < line.size() && line[p] == '"') {
      ++p;
      while (p < line.size()) {
        if (line[p] == '"' && p + 1 < line.size() && line[p + 1] == '"') name += '"', p += 2;
        else if (line[p] == '"') { ++p; break; }
        else name += line[p++];
      }
    } else {
      const auto c2 = line.find(',', p);
      name = line.substr(p, c2 == std::string::npos ? std::string::npos : c2 - p);
      p = c2 == std::string::npos ? line.size() : c2;
    }
    if (p >= line.size() || line[p] != ',') throw WriteError(path.string() + ":" + std::to_string(lineno) + ": expected 3 fields");
    const std::string value_s = line.substr(p + 1);
    const auto t = parse_ns(std::string_view(line).substr(0, c1));
    if (!t) throw WriteError(path.string() + ":" + std::to_string(lineno) + ": bad time '" + line.substr(0, c1) + "'");
    if (!name.empty() && name[0] == '#') {
      if (name == "#end") end = *t;
      continue;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(value_s.data(), value_s.data() + value_s.size(), v);
    if (ec != std::errc() || ptr != value_s.data() + value_s.size())
      throw WriteError(path.string() + ":" + std::to_string(lineno) + ": bad value '" + value_s + "'");
    auto it = index.find(name);
    if (it == index.end()) {
      it = index.emplace(name, sigs.size()).first;
      sigs.push_back({name, {}, true});
    }
    auto& s = sigs[it->second];
    s.samples.push_back({*t, v});
    if (v != 0.0 && v != 1.0) s.binary = false;
  }
  Trace trace;
  for (auto& s : sigs) {
    SignalInfo info;
    info.name = s.name;
    info.unit = expr::infer_unit(s.name);
    info.kind = s.binary && info.unit.empty() ? SignalKind::kDigital : SignalKind::kAnalog;
    const SignalId id = trace.add_signal(info);
    for (const auto& x : s.samples) trace.append_raw(id, x);
  }
  trace.set_end_time(end);
  return trace;
}

}  // namespace rig::report
