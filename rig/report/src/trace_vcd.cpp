// Trace VCD writer (IEEE 1364 value change dump): real vars for analog signals, 1-bit wires for digital ones, and an
// integer signal (a code, a flag register) as a scope of 1-bit wires bit0, bit1, ... (as many as its largest value
// needs): sigrok and PulseView (libsigrok's VCD input) decode single-bit wires only, and stop at vector values;
// GTKWave shows the bits and can combine them into a bus.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include "rig/writers.hpp"
#include "text_out.hpp"
#include "text_util.hpp"

namespace rig::report {

namespace {

// One VCD identifier over the printable characters '!'..'~' except '#' and '$' (so no identifier token can be
// mistaken for a timestamp or a keyword by a whitespace-splitting reader).
std::string vcd_id(std::size_t n) {
  static const std::string kAlphabet = [] {
    std::string a;
    for (char c = '!'; c <= '~'; ++c)
      if (c != '#' && c != '$') a += c;
    return a;
  }();
  std::string s;
  do {
    s += kAlphabet[n % kAlphabet.size()];
    n /= kAlphabet.size();
  } while (n > 0);
  return s;
}

std::string sanitize(std::string_view part) {
  std::string o;
  for (char c : part) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') o += c;
    else if (c == '[' || c == '.' || c == '-' || c == ' ') o += '_';
    // ']' and anything else are dropped
  }
  if (o.empty()) o = "_";
  return o;
}

std::vector<std::string> split_path(std::string_view name) {
  std::vector<std::string> parts;
  std::size_t b = 0;
  while (b <= name.size()) {
    auto e = name.find('/', b);
    if (e == std::string_view::npos) e = name.size();
    if (e > b) parts.push_back(sanitize(name.substr(b, e - b)));
    b = e + 1;
  }
  if (parts.empty()) parts.push_back("_");
  return parts;
}

struct Scope {
  std::map<std::string, std::unique_ptr<Scope>> children;  // sorted for a stable layout
  std::vector<std::pair<std::string, SignalId>> vars;
};

// An integer signal's bits: one VCD id per bit, bit 0 first.
using BitIds = std::vector<std::vector<std::string>>;

void emit_scope(std::string& o, const Scope& s, const Trace& trace, const std::vector<std::string>& ids,
                const BitIds& bits, int depth) {
  const std::string ind(static_cast<std::size_t>(depth) * 2, ' ');
  for (const auto& [name, id] : s.vars) {
    const auto kind = trace.info(id).kind;
    if (kind == SignalKind::kInteger) {
      o += ind + "$scope module " + name + " $end\n";
      for (std::size_t b = 0; b < bits[id].size(); ++b)
        o += ind + "  $var wire 1 " + bits[id][b] + " bit" + std::to_string(b) + " $end\n";
      o += ind + "$upscope $end\n";
      continue;
    }
    o += ind + "$var " + (kind == SignalKind::kAnalog ? "real 64" : "wire 1") + " " + ids[id] + " " + name + " $end\n";
  }
  for (const auto& [name, child] : s.children) {
    o += ind + "$scope module " + name + " $end\n";
    emit_scope(o, *child, trace, ids, bits, depth + 1);
    o += ind + "$upscope $end\n";
  }
}

std::uint32_t code_of(double v) { return static_cast<std::uint32_t>(static_cast<std::int32_t>(std::llround(v))); }

// The value change lines of one sample: one line, or one per bit of an integer signal.
std::string value_text(SignalKind kind, double v, const std::string& id, const std::vector<std::string>& bit_ids) {
  switch (kind) {
    case SignalKind::kDigital: return std::string(v != 0.0 ? "1" : "0") + id + "\n";
    case SignalKind::kInteger: {
      const auto u = code_of(v);
      std::string o;
      for (std::size_t b = 0; b < bit_ids.size(); ++b) o += std::string(((u >> b) & 1u) ? "1" : "0") + bit_ids[b] + "\n";
      return o;
    }
    case SignalKind::kAnalog:
    default:
      return "r" + (std::isfinite(v) ? detail::shortest(v) : std::string("0")) + " " + id + "\n";
  }
}

}  // namespace

std::string vcd_name(std::string_view signal_name) {
  const auto parts = split_path(signal_name);
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ".") + p;
  return s;
}

