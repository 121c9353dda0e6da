#include "rig/app/dut_registry.hpp"

#include "rig/in_process_dut.hpp"

namespace rig::app {

DutRegistry::DutRegistry() {
  add("sil", [](const DutConfig&) { return std::make_unique<rig::InProcessDut>(); });
}

void DutRegistry::add(const std::string& mode, DutFactory factory) { factories_[mode] = std::move(factory); }

bool DutRegistry::has(const std::string& mode) const { return factories_.count(mode) != 0; }

std::vector<std::string> DutRegistry::modes() const {
  std::vector<std::string> out;
  for (const auto& [m, f] : factories_) out.push_back(m);
  return out;
}

void DutRegistry::add_prepare(const std::string& mode, DutPrepare prepare) { prepares_[mode] = std::move(prepare); }

void DutRegistry::prepare(const std::string& mode, const DutConfig& config) const {
  if (const auto it = prepares_.find(mode); it != prepares_.end()) it->second(config);
}

std::unique_ptr<rig::Dut> DutRegistry::make(const std::string& mode, const DutConfig& config) const {
  const auto it = factories_.find(mode);
  if (it == factories_.end()) throw rig::DutError("mode '" + mode + "' is not available in this build");
  return it->second(config);
}

DutRegistry& duts() {
  static DutRegistry registry;  // built on first use: registrars in other translation units may run first
  return registry;
}

}  // namespace rig::app
