// bmsrig list: the scenarios and the requirements they cover; with --json, every case (id, file, folder, name,
// requirement IDs, simulated duration) for tools — the CTest registration of the library reads it (cmake/).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "commands.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/history.hpp"

namespace rig::app::cli {

namespace {

// The case id's first part: the scenario's folder under scenarios/ ("requirements", "bench", …).
std::string folder_of(const std::string& id) {
  const auto slash = id.find('/');
  return slash == std::string::npos ? std::string{} : id.substr(0, slash);
}

int list_json(const std::vector<LoadedFile>& files, const std::string& out) {
  nlohmann::ordered_json cases = nlohmann::ordered_json::array();
  for (const auto& f : files)
    for (const auto& c : f.cases) {
      const std::string id = case_id(f.path.string(), c.parameters);
      nlohmann::ordered_json j;
      j["id"] = id;
      j["file"] = std::filesystem::absolute(f.path).lexically_normal().string();
      j["folder"] = folder_of(id);
      j["name"] = c.name;
      j["requirements"] = c.requirements;
      j["simulated_s"] = rig::to_seconds(c.max_duration);
      cases.push_back(std::move(j));
    }
  nlohmann::ordered_json doc;
  doc["format"] = "bmsrig-cases";
  doc["cases"] = std::move(cases);
  const std::string text = doc.dump(2) + "\n";
  if (out.empty() || out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitPass;
  }
  std::ofstream o(out, std::ios::binary | std::ios::trunc);
  o << text;
  if (!o.flush()) {
    std::fprintf(stderr, "bmsrig list: cannot write %s\n", out.c_str());
    return kExitError;
  }
  return kExitPass;
}

int cmd_list(const std::vector<std::string>& inputs, bool json, const std::string& out) {
  std::vector<LoadedFile> files;
  const bool ok = load_all(inputs, {}, files, false);
  if (json) return ok ? list_json(files, out) : kExitBadInput;
  std::map<std::string, std::vector<std::string>> by_req;
  for (const auto& f : files) {
    const auto& first = f.cases.front();
    std::string reqs;
    for (const auto& r : first.requirements) reqs += (reqs.empty() ? "" : ", ") + r;
    std::printf("%s\n    %s%s  [%s]  %.0f s\n", f.path.string().c_str(), first.name.c_str(),
                f.cases.size() > 1 ? (" (" + std::to_string(f.cases.size()) + " cases)").c_str() : "", reqs.c_str(),
                rig::to_seconds(first.max_duration));
    for (const auto& r : first.requirements) by_req[r].push_back(f.path.filename().string());
  }
  std::printf("\nrequirements covered (%zu):\n", by_req.size());
  for (const auto& [r, fl] : by_req) {
    std::string s;
    for (const auto& x : fl) s += (s.empty() ? "" : ", ") + x;
    std::printf("  %-8s %s\n", r.c_str(), s.c_str());
  }
  return ok ? kExitPass : kExitBadInput;
}

}  // namespace

Command add_list(CLI::App& app, const Context&) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  auto out = std::make_shared<std::string>();
  auto* list = app.add_subcommand("list", "list scenarios and the requirements they cover");
  list->add_option("paths", *paths, "scenario files or folders")->required();
  list->add_flag("--json", *json, "every case as JSON (id, file, folder, name, requirements, simulated_s)");
  list->add_option("-o,--out", *out, "with --json: write it to this file (default: standard output)");
  return {list, [paths, json, out] { return cmd_list(*paths, *json, *out); }};
}

}  // namespace rig::app::cli
