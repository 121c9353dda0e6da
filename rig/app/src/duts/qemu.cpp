// --mode pil: QemuDut (rig/dut/qemu). Linked into bmsrig when rig_dut_qemu is part of the build.
#include "rig/app/dut_registry.hpp"
#include "rig/qemu_dut.hpp"

namespace {

// The image: --firmware, else BMSRIG_PIL_IMAGE, else build/cross-cm3/firmware/boards/mps2-an385/fw_mps2_an385.elf.
const rig::app::DutRegistrar pil("pil", [](const rig::app::DutConfig& config) -> std::unique_ptr<rig::Dut> {
  rig::QemuDutOptions opt;
  opt.image = config.firmware;  // empty: default_pil_image()
  return std::make_unique<rig::QemuDut>(opt);
});

}  // namespace
