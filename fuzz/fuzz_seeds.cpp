// Writes the generated seed corpora of the fuzz harnesses: well-formed plant-link frames of every type, VE.Direct
// text blocks and HEX frames as the firmware sends them, and a results file as bmsrig writes it. The scenario,
// rig.yaml and expression seeds come from the library itself (fuzz/CMakeLists.txt).
// Usage: fuzz_seeds <corpus root>   (creates <root>/<harness>/<n>)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fw/plant_link.hpp"
#include "fw/vedirect_hex.hpp"
#include "fw/vedirect_text.hpp"
#include "rig/writers.hpp"

namespace fs = std::filesystem;
namespace pl = fw::plant_link;

namespace {
void put(const fs::path& dir, int n, const void* data, std::size_t size) {
  fs::create_directories(dir);
  std::ofstream(dir / ("seed_" + std::to_string(n)), std::ios::binary)
      .write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

template <typename Encode>
void frame(const fs::path& dir, int& n, pl::Type type, Encode encode) {
  static std::uint8_t payload[pl::kMaxPayload];
  static std::uint8_t out[pl::kMaxFrame];
  pl::Writer w(payload, sizeof payload);
  encode(w);
  const std::size_t size = pl::encode_frame(type, static_cast<std::uint16_t>(n), payload, w.size(), out, sizeof out);
  put(dir, n++, out, size);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds <corpus root>\n");
    return 2;
  }
  const fs::path root = argv[1];

  // Plant link: one frame of each payload kind, and a batch of deltas.
  {
    const fs::path dir = root / "plant_link";
    int n = 0;
    fw::Outputs out{};
    fw::Config config{};
    frame(dir, n, pl::Type::kReady, [](pl::Writer&) {});
    frame(dir, n, pl::Type::kHelloAck, [](pl::Writer& w) { pl::encode_identity(w, pl::make_identity("fuzz")); });
    frame(dir, n, pl::Type::kConfig, [&](pl::Writer& w) { pl::encode_config(w, config); });
    frame(dir, n, pl::Type::kStepResult, [&](pl::Writer& w) {
      pl::StepResult res{};
      res.executed = 1;
      res.last = out;
      pl::encode_step_result(w, res);
    });
    for (std::uint16_t count : {1, 4, 32}) {
      frame(dir, n, pl::Type::kStep, [&](pl::Writer& w) {
        pl::StepRequest req{};
        req.count = count;
        pl::encode_step_header(w, req);
        fw::Inputs prev{};
        for (std::uint16_t i = 0; i < count; ++i) {
          fw::Inputs next = prev;
          next.cell_mv[0] = prev.cell_mv[0] + 7;
          next.alt_current_ma = prev.alt_current_ma + 250;
          pl::encode_delta(w, prev, next);
          prev = next;
        }
      });
    }
    frame(dir, n, pl::Type::kError, [](pl::Writer& w) { w.u8(1); });
  }

  // VE.Direct text: the firmware's telemetry block, twice in a row, and with a HEX frame between blocks.
  {
    const fs::path dir = root / "vedirect_text";
    char block[fw::vedirect::kMaxBlockBytes];
    fw::vedirect::Telemetry t{};
    t.battery_mv = 13250;
    t.current_ma = -1200;
    const std::size_t n = fw::vedirect::encode_telemetry(t, block, sizeof block);
    put(dir, 0, block, n);
    const std::string twice = std::string(block, n) + std::string(block, n);
    put(dir, 1, twice.data(), twice.size());
    const std::string with_hex = std::string(block, n) + ":7F0ED0071\n" + std::string(block, n);
    put(dir, 2, with_hex.data(), with_hex.size());
  }

  // VE.Direct HEX: a ping, a get, a set of each value size, and the error frame.
  {
    const fs::path dir = root / "vedirect_hex";
    int n = 0;
    char text[fw::vedirect::kMaxHexFrameChars + 1];
    auto emit = [&](const fw::vedirect::HexFrame& f) { put(dir, n++, text, fw::vedirect::encode_hex(f, text, sizeof text)); };
    emit(fw::vedirect::make_frame(0x1));
    emit(fw::vedirect::make_get(0xED8D));
    for (std::size_t size : {1, 2, 4}) emit(fw::vedirect::make_register(0x8, 0xEDF0, 0, 1234, size));
    put(dir, n++, fw::vedirect::kErrorFrame, sizeof fw::vedirect::kErrorFrame - 1);
  }

  // Results: a run of one case with one check, as bmsrig writes it.
  {
    const fs::path dir = root / "results_reader";
    fs::create_directories(dir);
    rig::report::RunResult run;
    run.firmware_version = "0.1.0";
    rig::report::CaseResult c;
    c.name = "seed";
    c.requirements = {"LD-2"};
    c.checks.emplace_back();
    run.cases.push_back(c);
    rig::report::write_json(run, dir / "seed_0");
    // a PIL case with the board's health counts, a HIL case with loop jitter and measured signals
    c.mode = "pil";
    c.health = {{"board_resets", 1, true, "restarts the board did by itself"}, {"ticks", 400, false, "ticks"}};
    run.cases.push_back(c);
    c.mode = "hil";
    c.health.clear();
    c.loop_jitter = rig::report::LoopJitter{700, 61.5, 180.25, 950.0, false, true, "SCHED_FIFO refused"};
    c.measured = {{"port/alt_v", 0.01, 0.001}};
    run.cases.push_back(c);
    rig::report::write_json(run, dir / "seed_1");
  }
  return 0;
}
