#include "rig/writers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "rig/sha256.hpp"
#include "sample_run.hpp"

namespace rig::report {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("rig_report_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- atomic writes -------------------------------------------------------------------------------------------
TEST(AtomicWrite, ReplacesWholeFileAndLeavesNoTemp) {
  const auto d = temp_dir("atomic");
  write_file_atomic(d / "sub" / "a.txt", "first");
  write_file_atomic(d / "sub" / "a.txt", "second");
  EXPECT_EQ(slurp(d / "sub" / "a.txt"), "second");
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(d / "sub")) {
    ++files;
    EXPECT_EQ(e.path().filename(), "a.txt");
  }
  EXPECT_EQ(files, 1u);
  EXPECT_THROW(write_file_atomic("/proc/definitely/not/writable.txt", "x"), WriteError);
  fs::remove_all(d);
}

// ---- JUnit ---------------------------------------------------------------------------------------------------
TEST(Junit, OneTestcasePerCaseWithEvidence) {
  const auto xml = junit_xml(test::make_run(false));
  EXPECT_EQ(test::occurrences(xml, "<testcase "), 3u);
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"bmsrig\" tests=\"3\" failures=\"1\" errors=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"scenarios.requirements\" tests=\"2\" failures=\"1\" errors=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"scenarios.faults\" tests=\"1\" failures=\"0\" errors=\"1\""));
  // names escaped, matrix combination in the name
  EXPECT_THAT(xml, HasSubstr("name=\"pre-alarm leads load disconnect &lt;30 s&gt; &amp; &quot;more&quot; [fuse_a=60, soc=0.08]\""));
  EXPECT_THAT(xml, HasSubstr("classname=\"scenarios.requirements\""));
  // evidence
  EXPECT_THAT(xml, HasSubstr("lead 30.000 s, limit ≥ 30 s, margin +0.000 s"));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"check\" message=\"fail: lead &apos;rise(bms/out/prealarm)&apos; → "
                             "&apos;fall(bms/out/load)&apos;: lead 25.000 s, limit ≥ 30 s, margin -5.000 s"));
  EXPECT_THAT(xml, HasSubstr("<error type=\"error\" message=\"DutError: firmware refused the configuration (error 3)\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"incomplete\" value=\"false\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"firmware.hash\" value=\"abc123def456\"/>"));
  EXPECT_THAT(xml, Not(HasSubstr("INCOMPLETE")));
}

TEST(Junit, InterruptedRunIsMarkedIncomplete) {
  const auto xml = junit_xml(test::make_run(true));
  EXPECT_THAT(xml, HasSubstr("<property name=\"incomplete\" value=\"true\"/>"));
  EXPECT_THAT(xml, HasSubstr("<error type=\"incomplete\" message=\"incomplete: run interrupted\">"));
  EXPECT_THAT(xml, HasSubstr("<system-err>INCOMPLETE"));
  EXPECT_THAT(xml, HasSubstr("errors=\"2\""));
}

TEST(Junit, ControlCharactersAreDropped) {
  auto run = test::make_run(false);
  run.cases[2].error = std::string("bad\x01\x1b[0mtext");
  const auto xml = junit_xml(run);
  EXPECT_THAT(xml, HasSubstr("message=\"bad[0mtext\""));
}

