// Shards of a run and their merge.
//
// `--shard K/N` runs the K-th of N parts of the cases a run would run (after the -r/-k filters). The partition is
// deterministic and balanced by expected duration: cases sorted longest first (ties by case id) and each given to
// the part with the least expected time so far (ties: the lower part). The expected duration of a case is its
// simulated duration (scenario max_duration), or, with a history database, the mean wall time it took in the runs
// of that mode recorded there.
//
// A sharded run writes `shard.json` beside its results.json: the shard (K, N), the mode, the firmware, the rig
// version, and the whole library before the partition (every case id in run order with its scenario's SHA-256,
// and their hash). `bmsrig merge` refuses shards whose library, firmware, rig version, mode or N differ, or that
// do not make up 1..N exactly once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/result.hpp"

namespace rig::app {

struct Shard {
  int index = 1;  // K, 1-based
  int count = 1;  // N
};
// "K/N" with 1 ≤ K ≤ N ≤ 1000; std::nullopt otherwise.
std::optional<Shard> parse_shard(const std::string& text);

struct ShardItem {
  std::string case_id;
  double expected_s = 0.0;
};
// For each item, the 1-based part it belongs to.
std::vector<int> partition(const std::vector<ShardItem>& items, int parts);

// Mean wall time per case id over the runs of `mode` in a history database (empty if the file does not exist).
std::map<std::string, double> measured_durations(const std::filesystem::path& history_db, const std::string& mode);

struct ShardInfo {
  Shard shard;
  std::string mode, firmware_version, firmware_hash, rig_version;
  std::string library_sha256;  // over every "case id  scenario sha256" line of the library in run order
  std::vector<std::string> library;  // every case id in run order
};
std::string shard_json(const ShardInfo& s);
ShardInfo read_shard_json(const std::filesystem::path& path);  // throws MergeError naming the file

struct MergeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct MergeSpec {
  std::vector<std::filesystem::path> inputs;  // shard folders: results.json, shard.json, traces/
  std::filesystem::path out;
  std::string requirements;  // REQUIREMENTS.md: traceability matrix and certification verdict (optional)
  std::string command_line;
  std::string history;  // a margin history database: sparklines in report.html (the merged run as the last point)
};
// Writes out/results.json, junit.xml, traces/, report.html (and REQUIREMENTS.md) and MANIFEST.sha256: what one run
// of the whole library gives. Returns the merged run. Throws MergeError with a clear message.
rig::report::RunResult merge(const MergeSpec& spec);

}  // namespace rig::app