namespace {

void emit_vcd(const Trace& trace, std::string_view date, detail::TextOut& out) {
  std::vector<std::string> ids;
  BitIds bits(trace.signal_count());
  std::size_t next_id = trace.signal_count();  // bit ids follow the signals' own
  Scope root;
  for (SignalId id = 0; id < trace.signal_count(); ++id) {
    ids.push_back(vcd_id(id));
    if (trace.info(id).kind == SignalKind::kInteger) {
      std::uint32_t all = 0;  // the bits any of its values uses: that many wires (at least one)
      for (const auto& smp : trace.samples(id)) all |= code_of(smp.value);
      int width = 1;
      while (width < 32 && (all >> width) != 0) ++width;
      for (int b = 0; b < width; ++b) bits[id].push_back(vcd_id(next_id++));
    }
    const auto parts = split_path(trace.info(id).name);
    Scope* s = &root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      auto& c = s->children[parts[i]];
      if (!c) c = std::make_unique<Scope>();
      s = c.get();
    }
    std::string leaf = parts.back();
    auto taken = [&](const std::string& n) {
      return s->children.count(n) ||
             std::any_of(s->vars.begin(), s->vars.end(), [&](const auto& v) { return v.first == n; });
    };
    for (int k = 2; taken(leaf); ++k) leaf = parts.back() + "_" + std::to_string(k);
    s->vars.emplace_back(leaf, id);
  }
  std::string o;
  o += "$date\n  " + std::string(date.empty() ? "unknown" : date) + "\n$end\n";
  o += "$version\n  bmsrig trace writer\n$end\n";
  o += "$comment\n  signal names are rig signal paths with '/' as scopes; '[n]' written as '_n'\n$end\n";
  o += "$timescale 1 ns $end\n";
  o += "$scope module bmsrig $end\n";
  emit_scope(o, root, trace, ids, bits, 1);
  o += "$upscope $end\n";
  o += "$enddefinitions $end\n";
  out += o;

  // The first and last instants of the trace (over every signal's first and last sample).
  bool any = false;
  Time t0{0}, last{0};
  for (SignalId id = 0; id < trace.signal_count(); ++id) {
    const auto& v = trace.samples(id);
    if (v.empty()) continue;
    t0 = any ? std::min(t0, v.front().t) : v.front().t;
    last = any ? std::max(last, v.back().t) : v.back().t;
    any = true;
  }
  const Time first = any ? std::min(Time{0}, t0) : Time{0};
  if (!any) t0 = last = Time{0};
  out += "#" + std::to_string(t0.count() - first.count()) + "\n$dumpvars\n";
  // The changes of one instant, gathered as the merge delivers them: only the last value per signal counts
  // (append_raw may hold duplicates), written in signal order.
  std::map<SignalId, double> now;
  bool initial = true;
  const auto write_instant = [&](Time t) {
    if (initial) {
      for (SignalId id = 0; id < trace.signal_count(); ++id) {
        const auto kind = trace.info(id).kind;
        if (auto it = now.find(id); it != now.end()) out += value_text(kind, it->second, ids[id], bits[id]);
        else if (kind == SignalKind::kDigital) out += "x" + ids[id] + "\n";
        else if (kind == SignalKind::kInteger)
          for (const auto& b : bits[id]) out += "x" + b + "\n";
      }
      out += "$end\n";
      initial = false;
    } else {
      out += "#" + std::to_string(t.count() - first.count()) + "\n";
      for (const auto& [id, v] : now) out += value_text(trace.info(id).kind, v, ids[id], bits[id]);
    }
    now.clear();
    out.chunk();
  };
  std::optional<Time> at;
  detail::for_each_sample_in_time_order(trace, [&](const Sample& s, SignalId id) {
    if (at && s.t != *at) write_instant(*at);
    at = s.t;
    now[id] = s.value;
  });
  if (at) write_instant(*at);
  else write_instant(t0);  // an empty trace: every signal unknown
  if (trace.end_time() > last) out += "#" + std::to_string(trace.end_time().count() - first.count()) + "\n";
}

}  // namespace

std::string trace_vcd(const Trace& trace, std::string_view date) {
  detail::TextOut o;
  emit_vcd(trace, date, o);
  return o.take();
}

void write_trace_vcd(const Trace& trace, const std::filesystem::path& path, std::string_view date) {
  detail::write_streamed(path, [&](detail::TextOut& o) { emit_vcd(trace, date, o); });
}

}  // namespace rig::report
