#!/usr/bin/env python3
"""Closed-loop HIL end to end, through the real CLI, against the virtual bench: bmsrig_virtual_board with its power
stage and three SCPI instruments on pseudo-terminals (alternator supply, battery emulator, electronic load), its cell
DACs in a fake IIO sysfs tree, its LD/CD/PA outputs as kernel-timestamped edge records, VE.Direct on a PTY.

The rig programs the instruments from the plant every loop period and records what they measure; the plant
integrates the measured alternator-port current. The instruments' readbacks are consequences of what the firmware
on the board decided, so the verdicts on alternator/current_a come from measurements.

  hil_closed_loop_e2e.py BMSRIG VIRTUAL_BOARD SCENARIO_DIR good
      checks the bench (`bmsrig bench check`), runs the bench scenarios (SCENARIO_DIR/*.yaml) on a good board: exit 0, measured currents recorded with their
      declared accuracy, and `bmsrig compare` of a SIL run against the HIL run agrees (exit 0).
  hil_closed_loop_e2e.py BMSRIG VIRTUAL_BOARD SCENARIO_DIR limit-at-fuse|reverse|no-soft-start
      runs the alternator scenario on a board whose power stage has that defect: exit 1, the checks the defect
      violates fail, the ones it does not touch pass, and `bmsrig compare` against SIL disagrees (exit 1)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ALT = "alt_limit_soft_start_one_way.yaml"
LEAD = "prealarm_lead_single_battery.yaml"

# Per defect: checks (by name prefix) that must fail, and checks that must still pass.
EXPECT = {
    "limit-at-fuse": (["current settles at 90 A", "never above the +-10 % band"],
                      ["no reverse current", "engine off"]),
    # (The soft-start checks are left out for this one: the leak drains the bank into the starter battery, whose
    # voltage then rises above the bank's, so the firmware opens the path before the engine starts: a consequence.)
    "reverse": (["no reverse current"],
                ["current settles at 90 A", "never above the +-10 % band"]),
    "no-soft-start": (["soft start reaches half", "soft start reaches 90 %"],
                      ["no reverse current", "never above the +-10 % band", "current settles at 90 A"]),
}


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def run(cmd, timeout):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout, flush=True)
    return p


def bench(root, fault):
    """Creates the fake sysfs tree, FIFOs and PTYs, starts the board; returns (process, rig.yaml path)."""
    dac = os.path.join(root, "iio:device0")
    os.mkdir(dac)
    for name, content in [("name", "ad5686r"), ("out_voltage_scale", "1")] + \
            [("out_voltage%d_raw" % k, "3300") for k in range(4)]:
        with open(os.path.join(dac, name), "w") as f:
            f.write(content + "\n")
    gpio = os.path.join(root, "gpio")
    os.mkdir(gpio)
    for k in range(3):
        os.mkfifo(os.path.join(gpio, "line%d" % k), 0o600)
    ptys = {}
    for name in ["vedirect", "psu", "battery", "eload"]:
        master, slave = os.openpty()
        ptys[name] = (master, os.ttyname(slave), slave)
    rig = ["rig: virtual-bench", "iio_root: " + root, "loop: { realtime: true }",
           "instruments:",
           "  psu: { model: scpi-psu, port: %s, idn: VIRTUAL-PSU, timeout_ms: 200 }" % ptys["psu"][1],
           "  battery: { model: scpi-psu, port: %s, idn: VIRTUAL-BATTERY, timeout_ms: 200 }" % ptys["battery"][1],
           "  eload: { model: scpi-eload, port: %s, idn: VIRTUAL-ELOAD, timeout_ms: 200 }" % ptys["eload"][1],
           "telemetry: { port: %s, baud: 19200, silence_timeout_ms: 3000 }" % ptys["vedirect"][1],
           "channels:"]
    for k in range(4):
        rig += ["  bank/battery[0]/cell[%d]/sensed_voltage_v:" % k,
                "    out: { iio: { device: ad5686r, channel: %d } }" % k,
                "    limits: [2.0, 3.8]", "    safe: 3.3"]
    rig += ["  alternator/port_voltage_v:", "    out: { scpi: { instrument: psu, quantity: voltage, update_ms: 20 } }",
            "    limits: [0, 16.5]", "    safe: 0",
            "  alternator/ceiling_a:", "    out: { scpi: { instrument: psu, quantity: current, update_ms: 100 } }",
            "    limits: [0, 150]", "    safe: 0",
            "  alternator/current_a:", "    in: { scpi: { instrument: psu, quantity: current, update_ms: 20 } }",
            "    limits: [-60, 150]", "    accuracy: 0.05",
            "  li/port_voltage_v:", "    out: { scpi: { instrument: battery, quantity: voltage, update_ms: 20 } }",
            "    limits: [0, 15]", "    safe: 0",
            "  bank/current_a:", "    in: { scpi: { instrument: battery, quantity: current, update_ms: 20 } }",
            "    limits: [-150, 150]", "    accuracy: 0.05",
            "  li/load_current_a:", "    out: { scpi: { instrument: eload, quantity: current, update_ms: 50 } }",
            "    limits: [0, 30]", "    safe: 0"]
    for k, out in enumerate(["load", "charge", "prealarm"]):
        rig += ["  bms/out/%s:" % out, "    in: { gpiod: { chip: %s, line: %d } }" % (gpio, k)]
    rig_yaml = os.path.join(root, "rig.yaml")
    with open(rig_yaml, "w") as f:
        f.write("\n".join(rig) + "\n")
    cmd = [sys.argv[2], "--dac-dir", dac, "--gpio-dir", gpio, "--vedirect-fd", str(ptys["vedirect"][0]),
           "--psu-fd", str(ptys["psu"][0]), "--battery-fd", str(ptys["battery"][0]),
           "--eload-fd", str(ptys["eload"][0])]
    if fault != "good":
        cmd += ["--fault", fault]
    fds = tuple(p[0] for p in ptys.values())
    board = subprocess.Popen(cmd, pass_fds=fds)
    for master, _, slave in ptys.values():
        os.close(master)
        os.close(slave)
    return board, rig_yaml


def checks_by_name(case):
    return {c["name"]: c for c in case["checks"]}


def main():
    bmsrig, _, scenario_dir, what = sys.argv[1:5]
    root = tempfile.mkdtemp(prefix="bmsrig-hil-closed-loop-")
    board = None
    try:
        board, rig_yaml = bench(root, what)
        if what == "good":
            # Bring the bench up first: every instrument identified, every channel listed with its present value.
            chk = run([bmsrig, "bench", "check", rig_yaml], timeout=30)
            if chk.returncode != 0:
                fail("bench check: exit %d" % chk.returncode)
            for text in ["BMSRIG,VIRTUAL-PSU", "BMSRIG,VIRTUAL-BATTERY", "BMSRIG,VIRTUAL-ELOAD", "alternator/current_a",
                         "bank/battery[0]/cell[3]/sensed_voltage_v", "3.3000 V", "bench ok"]:
                if text not in chk.stdout:
                    fail("bench check output lacks %r" % text)
        scenarios = [os.path.join(scenario_dir, s) for s in ([ALT, LEAD] if what == "good" else [ALT])]
        hil = os.path.join(root, "hil.json")
        sil = os.path.join(root, "sil.json")
        p = run([bmsrig, "run", "--mode", "hil", "--rig", rig_yaml, "--json", hil,
                 "--trace-dir", os.path.join(root, "traces")] + scenarios, timeout=150)
        if not os.path.exists(hil):
            fail("no HIL results")
        with open(hil) as f:
            res = json.load(f)
        alt = next(c for c in res["cases"] if c["scenario_file"].endswith(ALT))
        measured = {m["signal"]: m for m in alt.get("measured", [])}
        # What HIL judges is measured, with the accuracy the bench declares.
        for sig in ["alternator/current_a", "bank/current_a"]:
            if sig not in measured:
                fail("%s not recorded as a measurement: %r" % (sig, alt.get("measured")))
        if measured["alternator/current_a"]["accuracy"] != 0.05:
            fail("declared accuracy not carried: %r" % measured["alternator/current_a"])
        for c in alt["checks"]:
            if "uncertainty" not in c:
                fail("check %r has no uncertainty" % c["name"])
        by_name = checks_by_name(alt)
        if what == "good":
            if p.returncode != 0:
                fail("a good board: expected exit 0, got %d" % p.returncode)
            settle = next(c for n, c in by_name.items() if n.startswith("current settles at 90 A"))
            print("measured settle: %s" % settle["message"])
        else:
            if p.returncode != 1:
                fail("a board with '%s': expected exit 1 (a check failed), got %d" % (what, p.returncode))
            must_fail, must_pass = EXPECT[what]
            for prefix in must_fail + must_pass:
                matches = [c for n, c in by_name.items() if n.startswith(prefix)]
                if len(matches) != 1:
                    fail("no single check named %r" % prefix)
                want = "fail" if prefix in must_fail else "pass"
                if matches[0]["verdict"] != want:
                    fail("'%s' on a board with '%s': expected %s, got %s (%s)" %
                         (matches[0]["name"], what, want, matches[0]["verdict"], matches[0]["message"]))
                print("%-4s as expected: %s" % (want, matches[0]["message"]))
        # SIL against HIL: the agreement report.
        q = run([bmsrig, "run", "--mode", "sil", "--json", sil] + scenarios, timeout=60)
        if q.returncode != 0:
            fail("SIL run failed (%d)" % q.returncode)
        c = run([bmsrig, "compare", sil, hil], timeout=30)
        if what == "good" and c.returncode != 0:
            fail("SIL and HIL on a good board should agree; compare exit %d" % c.returncode)
        if what != "good" and c.returncode != 1:
            fail("SIL and HIL on a board with '%s' should disagree; compare exit %d" % (what, c.returncode))
        print("PASS", flush=True)
    finally:
        if board is not None and board.poll() is None:
            board.kill()
            board.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
