#include "rig/app/resources.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <map>

#include "rig/io/config.hpp"

namespace rig::app {

std::string bench_resource_id(const std::string& rig_name) {
  std::string id = rig_name;
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return id;
}

namespace {

rig::io::RigConfig load(const std::string& file) {
  try {
    return rig::io::load_rig_config(file);
  } catch (const std::exception& e) {
    throw ResourceError(e.what());
  }
}

}  // namespace

std::string resource_spec_json(const std::vector<std::string>& rig_files) {
  std::map<std::string, std::string> id_file;  // id → the rig file that has it
  nlohmann::ordered_json local = nlohmann::ordered_json::object();
  for (const auto& f : rig_files) {
    const auto rig = load(f);
    const std::string id = bench_resource_id(rig.name);
    if (const auto it = id_file.find(id); it != id_file.end())
      throw ResourceError(f + ": bench '" + rig.name + "' has the resource id '" + id + "' of " + it->second +
                          "; expected one rig name per bench");
    id_file[id] = f;
    if (!local.contains(rig.kind)) local[rig.kind] = nlohmann::ordered_json::array();
    local[rig.kind].push_back({{"id", id}, {"slots", 1}});
  }
  nlohmann::ordered_json doc;
  doc["version"] = {{"major", 1}, {"minor", 0}};
  doc["local"] = nlohmann::ordered_json::array({local});
  return doc.dump(2) + "\n";
}

std::string rig_from_ctest_allocation(const std::vector<std::string>& pool,
                                      const std::function<const char*(const char*)>& getenv) {
  const char* count = getenv("CTEST_RESOURCE_GROUP_COUNT");
  if (count == nullptr || std::string(count) == "0")
    throw ResourceError("--rig-pool: no bench allocated (CTEST_RESOURCE_GROUP_COUNT unset); run the test with "
                        "`ctest --resource-spec-file` (bmsrig resources writes it) or name the bench with --rig");
  const char* types = getenv("CTEST_RESOURCE_GROUP_0");
  if (types == nullptr || *types == '\0') throw ResourceError("--rig-pool: CTEST_RESOURCE_GROUP_0 is unset");
  std::string type = types;
  type = type.substr(0, type.find(','));  // a HIL test asks for one bench
  std::string var = "CTEST_RESOURCE_GROUP_0_";
  for (char c : type) var += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* alloc = getenv(var.c_str());
  if (alloc == nullptr) throw ResourceError("--rig-pool: " + var + " is unset");
  // "id:<id>,slots:1"
  std::string a = alloc;
  const auto at = a.find("id:");
  if (at == std::string::npos) throw ResourceError("--rig-pool: " + var + "='" + a + "': expected id:<bench>,slots:<n>");
  const std::string id = a.substr(at + 3, a.find(',', at) - at - 3);
  for (const auto& f : pool) {
    const auto rig = load(f);
    if (bench_resource_id(rig.name) == id && rig.kind == type) return f;
  }
  throw ResourceError("--rig-pool: CTest allocated bench '" + id + "' of kind '" + type +
                      "', but no rig file of the pool describes it");
}

}  // namespace rig::app
