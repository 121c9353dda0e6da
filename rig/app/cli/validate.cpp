// bmsrig validate: check scenario files without running them.
#include <memory>

#include "commands.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"

namespace rig::app::cli {

Command add_validate(CLI::App& app, const Context&) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto* validate = app.add_subcommand("validate", "check scenario files without running them");
  validate->add_option("paths", *paths, "scenario files or folders")->required();
  return {validate, [paths] {
            std::vector<LoadedFile> files;
            return load_all(*paths, {}, files, true) ? kExitPass : kExitBadInput;
          }};
}

}  // namespace rig::app::cli
