#!/usr/bin/env python3
"""bmsrig run --shard K/N and bmsrig merge: N = 1 and N = 3 give equal verdicts, margins and coverage; the merged
manifest verifies; shards of a different scenario version or firmware are refused with a clear error.

usage: shard_merge_check.py BMSRIG WORKDIR REQUIREMENTS.md SCENARIO_FILE...
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path


def run(cmd, ok=(0, 1), **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if p.returncode not in ok:
        sys.exit(f"FAIL: {' '.join(map(str, cmd))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def shard(bmsrig, files, k, n, out):
    run([bmsrig, "run", *files, "--shard", f"{k}/{n}", "--json", out / "results.json", "--junit", out / "junit.xml",
         "--trace-dir", out / "traces"])


def summary(results):
    r = json.loads(Path(results).read_text())
    return [(c["scenario_file"], c["name"], sorted(c["parameters"].items()), c["verdict"], c["requirements"],
             [(k["name"], k["verdict"], k["margin"], k["measured"]) for k in c["checks"]]) for c in r["cases"]]


def main():
    bmsrig, work, req = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    files = [Path(f) for f in sys.argv[4:]]
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    shard(bmsrig, files, 1, 1, work / "n1")
    for k in (1, 2, 3):
        shard(bmsrig, files, k, 3, work / f"n3_{k}")
    sizes = [len(json.loads((work / f"n3_{k}" / "results.json").read_text())["cases"]) for k in (1, 2, 3)]
    total = len(json.loads((work / "n1" / "results.json").read_text())["cases"])
    if sum(sizes) != total or min(sizes) == 0:
        sys.exit(f"FAIL: shard sizes {sizes} do not partition the {total} cases")

    m1 = run([bmsrig, "merge", work / "n1", "--out", work / "m1", "--requirements", req], ok=(0, 1, 2))
    m3 = run([bmsrig, "merge", work / "n3_3", work / "n3_1", work / "n3_2", "--out", work / "m3", "--requirements", req],
             ok=(0, 1, 2))
    if m1.returncode != m3.returncode:
        sys.exit(f"FAIL: merge exit {m1.returncode} (N=1) vs {m3.returncode} (N=3)")
    a, b = summary(work / "m1" / "results.json"), summary(work / "m3" / "results.json")
    if a != b:
        sys.exit(f"FAIL: merged results differ between N=1 and N=3:\n{a}\n{b}")
    cov = [line for line in m1.stdout.splitlines() if "requirements covered" in line]
    if not cov or cov != [line for line in m3.stdout.splitlines() if "requirements covered" in line]:
        sys.exit(f"FAIL: coverage differs:\n{m1.stdout}\n{m3.stdout}")
    for m in ("m1", "m3"):
        run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], ok=(0,), cwd=work / m)
        traces = sorted(p.name for p in (work / m / "traces").iterdir())
        if len(traces) < 3 * total:
            sys.exit(f"FAIL: {m}/traces holds {len(traces)} files for {total} cases")
    if (work / "m1" / "junit.xml").read_text().count("<testcase") != total:
        sys.exit("FAIL: merged junit.xml does not hold every case")

    # A shard made from another version of the scenarios is refused.
    copy = work / "copy" / "scenarios" / "requirements"
    copy.mkdir(parents=True)
    frag = files[0].parent.parent / "fragments"
    if frag.is_dir():
        shutil.copytree(frag, work / "copy" / "scenarios" / "fragments")
    copies = []
    for f in files:
        shutil.copy(f, copy / f.name)
        copies.append(copy / f.name)
    with open(copies[0], "a") as fh:
        fh.write("# edited\n")
    shard(bmsrig, copies, 3, 3, work / "other_3")
    p = run([bmsrig, "merge", work / "n3_1", work / "n3_2", work / "other_3", "--out", work / "bad"], ok=(3,))
    if "shards differ: scenario library" not in p.stderr:
        sys.exit(f"FAIL: a shard of other scenarios was not refused clearly: {p.stderr}")

    # A shard of another firmware build is refused.
    other = work / "fw_3"
    shutil.copytree(work / "n3_3", other)
    for name in ("results.json", "shard.json"):
        j = json.loads((other / name).read_text())
        j["firmware"]["build_hash"] = "0123456789ab"
        (other / name).write_text(json.dumps(j))
    p = run([bmsrig, "merge", work / "n3_1", work / "n3_2", other, "--out", work / "bad"], ok=(3,))
    if "shards differ: firmware" not in p.stderr:
        sys.exit(f"FAIL: a shard of another firmware was not refused clearly: {p.stderr}")

    # A missing shard is refused.
    p = run([bmsrig, "merge", work / "n3_1", work / "n3_2", "--out", work / "bad"], ok=(3,))
    if "shards missing: 3 of 3" not in p.stderr:
        sys.exit(f"FAIL: a missing shard was not named: {p.stderr}")
    print(f"ok: {total} cases in shards of {sizes}; N=1 and N=3 merge equal; manifests verify; mismatches refused")


if __name__ == "__main__":
    main()