// ---- JSON ----------------------------------------------------------------------------------------------------
TEST(Json, RoundTripsTheResultModel) {
  const auto d = temp_dir("json");
  const auto run = test::make_run(true);
  write_json(run, d / "r.json");
  const auto j = nlohmann::json::parse(slurp(d / "r.json"));
  EXPECT_EQ(j["format"], "bmsrig-results");
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["verdict"], "error");
  EXPECT_EQ(j["counts"]["incomplete"], 1);
  EXPECT_EQ(j["cases"][0]["parameters"]["fuse_a"], "60");
  EXPECT_EQ(j["cases"][0]["checks"][0]["kind"], "lead");
  EXPECT_DOUBLE_EQ(j["cases"][0]["checks"][0]["measured"].get<double>(), 30.0);
  EXPECT_DOUBLE_EQ(j["cases"][0]["checks"][0]["margin"].get<double>(), 0.0);
  EXPECT_TRUE(j["cases"][2]["checks"].empty());
  const auto back = read_json(d / "r.json");
  ASSERT_EQ(back.cases.size(), run.cases.size());
  EXPECT_TRUE(back.interrupted);
  EXPECT_EQ(back.cases[0].display_name(), run.cases[0].display_name());
  EXPECT_EQ(back.cases[1].verdict, Verdict::kFail);
  EXPECT_EQ(back.cases[3].completed, false);
  EXPECT_EQ(back.cases[0].checks[0].evidence, run.cases[0].checks[0].evidence);
  EXPECT_EQ(back.cases[0].checks[0].instants.size(), run.cases[0].checks[0].instants.size());
  EXPECT_EQ(back.cases[0].checks[0].instants[1].t, from_seconds(130));
  EXPECT_EQ(results_json(back), results_json([&] { auto r = run; for (auto& c : r.cases) c.trace.reset(); return r; }()));
  fs::remove_all(d);
}


// An inconclusive case: its check's margin (0.005 A) is within the current's 0.01 A resolution.
report::RunResult inconclusive_run() {
  auto run = test::make_run(false);
  run.cases.erase(run.cases.begin() + 1, run.cases.end());
  auto& k = run.cases[0].checks[1];
  k.verdict = Verdict::kInconclusive;
  k.margin = 0.005;
  k.uncertainty = 0.01;
  k.uncertainty_basis = "alternator/current_a: sample period 1 ms, resolution 0.01 A";
  k.message = "inconclusive: margin +0.005 A is within the uncertainty ±0.01 A";
  run.cases[0].verdict = Verdict::kInconclusive;
  return run;
}

TEST(Junit, InconclusiveIsAnErrorOfTypeInconclusive) {
  const auto xml = junit_xml(inconclusive_run());
  EXPECT_THAT(xml, HasSubstr("<error type=\"inconclusive\" message=\"inconclusive: margin +0.005 A"));
  EXPECT_THAT(xml, HasSubstr("tests=\"1\" failures=\"0\" errors=\"1\""));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  // a passing case stays a bare testcase
  EXPECT_THAT(junit_xml([] { auto r = test::make_run(false); r.cases.resize(1); return r; }()), Not(HasSubstr("<error")));
}

// A results text with a member missing or of the wrong kind is refused as malformed, naming its source; reading a
// missing "firmware" object was undefined behaviour (a fuzzer's find, kept in fuzz/regressions/results_reader/).
TEST(Json, ReaderRefusesMissingOrMistypedMembers) {
  const std::string good = results_json(test::make_run(false));
  EXPECT_NO_THROW(read_json_text(good, "good.json"));
  auto without = nlohmann::ordered_json::parse(good);
  without.erase("firmware");
  try {
    read_json_text(without.dump(), "no-firmware.json");
    ADD_FAILURE() << "a results file without \"firmware\" was read";
  } catch (const WriteError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-firmware.json: malformed results file"));
    EXPECT_THAT(e.what(), HasSubstr("firmware"));
  }
  auto mistyped = nlohmann::ordered_json::parse(good);
  mistyped["firmware"] = 3;
  EXPECT_THROW(read_json_text(mistyped.dump(), "x.json"), WriteError);
  mistyped = nlohmann::ordered_json::parse(good);
  mistyped["cases"] = nlohmann::ordered_json::array({1, "two"});
  EXPECT_THROW(read_json_text(mistyped.dump(), "x.json"), WriteError);
  EXPECT_THROW(read_json_text("[1, 2]", "x.json"), WriteError);
  // times: nanosecond time holds +-9.2e9 s; a window or instant beyond it is refused (both sides of the limit)
  auto far = nlohmann::ordered_json::parse(good);
  far["cases"][0]["checks"][0]["window"]["end_s"] = 9.1e9;
  EXPECT_NO_THROW(read_json_text(far.dump(), "far.json"));
  for (const double s : {9.3e9, -9.3e9, 6e69}) {
    far["cases"][0]["checks"][0]["window"]["end_s"] = s;
    EXPECT_THROW(read_json_text(far.dump(), "far.json"), WriteError) << s;
  }
  far = nlohmann::ordered_json::parse(good);
  ASSERT_FALSE(far["cases"][0]["checks"][0]["instants"].empty());
  far["cases"][0]["checks"][0]["instants"][0]["t_s"] = 6e69;
  EXPECT_THROW(read_json_text(far.dump(), "far.json"), WriteError);
}

