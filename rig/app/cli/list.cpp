// bmsrig list: the scenarios and the requirements they cover.
#include <cstdio>
#include <map>
#include <memory>

#include "commands.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"

namespace rig::app::cli {

namespace {

int cmd_list(const std::vector<std::string>& inputs) {
  std::vector<LoadedFile> files;
  const bool ok = load_all(inputs, {}, files, false);
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
  auto* list = app.add_subcommand("list", "list scenarios and the requirements they cover");
  list->add_option("paths", *paths, "scenario files or folders")->required();
  return {list, [paths] { return cmd_list(*paths); }};
}

}  // namespace rig::app::cli
