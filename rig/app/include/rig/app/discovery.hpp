// Finding and loading scenario files, and the inputs bmsrig uses when none are named.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rig/scenario.hpp"

namespace rig::app {

struct LoadedFile {
  std::filesystem::path path;
  std::string sha256;
  std::vector<rig::scenario::Scenario> cases;
};

// The scenario files of the inputs: folders are searched recursively for *.yaml (rig::scenario::expand_paths:
// fragments/ and schema/ skipped, other extensions such as *.yaml.pending ignored), and a walk also skips any
// pending/ folder below the given one (scenarios waiting on a finding, docs/findings.md). A file named explicitly is
// taken whatever its name or folder.
std::vector<std::filesystem::path> scenario_files(const std::vector<std::string>& inputs);

// Loads every file; prints each refusal to stderr (and "ok <file>" per loaded file when print_ok); returns false if
// any file was refused or none was found.
bool load_all(const std::vector<std::string>& inputs, const rig::scenario::LoadOptions& opt,
              std::vector<LoadedFile>& out, bool print_ok);

// A default input: `relative` under the current directory if it exists there, else under the source tree this
// bmsrig was built from, else `configured` (a CMake cache path) if given and present.
std::optional<std::filesystem::path> find_default(const std::filesystem::path& relative,
                                                  const std::filesystem::path& configured = {});
// docs/spec/REQUIREMENTS.md as find_default finds it.
std::optional<std::filesystem::path> default_requirements();
// The source tree bmsrig was built from ("" if unknown).
const char* source_dir();

}  // namespace rig::app
