// --mode hil: BenchDut (rig/dut/bench) with --rig rig.yaml. Linked into bmsrig when rig_dut_bench is part of the build.
#include "rig/app/dut_registry.hpp"
#include "rig/bench_dut.hpp"
#include "rig/io/config.hpp"

namespace {

const rig::app::DutRegistrar hil("hil", [](const rig::app::DutConfig& config) -> std::unique_ptr<rig::Dut> {
  if (config.rig_config.empty()) throw rig::DutError("mode 'hil' needs --rig <rig.yaml> (the bench description)");
  rig::BenchDutOptions opt;
  opt.handle_signals = false;  // bmsrig's own Ctrl-C handling stops the run; Dut::stop() makes the bench safe
  return std::make_unique<rig::BenchDut>(rig::io::load_rig_config(config.rig_config), opt);
});

}  // namespace
