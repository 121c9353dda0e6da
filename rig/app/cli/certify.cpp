// bmsrig certify: the certification set, judged against the spec's requirement list.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "rig/app/certification.hpp"
#include "rig/app/discovery.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/shard.hpp"

namespace rig::app::cli {

Command add_certify(CLI::App& app, const Context& ctx) {
  auto cert = std::make_shared<CertifySpec>();
  cert->command_line = ctx.command_line;
  cert->jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto req_default = default_requirements();
  const auto lib_default = find_default("scenarios");
  auto* certify = app.add_subcommand(
      "certify",
      "run the certification set and judge it against the spec's requirement list: writes report.html, junit.xml, "
      "results.json, traces/, a copy of REQUIREMENTS.md and MANIFEST.sha256 (sha256sum -c) into --out; exit 0 only "
      "if every requirement is covered and every case passed (1: a check failed, 2: a requirement uncovered or a "
      "case errored). The last line names the report.");
  certify->add_option("paths", cert->inputs,
                      "scenario files or folders (default: the scenarios/ folder of the current directory, else of "
                      "the nearest folder above it that has one" +
                          (lib_default ? " — here " + lib_default->string() : std::string(" — none found here")) +
                          "; pending/ folders are skipped)");
  certify->add_option("--out", cert->out_dir, "output folder")->capture_default_str();
  certify->add_option("-j,--jobs", cert->jobs, "cases run in parallel threads (default: the CPU count)")
      ->check(CLI::Range(1, 256));
  certify->add_option("--mode", cert->mode, "device under test: sil (in process), pil (QEMU), hil (bench, needs --rig)")
      ->check(CLI::IsMember({"sil", "pil", "hil"}))
      ->capture_default_str();
  certify->add_option("--history", cert->history, "a margin history database (bmsrig history): the HTML report shows each check's margin over the last runs as a sparkline, flagged ones first");
  certify->add_option("--rig", cert->dut.rig_config, "the bench description rig.yaml (hil)");
  certify->add_option("--firmware", cert->dut.firmware, "the firmware image (ELF): pil runs it; hil flashes it and checks the board's identity (exit 5)");
  certify->add_option("--requirements", cert->requirements,
                      "the spec whose `- XXX-n` lines list the requirement IDs (default: docs/spec/REQUIREMENTS.md "
                      "of the current directory, else of the nearest folder above it that has one" +
                          (req_default ? " — here " + req_default->string() : std::string(" — none found here")) +
                          ")")
      ->check(CLI::ExistingFile);
  certify->add_option("--observation-map", cert->observation_map,
                      "the table of signals that observe each requirement (default: observation-map.md beside the "
                      "requirements file); a requirement counts as covered only by a passing check reading one")
      ->check(CLI::ExistingFile);
  auto shard_text = std::make_shared<std::string>();
  certify->add_option("--shard", *shard_text,
                      "K/N: only the K-th of N parts of the set (coverage is judged by bmsrig merge --requirements)");
  certify->add_option("--shard-history", cert->shard_history,
                      "a history database: balance the shards by the wall times measured there");
  return {certify, [cert, shard_text] {
            if (!shard_text->empty()) {
              cert->shard = parse_shard(*shard_text);
              if (!cert->shard) {
                std::fprintf(stderr, "bmsrig certify: --shard %s: expected K/N with 1 <= K <= N\n", shard_text->c_str());
                return kExitUsage;
              }
            }
            return rig::app::certify(*cert);
          }};
}

}  // namespace rig::app::cli
