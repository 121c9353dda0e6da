// The Duts bmsrig can run against, by mode ("sil", "pil", "hil"). A Dut kind plugs in by registering a factory
// (DutRegistrar at namespace scope in a source file linked into the program); "sil" (the in-process firmware) is
// always there. Nothing else in the program names a Dut type.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rig/dut.hpp"

namespace rig::app {

// What a factory may need from the command line.
struct DutConfig {
  std::string rig_config;  // --rig rig.yaml (hil)
  std::string firmware;    // --firmware: the image for pil (empty: the Dut's default)
};

using DutFactory = std::function<std::unique_ptr<rig::Dut>(const DutConfig&)>;

class DutRegistry {
 public:
  DutRegistry();  // with "sil"
  // Adds or replaces the factory of `mode`.
  void add(const std::string& mode, DutFactory factory);
  bool has(const std::string& mode) const;
  std::vector<std::string> modes() const;
  // A new Dut of `mode`; rig::DutError "mode 'x' is not available in this build" for an unknown mode, and whatever
  // the factory throws (e.g. hil without --rig).
  std::unique_ptr<rig::Dut> make(const std::string& mode, const DutConfig& config) const;

 private:
  std::map<std::string, DutFactory> factories_;
};

// The program's registry.
DutRegistry& duts();

struct DutRegistrar {
  DutRegistrar(const std::string& mode, DutFactory factory) { duts().add(mode, std::move(factory)); }
};

}  // namespace rig::app
