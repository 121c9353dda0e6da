// bmsrig signals: the signal registry.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/signals.hpp"

namespace rig::app::cli {

namespace {

// The signal registry (rig/signals.hpp): without a file its patterns ([b] battery, [c] cell, [i] load), with a
// scenario file the concrete names of that scenario's world; --json for tools.
int cmd_signals(const std::string& file, bool json) {
  namespace sc = rig::scenario;
  struct Row {
    std::string name;
    const sc::SignalDef* def;
  };
  std::vector<Row> rows;
  if (file.empty()) {
    for (const auto& d : sc::registry()) rows.push_back({d.pattern, &d});
  } else {
    std::vector<LoadedFile> files;
    if (!load_all({file}, {}, files, false)) return kExitBadInput;
    const auto& c = files.front().cases.front();
    const int nb = static_cast<int>(c.world.bank.batteries.size()), nl = static_cast<int>(c.world.loads.size());
    for (const auto& d : sc::registry())
      for (auto& n : sc::expand(d, nb, nl)) rows.push_back({std::move(n), &d});
  }
  auto kind_text = [](rig::SignalKind k) {
    return k == rig::SignalKind::kAnalog ? "analog" : k == rig::SignalKind::kDigital ? "digital" : "integer";
  };
  auto write_text = [](const sc::WriteSpec& w) -> std::string {
    if (w.kind == sc::WriteKind::kNone) return "-";
    if (w.kind == sc::WriteKind::kBool) return "true|false";
    if (w.kind == sc::WriteKind::kChoice) return std::string(w.choices);
    char buf[64];
    std::snprintf(buf, sizeof buf, "[%g, %g]", w.lo, w.hi);
    return buf;
  };
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      const auto& d = *r.def;
      nlohmann::ordered_json j;
      j["name"] = r.name;
      j["unit"] = d.unit;
      j["kind"] = kind_text(d.kind);
      j["resolution"] = d.resolution;
      j["sampled"] = d.source == sc::Source::kNone ? "not recorded"
                     : d.rate == sc::SampleRate::kPlantStep ? "plant step" : "tick";
      j["source"] = sc::to_string(d.source);
      if (d.write.kind != sc::WriteKind::kNone) j["write"] = write_text(d.write);
      if (*d.aliases) j["aliases"] = d.aliases;
      j["bench"] = sc::to_string(d.bench);
      j["meaning"] = d.meaning;
      out.push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitPass;
  }
  if (file.empty())
    std::printf("# the signal registry: [b] battery 0..4, [c] cell 0..3, [i] load; give a scenario file for its world\n");
  std::printf("%-44s %-5s %-7s %-7s %-10s %-13s %-6s %s\n", "signal", "unit", "kind", "res.", "sampled", "set:/ramp:",
              "bench", "meaning (aliases)");
  for (const auto& r : rows) {
    const auto& d = *r.def;
    char res[32] = "";
    if (d.kind == rig::SignalKind::kAnalog && d.resolution > 0) std::snprintf(res, sizeof res, "%g", d.resolution);
    const char* sampled = d.source == sc::Source::kNone ? "set point" : d.rate == sc::SampleRate::kPlantStep ? "plant step" : "tick";
    std::string meaning = d.meaning;
    if (*d.aliases) meaning += std::string(" (") + d.aliases + ")";
    std::printf("%-44s %-5s %-7s %-7s %-10s %-13s %-6s %s\n", r.name.c_str(), d.unit, kind_text(d.kind), res, sampled,
                write_text(d.write).c_str(), sc::to_string(d.bench), meaning.c_str());
  }
  return kExitPass;
}

}  // namespace

Command add_signals(CLI::App& app, const Context&) {
  struct Options {
    std::string file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* signals = app.add_subcommand("signals", "the signal registry: names, units, what a scenario may write, what a bench may carry");
  signals->add_option("scenario", o->file, "a scenario file (the concrete names of its world)");
  signals->add_flag("--json", o->json, "print the registry as JSON");
  return {signals, [o] { return cmd_signals(o->file, o->json); }};
}

}  // namespace rig::app::cli
