// Benches as CTest resources: the resource-spec JSON for `ctest --resource-spec-file` (one resource per bench, typed
// by the bench's kind), and, inside a test CTest started with an allocation, the rig file of the bench it got.
//
// A bench's resource id is its rig name (`rig:`) with every character other than a letter, digit or '_' turned
// into '_' (CTest's id alphabet); its type is the rig file's `kind:` (default "bench"). One slot per bench: a HIL
// test declares RESOURCE_GROUPS "<kind>:1", so CTest never runs two tests on one bench.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rig::app {

struct ResourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string bench_resource_id(const std::string& rig_name);

// The resource spec (version 1.0) of the rig files. Throws ResourceError when a file is refused (rig/io's message
// with its place) or two benches would get one id.
std::string resource_spec_json(const std::vector<std::string>& rig_files);

// The rig file among `pool` whose bench CTest allocated to this process (the environment CTest sets for a test
// with RESOURCE_GROUPS: CTEST_RESOURCE_GROUP_COUNT, CTEST_RESOURCE_GROUP_0, CTEST_RESOURCE_GROUP_0_<TYPE>).
// `getenv` is the lookup (tests pass their own). Throws ResourceError naming what is missing.
std::string rig_from_ctest_allocation(const std::vector<std::string>& pool,
                                      const std::function<const char*(const char*)>& getenv);

}  // namespace rig::app
