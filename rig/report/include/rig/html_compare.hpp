// The HTML report with an agreement section: how this run (A) agrees with another run of the same scenarios (B),
// e.g. a SIL run against the HIL run of the bench (`bmsrig report A.json --compare B.json`).
#pragma once

#include <filesystem>
#include <string>

#include "rig/compare.hpp"
#include "rig/writers.hpp"

namespace rig::report {

// The section alone: <h2 id="agreement">Agreement with <MODE of B></h2>, the files compared, the summary line and
// the comparison table (case, check, A verdict/margin, B verdict/margin, difference, tolerance, status), rows
// classed "agree", "borderline", "disagree", "only_in_a", "only_in_b".
std::string html_agreement_section(const Comparison& comparison);

// html_report() with the agreement section after the summary.
std::string html_report(const RunResult& run, const HtmlOptions& options, const Comparison& agreement);
void write_html_report(const RunResult& run, const HtmlOptions& options, const Comparison& agreement,
                       const std::filesystem::path& path);

}  // namespace rig::report
