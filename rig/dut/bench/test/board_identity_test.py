#!/usr/bin/env python3
"""The board on a nightly bench through the real CLI, against bmsrig_virtual_board (it answers VE.Direct HEX through
the firmware's RegisterHandler: product id 0x0100, firmware version 0x0102, build hash 0x21A0).

  board_identity_test.py BMSRIG VIRTUAL_BOARD SCENARIO dry-run  -> `bmsrig bench program RIG IMAGE --dry-run` prints
        the exact OpenOCD command line (configs, commands, the program command with the image's absolute path, in
        braces when it has a blank) and starts nothing
  board_identity_test.py BMSRIG VIRTUAL_BOARD SCENARIO match    -> `run --mode hil --firmware <the board's image>` with
        board.program: OpenOCD (a stand-in that records its arguments) is called once with that command line before
        the scenario, the identity matches, the case runs and passes, and the results name the build the board reported
  board_identity_test.py BMSRIG VIRTUAL_BOARD SCENARIO mismatch -> an image whose identity differs (build hash, then
        firmware version): the case is refused at its start — an error naming what differs, nothing judged, exit 5;
        an image without its identity file: refused before anything moves, exit 5
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import virtual_bench


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


PROGRAM = """board:
  program:
    openocd:
      executable: {exe}
      config: [interface/cmsis-dap.cfg, target/stm32f1x.cfg]
      commands: ["adapter speed 1000"]
      timeout_s: 10
    boot_ms: 200
"""


def expected_line(exe, image):
    return (f"{exe} -f interface/cmsis-dap.cfg -f target/stm32f1x.cfg -c 'adapter speed 1000' "
            f"-c 'program {image} verify reset exit'")


def main():
    bmsrig, board_exe, scenario, what = sys.argv[1:5]
    identity = json.load(open(board_exe + ".identity.json"))
    root = tempfile.mkdtemp(prefix="bmsrig-board-identity-")
    board = None
    try:
        fake = os.path.join(root, "openocd")
        calls = os.path.join(root, "openocd.calls")
        with open(fake, "w") as f:
            f.write(f'#!/bin/sh\nprintf "%s\\n" "$@" > {calls}\necho "** Programming Finished **"\n')
        os.chmod(fake, stat.S_IRWXU)
        if what == "dry-run":
            rig = os.path.join(root, "rig.yaml")
            with open(rig, "w") as f:
                f.write("rig: desk\nchannels:\n  bms/out/load:\n    in: { gpiod: { chip: gpiochip0, line: 1 } }\n")
                f.write(PROGRAM.format(exe=fake))
            image = os.path.join(root, "fw image.elf")
            open(image, "w").close()
            r = subprocess.run([bmsrig, "bench", "program", rig, image, "--dry-run"], capture_output=True, text=True)
            want = (f"{fake} -f interface/cmsis-dap.cfg -f target/stm32f1x.cfg -c 'adapter speed 1000' "
                    f"-c 'program {{{image}}} verify reset exit'")
            if r.returncode != 0 or r.stdout.strip() != want:
                fail(f"dry run: exit {r.returncode}, printed {r.stdout!r}, expected {want!r}")
            if os.path.exists(calls):
                fail("the dry run started OpenOCD")
            print("dry run: " + r.stdout.strip())
            r = subprocess.run([bmsrig, "bench", "program", rig, image], capture_output=True, text=True)
            args = open(calls).read().splitlines() if os.path.exists(calls) else []
            if r.returncode != 0 or args != ["-f", "interface/cmsis-dap.cfg", "-f", "target/stm32f1x.cfg", "-c",
                                            "adapter speed 1000", "-c", f"program {{{image}}} verify reset exit"]:
                fail(f"program: exit {r.returncode} {r.stderr!r}, OpenOCD got {args}")
            print("program: OpenOCD got exactly the printed arguments")
            return

        board, rig_yaml, dac = virtual_bench.start(root, board_exe, instruments=False, realtime=False)
        results = os.path.join(root, "results.json")
        if what == "match":
            with open(rig_yaml, "a") as f:
                f.write(PROGRAM.format(exe=fake))
            r = subprocess.run([bmsrig, "run", "--mode", "hil", "--rig", rig_yaml, "--firmware", board_exe, scenario,
                                "--json", results], capture_output=True, text=True, timeout=60)
            print(r.stdout[-3000:], r.stderr[-2000:])
            args = open(calls).read().splitlines() if os.path.exists(calls) else []
            if args[-2:] != ["-c", f"program {os.path.abspath(board_exe)} verify reset exit"]:
                fail(f"OpenOCD was not called with the image before the scenario: {args}")
            if expected_line(fake, os.path.abspath(board_exe)) not in r.stdout:
                fail("the flashing command line is not printed")
            if r.returncode != 0 or f"image: {board_exe} (product 0xA3E0" not in r.stdout:
                fail(f"a board running the image: exit {r.returncode}")
            res = json.load(open(results))
            want_hash = identity["build_hash"][:8]
            if res["verdict"] != "pass" or res["firmware"]["build_hash"] != want_hash or \
                    res["firmware"]["version"] != identity["firmware_version"]:
                fail(f"results do not name the build the board runs ({want_hash}): {res['firmware']}")
            print(f"identity matched; the case ran and passed; results name build {res['firmware']['build_hash']}")
        elif what == "mismatch":
            for field, value, says in [("build_hash", "0123456789ab", "build hash: board %s, image 01234567"
                                        % identity["build_hash"][:8]),
                                       ("firmware_version", "0.2.0", "firmware version: board 0.1.0, image 0.2.0")]:
                other = os.path.join(root, "other.elf")
                shutil.copy(board_exe, other)
                changed = dict(identity, **{field: value})
                with open(other + ".identity.json", "w") as f:
                    json.dump(changed, f)
                r = subprocess.run([bmsrig, "run", "--mode", "hil", "--rig", rig_yaml, "--firmware", other, scenario,
                                    "--json", results], capture_output=True, text=True, timeout=60)
                print(r.stderr.strip()[-600:])
                res = json.load(open(results))
                case = res["cases"][0]
                if r.returncode != 5 or case["verdict"] != "error" or case["checks"] or \
                        says not in case["error"] or "does not run " + other not in case["error"]:
                    fail(f"{field} differs: exit {r.returncode}, case {case['verdict']} {case['error']!r}; "
                         f"expected exit 5 and an error naming '{says}'")
                os.remove(results)
            os.remove(other + ".identity.json")
            r = subprocess.run([bmsrig, "run", "--mode", "hil", "--rig", rig_yaml, "--firmware", other, scenario,
                                "--json", results], capture_output=True, text=True, timeout=60)
            if r.returncode != 5 or other + ".identity.json" not in r.stderr or os.path.exists(results):
                fail(f"an image without identity: exit {r.returncode}, {r.stderr!r}")
            print("a board not running the image is refused (exit 5, case error naming what differs); no identity file: exit 5")
        else:
            fail("usage")
    finally:
        if board is not None:
            virtual_bench.stop(board)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
