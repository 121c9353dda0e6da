// bmsrig certify: the certification set in one run, judged against the spec's requirement list.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rig/app/dut_registry.hpp"
#include "rig/app/shard.hpp"

namespace rig::app {

struct CertifySpec {
  std::vector<std::string> inputs;  // empty: the scenarios/ folder
  std::string out_dir = "out/certify";
  std::string mode = "sil";
  DutConfig dut;
  int jobs = 1;
  std::string requirements;  // empty: docs/spec/REQUIREMENTS.md
  std::string observation_map;  // empty: observation-map.md beside the requirements file
  std::string command_line;
  std::optional<Shard> shard;  // --shard K/N: this part only; coverage is judged when the shards are merged
  std::string shard_history;   // --shard-history DB
  std::string history;         // --history DB: margin sparklines in report.html
};

// Runs, writes report.html, junit.xml, results.json, coverage.json (each requirement and the passing checks that
// observe it), traces/, REQUIREMENTS.md and MANIFEST.sha256 into out_dir and prints the certification summary.
// Coverage is by observation (rig/writers.hpp traceability()). Returns the exit status of `bmsrig certify`.
int certify(const CertifySpec& spec);

// Removes the outputs a previous certify run left in `dir` (only the files certify itself writes), so the folder
// and its manifest describe this run alone.
void clear_previous_outputs(const std::filesystem::path& dir);

}  // namespace rig::app
