"""The virtual bench for the CLI end-to-end tests: bmsrig_virtual_board wired through a fake IIO sysfs tree (its cell
DACs), FIFOs for its LD/CD/PA edge records (a gpiod `chip:` that is a directory), a PTY for VE.Direct and, with
instruments, PTYs for its three SCPI instruments (alternator supply, battery emulator, electronic load).

    board, rig_yaml, dac = start(root, board_exe, instruments=True, fault=None)

writes <root>/rig.yaml describing exactly that bench and starts the board (a subprocess.Popen)."""
import os
import subprocess


def start(root, board_exe, instruments, fault=None, realtime=True):
    dac = os.path.join(root, "iio:device0")
    os.mkdir(dac)
    for name, content in [("name", "ad5686r"), ("out_voltage_scale", "1")] + \
            [("out_voltage%d_raw" % k, "3300" if instruments else "0") for k in range(4)]:
        with open(os.path.join(dac, name), "w") as f:
            f.write(content + "\n")
    gpio = os.path.join(root, "gpio")
    os.mkdir(gpio)
    for k in range(3):
        os.mkfifo(os.path.join(gpio, "line%d" % k), 0o600)
    ptys = {}
    for name in ["vedirect"] + (["psu", "battery", "eload"] if instruments else []):
        master, slave = os.openpty()
        ptys[name] = (master, os.ttyname(slave), slave)

    rig = ["rig: virtual-bench", "iio_root: " + root, "loop: { realtime: %s }" % ("true" if realtime else "false")]
    if instruments:
        rig += ["instruments:",
                "  psu: { model: scpi-psu, port: %s, idn: VIRTUAL-PSU, timeout_ms: 200 }" % ptys["psu"][1],
                "  battery: { model: scpi-psu, port: %s, idn: VIRTUAL-BATTERY, timeout_ms: 200 }" % ptys["battery"][1],
                "  eload: { model: scpi-eload, port: %s, idn: VIRTUAL-ELOAD, timeout_ms: 200 }" % ptys["eload"][1]]
    rig += ["telemetry: { port: %s, baud: 19200, silence_timeout_ms: 3000 }" % ptys["vedirect"][1], "channels:"]
    for k in range(4):
        rig += ["  bank/battery[0]/cell[%d]/sensed_voltage_v:" % k,
                "    out: { iio: { device: ad5686r, channel: %d } }" % k,
                "    limits: [2.0, 3.8]", "    safe: 3.3"]
    if instruments:
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

    cmd = [board_exe, "--dac-dir", dac, "--gpio-dir", gpio, "--vedirect-fd", str(ptys["vedirect"][0])]
    if instruments:
        cmd += ["--psu-fd", str(ptys["psu"][0]), "--battery-fd", str(ptys["battery"][0]),
                "--eload-fd", str(ptys["eload"][0])]
    if fault:
        cmd += ["--fault", fault]
    board = subprocess.Popen(cmd, pass_fds=tuple(p[0] for p in ptys.values()))
    for master, _, slave in ptys.values():
        os.close(master)
        os.close(slave)
    return board, rig_yaml, dac


def stop(board):
    """Ends the board as a bench's operator would (SIGTERM), so that it says on stderr how many of its ticks the host
    started late; a board that does not stop within 5 s is killed."""
    if board.poll() is not None:
        return
    board.terminate()
    try:
        board.wait(timeout=5)
    except subprocess.TimeoutExpired:
        board.kill()
        board.wait()
