// Internal to rig_report: XML/HTML escaping and number formatting.
#pragma once

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

namespace rig::report::detail {

// Escapes for XML 1.0 text and attribute values; drops characters XML 1.0 forbids (C0 controls except tab,
// newline, carriage return). Newlines in attributes become "&#10;" so they survive attribute normalisation.
inline std::string xml_escape(std::string_view s, bool attribute = false) {
  std::string o;
  o.reserve(s.size() + 8);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      case '\n': o += attribute ? "&#10;" : "\n"; break;
      case '\r': o += attribute ? "&#13;" : "\r"; break;
      case '\t': o += attribute ? "&#9;" : "\t"; break;
      default:
        if (c < 0x20) break;
        o += ch;
    }
  }
  return o;
}

inline std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Shortest text that reads back to the same double.
inline std::string shortest(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

}  // namespace rig::report::detail
