#include "rig/app/discovery.hpp"

#include <cstdio>
#include <system_error>

#include "rig/sha256.hpp"

#ifndef BMSRIG_SOURCE_DIR
#define BMSRIG_SOURCE_DIR ""
#endif
#ifndef BMSRIG_REQUIREMENTS_MD
#define BMSRIG_REQUIREMENTS_MD ""
#endif

namespace fs = std::filesystem;

namespace rig::app {

std::vector<fs::path> scenario_files(const std::vector<std::string>& inputs) {
  std::vector<fs::path> out;
  for (const auto& in : inputs) {
    const fs::path root(in);
    const auto found = rig::scenario::expand_paths({in});
    if (!fs::is_directory(root)) {
      out.insert(out.end(), found.begin(), found.end());
      continue;
    }
    for (const auto& f : found) {
      bool pending = false;
      for (const auto& part : f.lexically_relative(root).parent_path())
        if (part == "pending") pending = true;
      if (!pending) out.push_back(f);
    }
  }
  return out;
}

bool load_all(const std::vector<std::string>& inputs, const rig::scenario::LoadOptions& opt,
              std::vector<LoadedFile>& out, bool print_ok) {
  bool ok = true;
  std::vector<fs::path> files;
  try {
    files = scenario_files(inputs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bmsrig: %s\n", e.what());
    return false;
  }
  if (files.empty()) {
    std::fprintf(stderr, "bmsrig: no scenario files found in the given paths\n");
    return false;
  }
  for (const auto& f : files) {
    try {
      LoadedFile lf{f, {}, rig::scenario::load_file(f, opt)};
      try {
        lf.sha256 = rig::report::sha256_file(f);
      } catch (const std::exception&) {
      }
      if (print_ok) std::printf("ok      %s (%zu case%s)\n", f.string().c_str(), lf.cases.size(), lf.cases.size() == 1 ? "" : "s");
      out.push_back(std::move(lf));
    } catch (const rig::scenario::ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ok = false;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", f.string().c_str(), e.what());
      ok = false;
    }
  }
  return ok;
}

const char* source_dir() { return BMSRIG_SOURCE_DIR; }

std::optional<fs::path> find_default(const fs::path& relative, const fs::path& configured) {
  std::error_code ec;
  if (fs::exists(relative, ec)) return relative;
  const fs::path src(BMSRIG_SOURCE_DIR);
  if (!src.empty() && fs::exists(src / relative, ec)) return src / relative;
  if (!configured.empty() && fs::exists(configured, ec)) return configured;
  return std::nullopt;
}

std::optional<fs::path> default_requirements() {
  return find_default(fs::path("docs") / "spec" / "REQUIREMENTS.md", fs::path(BMSRIG_REQUIREMENTS_MD));
}

}  // namespace rig::app
