#include "rig/board_setup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "fw/registers.hpp"
#include "fw/version.hpp"
#include "rig/bench_dut.hpp"
#include "rig/io/scpi.hpp"
#include "rig/io/serial.hpp"
#include "rig/io/vedirect_link.hpp"

extern char** environ;

namespace rig {

namespace vd = fw::vedirect;
namespace fs = std::filesystem;

std::string describe(const FirmwareIdentity& id) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "product 0x%04X, firmware %s, build %08x", id.product_id, id.version.c_str(),
                id.hash_word);
  return buf;
}

fs::path identity_file(const fs::path& image) { return fs::path(image.string() + ".identity.json"); }

FirmwareIdentity image_identity(const fs::path& image) {
  const fs::path file = identity_file(image);
  std::ifstream in(file);
  if (!in)
    throw BoardSetupError(file.string() + ": cannot read the image's identity (the build writes it beside every "
                          "firmware image; expected " + file.filename().string() + " beside " + image.string() + ")");
  FirmwareIdentity id;
  try {
    const auto j = nlohmann::json::parse(in);
    const auto product = j.at("product_id").get<long long>();
    if (product < 0 || product > 0xFFFF) throw std::out_of_range("product_id is not an un16");
    id.product_id = static_cast<std::uint16_t>(product);
    id.version = j.at("firmware_version").get<std::string>();
    id.build_hash = j.at("build_hash").get<std::string>();
  } catch (const std::exception& e) {
    throw BoardSetupError(file.string() + ": expected {\"product_id\": un16, \"firmware_version\": \"x.y.z\", "
                          "\"build_hash\": \"<git hash>\"}: " + e.what());
  }
  id.version_word = fw::version_word(id.version.c_str());
  id.hash_word = vd::parse_hash_word(id.build_hash.c_str());
  return id;
}

std::vector<std::string> openocd_command(const io::BoardConfig::Program& program, const fs::path& image) {
  std::vector<std::string> argv{program.openocd.executable};
  for (const auto& f : program.openocd.config) argv.insert(argv.end(), {"-f", f});
  for (const auto& c : program.openocd.commands) argv.insert(argv.end(), {"-c", c});
  std::string path = fs::absolute(image).lexically_normal().string();
  if (path.find_first_of(" \t") != std::string::npos) path = "{" + path + "}";
  argv.insert(argv.end(), {"-c", "program " + path + " verify reset exit"});
  return argv;
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789_-./=:,+@%") == std::string::npos;
    std::string q = a;
    if (!plain) {
      q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      q += "'";
    }
    line += (line.empty() ? "" : " ") + q;
  }
  return line;
}

namespace {

// Runs argv with stdout+stderr into `log`; returns the exit status, or -1 when killed at the timeout.
int run_with_timeout(const std::vector<std::string>& argv, const fs::path& log, std::chrono::seconds timeout) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw BoardSetupError("cannot start " + argv[0] + ": " + std::strerror(rc));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string last_lines(const fs::path& file, std::size_t n) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) out += "\n  " + lines[i];
  return out;
}

}  // namespace

void program_board(const io::RigConfig& rig, const fs::path& image, io::GpioPortFactory gpio_ports) {
  if (!rig.board.program) throw BoardSetupError(rig.name + ": the rig file has no board.program: cannot flash " + image.string());
  if (!fs::is_regular_file(image)) throw BoardSetupError("firmware image not found: " + image.string());
  // Power on first: a board left off by an earlier run cannot be flashed.
  std::unique_ptr<io::GpioLinePort> power_line;
  if (const auto& p = rig.board.power) {
    if (p->line) {
      power_line = (gpio_ports ? gpio_ports : default_gpio_ports())();
      power_line->request_output(*p->line, true);
    } else if (const auto* ic = rig.instrument(p->instrument)) {
      io::ScpiInstrument psu(ic->name, ic->model, ic->connection);
      psu.connect();
      psu.set_output(true);
    }
  }
  const auto argv = openocd_command(*rig.board.program, image);
  const fs::path log = fs::temp_directory_path() / ("bmsrig-openocd-" + std::to_string(::getpid()) + ".log");
  const int rc = run_with_timeout(argv, log, rig.board.program->openocd.timeout);
  const std::string tail = last_lines(log, 8);
  std::error_code ec;
  fs::remove(log, ec);
  if (rc == -1)
    throw BoardSetupError("openocd did not finish within " + std::to_string(rig.board.program->openocd.timeout.count()) +
                          " s (board.program.openocd.timeout_s): " + shell_line(argv) + tail);
  if (rc != 0)
    throw BoardSetupError("openocd failed (exit " + std::to_string(rc) + "): " + shell_line(argv) + tail);
}

FirmwareIdentity read_board_identity(io::VeDirectLink& link, boost::asio::io_context& io,
                                     std::chrono::milliseconds within, const std::string& where) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  auto get = [&](std::uint16_t reg) -> std::uint32_t {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto r = link.exchange(vd::make_get(reg), io, std::clamp(left, std::chrono::milliseconds(100),
                                                                     std::chrono::milliseconds(500)));
      if (r && r->flags() == vd::kFlagOk) return r->value();
      if (std::chrono::steady_clock::now() >= deadline) {
        char what[160];
        std::snprintf(what, sizeof what, "the board did not answer a VE.Direct HEX get of register 0x%04X within %lld ms",
                      reg, static_cast<long long>(within.count()));
        throw BoardSetupError(std::string(what) + " on " + where);
      }
    }
  };
  FirmwareIdentity id;
  id.product_id = static_cast<std::uint16_t>(get(vd::reg::kProductId));
  id.version_word = static_cast<std::uint16_t>(get(vd::reg::kFirmwareVersion));
  id.hash_word = get(vd::reg::kBuildHash);
  id.version = std::to_string(id.version_word >> 8) + "." + std::to_string((id.version_word >> 4) & 0xF) + "." +
               std::to_string(id.version_word & 0xF);
  char hash[16];
  std::snprintf(hash, sizeof hash, "%08x", id.hash_word);
  id.build_hash = hash;
  return id;
}

std::string identity_mismatch(const FirmwareIdentity& image, const FirmwareIdentity& board) {
  std::string out;
  char buf[128];
  if (image.product_id != board.product_id) {
    std::snprintf(buf, sizeof buf, "product id: board 0x%04X, image 0x%04X", board.product_id, image.product_id);
    out += buf;
  }
  if (image.version_word != board.version_word)
    out += (out.empty() ? "" : "; ") + std::string("firmware version: board ") + board.version + ", image " + image.version;
  if (image.hash_word != board.hash_word) {
    std::snprintf(buf, sizeof buf, "build hash: board %08x, image %08x", board.hash_word, image.hash_word);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out;
}

}  // namespace rig
