// Writes sample outputs of every writer into a folder, for the CTest checks with external tools
// (xmllint against the JUnit schema, xmllint --html, sha256sum -c).
// Usage: rig_report_samples <out-dir> [requirements.md]
#include <cstdio>
#include <exception>
#include <filesystem>

#include "rig/sha256.hpp"
#include "rig/writers.hpp"
#include "sample_run.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <out-dir> [requirements.md]\n", argv[0]);
    return 2;
  }
  try {
    namespace fs = std::filesystem;
    using namespace rig::report;
    const fs::path dir = argv[1];
    fs::create_directories(dir);
    const auto run = rig::test::make_run(false);
    const auto interrupted = rig::test::make_run(true);
    write_junit(run, dir / "junit.xml");
    write_junit(interrupted, dir / "junit-interrupted.xml");
    write_json(run, dir / "results.json");
    write_trace_csv(*run.cases[0].trace, dir / "trace.csv");
    write_trace_vcd(*run.cases[0].trace, dir / "trace.vcd", run.date);
    HtmlOptions opt;
    opt.title = "bmsrig sample report";
    opt.requirement_ids = argc > 2 ? parse_requirement_ids(argv[2]) : std::vector<std::string>{"LD-2", "LD-3", "PA-3", "ALT-2"};
    write_html_report(run, opt, dir / "report.html");
    write_html_report(interrupted, opt, dir / "report-interrupted.html");
    write_manifest({dir / "junit.xml", dir / "results.json", dir / "report.html", dir / "trace.csv", dir / "trace.vcd"},
                   dir / "SHA256SUMS");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rig_report_samples: %s\n", e.what());
    return 1;
  }
  return 0;
}
