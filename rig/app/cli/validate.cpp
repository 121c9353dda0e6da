// bmsrig validate: check scenario files without running them.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/writers.hpp"

namespace rig::app::cli {

Command add_validate(CLI::App& app, const Context&) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto requirements = std::make_shared<std::string>();
  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  validate->add_option("paths", *paths, "scenario files or folders")->required();
  validate->add_option("--requirements", *requirements,
                       "the spec whose requirement IDs scenarios may name (default: docs/spec/REQUIREMENTS.md, when "
                       "found)");
  return {validate, [paths, requirements] {
            rig::scenario::LoadOptions opt;
            std::string file = *requirements;
            if (file.empty())
              if (const auto found = default_requirements()) file = found->string();
            if (!file.empty()) {
              try {
                opt.known_requirements = rig::report::parse_requirement_ids(file);
                opt.requirements_file = file;
              } catch (const std::exception& e) {
                std::fprintf(stderr, "bmsrig validate: %s\n", e.what());
                return kExitBadInput;
              }
            }
            std::vector<LoadedFile> files;
            return load_all(*paths, opt, files, true) ? kExitPass : kExitBadInput;
          }};
}

}  // namespace rig::app::cli
