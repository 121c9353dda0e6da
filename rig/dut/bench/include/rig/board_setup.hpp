// The board on a nightly bench, before any scenario runs: powered, flashed with the image under test through OpenOCD
// (rig.yaml `board.program`), and identified over VE.Direct HEX — product id (0x0100), firmware version (0x0102,
// major << 8 | minor << 4 | patch) and build hash (0x21A0, the first 8 hex digits of the git hash) — against the
// image's identity. A board that reports another identity is refused: the results name what was really tested.
//
// The image's identity is the sidecar `<image>.identity.json` the build writes beside every firmware image
// (cmake/FirmwareIdentity.cmake): {"product_id": 41952, "firmware_version": "0.1.0", "build_hash": "5f9030e1a2b3"}.
// A sidecar rather than the ELF itself: the image need not be an ELF (a .hex or .bin flashes as well), and the values
// are the ones the firmware was compiled with (fw/version.hpp, fw/registers.hpp, BMSRIG_GIT_HASH).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/io/config.hpp"
#include "rig/io/bench.hpp"
#include "rig/io/vedirect_link.hpp"

namespace rig {

struct FirmwareIdentity {
  std::uint16_t product_id = 0;
  std::uint16_t version_word = 0;  // major << 8 | minor << 4 | patch
  std::uint32_t hash_word = 0;     // the first 8 hex digits of the build hash
  std::string version;             // "0.1.0"
  std::string build_hash;          // as the image's sidecar names it; for a board, the 8 hex digits it reported
};

// "product 0xA3E0, firmware 0.1.0, build 5f9030e1"
std::string describe(const FirmwareIdentity& id);

// Programming, power or identity problems; the message says what and where.
struct BoardSetupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// <image>.identity.json. Throws BoardSetupError naming the file when it is missing or malformed.
std::filesystem::path identity_file(const std::filesystem::path& image);
FirmwareIdentity image_identity(const std::filesystem::path& image);

// The OpenOCD command line that flashes `image`: executable, -f for each config, -c for each command, then
// -c "program <image> verify reset exit" (the path in braces when it has blanks, as Tcl needs).
std::vector<std::string> openocd_command(const io::BoardConfig::Program& program, const std::filesystem::path& image);
// The command line as a shell would take it (each argument quoted when needed): what a dry run prints.
std::string shell_line(const std::vector<std::string>& argv);

// Switches the board's power on (rig.yaml board.power: the GPIO relay line driven on, or the instrument's output on;
// nothing without board.power) and runs OpenOCD within its timeout. Throws BoardSetupError with OpenOCD's last output
// lines when it fails. `gpio_ports` as BenchDutOptions (default: libgpiod, or FIFO lines for a directory chip).
void program_board(const io::RigConfig& rig, const std::filesystem::path& image, io::GpioPortFactory gpio_ports = {});

// Reads 0x0100, 0x0102 and 0x21A0 over a running VE.Direct link (BenchDut::start does, once the bench is up),
// retrying until `within` has passed (a board that was just flashed is still booting). Throws BoardSetupError naming
// `where` when the board does not answer.
FirmwareIdentity read_board_identity(io::VeDirectLink& link, boost::asio::io_context& io,
                                     std::chrono::milliseconds within, const std::string& where);

// Empty when the board runs the image; else what differs ("build hash: board 1234abcd, image 5f9030e1; …").
std::string identity_mismatch(const FirmwareIdentity& image, const FirmwareIdentity& board);

}  // namespace rig
