# bmsrig_firmware_identity(<target>): writes <image>.identity.json beside a firmware image at build time — the
# identity the image reports over VE.Direct HEX (product id 0x0100, firmware version 0x0102, build hash 0x21A0):
#
#   {"format": "bmsrig-firmware-identity", "product_id": 41952, "firmware_version": "0.1.0",
#    "build_hash": "5f9030e1a2b3"}
#
# The rig reads it for `--firmware <image>` (rig/dut/bench: board identity) and refuses to run a board that reports
# another identity. The values come from where the firmware takes them: fw::kFirmwareVersion (fw/version.hpp),
# fw::vedirect::kProductIdValue (fw/registers.hpp) and BMSRIG_GIT_HASH (the git hash compiled into fw_core).
set(_bmsrig_fw_dir ${CMAKE_CURRENT_LIST_DIR}/../firmware)

function(bmsrig_firmware_identity target)
  file(STRINGS ${_bmsrig_fw_dir}/core/include/fw/version.hpp v REGEX "kFirmwareVersion = \"[0-9.]+\"")
  string(REGEX MATCH "\"([0-9.]+)\"" _ "${v}")
  set(version ${CMAKE_MATCH_1})
  file(STRINGS ${_bmsrig_fw_dir}/protocol/include/fw/registers.hpp p REGEX "kProductIdValue = 0x[0-9A-Fa-f]+")
  string(REGEX MATCH "0x([0-9A-Fa-f]+)" _ "${p}")
  math(EXPR product "0x${CMAKE_MATCH_1}")
  if(NOT version OR NOT product)
    message(FATAL_ERROR "bmsrig_firmware_identity: cannot read the firmware version or product id from firmware/")
  endif()
  file(GENERATE OUTPUT "$<TARGET_FILE:${target}>.identity.json"
       CONTENT "{\"format\": \"bmsrig-firmware-identity\", \"product_id\": ${product}, \"firmware_version\": \"${version}\", \"build_hash\": \"${BMSRIG_GIT_HASH}\"}\n")
endfunction()
