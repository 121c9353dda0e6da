// bmsrig resources: the CTest resource-spec JSON of the benches (rig/app/include/rig/app/resources.hpp).
#include <cstdio>
#include <fstream>
#include <memory>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/resources.hpp"

namespace rig::app::cli {

Command add_resources(CLI::App& app, const Context&) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "resources", "write the CTest resource spec of the benches (one resource per bench, typed by its kind)");
  sub->add_option("rigs", *files, "rig files (rig.yaml), one per bench")->required();
  sub->add_option("-o,--out", *out, "write it here (default: standard output)");
  return {sub, [files, out] {
            std::string text;
            try {
              text = resource_spec_json(*files);
            } catch (const ResourceError& e) {
              std::fprintf(stderr, "bmsrig resources: %s\n", e.what());
              return kExitBadInput;
            }
            if (out->empty()) {
              std::fwrite(text.data(), 1, text.size(), stdout);
              return kExitPass;
            }
            std::ofstream o(*out, std::ios::binary | std::ios::trunc);
            o << text;
            if (!o.flush()) {
              std::fprintf(stderr, "bmsrig resources: cannot write %s\n", out->c_str());
              return kExitError;
            }
            return kExitPass;
          }};
}

}  // namespace rig::app::cli
