#!/usr/bin/env python3
"""The scenario library as CTest tests, and benches as CTest resources.

  scenario_tests_check.py registration BMSRIG SCENARIOS BUILD_DIR
      `ctest -N -L ^LD-2$` lists exactly the cases `bmsrig list --json` says cover LD-2 (none missing, none extra),
      every case is registered once under its id with the labels case, sil, its folder and its requirement IDs, and
      its command runs that one case (--case <id>).
  scenario_tests_check.py resources BMSRIG OUT_DIR
      `bmsrig resources` gives one resource per bench, typed by kind, one slot each; two benches with one id are
      refused naming the file; `bmsrig run --rig-pool` picks the bench CTest allocated (and refuses without an
      allocation); CTest itself, given the spec, never runs two tests on one bench and spreads them over two.
"""
import json
import os
import subprocess
import sys
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def ctest_json(build, *args):
    out = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["tests"]


def props(test):
    return {p["name"]: p["value"] for p in test.get("properties", [])}


def registration(bmsrig, scenarios, build):
    cases = json.loads(subprocess.run([bmsrig, "list", scenarios, "--json"], check=True, capture_output=True,
                                      text=True).stdout)["cases"]
    ids = [c["id"] for c in cases]
    if len(ids) != len(set(ids)):
        fail("case ids are not unique")
    registered = {t["name"]: t for t in ctest_json(build, "-L", "^case$") if not t["name"].startswith("hil:")}
    if set(registered) != set(ids):
        fail(f"registered cases differ from the library: missing {sorted(set(ids) - set(registered))[:5]}, "
             f"extra {sorted(set(registered) - set(ids))[:5]}")
    for req in ("LD-2", "ALT-1", "CD-3"):
        expected = {c["id"] for c in cases if req in c["requirements"]}
        listed = {t["name"] for t in ctest_json(build, "-L", f"^{req}$") if not t["name"].startswith("hil:")}
        if not expected:
            fail(f"no case covers {req}: the check would be empty")
        if listed != expected:
            fail(f"ctest -L {req}: extra {sorted(listed - expected)}, missing {sorted(expected - listed)}")
        print(f"ctest -N -L ^{req}$: {len(listed)} cases, as the library says")
    matrix = [c for c in cases if "[" in c["id"]]
    if not matrix:
        fail("no matrix case in the library")
    for c in (cases[0], matrix[0]):
        t = registered[c["id"]]
        labels = set(props(t)["LABELS"])
        want = {"case", "sil", c["folder"], *c["requirements"]}
        if labels != want:
            fail(f"{c['id']}: labels {sorted(labels)}, expected {sorted(want)}")
        cmd = t["command"]
        if cmd[cmd.index("--case") + 1] != c["id"] or c["file"] not in cmd:
            fail(f"{c['id']}: command {cmd} does not run that one case")
    print(f"{len(ids)} cases registered with their labels; e.g. {matrix[0]['id']}")


RIG = """rig: {name}
kind: {kind}
channels:
  bank/battery[0]/cell[0]/sensed_voltage_v:
    out: {{ iio: {{ device: dac, channel: 0 }} }}
    limits: [2.0, 3.8]
    safe: 3.3
"""


def write_rig(d, name, kind):
    p = os.path.join(d, f"{name}.yaml")
    with open(p, "w") as f:
        f.write(RIG.format(name=name, kind=kind))
    return p


