#!/usr/bin/env python3
"""End-to-end HIL through the real CLI: `bmsrig run --mode hil --rig rig.yaml <scenario>` against
bmsrig_virtual_board wired through a fake IIO sysfs tree (DAC files), GPIO edge FIFOs and a PTY (VE.Direct).

  hil_cli_test.py BMSRIG VIRTUAL_BOARD SCENARIO pass   -> the run passes: exit 0, JSON verdict pass, loop jitter
  hil_cli_test.py BMSRIG VIRTUAL_BOARD SCENARIO dies   -> the board is killed mid-run: exit 2, the case is an error,
                                                         every DAC channel back at its safe state (3.3 V)
  hil_cli_test.py BMSRIG VIRTUAL_BOARD SCENARIO hangup -> bmsrig gets SIGHUP mid-run (a dropped ssh session): exit
                                                         130, the case incomplete, every DAC channel safe
Optional: XMLLINT and XSD environment variables validate the JUnit file against the schema."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import virtual_bench


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    bmsrig, board_exe, scenario, what = sys.argv[1:5]
    root = tempfile.mkdtemp(prefix="bmsrig-hil-e2e-")
    board = None
    try:
        board, rig_yaml, dac = virtual_bench.start(root, board_exe, instruments=False)
        results = os.path.join(root, "results.json")
        junit = os.path.join(root, "junit.xml")
        cmd = [bmsrig, "run", "--mode", "hil", "--rig", rig_yaml, scenario, "--json", results, "--junit", junit,
               "--trace-dir", os.path.join(root, "traces")]
        print("$ " + " ".join(cmd), flush=True)
        run = subprocess.Popen(cmd)
        if what == "dies":
            time.sleep(4.0)
            board.kill()
            board.wait()
        elif what == "hangup":  # the ssh session running the bench dropped
            time.sleep(3.0)
            run.send_signal(signal.SIGHUP)
        try:
            rc = run.wait(timeout=40)
        except subprocess.TimeoutExpired:
            run.kill()
            fail("bmsrig did not finish within 40 s")
        print("bmsrig exit status %d" % rc, flush=True)
        if not os.path.exists(results):
            fail("no results.json")
        with open(results) as f:
            res = json.load(f)
        case = res["cases"][0]
        print("case verdict %s, error %r" % (case["verdict"], case["error"]))
        if what == "pass":
            if rc != 0:
                fail("expected exit 0, got %d" % rc)
            if res["verdict"] != "pass" or case["verdict"] != "pass" or case["mode"] != "hil":
                fail("expected a passing hil case: %s" % json.dumps(case)[:2000])
            if res["firmware"]["version"] != "0.1.0" or res["firmware"]["target"] != "bench:virtual-bench":
                fail("the board's identity from its telemetry is missing: %r" % res["firmware"])
            lj = case.get("loop_jitter")
            if not lj or lj["ticks"] < 500 or not (0 <= lj["p50_us"] <= lj["p99_us"] <= lj["max_us"]):
                fail("loop_jitter missing or inconsistent: %r" % lj)
            print("loop jitter: p50 %.1f us, p99 %.1f us, max %.1f us (n=%d); SCHED_FIFO %s, mlockall %s (%s)" % (
                lj["p50_us"], lj["p99_us"], lj["max_us"], lj["ticks"], lj["sched_fifo"], lj["mlockall"],
                lj["realtime_status"]))
        elif what == "hangup":
            if rc != 130:
                fail("expected exit 130 (interrupted) after SIGHUP, got %d" % rc)
            if case["completed"] or case["verdict"] != "error":
                fail("expected the case marked incomplete: %s" % json.dumps(case)[:2000])
            for k in range(4):
                with open(os.path.join(dac, "out_voltage%d_raw" % k)) as f:
                    v = f.read().strip()
                if v != "3300":
                    fail("after SIGHUP, DAC channel %d not at its safe state (raw %s)" % (k, v))
        else:
            if rc != 2:
                fail("expected exit 2 (error), got %d" % rc)
            if res["verdict"] != "error" or case["verdict"] != "error" or "went away" not in case["error"]:
                fail("expected the case to be an error naming the lost board: %s" % json.dumps(case)[:2000])
            if not 2.0 <= case["simulated_s"] <= 5.0:  # the trace up to the loss (killed ~4 s in) is kept
                fail("simulated time of the aborted run: %r" % case["simulated_s"])
            for k in range(4):
                with open(os.path.join(dac, "out_voltage%d_raw" % k)) as f:
                    v = f.read().strip()
                if v != "3300":
                    fail("DAC channel %d not at its safe state (raw %s)" % (k, v))
        with open(junit) as f:
            x = f.read()
        if "<property name=\"hil.loop.p99_us\"" not in x:
            fail("JUnit lacks the hil.loop.p99_us property")
        xmllint, xsd = os.environ.get("XMLLINT"), os.environ.get("XSD")
        if xmllint and xsd and os.path.exists(xsd):
            subprocess.run([xmllint, "--noout", "--schema", xsd, junit], check=True)
        print("ok")
    finally:
        if board is not None:
            virtual_bench.stop(board)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
