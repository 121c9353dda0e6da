#!/usr/bin/env python3
"""Mutation score of the scenario library: does the library catch plausible firmware bugs?

Each mutant in firmware/mutants/ is one patch with one plausible bug tied to a requirement ID. For every
mutant this script applies the patch to a private copy of the source tree, rebuilds `bmsrig` (the firmware
core runs in process), runs the scenario library in SIL and records which cases fail or end in error. A
mutant is killed when at least one case does; it survived when the whole library still passes.

Writes <out>/mutation.md (a table) and <out>/mutation.json, and exits
  0  when the score reaches --min-score (default 95 %),
  1  when it does not,
  2  when the tooling failed (unmutated library not passing, a mutant that does not apply or does not build).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQ_ID = re.compile(r"\b[A-Z]{2,5}-[0-9]+\b")


@dataclass
class Mutant:
    path: Path
    requirement: str
    kind: str
    bug: str
    outcome: str = "not run"  # killed | survived | build error | apply error | timeout
    killed_by: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def name(self) -> str:
        return self.path.stem


def read_catalogue(folder: Path, known_ids: set[str]) -> list[Mutant]:
    """Reads every *.patch; its header lines name the requirement, the kind of bug and the bug."""
    mutants = []
    for p in sorted(folder.glob("*.patch")):
        head: dict[str, str] = {}
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.startswith("diff --git"):
                break
            if ":" in line:
                k, v = line.split(":", 1)
                head[k.strip().lower()] = v.strip()
        missing = [k for k in ("requirement", "kind", "bug") if not head.get(k)]
        if missing:
            raise SystemExit(f"{p}: header lacks {', '.join(missing)} (expected 'Requirement:', 'Kind:', 'Bug:' lines)")
        if known_ids and head["requirement"] not in known_ids:
            raise SystemExit(f"{p}: unknown requirement ID {head['requirement']!r}")
        mutants.append(Mutant(p, head["requirement"], head["kind"], head["bug"]))
    return mutants


def run(cmd: list[str], cwd: Path, timeout: float | None = None, log: Path | None = None) -> int:
    with open(log, "ab") if log else open(os.devnull, "wb") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return -1


def failing_cases(results: Path) -> list[str] | None:
    """Names of the cases that failed or ended in error, or None if the results are missing or incomplete."""
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not data.get("complete", False):
        return None
    return sorted(c["name"] for c in data["cases"] if c["verdict"] != "pass")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", type=Path, default=ROOT / "firmware/mutants")
    ap.add_argument("--scenarios", nargs="+", default=["scenarios"], help="library paths, relative to the tree")
    ap.add_argument("--out", type=Path, default=ROOT / "out/mutation")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", action="append", default=[], help="run only mutants whose name contains this")
    ap.add_argument("--min-score", type=float, default=95.0, help="percent of mutants that must be killed")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per library run")
    ap.add_argument("--work", type=Path, help="working folder (default: a new one under TMPDIR)")
    ap.add_argument("--check", action="store_true",
                    help="only check the catalogue: headers, known requirement IDs, every patch applies to this tree")
    args = ap.parse_args()

    known = set(REQ_ID.findall((ROOT / "docs/spec/REQUIREMENTS.md").read_text(encoding="utf-8")))
    mutants = read_catalogue(args.catalogue, known)
    if args.check:
        stale = [m.name for m in mutants
                 if subprocess.run(["git", "apply", "--check", str(m.path.resolve())], cwd=ROOT,
                                   capture_output=True).returncode != 0]
        for name in stale:
            print(f"{args.catalogue / (name + '.patch')}: does not apply to this tree (the code it mutates changed)")
        print(f"mutation: {len(mutants)} mutants, {len(stale)} stale")
        too_few = args.catalogue.resolve() == (ROOT / "firmware/mutants").resolve() and len(mutants) < 40
        if too_few:
            print("mutation: the catalogue must hold at least 40 mutants")
        return 1 if stale or too_few else 0
    if args.only:
        mutants = [m for m in mutants if any(s in m.name for s in args.only)]
    if not mutants:
        print("mutation: no mutants selected", file=sys.stderr)
        return 2

    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "mutation.log"
    log.write_text("")
    work = args.work or Path(tempfile.mkdtemp(prefix="bmsrig-mutation-"))
    src = work / "src"
    build = work / "build"
    # A private copy of the tree: a mutant is never applied to the checkout, so an interrupted run leaves it clean.
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(ROOT, src, symlinks=True,
                    ignore=shutil.ignore_patterns("build", "out", ".git", "__pycache__"))
    cfg = ["cmake", "-S", str(src), "-B", str(build), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
           "-DBMSRIG_BUILD_TESTS=OFF", "-DBMSRIG_BUILD_BENCHMARKS=OFF"]
    if shutil.which("ccache"):
        cfg += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    build_cmd = ["cmake", "--build", str(build), "--target", "bmsrig", "-j", str(args.jobs)]
    bmsrig = build / "rig/app/bmsrig"

    def library(tag: str) -> list[str] | None:
        results = work / f"{tag}.json"
        results.unlink(missing_ok=True)
        rc = run([str(bmsrig), "run", *args.scenarios, "-j", str(args.jobs), "--json", str(results)],
                 cwd=src, timeout=args.timeout, log=log)
        if rc == -1:
            return None
        return failing_cases(results)

    print(f"mutation: {len(mutants)} mutants, library {' '.join(args.scenarios)}, work {work}")
    if run(cfg, cwd=src, log=log) != 0 or run(build_cmd, cwd=src, log=log) != 0:
        print(f"mutation: the unmutated tree does not build (see {log})", file=sys.stderr)
        return 2
    base = library("baseline")
    if base is None or base:
        print(f"mutation: the unmutated library does not pass: {base} (see {log})", file=sys.stderr)
        return 2

    tooling_failed = False
    for i, m in enumerate(mutants, 1):
        t0 = time.monotonic()
        patch = str(m.path.resolve())
        if run(["git", "apply", patch], cwd=src, log=log) != 0:
            m.outcome = "apply error"
            tooling_failed = True
        else:
            try:
                if run(build_cmd, cwd=src, log=log) != 0:
                    m.outcome = "build error"
                    tooling_failed = True
                else:
                    failed = library(m.name)
                    if failed is None:
                        m.outcome = "killed"  # the library did not complete: a hang or a crash is a detection
                        m.killed_by = ["(library run did not complete: timeout or crash)"]
                    elif failed:
                        m.outcome = "killed"
                        m.killed_by = failed
                    else:
                        m.outcome = "survived"
            finally:
                if run(["git", "apply", "-R", patch], cwd=src, log=log) != 0:
                    print(f"mutation: could not revert {m.name}", file=sys.stderr)
                    return 2
        m.wall_s = time.monotonic() - t0
        print(f"[{i}/{len(mutants)}] {m.name:45s} {m.requirement:7s} {m.outcome}"
              + (f" ({len(m.killed_by)} cases)" if m.killed_by else ""), flush=True)

    killed = sum(m.outcome == "killed" for m in mutants)
    score = 100.0 * killed / len(mutants)
    rows = [{"mutant": m.name, "requirement": m.requirement, "kind": m.kind, "bug": m.bug,
             "outcome": m.outcome, "killed_by": m.killed_by, "wall_s": round(m.wall_s, 1)} for m in mutants]
    (args.out / "mutation.json").write_text(json.dumps(
        {"mutants": len(mutants), "killed": killed, "score_percent": round(score, 1),
         "min_score_percent": args.min_score, "library": args.scenarios, "results": rows}, indent=2) + "\n")
    lines = [f"# Mutation score: {killed}/{len(mutants)} killed ({score:.1f} %)", "",
             "| Mutant | Requirement | Bug | Outcome | Killed by |", "|---|---|---|---|---|"]
    for m in mutants:
        by = ", ".join(m.killed_by[:4]) + (f" and {len(m.killed_by) - 4} more" if len(m.killed_by) > 4 else "")
        lines.append(f"| {m.name} | {m.requirement} | {m.bug} | {m.outcome} | {by} |")
    (args.out / "mutation.md").write_text("\n".join(lines) + "\n")
    print(f"mutation: {killed}/{len(mutants)} killed ({score:.1f} %); table: {args.out / 'mutation.md'}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    if tooling_failed:
        return 2
    return 0 if score >= args.min_score else 1


if __name__ == "__main__":
    sys.exit(main())