def resources(bmsrig, out):
    os.makedirs(out, exist_ok=True)
    a = write_rig(out, "desk-a", "bench_4s1p")
    b = write_rig(out, "desk.b", "bench_4s1p")
    c = write_rig(out, "cabinet", "bench_2s")
    spec = json.loads(subprocess.run([bmsrig, "resources", a, b, c], check=True, capture_output=True,
                                     text=True).stdout)
    want = {"version": {"major": 1, "minor": 0},
            "local": [{"bench_4s1p": [{"id": "desk_a", "slots": 1}, {"id": "desk_b", "slots": 1}],
                       "bench_2s": [{"id": "cabinet", "slots": 1}]}]}
    if spec != want:
        fail(f"resource spec {spec}, expected {want}")
    dup = write_rig(out, "desk_a", "bench_4s1p")  # desk-a and desk_a share the id desk_a
    r = subprocess.run([bmsrig, "resources", a, dup], capture_output=True, text=True)
    if r.returncode != 3 or dup not in r.stderr or "desk_a" not in r.stderr:
        fail(f"two benches with one id: exit {r.returncode}, {r.stderr!r}")
    bad = os.path.join(out, "bad_kind.yaml")
    with open(bad, "w") as f:
        f.write(RIG.format(name="x", kind="Bench-4S"))
    r = subprocess.run([bmsrig, "resources", bad], capture_output=True, text=True)
    if r.returncode != 3 or "bad_kind.yaml:2:7" not in r.stderr:
        fail(f"a kind CTest cannot use: exit {r.returncode}, {r.stderr!r}")
    print("resource spec: one resource per bench, by kind; duplicates and bad kinds refused")

    # --rig-pool inside an allocation: the rig file of the allocated bench.
    env = dict(os.environ, CTEST_RESOURCE_GROUP_COUNT="1", CTEST_RESOURCE_GROUP_0="bench_4s1p",
               CTEST_RESOURCE_GROUP_0_BENCH_4S1P="id:desk_b,slots:1")
    scenario = os.path.join(out, "none.yaml")
    r = subprocess.run([bmsrig, "run", scenario, "--mode", "hil", "--rig-pool", a, b, c], env=env,
                       capture_output=True, text=True)
    if f"bench allocated by CTest: {b}" not in r.stdout:
        fail(f"--rig-pool with desk_b allocated: {r.stdout!r} {r.stderr!r}")
    env.pop("CTEST_RESOURCE_GROUP_COUNT")
    r = subprocess.run([bmsrig, "run", scenario, "--mode", "hil", "--rig-pool", a, b], env=env,
                       capture_output=True, text=True)
    if r.returncode != 4 or "no bench allocated" not in r.stderr:
        fail(f"--rig-pool without an allocation: exit {r.returncode}, {r.stderr!r}")
    print("--rig-pool takes the allocated bench's rig file; refuses without an allocation")

    # CTest with the spec: four tests of one bench kind, -j 4. With one bench they never overlap; with two, both
    # benches are used and no bench runs two at once.
    for benches in ([a], [a, b]):
        proj = os.path.join(out, f"ctest_{len(benches)}")
        os.makedirs(proj, exist_ok=True)
        spec_file = os.path.join(proj, "benches.json")
        subprocess.run([bmsrig, "resources", *benches, "--out", spec_file], check=True)
        log = os.path.join(proj, "log")
        if os.path.exists(log):
            os.remove(log)
        with open(os.path.join(proj, "CTestTestfile.cmake"), "w") as f:
            for k in range(4):
                script = (f'b=$CTEST_RESOURCE_GROUP_0_BENCH_4S1P; echo "start $b $(date +%s.%N)" >> {log}; '
                          f'sleep 0.4; echo "end $b $(date +%s.%N)" >> {log}')
                f.write(f"add_test(t{k} sh -c [==[{script}]==])\n")
                f.write(f"set_tests_properties(t{k} PROPERTIES RESOURCE_GROUPS bench_4s1p:1)\n")
        subprocess.run(["ctest", "--test-dir", proj, "-j", "4", "--resource-spec-file", spec_file], check=True,
                       capture_output=True)
        busy = {}
        used = set()
        for line in open(log):
            what, bench, _ = line.split()
            used.add(bench)
            busy[bench] = busy.get(bench, 0) + (1 if what == "start" else -1)
            if busy[bench] > 1:
                fail(f"two tests at once on {bench} ({len(benches)} bench(es))")
        if len(used) != len(benches):
            fail(f"{len(benches)} benches, tests ran on {sorted(used)}")
        print(f"ctest -j 4 on {len(benches)} bench(es): never two tests on one bench; used {sorted(used)}")


if __name__ == "__main__":
    if sys.argv[1] == "registration":
        registration(*sys.argv[2:5])
    elif sys.argv[1] == "resources":
        resources(*sys.argv[2:4])
    else:
        fail("usage")
