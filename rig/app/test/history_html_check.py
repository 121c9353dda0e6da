#!/usr/bin/env python3
"""The HTML report's margin history: given --history DB, a section with one inline-SVG sparkline per check (no
script, nothing fetched), one point per run that had a margin, and the checks the trend flags listed first.

  history_html_check.py BMSRIG SCENARIO OUT_DIR

Three runs of one scenario are recorded, one check's margin shrinking by 0.02 V a run (far beyond what a SIL run
resolves, so the trend flags it) and the others steady. Then:
  - `bmsrig report latest.json --history DB`: the latest run is already recorded, so every check with a margin has
    3 points; the shrinking check's row comes first and is the only one flagged;
  - `bmsrig run --history DB` (two runs recorded): this run is added as the last point of the copy the report is drawn
    from — 3 points — and the database itself is left as it was.
"""
import copy
import html as htmllib
import json
import re
import sqlite3
import subprocess
import sys
import os
import xml.etree.ElementTree as ET


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def rows(html):
    section = html[html.index('id="history-table"'):]
    section = section[:section.index("</table>")]
    out = []
    for tr in re.findall(r'<tr class="(flagged|steady)">(.*?)</tr>', section, re.S):
        cls, body = tr
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        svg = re.search(r"<svg class=\"spark\".*?</svg>", body, re.S).group(0)
        ET.fromstring(svg)  # well-formed inline SVG
        poly = re.search(r'<polyline[^>]* points="([^"]*)"', svg)
        n = len(poly.group(1).split()) if poly else 0
        declared = int(re.search(r'data-points="(\d+)"', svg).group(1))
        if n != declared:
            fail(f"sparkline declares {declared} points and draws {n}")
        out.append((cls, htmllib.unescape(re.sub("<[^>]+>", "", cells[1])), n))
    return out


def main():
    bmsrig, scenario, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    db = os.path.join(out, "history.db")
    if os.path.exists(db):
        os.remove(db)
    base_json = os.path.join(out, "base.json")
    subprocess.run([bmsrig, "run", scenario, "--json", base_json], check=True, capture_output=True)
    base = json.load(open(base_json))
    checks = [k for k in base["cases"][0]["checks"] if k.get("margin") is not None]
    if len(checks) < 2:
        fail("the scenario needs two checks with a margin")
    target = max(checks, key=lambda k: k["name"])["name"]  # the one that sorts last: flagged-first must move it
    files = []
    for run in range(3):
        d = copy.deepcopy(base)
        d["date"] = f"2026-01-0{run + 1}T00:00:00Z"
        for k in d["cases"][0]["checks"]:
            if k["name"] == target:
                k["margin"] = k["margin"] + 0.02 * (2 - run)  # +0.04, +0.02, +0: shrinking
        f = os.path.join(out, f"run{run}.json")
        json.dump(d, open(f, "w"))
        files.append(f)
        subprocess.run([bmsrig, "history", "add", f, "--db", db], check=True, capture_output=True)

    html_file = os.path.join(out, "report.html")
    subprocess.run([bmsrig, "report", files[-1], "--out", html_file, "--history", db, "--no-requirements"],
                   check=True, capture_output=True)
    html = open(html_file).read()
    if "<script" in html or "http://" in html.replace("http://www.w3.org/2000/svg", ""):
        fail("the report has a script or an external reference")
    r = rows(html)
    names = [k["name"] for k in base["cases"][0]["checks"]]
    if sorted(x[1] for x in r) != sorted(names):
        fail(f"one sparkline per check expected: {[x[1] for x in r]} vs {names}")
    if r[0][:2] != ("flagged", target) or any(cls == "flagged" for cls, _, _ in r[1:]):
        fail(f"the shrinking check {target!r} first and alone flagged: {r}")
    for cls, name, n in r:
        want = 3 if name in {k["name"] for k in checks} else 0
        if n != want:
            fail(f"{name}: {n} points, expected {want}")
    print(f"report --history: {len(r)} sparklines, {target!r} flagged and first, 3 points per check with a margin")

    # run --history on a database of two runs: this run is the third point; the database is not changed.
    db2 = os.path.join(out, "two.db")
    if os.path.exists(db2):
        os.remove(db2)
    for f in files[:2]:
        subprocess.run([bmsrig, "history", "add", f, "--db", db2], check=True, capture_output=True)
    html2 = os.path.join(out, "run.html")
    subprocess.run([bmsrig, "run", scenario, "--html", html2, "--history", db2], check=True, capture_output=True)
    r2 = rows(open(html2).read())
    if any(n != 3 for _, name, n in r2 if name in {k["name"] for k in checks}):
        fail(f"run --history: expected 3 points (2 recorded + this run): {r2}")
    runs = sqlite3.connect(db2).execute("select count(*) from runs").fetchone()[0]
    if runs != 2:
        fail(f"run --history changed the database: {runs} runs")
    print("run --history: this run drawn as the third point; the database still holds 2 runs")


if __name__ == "__main__":
    main()
