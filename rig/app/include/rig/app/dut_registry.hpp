// The Duts bmsrig can run against, by mode ("sil", "pil", "hil"). A Dut kind plugs in by registering a factory
// (DutRegistrar at namespace scope in a source file linked into the program); "sil" (the in-process firmware) is
// always there. Nothing else in the program names a Dut type.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/dut.hpp"

namespace rig::app {

// What a factory may need from the command line.
struct DutConfig {
  std::string rig_config;  // --rig rig.yaml (hil)
  std::string firmware;    // --firmware: the image for pil (empty: the Dut's default); hil: flashed and checked
};

// A mode's preparation refused the run before any case (hil: the board's identity does not match --firmware, or
// flashing failed). The message says what differs.
struct DutPreparationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Done once before the cases of a run (hil: power, flash, identify the board). Throws DutPreparationError.
using DutPrepare = std::function<void(const DutConfig&)>;

using DutFactory = std::function<std::unique_ptr<rig::Dut>(const DutConfig&)>;

class DutRegistry {
 public:
  DutRegistry();  // with "sil"
  // Adds or replaces the factory of `mode`.
  void add(const std::string& mode, DutFactory factory);
  bool has(const std::string& mode) const;
  std::vector<std::string> modes() const;
  // The preparation of `mode` (none: nothing to do).
  void add_prepare(const std::string& mode, DutPrepare prepare);
  void prepare(const std::string& mode, const DutConfig& config) const;
  // A new Dut of `mode`; rig::DutError "mode 'x' is not available in this build" for an unknown mode, and whatever
  // the factory throws (e.g. hil without --rig).
  std::unique_ptr<rig::Dut> make(const std::string& mode, const DutConfig& config) const;

 private:
  std::map<std::string, DutFactory> factories_;
  std::map<std::string, DutPrepare> prepares_;
};

// The program's registry.
DutRegistry& duts();

struct DutRegistrar {
  DutRegistrar(const std::string& mode, DutFactory factory, DutPrepare prepare = {}) {
    duts().add(mode, std::move(factory));
    if (prepare) duts().add_prepare(mode, std::move(prepare));
  }
};

}  // namespace rig::app
