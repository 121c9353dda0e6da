#!/usr/bin/env python3
"""Checks `bmsrig certify` from the outside: its exit status and printed IDs, and the report, JUnit, JSON and
manifest it writes, against what the scenario files and REQUIREMENTS.md say (parsed here independently of the C++
writers).

  certify_check.py run      BMSRIG OUT REQUIREMENTS.md SCENARIO_PATH...   certify the paths into OUT, check the exit
                                                                          status and the printed uncovered IDs
  certify_check.py passed   OUT                                           that run certified (exit 0)
  certify_check.py coverage OUT REQUIREMENTS.md SCENARIO_PATH...          report/JUnit coverage = spec - uncovered
  certify_check.py html     XMLLINT CHECK_HTML_SH OUT                     well-formed, one <svg per test case
  certify_check.py manifest OUT                                           sha256sum -c passes, covers every file
  certify_check.py rerender BMSRIG OUT                                    `bmsrig report` from results.json
  certify_check.py drop     BMSRIG WORK SOURCE_DIR                        a folder losing one requirement fails
  certify_check.py pending  BMSRIG WORK SOURCE_DIR                        folder walks skip pending/ and *.pending

Exit 0 when the checks hold, 1 (with the reasons on stderr) when not.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

ID_LINE = re.compile(r"^- ([A-Z]+-[0-9]+)[ \t]")


def fail(msg):
    print("certify_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def spec_ids(path):
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = ID_LINE.match(line)
            if m and m.group(1) not in ids:
                ids.append(m.group(1))
    return ids


def scenario_files(paths):
    """The files a folder walk picks: *.yaml / *.yml, without fragments/, schema/, pending/ and hidden folders."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = [d for d in dirs if d not in ("fragments", "schema", "pending") and not d.startswith(".")]
                found += [os.path.join(root, f) for f in files if f.endswith((".yaml", ".yml"))]
            out += sorted(found)
        else:
            out.append(p)
    return out