TEST(Json, InconclusiveVerdictCountAndMarginUncertaintyRoundTrip) {
  const auto d = temp_dir("json-inconclusive");
  const auto run = inconclusive_run();
  write_json(run, d / "r.json");
  const auto j = nlohmann::json::parse(slurp(d / "r.json"));
  EXPECT_EQ(j["verdict"], "inconclusive");
  EXPECT_EQ(j["counts"]["inconclusive"], 1);
  EXPECT_EQ(j["counts"]["passed"], 0);
  EXPECT_EQ(j["cases"][0]["checks"][1]["verdict"], "inconclusive");
  EXPECT_DOUBLE_EQ(j["cases"][0]["checks"][1]["margin_uncertainty"].get<double>(), 0.01);
  const auto back = read_json(d / "r.json");
  EXPECT_EQ(back.cases[0].verdict, Verdict::kInconclusive);
  EXPECT_EQ(back.cases[0].checks[1].uncertainty, std::optional<double>(0.01));
  EXPECT_EQ(back.cases[0].checks[1].uncertainty_basis, run.cases[0].checks[1].uncertainty_basis);
  fs::remove_all(d);
}

TEST(Html, InconclusiveHasItsOwnBadgeAndCount) {
  HtmlOptions o;
  const auto html = html_report(inconclusive_run(), o);
  EXPECT_THAT(html, HasSubstr("<span class=\"badge inconclusive\">"));
  EXPECT_THAT(html, HasSubstr("id=\"count-inconclusive\">1<"));
  EXPECT_THAT(html, HasSubstr("+0.005 ± 0.010 A"));
}

TEST(Html, CoverageByObservationNamesTheObservingCheck) {
  auto run = test::make_run(false);
  run.cases.resize(1);
  const ObservationMap map = {{"LD-2", {"bms/out/load"}}, {"PA-3", {"pin/pa_v"}}};
  HtmlOptions o;
  o.requirement_ids = {"LD-2", "PA-3"};
  o.observation = &map;
  const auto html = html_report(run, o);
  EXPECT_THAT(html, HasSubstr("observed by: " + run.cases[0].checks[0].name));
  EXPECT_THAT(html, HasSubstr("no passing check reads a signal that observes it"));
}

