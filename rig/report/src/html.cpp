// The self-contained HTML report: summary, traceability matrix, per-case evidence with SVG waveforms.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <string_view>
#include <vector>

#include "rig/html_compare.hpp"
#include "rig/writers.hpp"
#include "text_util.hpp"

namespace rig::report {

using detail::fixed;

namespace {

std::string esc(std::string_view s) { return detail::xml_escape(s, false); }
std::string esc_attr(std::string_view s) { return detail::xml_escape(s, true); }

const char* verdict_class(Verdict v) { return to_string(v); }
std::string badge(Verdict v, bool completed = true) {
  if (!completed) return "<span class=\"badge error\">INCOMPLETE</span>";
  std::string t = to_string(v);
  for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::string("<span class=\"badge ") + verdict_class(v) + "\">" + t + "</span>";
}

std::string margin_text(const checks::CheckResult& c) {
  if (!c.margin) return "";
  std::string s = (*c.margin >= 0 ? "+" : "") + fixed(*c.margin, 3);
  if (c.uncertainty && *c.uncertainty > 0.0) s += " ± " + fixed(*c.uncertainty, 3);
  if (!c.measured_unit.empty()) s += " " + c.measured_unit;
  return s;
}

// A check's label: its name, or for a check without one, its one-line description read as words
// ("eventually bms/out/load == low within 25 min after 2 s") rather than the YAML it was written in.
std::string check_label(const checks::CheckResult& c) {
  if (c.name != c.description) return c.name;
  std::string_view d = c.name;
  if (!(d.size() > 2 && d.front() == '{' && d.back() == '}')) return c.name;
  d = d.substr(1, d.size() - 2);
  const auto colon = d.find(": ");
  if (colon == std::string_view::npos) return c.name;
  std::string out(d.substr(0, colon));  // the kind
  std::string_view body = d.substr(colon + 2);
  if (!(body.size() >= 2 && body.front() == '{' && body.back() == '}')) return out + ": " + std::string(body);
  body = body.substr(1, body.size() - 2);
  // top-level "key: value" pairs of the flow map; "that" is the condition itself, other keys read as words
  int depth = 0;
  std::size_t start = 0;
  out += ":";
  for (std::size_t i = 0; i <= body.size(); ++i) {
    const char ch = i < body.size() ? body[i] : ',';
    if (ch == '{' || ch == '[' || ch == '(') ++depth;
    if (ch == '}' || ch == ']' || ch == ')') --depth;
    if (ch != ',' || depth != 0) continue;
    std::string_view item = body.substr(start, i - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    start = i + 1;
    const auto kc = item.find(": ");
    if (kc == std::string_view::npos) {
      out += " " + std::string(item);
      continue;
    }
    std::string key(item.substr(0, kc));
    if (key != "that") {
      std::replace(key.begin(), key.end(), '_', ' ');
      out += " " + key;
    }
    out += " " + std::string(item.substr(kc + 2));
  }
  return out;
}

// An id attribute (and its #fragment) from free text: letters, digits, '-', '_' and '.' kept, anything else '_'.
std::string anchor(std::string_view prefix, std::string_view text) {
  std::string id(prefix);
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    id += std::isalnum(u) != 0 || ch == '-' || ch == '_' || ch == '.' ? ch : '_';
  }
  return id;
}

// A trace file as a link relative to the report's folder (percent-encoded); as written when no folder is known.
std::string trace_href(const std::string& file, const std::filesystem::path& base) {
  std::string rel = file;
  if (!base.empty()) {
    std::error_code ec;
    const auto a = std::filesystem::absolute(file, ec);
    const auto b = std::filesystem::absolute(base, ec);
    if (!ec) {
      const auto r = a.lexically_relative(b);
      if (!r.empty()) rel = r.generic_string();
    }
  }
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : rel) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) != 0 || std::string_view("-_.~/").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string measured_text(const checks::CheckResult& c) {
  if (!c.measured) return "";
  std::string s = fixed(*c.measured, 3);
  if (!c.measured_unit.empty()) s += " " + c.measured_unit;
  return s;
}

constexpr const char* kCss = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
h3{margin-bottom:.3em}
table.history tr.flagged td{background:#fff4e0}table.history svg.spark{display:block}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.checks td:nth-child(4){white-space:nowrap}
table.files td.mono{font-size:.78em}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;font-weight:bold;font-size:.85em;color:#fff}
.badge.pass{background:#2e7d32}.badge.fail{background:#c62828}.badge.error{background:#ef6c00}.badge.inconclusive{background:#6a1b9a}
tr.uncovered td{background:#ffebee;color:#b71c1c;font-weight:bold}
tr.fail td:first-child{border-left:4px solid #c62828}tr.error td:first-child{border-left:4px solid #ef6c00}tr.inconclusive td:first-child{border-left:4px solid #6a1b9a}
.banner{padding:.6em 1em;border-radius:4px;font-size:1.15em;font-weight:bold;color:#fff;margin:.6em 0}
.banner.pass{background:#2e7d32}.banner.fail{background:#c62828}.banner.error{background:#ef6c00}.banner.inconclusive{background:#6a1b9a}
.incomplete{background:#fff3e0;border:1px solid #ef6c00;padding:.5em 1em;margin:.5em 0}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em}
.case{border:1px solid #ddd;border-radius:4px;padding:.3em 1em 1em;margin:1em 0}
.muted{color:#666}
tr.agree-disagree td{background:#ffebee}tr.agree-borderline td{background:#fff8e1}
tr.agree-only_in_a td,tr.agree-only_in_b td{color:#666}
svg{display:block;margin:.5em 0;background:#fff;border:1px solid #e0e0e0}
)CSS";

// ---- waveforms ------------------------------------------------------------------------------------------------

struct Plot {
  int left = 70, right = 28, top = 10, lane_h = 56, lane_gap = 8, check_h = 20, axis_h = 28, width = 900;
  Time t0{0}, t1{1};
  double x(Time t) const {
    const double span = static_cast<double>((t1 - t0).count());
    return left + (span > 0 ? static_cast<double>((t - t0).count()) / span * width : 0.0);
  }
};

std::string px(double v) { return fixed(v, 1); }

double nice_step(double span, int target) {
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

// One time unit per axis, chosen by the span shown: ms below 2 s, s below 10 min, min below 3 h, else h.
struct TimeUnit {
  double seconds;
  const char* name;
};
TimeUnit axis_unit(double span_s) {
  if (span_s < 2.0) return {1e-3, "ms"};
  if (span_s < 600.0) return {1.0, "s"};
  if (span_s < 3 * 3600.0) return {60.0, "min"};
  return {3600.0, "h"};
}

// A round tick step in the axis unit for about `target` ticks: minutes step by 1, 2, 5, 10, 15, 20, 30, 60 and hours
// by 1, 2, 3, 6, 12, 24 (the clock's divisions); ms and s by 1-2-5 decades. Beyond those lists, 1-2-5 decades.
double axis_step(double span_in_unit, const TimeUnit& unit, int target) {
  const double raw = span_in_unit / target;
  const std::string_view name = unit.name;
  const std::vector<double> clock = name == "min" ? std::vector<double>{1, 2, 5, 10, 15, 20, 30, 60}
                                    : name == "h" ? std::vector<double>{1, 2, 3, 6, 12, 24}
                                                  : std::vector<double>{};
  for (double c : clock)
    if (raw <= c) return c;
  return nice_step(span_in_unit, target);
}

std::string tick_label(double value_in_unit, double step_in_unit, const TimeUnit& unit) {
  int decimals = 0;
  for (double s = step_in_unit; decimals < 6 && std::fabs(s - std::round(s)) > 1e-9 * std::max(1.0, s); s *= 10)
    ++decimals;
  return fixed(value_in_unit, decimals) + " " + unit.name;
}

// Step polyline of one signal in a lane over [p.t0, p.t1], decimated to min/max per pixel column.
void lane_polyline(std::string& o, const std::vector<Sample>& samples, const Plot& p, double y_top, double h,
                   double vmin, double vmax) {
  auto y = [&](double v) {
    if (!(vmax > vmin)) return y_top + h / 2;
    return y_top + h - (v - vmin) / (vmax - vmin) * h;
  };
  std::vector<std::string> pts;
  auto add = [&](double xx, double yy) {
    std::string pt = px(xx) + "," + px(yy);
    if (!pts.empty() && pt == pts.back()) return;
    pts.push_back(std::move(pt));
  };
  // start at the value held at t0
  auto it = std::upper_bound(samples.begin(), samples.end(), p.t0, [](Time x, const Sample& s) { return x < s.t; });
  if (it != samples.begin()) --it;
  bool have = false;
  double last_v = 0, cmin = 0, cmax = 0, cx = 0;
  long col = 0;
  auto flush = [&] {
    add(cx, y(cmin));
    add(cx, y(cmax));
    add(cx, y(last_v));
  };
  for (; it != samples.end(); ++it) {
    const auto& s = *it;
    if (s.t > p.t1) break;
    const double xx = p.x(std::max(s.t, p.t0));
    const long c = std::lround(std::floor(xx));
    if (!have) {
      have = true;
      col = c;
      cx = xx;
      cmin = cmax = last_v = s.value;
      add(xx, y(s.value));
      continue;
    }
    if (c != col) {
      flush();
      add(xx, y(last_v));  // hold the previous value up to this change
      col = c;
      cx = xx;
      cmin = cmax = s.value;
    }
    cmin = std::min(cmin, s.value);
    cmax = std::max(cmax, s.value);
    last_v = s.value;
  }
  if (!have) return;
  flush();
  add(p.x(p.t1), y(last_v));
  // Several polylines of at most kChunk points, each starting where the previous ended: attribute values stay a few
  // kilobytes (an HTML parser that reads the page in buffers need not hold a 25 kB attribute in one piece).
  constexpr std::size_t kChunk = 400;
  for (std::size_t first = 0; first + 1 < pts.size() || first == 0; first += kChunk) {
    const std::size_t last = std::min(pts.size(), first + kChunk + 1);
    std::string joined;
    for (std::size_t k = first; k < last; ++k) joined += pts[k] + " ";
    o += "<polyline class=\"wave\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.3\" points=\"" + joined + "\"/>\n";
    if (last == pts.size()) break;
  }
}

// One panel (lanes, check rows, time axis) starting at p.top; returns the panel's bottom.
int draw_panel(std::string& o, const CaseResult& c, const Trace& trace, const std::vector<std::string>& signals,
               const Plot& p, const std::string& heading) {
  int top = p.top;
  if (!heading.empty()) {
    o += "<text x=\"" + std::to_string(p.left) + "\" y=\"" + std::to_string(top + 11) +
         "\" font-weight=\"bold\" fill=\"#333\">" + esc(heading) + "</text>\n";
    top += 16;
  }
  const int lanes = static_cast<int>(signals.size());
  const int checks_n = static_cast<int>(c.checks.size());
  const int lanes_bottom = top + lanes * (p.lane_h + p.lane_gap);
  const int checks_bottom = lanes_bottom + checks_n * p.check_h;
  auto clip_x = [&](Time t) { return p.x(std::clamp(t, p.t0, p.t1)); };
  // the windows of failing (or unjudged) checks: light red bands over the lanes (only when narrower than the
  // panel). Passing checks' windows are the bars in their own rows below: shading every window stacked up to an
  // opaque wash over the lanes on cases with many checks.
  for (const auto& ch : c.checks) {
    if (ch.verdict == Verdict::kPass) continue;
    if (ch.window.begin <= p.t0 && ch.window.end >= p.t1) continue;
    if (ch.window.end < p.t0 || ch.window.begin > p.t1) continue;
    const double x0 = clip_x(ch.window.begin), x1 = clip_x(ch.window.end);
    o += "<rect class=\"window\" x=\"" + px(x0) + "\" y=\"" + std::to_string(top) + "\" width=\"" +
         px(std::max(1.0, x1 - x0)) + "\" height=\"" + std::to_string(lanes_bottom - top) +
         "\" fill=\"#ef9a9a\" fill-opacity=\"0.25\"/>\n";
  }
  for (int i = 0; i < lanes; ++i) {
    const std::string& name = signals[static_cast<std::size_t>(i)];
    const double y_top = top + i * (p.lane_h + p.lane_gap);
    const double h = p.lane_h - 14;  // room for the label
    const double plot_top = y_top + 12;
    o += "<rect x=\"" + std::to_string(p.left) + "\" y=\"" + px(y_top) + "\" width=\"" + std::to_string(p.width) +
         "\" height=\"" + std::to_string(p.lane_h) + "\" fill=\"none\" stroke=\"#eee\"/>\n";
    o += "<text x=\"" + std::to_string(p.left + 4) + "\" y=\"" + px(y_top + 10) + "\" fill=\"#333\">" + esc(name) +
         "</text>\n";
    const auto id = trace.find(name);
    if (!id || trace.samples(*id).empty()) {
      o += "<text x=\"" + std::to_string(p.left + 4) + "\" y=\"" + px(plot_top + h / 2) +
           "\" fill=\"#b71c1c\">not recorded</text>\n";
      continue;
    }
    const auto& samples = trace.samples(*id);
    const auto& info = trace.info(*id);
    double vmin = std::numeric_limits<double>::infinity(), vmax = -vmin;
    {
      auto it = std::upper_bound(samples.begin(), samples.end(), p.t0, [](Time x, const Sample& s) { return x < s.t; });
      if (it != samples.begin()) --it;
      for (; it != samples.end() && it->t <= p.t1; ++it)
        if (std::isfinite(it->value)) vmin = std::min(vmin, it->value), vmax = std::max(vmax, it->value);
    }
    const bool digital = info.kind == SignalKind::kDigital;
    if (digital) vmin = 0, vmax = 1;
    // limits of checks on this signal alone (in its unit) as dashed lines; the scale includes them
    std::vector<double> limits;
    for (const auto& ch : c.checks)
      if (ch.signals.size() == 1 && ch.signals[0] == name && !digital)
        for (double l : ch.levels)
          if (std::isfinite(l)) limits.push_back(l);
    for (double l : limits) vmin = std::min(vmin, l), vmax = std::max(vmax, l);
    if (!std::isfinite(vmin)) vmin = 0, vmax = 1;
    if (vmax == vmin) {
      // a flat signal: digital and integer signals one step either side, analog ±10 % of its value (1 unit at 0),
      // so that a steady 13.2 V reads 11.9 V to 14.5 V rather than 12.7 V to 13.7 V
      const double pad = info.kind != SignalKind::kAnalog ? 1.0 : vmin != 0.0 ? std::fabs(vmin) * 0.1 : 1.0;
      vmin -= pad, vmax += pad;
    }
    const std::string unit = info.unit;
    auto ylab = [&](double v) { return digital ? std::string(v != 0 ? "high" : "low") : esc(checks::format_value(v, unit)); };
    o += "<text x=\"" + std::to_string(p.left - 4) + "\" y=\"" + px(plot_top + 4) +
         "\" text-anchor=\"end\" fill=\"#666\">" + ylab(vmax) + "</text>\n";
    o += "<text x=\"" + std::to_string(p.left - 4) + "\" y=\"" + px(plot_top + h) +
         "\" text-anchor=\"end\" fill=\"#666\">" + ylab(vmin) + "</text>\n";
    for (double l : limits) {
      const double yy = plot_top + h - (l - vmin) / (vmax - vmin) * h;
      o += "<line class=\"limit\" x1=\"" + std::to_string(p.left) + "\" x2=\"" + std::to_string(p.left + p.width) +
           "\" y1=\"" + px(yy) + "\" y2=\"" + px(yy) + "\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/>\n";
    }
    lane_polyline(o, samples, p, plot_top, h, vmin, vmax);
  }
  // one row per check: its window as a bar, its instants as markers, a lead as an arrow with its value
  for (int k = 0; k < checks_n; ++k) {
    const auto& ch = c.checks[static_cast<std::size_t>(k)];
    const double y = lanes_bottom + k * p.check_h + p.check_h / 2.0;
    const char* color = ch.verdict == Verdict::kPass ? "#2e7d32" : ch.verdict == Verdict::kFail ? "#c62828" : "#ef6c00";
    o += "<g class=\"check\"><title>" + esc(check_label(ch) + ": " + ch.message) + "</title>\n";
    o += "<text x=\"" + std::to_string(p.left - 4) + "\" y=\"" + px(y + 4) + "\" text-anchor=\"end\" fill=\"" + color +
         "\">" + esc(ch.kind) + "</text>\n";
    o += "<text class=\"check-label\" x=\"" + std::to_string(p.left + 4) + "\" y=\"" + px(y + 4) +
         "\" font-size=\"10\" fill=\"#444\">" + esc(check_label(ch)) + "</text>\n";
    const bool window_visible = !(ch.window.end < p.t0 || ch.window.begin > p.t1);
    const double x0 = clip_x(ch.window.begin), x1 = clip_x(ch.window.end);
    if (window_visible)
      o += "<line x1=\"" + px(x0) + "\" x2=\"" + px(std::max(x0 + 1, x1)) + "\" y1=\"" + px(y) + "\" y2=\"" + px(y) +
           "\" stroke=\"" + color + "\" stroke-opacity=\"0.35\" stroke-width=\"6\"/>\n";
    for (const auto& in : ch.instants) {
      if (in.t < p.t0 || in.t > p.t1) continue;
      const double xx = p.x(in.t);
      o += "<line class=\"instant\" x1=\"" + px(xx) + "\" x2=\"" + px(xx) + "\" y1=\"" + std::to_string(top) +
           "\" y2=\"" + px(y + 6) + "\" stroke=\"" + color + "\" stroke-width=\"1\" stroke-dasharray=\"2 2\"><title>" +
           esc(in.label + " at " + checks::format_seconds(to_seconds(in.t))) + "</title></line>\n";
    }
    if (ch.kind == "lead" && ch.instants.size() >= 2 && ch.measured) {
      const double xa = clip_x(ch.instants.front().t), xb = clip_x(ch.instants.back().t);
      o += "<line x1=\"" + px(xa) + "\" x2=\"" + px(xb) + "\" y1=\"" + px(y) + "\" y2=\"" + px(y) + "\" stroke=\"" +
           color + "\" stroke-width=\"2\"/>\n";
      o += "<text x=\"" + px((xa + xb) / 2) + "\" y=\"" + px(y - 2) + "\" text-anchor=\"middle\" fill=\"" + color +
           "\" font-weight=\"bold\">" + esc(checks::format_seconds(*ch.measured)) + "</text>\n";
    } else if (ch.measured && window_visible) {
      o += "<text x=\"" + px(std::min(x1, static_cast<double>(p.left + p.width)) - 2) + "\" y=\"" + px(y + 4) +
           "\" text-anchor=\"end\" fill=\"" + color + "\">" + esc(measured_text(ch)) + "</text>\n";
    }
    o += "</g>\n";
  }
  // time axis: one unit, round ticks (counted in the unit so that 0.1 + 0.2 never drifts)
  const double t0 = to_seconds(p.t0), t1 = to_seconds(p.t1);
  const TimeUnit unit = axis_unit(t1 > t0 ? t1 - t0 : 1.0);
  const double u0 = t0 / unit.seconds, u1 = t1 / unit.seconds;
  const double step = axis_step(u1 > u0 ? u1 - u0 : 1.0, unit, 8);
  const int ay = checks_bottom + 4;
  o += "<line x1=\"" + std::to_string(p.left) + "\" x2=\"" + std::to_string(p.left + p.width) + "\" y1=\"" +
       std::to_string(ay) + "\" y2=\"" + std::to_string(ay) + "\" stroke=\"#999\"/>\n";
  const auto first = static_cast<long long>(std::ceil(u0 / step - 1e-9));
  for (long long k = first; k * step <= u1 + step * 1e-6; ++k) {
    const double u = k == 0 ? 0.0 : static_cast<double>(k) * step;  // no "-0 s"
    const double xx = p.x(from_seconds(u * unit.seconds));
    o += "<line x1=\"" + px(xx) + "\" x2=\"" + px(xx) + "\" y1=\"" + std::to_string(ay) + "\" y2=\"" +
         std::to_string(ay + 4) + "\" stroke=\"#999\"/><text class=\"tick\" x=\"" + px(xx) + "\" y=\"" +
         std::to_string(ay + 16) + "\" text-anchor=\"middle\" fill=\"#555\">" + tick_label(u, step, unit) + "</text>\n";
  }
  return checks_bottom + p.axis_h;
}

// The span worth a close-up: the instants of failing checks, else of lead checks, else of settles/eventually
// checks (padded); nullopt if that span is already wide on the full view (> 1/4 of it) or there are none.
std::optional<std::pair<Time, Time>> detail_span(const CaseResult& c, Time end) {
  std::optional<Time> lo, hi;
  auto take = [&](auto pred) {
    for (const auto& ch : c.checks)
      if (pred(ch))
        for (const auto& in : ch.instants) {
          lo = lo ? std::min(*lo, in.t) : in.t;
          hi = hi ? std::max(*hi, in.t) : in.t;
        }
  };
  take([](const checks::CheckResult& ch) { return ch.verdict != Verdict::kPass; });
  if (!lo) take([](const checks::CheckResult& ch) { return ch.kind == "lead"; });
  if (!lo) take([](const checks::CheckResult& ch) { return ch.kind == "settles" || ch.kind == "eventually"; });
  if (!lo) return std::nullopt;
  const Time span = *hi - *lo;
  const Time pad = std::max(span / 4, Time{std::chrono::seconds(1)});
  const Time a = std::max(Time{0}, *lo - pad), b = std::min(end, *hi + pad);
  if (b <= a || (b - a) * 4 > end) return std::nullopt;
  return std::make_pair(a, b);
}

std::string case_svg(const CaseResult& c, const Trace* trace, const HtmlOptions& opt) {
  Plot p;
  p.width = opt.plot_width_px;
  p.lane_h = opt.lane_height_px;
  const int total_w = p.left + p.width + p.right;
  if (!trace) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(total_w) +
           "\" height=\"40\" role=\"img\" aria-label=\"no trace\"><text x=\"10\" y=\"25\" fill=\"#666\">"
           "no trace available for this case</text></svg>\n";
  }
  std::vector<std::string> signals;
  for (const auto& k : c.checks)
    for (const auto& s : k.signals)
      if (std::find(signals.begin(), signals.end(), s) == signals.end() && signals.size() < opt.max_signals_per_case)
        signals.push_back(s);
  Time end = trace->end_time();
  if (end <= Time{0})
    for (SignalId i = 0; i < trace->signal_count(); ++i)
      if (!trace->samples(i).empty()) end = std::max(end, trace->samples(i).back().t);
  p.t0 = Time{0};
  p.t1 = end > Time{0} ? end : Time{1};
  std::string body;
  const auto zoom = detail_span(c, p.t1);
  int bottom = draw_panel(body, c, *trace, signals, p, zoom ? "whole run" : "");
  if (zoom) {
    Plot z = p;
    z.top = bottom + 12;
    z.t0 = zoom->first;
    z.t1 = zoom->second;
    bottom = draw_panel(body, c, *trace, signals, z,
                        "detail " + checks::format_seconds(to_seconds(z.t0)) + " to " +
                            checks::format_seconds(to_seconds(z.t1)));
  }
  const int height = bottom + 4;
  std::string o;
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(total_w) + "\" height=\"" +
       std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(total_w) + " " + std::to_string(height) +
       "\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"waveforms of " +
       esc_attr(c.display_name()) + "\">\n";
  o += "<title>" + esc(c.display_name()) + "</title>\n";
  o += body;
  o += "</svg>\n";
  return o;
}

std::string html_report_with(const RunResult& run, const HtmlOptions& opt, const Comparison* agreement);

}  // namespace

std::string html_agreement_section(const Comparison& cmp) {
  auto upper = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s.empty() ? std::string("?") : s;
  };
  auto num = [](double v, bool sign) { return (sign && v >= 0 ? "+" : "") + fixed(v, 3); };
  auto side = [&](const std::optional<CheckSideResult>& s, const std::string& unit) {
    if (!s) return std::string("—");
    std::string o = badge(s->verdict);
    if (s->margin) o += " " + esc(num(*s->margin, true) + (unit.empty() ? "" : " " + unit));
    return o;
  };
  const auto n = cmp.counts();
  std::string o;
  o += "<h2 id=\"agreement\">Agreement with " + esc(upper(cmp.b.mode)) + "</h2>\n";
  o += "<table class=\"agreement-files\">\n<tr><th>A (this report)</th><td class=\"mono\">" + esc(cmp.a.file) +
       "</td><td>" + esc(upper(cmp.a.mode)) + "</td><td class=\"mono\">" + esc(cmp.a.firmware_version + " " + cmp.a.firmware_hash) +
       "</td></tr>\n<tr><th>B</th><td class=\"mono\">" + esc(cmp.b.file) + "</td><td>" + esc(upper(cmp.b.mode)) +
       "</td><td class=\"mono\">" + esc(cmp.b.firmware_version + " " + cmp.b.firmware_hash) + "</td></tr>\n</table>\n";
  o += "<div class=\"banner " + std::string(cmp.agree() ? "pass" : "fail") + "\" id=\"agreement-verdict\">" +
       (cmp.agree() ? "AGREE" : "DISAGREE") + ": " + std::to_string(n.agree) + " agree, " + std::to_string(n.borderline) +
       " borderline, " + std::to_string(n.disagree) + " disagree; " + std::to_string(n.only_in_a) + " only in A, " +
       std::to_string(n.only_in_b) + " only in B</div>\n";
  o += "<table class=\"agreement\">\n<tr><th>case</th><th>check</th><th>A verdict / margin</th><th>B verdict / "
       "margin</th><th>difference</th><th>tolerance</th><th>status</th></tr>\n";
  for (const auto& r : cmp.rows) {
    const std::string unit = r.quantity == Quantity::kNone ? "" : r.unit;
    const std::string u = unit.empty() ? "" : " " + unit;
    const char* status = r.status == Agreement::kAgree        ? "agree"
                         : r.status == Agreement::kBorderline ? "borderline"
                         : r.status == Agreement::kDisagree   ? "DISAGREE"
                         : r.status == Agreement::kOnlyInA    ? "only in A"
                                                              : "only in B";
    o += "<tr class=\"agree-" + std::string(to_string(r.status)) + "\"><td>" + esc(r.case_name) + "</td><td>" +
         esc(r.check.empty() ? "—" : r.check) + "</td><td>" + side(r.a, unit) + "</td><td>" + side(r.b, unit) +
         "</td><td class=\"num\">" + (r.difference ? esc(num(*r.difference, true) + u) : "") + "</td><td class=\"num\">" +
         (r.tolerance ? esc("±" + num(*r.tolerance, false) + u) : "") + "</td><td>" + status +
         (r.note.empty() ? "" : " <span class=\"muted\">(" + esc(r.note) + ")</span>") + "</td></tr>\n";
  }
  o += "</table>\n";
  return o;
}

std::string html_report(const RunResult& run, const HtmlOptions& opt) { return html_report_with(run, opt, nullptr); }

std::string html_report(const RunResult& run, const HtmlOptions& opt, const Comparison& agreement) {
  return html_report_with(run, opt, &agreement);
}

void write_html_report(const RunResult& run, const HtmlOptions& options, const Comparison& agreement,
                       const std::filesystem::path& path) {
  HtmlOptions o = options;
  if (o.link_base.empty()) o.link_base = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  write_file_atomic(path, html_report(run, o, agreement));
}

namespace {

// A margin series as an inline SVG sparkline (120 × 28 px): a polyline through every run that had a margin (one
// point each, oldest left), the zero line dashed when the range crosses or touches it, the latest point as a dot
// coloured by its verdict.
std::string sparkline_svg(const MarginSeries& s) {
  constexpr double w = 120, h = 28, pad = 3;
  std::vector<std::pair<std::size_t, double>> pts;
  for (std::size_t i = 0; i < s.margins.size(); ++i)
    if (s.margins[i]) pts.emplace_back(i, *s.margins[i]);
  std::string o = "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"28\" "
                  "viewBox=\"0 0 120 28\" role=\"img\" data-points=\"" + std::to_string(pts.size()) + "\">";
  if (pts.empty()) return o + "</svg>";
  double lo = pts.front().second, hi = lo;
  for (const auto& [i, m] : pts) lo = std::min(lo, m), hi = std::max(hi, m);
  lo = std::min(lo, 0.0);  // zero (the limit) is always in view: a margin drifting towards it shows as such
  if (hi - lo < 1e-12) hi = lo + 1.0;
  const std::size_t n = std::max<std::size_t>(s.margins.size(), 2);
  auto x = [&](std::size_t i) { return pad + (w - 2 * pad) * static_cast<double>(i) / static_cast<double>(n - 1); };
  auto y = [&](double m) { return pad + (h - 2 * pad) * (hi - m) / (hi - lo); };
  o += "<line x1=\"" + px(pad) + "\" y1=\"" + px(y(0)) + "\" x2=\"" + px(w - pad) + "\" y2=\"" + px(y(0)) +
       "\" stroke=\"#bbb\" stroke-dasharray=\"2,2\"/>";
  o += "<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"1.5\" points=\"";
  for (std::size_t k = 0; k < pts.size(); ++k)
    o += (k ? " " : "") + px(x(pts[k].first)) + "," + px(y(pts[k].second));
  const auto& [li, lm] = pts.back();
  const std::string v = li < s.verdicts.size() ? s.verdicts[li] : "";
  o += "\"/><circle cx=\"" + px(x(li)) + "\" cy=\"" + px(y(lm)) + "\" r=\"2.5\" fill=\"" +
       (v == "pass" ? "#2a2" : v == "fail" ? "#c22" : "#c80") + "\"/></svg>";
  return o;
}

std::string html_history_section(const RunResult& run, const MarginHistory& h) {
  std::vector<const MarginSeries*> rows;
  for (const auto& s : h.series) rows.push_back(&s);
  std::stable_sort(rows.begin(), rows.end(), [](const MarginSeries* a, const MarginSeries* b) {
    if (a->flags.empty() != b->flags.empty()) return !a->flags.empty();
    return a->case_index < b->case_index;
  });
  std::size_t flagged = 0;
  for (const auto* r : rows) flagged += r->flags.empty() ? 0 : 1;
  std::string o = "<h2 id=\"history\">Margin history</h2>\n<p class=\"muted\">Each check's margin over the last " +
                  std::to_string(h.last_k) + " runs of this mode in " + esc(h.source) +
                  " (this run last; the dashed line is the limit, margin 0). " + std::to_string(flagged) +
                  " flagged by the trend, listed first.</p>\n";
  o += "<table class=\"history\" id=\"history-table\">\n<tr><th>case</th><th>check</th><th>margin over the runs</th>"
       "<th>latest</th><th>trend</th></tr>\n";
  for (const auto* r : rows) {
    const auto& c = run.cases.at(r->case_index);
    std::string latest;
    if (!r->margins.empty() && r->margins.back()) latest = fixed(*r->margins.back(), 3) + " " + r->unit;
    std::string flags;
    for (const auto& f : r->flags) flags += (flags.empty() ? "" : "; ") + f;
    o += std::string("<tr class=\"") + (r->flags.empty() ? "steady" : "flagged") + "\"><td>" + esc(c.display_name()) +
         "</td><td>" + esc(r->check) + "</td><td>" + sparkline_svg(*r) + "</td><td class=\"num\">" + esc(latest) +
         "</td><td>" + (r->flags.empty() ? std::string("—") : "<strong>" + esc(flags) + "</strong>") + "</td></tr>\n";
  }
  return o + "</table>\n";
}

std::string html_report_with(const RunResult& run, const HtmlOptions& opt, const Comparison* agreement) {
  const auto counts = run.counts();
  const Verdict overall = run.verdict();
  const auto trace_rows = traceability(run, opt.requirement_ids, opt.observation);
  std::size_t covered = 0, req_pass = 0;
  for (const auto& r : trace_rows) {
    if (r.covered()) ++covered;
    if (r.covered() && r.verdict == Verdict::kPass) ++req_pass;
  }
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>" + esc(opt.title) +
       "</title>\n<meta name=\"generator\" content=\"bmsrig\"/>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  o += "<h1>" + esc(opt.title) + "</h1>\n";
  o += "<p class=\"muted\">" + esc(run.date) + " · " + esc(run.host) + " · mode " + esc(run.mode) + "</p>\n";

  // ---- summary
  o += "<h2 id=\"summary\">Summary</h2>\n";
  if (run.interrupted)
    o += "<div class=\"incomplete\"><strong>INCOMPLETE:</strong> the run was interrupted; only the scenarios listed "
         "below ran, and those marked incomplete did not finish.</div>\n";
  std::string banner = std::string(to_string(overall));
  for (auto& ch : banner) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const bool coverage_gap = overall == Verdict::kPass && covered < trace_rows.size();
  if (coverage_gap) banner = "INCOMPLETE COVERAGE";
  o += "<div class=\"banner " + std::string(coverage_gap ? "error" : verdict_class(overall)) + "\" id=\"verdict\">" +
       banner + ": " + std::to_string(counts.passed) + " of " + std::to_string(counts.total) + " test cases passed";
  if (!opt.requirement_ids.empty())
    o += "; " + std::to_string(covered) + " of " + std::to_string(trace_rows.size()) + " requirements covered, " +
         std::to_string(req_pass) + " passing";
  o += "</div>\n";
  o += "<table class=\"counts\">\n<tr><th>test cases</th><th>passed</th><th>failed</th><th>errors</th>"
       "<th>inconclusive</th><th>incomplete</th>"
       "<th>requirements covered</th><th>uncovered</th><th>wall time</th></tr>\n";
  o += "<tr><td class=\"num\" id=\"count-total\">" + std::to_string(counts.total) + "</td><td class=\"num\" id=\"count-passed\">" +
       std::to_string(counts.passed) + "</td><td class=\"num\" id=\"count-failed\">" + std::to_string(counts.failed) +
       "</td><td class=\"num\" id=\"count-errors\">" + std::to_string(counts.errors) +
       "</td><td class=\"num\" id=\"count-inconclusive\">" + std::to_string(counts.inconclusive) + "</td><td class=\"num\">" +
       std::to_string(counts.incomplete) + "</td><td class=\"num\" id=\"count-covered\">" + std::to_string(covered) +
       "</td><td class=\"num\" id=\"count-uncovered\">" + std::to_string(trace_rows.size() - covered) +
       "</td><td class=\"num\">" + fixed(run.wall_s, 2) + " s</td></tr>\n</table>\n";

  if (agreement != nullptr) o += html_agreement_section(*agreement);
  if (opt.history) o += html_history_section(run, *opt.history);

  // ---- provenance
  o += "<h2 id=\"provenance\">Provenance</h2>\n<table class=\"provenance\">\n";
  auto prow = [&](const std::string& k, const std::string& v) {
    o += "<tr><th>" + esc(k) + "</th><td class=\"mono\">" + esc(v) + "</td></tr>\n";
  };
  prow("firmware version", run.firmware_version);
  prow("firmware build hash", run.firmware_hash);
  prow("firmware target", run.firmware_target);
  prow("rig mode", run.mode);
  prow("rig version", run.rig_version);
  prow("host", run.host);
  prow("date (UTC)", run.date);
  if (!run.command_line.empty()) prow("command", run.command_line);
  o += "</table>\n";
  // ---- traceability
  auto requirement_text_cell = [&](const std::string& id) {
    const auto it = opt.requirement_texts.find(id);
    return "<td class=\"req-text\">" + (it == opt.requirement_texts.end() ? std::string() : esc(it->second)) + "</td>";
  };
  // the requirement anchors this page has: every listed ID, and the IDs cases name beyond the list
  std::set<std::string> requirement_anchors;
  if (!opt.requirement_ids.empty())
    for (const auto& c : run.cases) requirement_anchors.insert(c.requirements.begin(), c.requirements.end());
  requirement_anchors.insert(opt.requirement_ids.begin(), opt.requirement_ids.end());
  o += "<h2 id=\"traceability\">Traceability: requirement → scenarios → verdict</h2>\n";
  if (opt.observation != nullptr)
    o += "<p class=\"muted\" id=\"coverage-rule\">Coverage by observation: a requirement is covered only by a passing "
         "check that reads one of the signals the observation map lists for it.</p>\n";
  if (opt.requirement_ids.empty()) {
    o += "<p class=\"muted\">No requirement list was given.</p>\n";
  } else {
    o += "<table class=\"traceability\">\n<tr><th>requirement</th><th>text</th><th>verdict</th><th>scenarios (verdict, "
         "measured margins)</th></tr>\n";
    for (const auto& r : trace_rows) {
      if (!r.covered()) {
        const std::string why = r.cases.empty() ? "no scenario names this requirement"
                                                : "named by " + std::to_string(r.cases.size()) +
                                                      " case(s), but no passing check reads a signal that observes it";
        o += "<tr class=\"uncovered\" id=\"" + anchor("req-", r.id) + "\"><td>" + esc(r.id) + "</td>" +
             requirement_text_cell(r.id) + "<td>NOT COVERED</td><td>" + esc(why) + "</td></tr>\n";
        continue;
      }
      std::string cell;
      for (std::size_t ci : r.cases) {
        const auto& c = run.cases[ci];
        cell += "<div>" + badge(c.verdict, c.completed) + " <a href=\"#case-" + std::to_string(ci) + "\">" +
                esc(c.display_name()) + "</a>";
        std::string margins;
        for (const auto& k : c.checks)
          if (k.margin) margins += (margins.empty() ? "" : "; ") + esc(check_label(k)) + " " + esc(margin_text(k));
        if (!margins.empty()) cell += " <span class=\"muted\">— margin " + margins + "</span>";
        std::string seen;
        for (const auto& ob : r.observed_by)
          if (ob.case_index == ci)
            seen += (seen.empty() ? "" : "; ") + esc(c.checks[ob.check_index].name) + " (" + esc(ob.signal) + ")";
        if (!seen.empty()) cell += "<div class=\"observed\">observed by: " + seen + "</div>";
        cell += "</div>";
      }
      o += "<tr class=\"" + std::string(verdict_class(r.verdict)) + "\" id=\"" + anchor("req-", r.id) + "\"><td>" +
           esc(r.id) + "</td>" + requirement_text_cell(r.id) + "<td>" + badge(r.verdict) + "</td><td>" + cell +
           "</td></tr>\n";
    }
    o += "</table>\n";
    std::vector<std::string> extra;
    for (const auto& c : run.cases)
      for (const auto& id : c.requirements)
        if (std::find(opt.requirement_ids.begin(), opt.requirement_ids.end(), id) == opt.requirement_ids.end() &&
            std::find(extra.begin(), extra.end(), id) == extra.end())
          extra.push_back(id);
    if (!extra.empty()) {
      o += "<p><strong>Not in the requirement list</strong> (named by scenarios):";
      for (const auto& e : extra) o += " <code id=\"" + anchor("req-", e) + "\">" + esc(e) + "</code>";
      o += "</p>\n";
    }
  }

  // ---- scenario files and their hashes: after the traceability matrix, folded (a library run lists dozens)
  {
    std::set<std::pair<std::string, std::string>> files;
    for (const auto& c : run.cases) files.emplace(c.scenario_file, c.scenario_sha256);
    o += "<details class=\"files\" id=\"scenario-files\"><summary>Scenario files and their SHA-256 (" +
         std::to_string(files.size()) + ")</summary>\n<table class=\"files\">\n<tr><th>scenario file</th><th>SHA-256</th></tr>\n";
    for (const auto& [f, h] : files)
      o += "<tr><td class=\"mono\">" + esc(f) + "</td><td class=\"mono\">" + esc(h.empty() ? "(not recorded)" : h) +
           "</td></tr>\n";
    o += "</table>\n</details>\n";
  }

  // ---- case index
  o += "<h2 id=\"cases\">Test cases</h2>\n<table class=\"case-index\">\n<tr><th>#</th><th>test case</th><th>scenario "
       "file</th><th>verdict</th><th>checks passed</th><th>simulated</th><th>wall</th></tr>\n";
  for (std::size_t i = 0; i < run.cases.size(); ++i) {
    const auto& c = run.cases[i];
    std::size_t passed = 0;
    for (const auto& k : c.checks) passed += k.verdict == Verdict::kPass;
    o += "<tr class=\"" + std::string(c.completed ? verdict_class(c.verdict) : "error") + "\"><td class=\"num\">" +
         std::to_string(i + 1) + "</td><td><a href=\"#case-" + std::to_string(i) + "\">" + esc(c.display_name()) +
         "</a></td><td class=\"mono\">" + esc(c.scenario_file) + "</td><td>" + badge(c.verdict, c.completed) +
         "</td><td class=\"num\">" + std::to_string(passed) + "/" + std::to_string(c.checks.size()) +
         "</td><td class=\"num\">" + fixed(c.simulated_s, 1) + " s</td><td class=\"num\">" + fixed(c.wall_s, 3) +
         " s</td></tr>\n";
  }
  o += "</table>\n";

  // ---- per case
  for (std::size_t i = 0; i < run.cases.size(); ++i) {
    const auto& c = run.cases[i];
    o += "<div class=\"case\" id=\"case-" + std::to_string(i) + "\">\n<h3>" + badge(c.verdict, c.completed) + " " +
         esc(c.display_name()) + "</h3>\n<table class=\"case-info\">\n";
    o += "<tr><th>scenario</th><td class=\"mono\">" + esc(c.scenario_file) + "</td></tr>\n";
    o += "<tr><th>SHA-256</th><td class=\"mono\">" + esc(c.scenario_sha256) + "</td></tr>\n";
    if (!c.parameters.empty()) {
      std::string ps;
      for (const auto& [k, v] : c.parameters) ps += (ps.empty() ? "" : ", ") + esc(k) + " = " + esc(v);
      o += "<tr><th>parameters</th><td>" + ps + "</td></tr>\n";
    }
    std::string reqs;
    for (const auto& r : c.requirements)
      reqs += (reqs.empty() ? "" : " ") + (requirement_anchors.contains(r)
                                               ? "<a href=\"#" + anchor("req-", r) + "\">" + esc(r) + "</a>"
                                               : esc(r));
    o += "<tr><th>requirements</th><td>" + (reqs.empty() ? std::string("—") : reqs) + "</td></tr>\n";
    o += "<tr><th>mode</th><td>" + esc(c.mode) + "</td></tr>\n";
    o += "<tr><th>simulated / wall</th><td>" + fixed(c.simulated_s, 3) + " s / " + fixed(c.wall_s, 3) + " s</td></tr>\n";
    if (!c.trace_files.empty()) {
      std::string tf;
      for (const auto& f : c.trace_files)
        tf += (tf.empty() ? "" : "<br/>") + ("<a href=\"" + esc_attr(trace_href(f, opt.link_base)) + "\">" + esc(f) + "</a>");
      o += "<tr><th>traces</th><td class=\"mono\">" + tf + "</td></tr>\n";
    }
    if (!c.completed) o += "<tr><th>status</th><td>incomplete: the run was interrupted</td></tr>\n";
    if (!c.error.empty()) o += "<tr><th>error</th><td>" + esc(c.error) + "</td></tr>\n";
    if (!c.health.empty()) {
      std::string h;
      for (const auto& x : c.health)
        h += (h.empty() ? "" : ", ") + std::string("<span title=\"") + esc_attr(x.meaning) + "\">" + esc(x.name) + " " +
             std::to_string(x.value) + "</span>";
      o += "<tr><th>device</th><td>" + h + "</td></tr>\n";
      for (const auto& f : c.health_faults()) o += "<tr class=\"error\"><th>device fault</th><td>" + esc(f) + "</td></tr>\n";
    }
    o += "</table>\n";
    if (!c.checks.empty()) {
      o += "<table class=\"checks\">\n<tr><th>verdict</th><th>check</th><th>measured</th><th>limit</th><th>margin</th>"
           "<th>evidence</th></tr>\n";
      for (const auto& k : c.checks)
        o += "<tr class=\"" + std::string(verdict_class(k.verdict)) + "\"><td>" + badge(k.verdict) + "</td><td>" +
             esc(check_label(k)) + "</td><td class=\"num\">" + esc(measured_text(k)) + "</td><td>" + esc(k.limit_text) +
             "</td><td class=\"num\">" + esc(margin_text(k)) + "</td><td>" + esc(k.evidence) + "</td></tr>\n";
      o += "</table>\n";
    }
    // the trace: in memory, or the CSV the run wrote
    std::shared_ptr<const Trace> trace = c.trace;
    if (!trace) {
      for (const auto& f : c.trace_files)
        if (f.ends_with(".csv") && std::filesystem::exists(f)) {
          try {
            trace = std::make_shared<const Trace>(read_trace_csv(f));
          } catch (const std::exception&) {
          }
          break;
        }
    }
    o += case_svg(c, trace.get(), opt);
    o += "</div>\n";
  }
  o += "<p class=\"muted\">Generated by bmsrig " + esc(run.rig_version) + ".</p>\n</body>\n</html>\n";
  return o;
}

}  // namespace

void write_html_report(const RunResult& run, const HtmlOptions& options, const std::filesystem::path& path) {
  HtmlOptions o = options;
  if (o.link_base.empty()) o.link_base = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  write_file_atomic(path, html_report(run, o));
}

}  // namespace rig::report
