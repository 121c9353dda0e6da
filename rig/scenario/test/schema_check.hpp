// A small JSON Schema (2020-12 subset) validator for the scenario schema test, and a YAML → JSON conversion that
// follows the YAML core schema for plain scalars (quoted scalars stay strings). Test-only.
// Supported keywords: type, properties, additionalProperties, required, items, minItems, maxItems, enum, const,
// pattern, minLength, minProperties, oneOf, anyOf, $ref ("#/$defs/<name>"). Anything else in the schema is ignored
// by design — the test asserts that the validator rejects bad files, so an ignored keyword cannot hide a pass.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rig::test {

nlohmann::json yaml_to_json(const YAML::Node& node);

// Returns the list of violations ("<json pointer>: <what>"); empty when valid. `skip_required_at_root` validates
// fragments (included files), which need not carry `name` / `expect`.
std::vector<std::string> validate_schema(const nlohmann::json& schema, const nlohmann::json& doc,
                                         bool skip_required_at_root = false);

}  // namespace rig::test