def scenario_requirements(paths):
    """{file: [requirement IDs]} from each file's top-level `requirements:`."""
    reqs = {}
    for f in scenario_files(paths):
        with open(f, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        reqs[f] = [str(r) for r in (doc.get("requirements") or [])]
    return reqs


def certify(bmsrig, out, req, paths, jobs="2"):
    cmd = [bmsrig, "certify", *paths, "--out", out, "--requirements", req, "-j", jobs]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def printed_ids(stdout, label):
    m = re.search(r"^" + label + r" requirements \(\d+[^)]*\): (.*)$", stdout, re.M)
    return m.group(1).split(", ") if m else []


def check_run(bmsrig, out, req, paths):
    ids = spec_ids(req)
    covered = {r for rs in scenario_requirements(paths).values() for r in rs}
    uncovered = [i for i in ids if i not in covered]
    rc, so, se = certify(bmsrig, out, req, paths)
    lines = so.rstrip("\n").split("\n")
    if lines[-1] != "report: " + os.path.join(out, "report.html"):
        fail("last line is %r, expected it to name %s/report.html" % (lines[-1], out))
    if printed_ids(so, "uncovered") != uncovered:
        fail("certify printed uncovered %s, the scenario files leave %s uncovered" % (printed_ids(so, "uncovered"),
                                                                                      uncovered))
    failed = printed_ids(so, "failed") + printed_ids(so, "errored")
    expected_rc = 2 if uncovered or printed_ids(so, "errored") else (1 if failed else 0)
    if rc != expected_rc:
        fail("certify exited %d, expected %d (uncovered %s, failed/errored %s)\n%s\n%s" %
             (rc, expected_rc, uncovered, failed, so[-3000:], se[-2000:]))
    with open(out + ".stdout", "w", encoding="utf-8") as f:
        f.write(so)
    print("certify: exit %d, %d of %d requirements covered; %s" % (rc, len(ids) - len(uncovered), len(ids), lines[-1]))


def check_passed(out):
    """The certification itself: every requirement covered, every case passed (certify exited 0)."""
    with open(out + ".stdout", encoding="utf-8") as f:
        so = f.read()
    last = so.rstrip("\n").split("\n")[-2:]
    if not last[0].startswith("certification: PASS (exit 0)"):
        bad = [l for l in so.split("\n") if l.startswith(("FAIL ", "ERROR ", "INCOMPLETE ")) or " requirements (" in l]
        fail("certification did not pass: %s\n%s" % (last[0], "\n".join(bad)))
    print("certified: %s" % last[0])


def html_tree(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # The report is XHTML-compatible: parse it as XML (a <!DOCTYPE html> without DTD is fine for expat).
    try:
        return ET.fromstring(text), text
    except ET.ParseError as e:
        fail("%s is not well-formed XML: %s" % (path, e))


def by_id(root, ident):
    for el in root.iter():
        if el.get("id") == ident:
            return el
    return None


def text_of(el):
    return "".join(el.itertext()).strip()


def check_coverage(out, req, paths):
    ids = spec_ids(req)
    reqs = scenario_requirements(paths)
    covered_by_files = {r for rs in reqs.values() for r in rs}
    uncovered = [i for i in ids if i not in covered_by_files]
    covered = [i for i in ids if i in covered_by_files]
    root, text = html_tree(os.path.join(out, "report.html"))

    # JUnit: every test case, and the requirements each names (system-out line "requirements: A B").
    junit = ET.parse(os.path.join(out, "junit.xml")).getroot()
    cases = list(junit.iter("testcase"))
    junit_reqs = set()
    for c in cases:
        so = c.find("system-out")
        m = re.search(r"^requirements: (.*)$", so.text if so is not None and so.text else "", re.M)
        if m:
            junit_reqs.update(m.group(1).split())
    if int(junit.get("tests", "-1")) != len(cases):
        fail("junit tests=%s but %d <testcase>" % (junit.get("tests"), len(cases)))
    if {i for i in ids if i in junit_reqs} != set(covered):
        fail("JUnit covers %s, the scenario files cover %s" % (sorted(junit_reqs & set(ids)), sorted(covered)))

    # HTML summary numbers.
    def num(ident):
        el = by_id(root, ident)
        if el is None:
            fail("report has no element id=%s" % ident)
        return int(text_of(el))

    if num("count-total") != len(cases):
        fail("report counts %d test cases, JUnit has %d" % (num("count-total"), len(cases)))
    if num("count-covered") != len(covered):
        fail("report: %d requirements covered, expected %d (%s)" % (num("count-covered"), len(covered), covered))
    if num("count-uncovered") != len(uncovered):
        fail("report: %d uncovered, expected %d (%s)" % (num("count-uncovered"), len(uncovered), uncovered))
    banner = text_of(by_id(root, "verdict"))
    if ("%d of %d requirements covered" % (len(covered), len(ids))) not in banner:
        fail("banner %r does not say %d of %d requirements covered" % (banner, len(covered), len(ids)))
    # Traceability rows: one per spec ID, red (class uncovered) exactly for the uncovered ones.
    for i in ids:
        row = by_id(root, "req-" + i)
        if row is None or row.tag != "tr":
            fail("report has no traceability row for %s" % i)
        is_red = "uncovered" in (row.get("class") or "").split()
        if is_red != (i in uncovered):
            fail("traceability row %s: uncovered=%s, expected %s" % (i, is_red, i in uncovered))

    # Provenance: firmware version and build hash, mode, host, date (from results.json), scenario file SHA-256s.
    import json
    with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
        res = json.load(f)
    prov = by_id(root, "provenance")
    if prov is None:
        fail("report has no provenance section")
    for label, value in (("firmware version", res["firmware"]["version"]),
                         ("firmware build hash", res["firmware"]["build_hash"]),
                         ("rig mode", res["mode"]), ("host", res["host"]), ("date (UTC)", res["date"])):
        if not value:
            fail("results.json has no %s" % label)
        if not re.search(r"<th>%s</th><td[^>]*>%s</td>" % (re.escape(label), re.escape(value)), text):
            fail("report provenance does not show %s = %s" % (label, value))
    for f in reqs:
        with open(f, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest not in text:
            fail("report lacks the SHA-256 of %s (%s)" % (f, digest))
    print("coverage: %d test cases, %d/%d requirements covered, uncovered %s; provenance fw %s (%s)" %
          (len(cases), len(covered), len(ids), uncovered, res["firmware"]["version"], res["firmware"]["build_hash"]))


def check_html(xmllint, html_check_sh, out):
    junit = ET.parse(os.path.join(out, "junit.xml")).getroot()
    n = len(list(junit.iter("testcase")))
    report = os.path.join(out, "report.html")
    # xmllint --html is an HTML4 parser: it reports inline SVG element names ("Tag svg invalid"); html_check.sh
    # filters exactly those and fails on any other message, checks XML well-formedness and counts "<svg ".
    p = subprocess.run(["sh", html_check_sh, xmllint, str(n), report], capture_output=True, text=True)
    if p.returncode != 0:
        fail("html_check.sh: %s%s" % (p.stdout, p.stderr))
    # Independently: every case section holds exactly one <svg.
    root, _ = html_tree(report)
    ns = "{http://www.w3.org/2000/svg}svg"
    sections = [el for el in root.iter() if (el.get("id") or "").startswith("case-") and el.get("class") == "case"]
    if len(sections) != n:
        fail("%d case sections, JUnit has %d test cases" % (len(sections), n))
    for s in sections:
        k = sum(1 for el in s.iter() if el.tag in ("svg", ns))
        if k != 1:
            fail("case section %s holds %d <svg>" % (s.get("id"), k))
    print("html: well-formed, %d case sections with one SVG each" % n)


def check_manifest(out):
    man = os.path.join(out, "MANIFEST.sha256")
    p = subprocess.run(["sha256sum", "--strict", "-c", "MANIFEST.sha256"], cwd=out, capture_output=True, text=True)
    if p.returncode != 0:
        fail("sha256sum -c: %s%s" % (p.stdout[-2000:], p.stderr[-2000:]))
    with open(man, encoding="utf-8") as f:
        listed = {line.split("  ", 1)[1].rstrip("\n") for line in f if line.strip()}
    # What certify owns in the folder (it may share it with other files, e.g. ci/run.sh's out/).
    present = {f for f in ("report.html", "junit.xml", "results.json", "REQUIREMENTS.md", "coverage.json")
               if os.path.isfile(os.path.join(out, f))}
    traces = os.path.join(out, "traces")
    if os.path.isdir(traces):
        present |= {"traces/" + f for f in os.listdir(traces)
                    if f.endswith((".csv", ".vcd", ".timeline.txt"))}
    if listed != present:
        fail("manifest lists %s; folder holds %s" % (sorted(listed - present), sorted(present - listed)))
    for must in ("report.html", "junit.xml", "results.json", "REQUIREMENTS.md", "coverage.json"):
        if must not in listed:
            fail("manifest lacks %s" % must)
    # A changed artefact is detected (on a copy: other checks read the folder concurrently).
    copy = out + "-tampered"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(out, copy)
    with open(os.path.join(copy, "junit.xml"), "ab") as f:
        f.write(b"\n")
    p = subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=copy, capture_output=True, text=True)
    shutil.rmtree(copy, ignore_errors=True)
    if p.returncode == 0 or "junit.xml: FAILED" not in p.stdout:
        fail("sha256sum -c did not flag a modified junit.xml: %s" % p.stdout)
    print("manifest: %d files verified by sha256sum -c" % len(listed))


def check_rerender(bmsrig, out):
    target = os.path.join(out + "-rerender", "report.html")
    shutil.rmtree(os.path.dirname(target), ignore_errors=True)
    req = os.path.join(out, "REQUIREMENTS.md")
    p = subprocess.run([bmsrig, "report", os.path.join(out, "results.json"), "--out", target, "--requirements", req],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail("bmsrig report exited %d: %s%s" % (p.returncode, p.stdout, p.stderr))
    if p.stdout.rstrip("\n").split("\n")[-1] != "report: " + target:
        fail("bmsrig report: last line %r" % p.stdout)
    a, _ = html_tree(os.path.join(out, "report.html"))
    b, btext = html_tree(target)
    for ident in ("count-total", "count-passed", "count-failed", "count-covered", "count-uncovered"):
        if text_of(by_id(a, ident)) != text_of(by_id(b, ident)):
            fail("re-rendered %s = %s, certify wrote %s" % (ident, text_of(by_id(b, ident)), text_of(by_id(a, ident))))
    if "no trace available" in btext:
        fail("re-rendered report lost a trace (results.json trace files not found)")
    if btext.count("<polyline") == 0 or btext.count("<svg ") != int(text_of(by_id(b, "count-total"))):
        fail("re-rendered report lacks waveforms")
    print("rerender: %s matches the certify report's counts, waveforms from the trace CSVs" % target)


def copy_scenarios(src_root, dst_root, rel_files):
    shutil.rmtree(dst_root, ignore_errors=True)
    shutil.copytree(os.path.join(src_root, "scenarios", "fragments"), os.path.join(dst_root, "fragments"))
    for rel in rel_files:
        d = os.path.join(dst_root, os.path.dirname(rel))
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(src_root, "scenarios", rel), d)


def check_drop(bmsrig, work, src):
    """A representative subset certified against the IDs it covers passes; the same subset with one ID removed
    from the only file naming it exits non-zero and names that ID (console, report)."""
    files = ["requirements/ld1_output_levels.yaml", "requirements/ld3_collapse_without_prealarm.yaml",
             "requirements/rmt1_remote_deglitch_50ms.yaml", "faults/bms_cable_unplugged.yaml"]
    scen = os.path.join(work, "scenarios")
    copy_scenarios(src, scen, files)
    reqs = scenario_requirements([scen])
    ids = []
    for rs in reqs.values():
        ids += [r for r in rs if r not in ids]
    req = os.path.join(work, "REQUIREMENTS.md")
    with open(req, "w", encoding="utf-8") as f:
        f.write("# subset spec\n\n" + "".join("- %s requirement text\n" % i for i in ids))
    # The table of observing signals lives beside the requirements (coverage is counted by observation).
    shutil.copy(os.path.join(src, "docs", "spec", "observation-map.md"), work)
    out = os.path.join(work, "out-full")
    rc, so, se = certify(bmsrig, out, req, [scen])
    if rc != 0:
        fail("subset certified against its own IDs exited %d, expected 0\n%s\n%s" % (rc, so[-3000:], se[-2000:]))
    # Drop an ID that exactly one file names.
    owner = {}
    for f, rs in reqs.items():
        for r in rs:
            owner.setdefault(r, []).append(f)
    drop = next(r for r in ids if len(owner[r]) == 1)
    victim = owner[drop][0]
    with open(victim, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^requirements: \[(.*)\]$", text, re.M)
    kept = [r.strip() for r in m.group(1).split(",") if r.strip() != drop]
    text = text[:m.start()] + "requirements: [" + ", ".join(kept) + "]" + text[m.end():]
    with open(victim, "w", encoding="utf-8") as f:
        f.write(text)
    out = os.path.join(work, "out-dropped")
    rc, so, se = certify(bmsrig, out, req, [scen])
    if rc == 0:
        fail("certify passed although %s is no longer covered" % drop)
    if printed_ids(so, "uncovered") != [drop]:
        fail("certify printed uncovered %s, expected [%s]\n%s" % (printed_ids(so, "uncovered"), drop, so[-2000:]))
    root, _ = html_tree(os.path.join(out, "report.html"))
    row = by_id(root, "req-" + drop)
    if row is None or "uncovered" not in (row.get("class") or ""):
        fail("report does not show %s as uncovered" % drop)
    print("drop: %d-ID subset passes (exit 0); without %s (%s) certify exits %d and names it" %
          (len(ids), drop, os.path.basename(victim), rc))


def check_pending(bmsrig, work, src):
    scen = os.path.join(work, "scenarios")
    copy_scenarios(src, scen, ["requirements/ld1_output_levels.yaml"])
    os.makedirs(os.path.join(scen, "pending"))
    shutil.copy(os.path.join(scen, "requirements", "ld1_output_levels.yaml"),
                os.path.join(scen, "pending", "waiting.yaml"))
    shutil.copy(os.path.join(scen, "requirements", "ld1_output_levels.yaml"),
                os.path.join(scen, "requirements", "parked.yaml.pending"))
    with open(os.path.join(scen, "requirements", "notes.txt"), "w") as f:
        f.write("not a scenario\n")
    p = subprocess.run([bmsrig, "list", scen], capture_output=True, text=True)
    listed = [l for l in p.stdout.split("\n") if l and not l.startswith(" ") and l.endswith((".yaml", ".pending"))]
    if p.returncode != 0 or listed != [os.path.join(scen, "requirements", "ld1_output_levels.yaml")]:
        fail("bmsrig list %s exited %d and listed %s" % (scen, p.returncode, listed))
    # A pending file named explicitly still loads.
    p = subprocess.run([bmsrig, "validate", os.path.join(scen, "pending", "waiting.yaml")], capture_output=True)
    if p.returncode != 0:
        fail("an explicitly named pending file was refused")
    print("pending: folder walk lists only %s" % listed)


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    cmd, a = argv[1], argv[2:]
    if cmd == "run":
        check_run(a[0], a[1], a[2], a[3:])
    elif cmd == "passed":
        check_passed(a[0])
    elif cmd == "coverage":
        check_coverage(a[0], a[1], a[2:])
    elif cmd == "html":
        check_html(a[0], a[1], a[2])
    elif cmd == "manifest":
        check_manifest(a[0])
    elif cmd == "rerender":
        check_rerender(a[0], a[1])
    elif cmd == "drop":
        check_drop(a[0], a[1], a[2])
    elif cmd == "pending":
        check_pending(a[0], a[1], a[2])
    else:
        fail("unknown check " + cmd)


if __name__ == "__main__":
    main(sys.argv)
