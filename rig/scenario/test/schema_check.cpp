#include "schema_check.hpp"

#include <regex>

namespace rig::test {

using nlohmann::json;

json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = yaml_to_json(it->second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& x : n) a.push_back(yaml_to_json(x));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "false") return s == "true";
      if (s == "null" || s == "~") return nullptr;
      static const std::regex int_re("^[-+]?[0-9]+$");
      static const std::regex float_re("^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$");
      if (std::regex_match(s, int_re)) return std::stoll(s);
      if (std::regex_match(s, float_re)) return std::stod(s);
      return s;
    }
    default:
      return nullptr;
  }
}

namespace {

struct Validator {
  const json& root;
  std::vector<std::string> errors;
  bool skip_required_at_root;

  const json& resolve(const json& schema) const {
    if (schema.contains("$ref")) {
      const std::string ref = schema["$ref"];
      const std::string prefix = "#/$defs/";
      if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
      return root.at("$defs").at(ref.substr(prefix.size()));
    }
    return schema;
  }

  static bool type_ok(const json& doc, const std::string& t) {
    if (t == "object") return doc.is_object();
    if (t == "array") return doc.is_array();
    if (t == "string") return doc.is_string();
    if (t == "number") return doc.is_number();
    if (t == "integer") return doc.is_number_integer();
    if (t == "boolean") return doc.is_boolean();
    if (t == "null") return doc.is_null();
    return false;
  }

  // Appends violations to `out`.
  void check(const json& schema_in, const json& doc, const std::string& path, std::vector<std::string>& out,
             bool at_root = false) {
    const json& schema = resolve(schema_in);
    if (schema.contains("type")) {
      bool ok = false;
      if (schema["type"].is_array()) {
        for (const auto& t : schema["type"]) ok = ok || type_ok(doc, t);
      } else {
        ok = type_ok(doc, schema["type"]);
      }
      if (!ok) {
        out.push_back(path + ": expected type " + schema["type"].dump() + ", found " + doc.dump());
        return;
      }
    }
    if (schema.contains("enum")) {
      bool ok = false;
      for (const auto& e : schema["enum"]) ok = ok || e == doc;
      if (!ok) out.push_back(path + ": " + doc.dump() + " is not one of " + schema["enum"].dump());
    }
    if (schema.contains("const") && schema["const"] != doc) out.push_back(path + ": expected " + schema["const"].dump());
    if (doc.is_string()) {
      const std::string s = doc;
      if (schema.contains("minLength") && s.size() < schema["minLength"].get<std::size_t>())
        out.push_back(path + ": string too short");
      if (schema.contains("pattern") && !std::regex_search(s, std::regex(schema["pattern"].get<std::string>())))
        out.push_back(path + ": '" + s + "' does not match " + schema["pattern"].get<std::string>());
    }
    if (doc.is_object()) {
      if (schema.contains("minProperties") && doc.size() < schema["minProperties"].get<std::size_t>())
        out.push_back(path + ": too few properties");
      if (schema.contains("required") && !(at_root && skip_required_at_root))
        for (const auto& r : schema["required"])
          if (!doc.contains(r.get<std::string>())) out.push_back(path + ": missing required '" + r.get<std::string>() + "'");
      for (auto it = doc.begin(); it != doc.end(); ++it) {
        const std::string p = path + "/" + it.key();
        if (schema.contains("propertyNames")) check(schema["propertyNames"], json(it.key()), p, out);
        if (schema.contains("properties") && schema["properties"].contains(it.key())) {
          check(schema["properties"][it.key()], it.value(), p, out);
        } else if (schema.contains("additionalProperties")) {
          const auto& ap = schema["additionalProperties"];
          if (ap.is_boolean()) {
            if (!ap.get<bool>()) out.push_back(p + ": unknown property '" + it.key() + "'");
          } else {
            check(ap, it.value(), p, out);
          }
        }
      }
    }
    if (doc.is_array()) {
      if (schema.contains("minItems") && doc.size() < schema["minItems"].get<std::size_t>())
        out.push_back(path + ": too few items");
      if (schema.contains("maxItems") && doc.size() > schema["maxItems"].get<std::size_t>())
        out.push_back(path + ": too many items");
      if (schema.contains("items"))
        for (std::size_t i = 0; i < doc.size(); ++i) check(schema["items"], doc[i], path + "/" + std::to_string(i), out);
    }
    if (schema.contains("oneOf")) {
      int matches = 0;
      for (const auto& sub : schema["oneOf"]) {
        std::vector<std::string> tmp;
        check(sub, doc, path, tmp);
        if (tmp.empty()) ++matches;
      }
      if (matches != 1)
        out.push_back(path + ": " + doc.dump() + " matches " + std::to_string(matches) + " of the oneOf alternatives, expected 1");
    }
    if (schema.contains("anyOf")) {
      bool any = false;
      for (const auto& sub : schema["anyOf"]) {
        std::vector<std::string> tmp;
        check(sub, doc, path, tmp);
        any = any || tmp.empty();
      }
      if (!any) out.push_back(path + ": matches none of anyOf");
    }
  }
};

}  // namespace

std::vector<std::string> validate_schema(const json& schema, const json& doc, bool skip_required_at_root) {
  Validator v{schema, {}, skip_required_at_root};
  std::vector<std::string> out;
  v.check(schema, doc, "", out, true);
  return out;
}

}  // namespace rig::test
