// The console lines bmsrig prints per case and in its summaries.
#pragma once

#include <string>
#include <vector>

#include "rig/result.hpp"

namespace rig::app {

// A file-name-safe form: letters, digits, '-', '_' and '.' kept, anything else '_'.
std::string sanitize(const std::string& s);
// The headline check of a case: the first failing one, else the first with a measured margin (authors list the
// headline requirement first), else the first.
const rig::checks::CheckResult* key_check(const rig::report::CaseResult& c);
// PASS, FAIL, ERROR or INCOMPLETE.
const char* verdict_tag(const rig::report::CaseResult& c);
// The verdict, name, every check's evidence and the timing of one finished case.
std::string case_line(const rig::report::CaseResult& c);
std::string join(const std::vector<std::string>& v, const char* sep = ", ");

}  // namespace rig::app
