#!/usr/bin/env python3
"""bmsrig run --mode pil reports the board's own health with each case: results.json "dut_health" (board_resets,
overruns, max_step_cycles, ticks, exchanges), valid against the schema, and no device fault for the product image
on a healthy run. (A board that restarts by itself is counted by QemuDut::health(): QemuWatchdog.FLT_3_* in
rig_dut_qemu_tests; its reporting by rig_report.DutHealth.*.) Exit 77 (skipped) without the cross image.

usage: pil_device_health_check.py BMSRIG IMAGE SCENARIO SCHEMA WORKDIR
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path


def main():
    bmsrig, image, scenario, schema, work = sys.argv[1:6]
    if not Path(image).exists():
        print(f"skipped: {image} missing (build the cross-cm3 preset)")
        return 77
    work = Path(work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = work / "results.json"
    p = subprocess.run([bmsrig, "run", "--mode", "pil", "--firmware", image, scenario, "--json", str(out),
                        "--junit", str(work / "junit.xml")], capture_output=True, text=True, timeout=240)
    if p.returncode != 0:
        sys.exit(f"FAIL: bmsrig exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    r = json.loads(out.read_text())
    (case,) = r["cases"]
    h = {x["name"]: (x["value"], x["fault_count"]) for x in case.get("dut_health", [])}
    if h.get("board_resets") != (0, True) or h.get("overruns") != (0, True):
        sys.exit(f"FAIL: the board's fault counts: {h}")
    ticks, exchanges = h.get("ticks", (0,))[0], h.get("exchanges", (0,))[0]
    if ticks != 400 or not 0 < exchanges <= ticks:  # 4 s of 10 ms ticks, batched
        sys.exit(f"FAIL: ticks {ticks}, exchanges {exchanges} for 4 s of 10 ms ticks")
    if not 0 < h.get("max_step_cycles", (0,))[0] < 250000:  # one tick is 250 000 cycles at 25 MHz
        sys.exit(f"FAIL: max_step_cycles {h.get('max_step_cycles')}")
    if "device fault" in p.stdout:
        sys.exit(f"FAIL: a device fault said for a healthy board:\n{p.stdout}")
    if "device: board_resets 0, overruns 0" not in (work / "junit.xml").read_text():
        sys.exit("FAIL: the JUnit case output lacks the device counts")
    try:
        import jsonschema
    except ImportError:
        print("jsonschema missing: the schema part is not checked")
        return 0
    jsonschema.validate(r, json.loads(Path(schema).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