// ---- CSV -----------------------------------------------------------------------------------------------------
TEST(TraceCsv, LongFormatRoundTripsExactly) {
  const auto t = test::make_trace(130.0);
  t->append_raw(*t->find("alternator/current_a"), Sample{Time{199'999'999'999}, 0.1 + 0.2});
  const auto csv = trace_csv(*t);
  EXPECT_THAT(csv, ::testing::StartsWith("time_s,signal,value\n0.000000000,bms/out/prealarm,0\n"));
  EXPECT_THAT(csv, HasSubstr("130.000000000,bms/out/load,0\n"));
  EXPECT_THAT(csv, HasSubstr("199.999999999,alternator/current_a,0.30000000000000004\n"));
  EXPECT_THAT(csv, ::testing::EndsWith("200.000000000,#end,\n"));
  const auto d = temp_dir("csv");
  write_trace_csv(*t, d / "t.csv");
  const Trace back = read_trace_csv(d / "t.csv");
  ASSERT_EQ(back.signal_count(), t->signal_count());
  EXPECT_EQ(back.end_time(), t->end_time());
  for (SignalId i = 0; i < t->signal_count(); ++i) {
    const auto id = *back.find(t->info(i).name);
    ASSERT_EQ(back.samples(id).size(), t->samples(i).size()) << t->info(i).name;
    for (std::size_t k = 0; k < t->samples(i).size(); ++k) {
      EXPECT_EQ(back.samples(id)[k].t, t->samples(i)[k].t);
      EXPECT_EQ(back.samples(id)[k].value, t->samples(i)[k].value);
    }
  }
  EXPECT_EQ(back.info(*back.find("bms/out/load")).kind, SignalKind::kDigital);
  EXPECT_EQ(back.info(*back.find("alternator/current_a")).unit, "A");
  // Checks recomputed from the file give the same verdicts and margins.
  const auto a = checks::evaluate_all(test::make_specs(*t), *t);
  const auto b = checks::evaluate_all(test::make_specs(back), back);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].message, b[k].message);
  fs::remove_all(d);
}

TEST(TraceCsv, ReaderRefusesMalformedFiles) {
  const auto d = temp_dir("csvbad");
  write_file_atomic(d / "a.csv", "t,s,v\n");
  EXPECT_THROW(read_trace_csv(d / "a.csv"), WriteError);
  write_file_atomic(d / "b.csv", "time_s,signal,value\n1.0,x/y,abc\n");
  try {
    read_trace_csv(d / "b.csv");
    FAIL();
  } catch (const WriteError& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.csv:2: bad value 'abc'"));
  }
  fs::remove_all(d);
}

// ---- VCD: a structural parser of our own output -----------------------------------------------------------------
struct VcdVar {
  std::string type;
  int width;
  std::string ref;
  std::string path;
};
struct ParsedVcd {
  std::string timescale;
  std::map<std::string, VcdVar> vars;  // by id
  std::vector<long long> times;
  std::map<std::string, std::vector<std::pair<long long, std::string>>> changes;  // id → (time, value)
};

ParsedVcd parse_vcd(const std::string& text) {
  ParsedVcd v;
  std::istringstream in(text);
  std::vector<std::string> tok;
  for (std::string w; in >> w;) tok.push_back(w);
  std::size_t i = 0;
  std::vector<std::string> scopes;
  auto until_end = [&](std::vector<std::string>* out) {
    while (i < tok.size() && tok[i] != "$end") {
      if (out) out->push_back(tok[i]);
      ++i;
    }
    if (i >= tok.size()) throw std::runtime_error("missing $end");
    ++i;
  };
  bool defs_done = false;
  while (i < tok.size() && !defs_done) {
    const std::string k = tok[i++];
    std::vector<std::string> body;
    if (k == "$date" || k == "$version" || k == "$comment") until_end(nullptr);
    else if (k == "$timescale") {
      until_end(&body);
      for (auto& b : body) v.timescale += (v.timescale.empty() ? "" : " ") + b;
    } else if (k == "$scope") {
      until_end(&body);
      if (body.size() != 2 || body[0] != "module") throw std::runtime_error("bad $scope");
      scopes.push_back(body[1]);
    } else if (k == "$upscope") {
      until_end(&body);
      if (scopes.empty()) throw std::runtime_error("unbalanced $upscope");
      scopes.pop_back();
    } else if (k == "$var") {
      until_end(&body);
      if (body.size() != 4) throw std::runtime_error("bad $var");
      if (v.vars.count(body[2])) throw std::runtime_error("duplicate id " + body[2]);
      for (char c : body[2])
        if (c < 33 || c > 126 || c == '#' || c == '$') throw std::runtime_error("bad id character");
      if (body[3].find_first_of("[]") != std::string::npos) throw std::runtime_error("bracket in reference");
      std::string path;
      for (auto& s : scopes) path += s + ".";
      v.vars[body[2]] = VcdVar{body[0], std::stoi(body[1]), body[3], path + body[3]};
    } else if (k == "$enddefinitions") {
      until_end(nullptr);
      if (!scopes.empty()) throw std::runtime_error("unclosed $scope");
      defs_done = true;
    } else
      throw std::runtime_error("unexpected header token " + k);
  }
  if (!defs_done) throw std::runtime_error("no $enddefinitions");
  long long now = -1;
  for (; i < tok.size(); ++i) {
    const std::string& w = tok[i];
    if (w == "$dumpvars" || w == "$end") continue;
    if (w[0] == '#') {  // a timestamp (identifiers never start with '#')
      const long long t = std::stoll(w.substr(1));
      if (t <= now) throw std::runtime_error("time not increasing at " + w);
      now = t;
      v.times.push_back(t);
      continue;
    }
    if (now < 0) throw std::runtime_error("value before the first time");
    std::string id, value;
    if (w[0] == 'r' || w[0] == 'b') {
      value = w;
      id = tok.at(++i);
    } else {
      value = w.substr(0, 1);
      id = w.substr(1);
    }
    const auto it = v.vars.find(id);
    if (it == v.vars.end()) throw std::runtime_error("undeclared id " + id);
    const auto& type = it->second.type;
    if (w[0] == 'r') {
      if (type != "real") throw std::runtime_error("real value for " + type);
      std::size_t used = 0;
      std::stod(value.substr(1), &used);
      if (used != value.size() - 1) throw std::runtime_error("bad real " + value);
    } else if (w[0] == 'b') {
      if (type != "integer" || value.find_first_not_of("01xz", 1) != std::string::npos)
        throw std::runtime_error("bad vector " + value);
    } else if (type != "wire" || std::string("01xz").find(value) == std::string::npos)
      throw std::runtime_error("bad scalar " + w);
    v.changes[id].emplace_back(now, value);
  }
  return v;
}

TEST(TraceVcd, HeaderScopesAndMonotonicTimes) {
  const auto t = test::make_trace(130.0);
  const auto text = trace_vcd(*t, "2026-11-29T05:14:01Z");
  ParsedVcd v;
  ASSERT_NO_THROW(v = parse_vcd(text)) << text;
  EXPECT_EQ(v.timescale, "1 ns");
  std::size_t integers = 0;
  for (SignalId i = 0; i < t->signal_count(); ++i) integers += t->info(i).kind == SignalKind::kInteger;
  ASSERT_GE(integers, 1u);
  ASSERT_EQ(v.vars.size(), t->signal_count() - integers + 3 * integers);  // alarm_code 0..5: three bit wires
  std::map<std::string, VcdVar> by_path;
  for (const auto& [id, var] : v.vars) by_path[var.path] = var;
  ASSERT_TRUE(by_path.count("bmsrig.bank.battery_0.cell_3.voltage_v"));
  EXPECT_EQ(by_path["bmsrig.bank.battery_0.cell_3.voltage_v"].type, "real");
  EXPECT_EQ(by_path["bmsrig.bms.out.load"].type, "wire");
  EXPECT_EQ(by_path["bmsrig.bms.out.load"].width, 1);
  // An integer signal is a scope of bit wires (libsigrok reads single-bit wires only).
  EXPECT_EQ(by_path.count("bmsrig.bms.alarm_code"), 0u);
  EXPECT_EQ(by_path["bmsrig.bms.alarm_code.bit0"].type, "wire");
  EXPECT_EQ(by_path["bmsrig.bms.alarm_code.bit2"].width, 1);
  EXPECT_EQ(by_path.count("bmsrig.bms.alarm_code.bit3"), 0u);
  EXPECT_EQ(vcd_name("bank/battery[0]/cell[3]/voltage_v"), "bank.battery_0.cell_3.voltage_v");
  // times: 0, 1, 10, 20, 50, 98, 100, 120, 130, 150 s and the end at 200 s, in ns
  EXPECT_EQ(v.times.front(), 0);
  EXPECT_EQ(v.times.back(), 200'000'000'000LL);
  EXPECT_EQ(v.times.size(), 11u);
  // the load wire: 0 at 0, 1 at 1 s, 0 at 130 s
  std::string load_id;
  for (const auto& [id, var] : v.vars)
    if (var.path == "bmsrig.bms.out.load") load_id = id;
  const auto& ch = v.changes[load_id];
  ASSERT_EQ(ch.size(), 3u);
  EXPECT_EQ(ch[1], (std::pair<long long, std::string>{1'000'000'000LL, "1"}));
  EXPECT_EQ(ch[2], (std::pair<long long, std::string>{130'000'000'000LL, "0"}));
  // Alarm code 5 = bits 0 and 2: each bit wire's last value.
  auto last_of = [&](const std::string& path) {
    for (const auto& [id, var] : v.vars)
      if (var.path == path) return v.changes[id].back().second;
    return std::string("?");
  };
  EXPECT_EQ(last_of("bmsrig.bms.alarm_code.bit0") + last_of("bmsrig.bms.alarm_code.bit1") + last_of("bmsrig.bms.alarm_code.bit2"), "101");
  EXPECT_EQ(text.find("\nb"), std::string::npos);  // no vector values at all
}

TEST(TraceVcd, ManySignalsGetDistinctPrintableIds) {
  Trace t;
  for (int i = 0; i < 300; ++i) {
    const auto id = t.add_signal(SignalInfo{"bank/battery[" + std::to_string(i / 20) + "]/cell[" + std::to_string(i % 20) + "]/voltage_v", "V", SignalKind::kAnalog, 0});
    t.append_raw(id, Sample{Time{0}, 3.3});
    t.append_raw(id, Sample{Time{1000 + i}, 3.2});
  }
  t.set_end_time(Time{5000});
  ParsedVcd v;
  ASSERT_NO_THROW(v = parse_vcd(trace_vcd(t)));
  EXPECT_EQ(v.vars.size(), 300u);
}

TEST(TraceCsvWide, OneColumnPerSignalWithUnitsAndEveryValueHeld) {
  Trace t;
  const auto v = t.add_signal(SignalInfo{"alternator/current_a", "A", SignalKind::kAnalog, 0.0});
  const auto d = t.add_signal(SignalInfo{"bms/out/load", "", SignalKind::kDigital, 0.0});
  t.append_raw(v, Sample{Time{0}, 1.5});
  t.append_raw(d, Sample{Time{0}, 0});
  t.append_raw(v, Sample{Time{500'000'000}, 2.25});
  t.append_raw(d, Sample{Time{1'000'000'000}, 1});
  t.set_end_time(Time{2'000'000'000});
  EXPECT_EQ(trace_csv_wide(t),
            "time_s,alternator/current_a [A],bms/out/load\n"
            "0.000000000,1.5,0\n"
            "0.500000000,2.25,0\n"
            "1.000000000,2.25,1\n");
}

// ---- SHA-256 and manifest -------------------------------------------------------------------------------------
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto d = temp_dir("sha");
  std::string big(1 << 17, 'a');  // crosses the read buffer
  write_file_atomic(d / "big", big);
  EXPECT_EQ(sha256_file(d / "big"), sha256_hex(big));
  EXPECT_THROW(sha256_file(d / "missing"), WriteError);
  write_file_atomic(d / "x" / "one.txt", "abc");
  write_manifest({d / "x" / "one.txt", d / "big"}, d / "SHA256SUMS");
  EXPECT_EQ(slurp(d / "SHA256SUMS"), sha256_hex(big) + "  big\n" +
                                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x/one.txt\n");
  fs::remove_all(d);
}

}  // namespace
}  // namespace rig::report
