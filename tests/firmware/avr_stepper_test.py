#!/usr/bin/env python3
"""The AVR firmware under simavr (avrsim): it answers identify, and its steppers step exactly
as queued.

Runs build/firmware/atmega2560/klipper.elf in avrsim over pipes, talks to it with the avrsim
tools' klipper_link, queues moves that exercise every step path of the AVR board (step lanes
with and without add, counts above 256, the register burst of a lone stepper, intervals too
long for a lane, an interval that grows out of the lane range, direction changes), then checks
  * the number of rising edges on each step pin (avrsim counts them);
  * every step time against the schedule (one constant offset between avrsim's cycle counter
    and the MCU clock, steps never early and at most a little late);
  * stepper_get_position, and that the MCU never shut down;
and finally stops a moving stepper through an endstop and a trsync.

usage: avr_stepper_test.py AVRSIM ELF AVRSIM_TOOLS_DIR
"""
import os
import subprocess
import sys
import tempfile
import json
import time

FREQ = 16000000
# A step may come this much later than the earliest one: entering the interrupt, another
# stepper or a scheduler timer just ahead of it, and the pauses that let tasks (the host's
# commands) run while the timers are busy.
MAX_LATE = 1200


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def expected_steps(start, moves):
    """Step clocks of a queue of (interval, count, add) moves from reset_step_clock `start`."""
    times, t = [], start
    for interval, count, add in moves:
        for _ in range(count):
            t += interval
            times.append(t)
            interval += add
    return times


def main():
    avrsim, elf, tools = sys.argv[1:4]
    sys.path.insert(0, tools)
    from klipper_link import KlipperLink

    tmp = tempfile.mkdtemp(prefix="kpp-avr-")
    edges_path = os.path.join(tmp, "edges.txt")
    stats_path = os.path.join(tmp, "stats.json")
    pins = ["PA5", "PA4", "PA3", "PA2", "PC7", "PC6"]
    # Paced to real time: the test schedules moves a little ahead of the MCU clock it read, so
    # an unpaced simulator could run past that point while this process waits for a CPU.
    proc = subprocess.Popen([avrsim, "--stdio", "-q", "-r", "1", "-w", ",".join(pins),
                             "-e", edges_path, "-o", stats_path, elf],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            bufsize=0)
    shutdowns = []

    def on_msg(msg):
        if msg["#name"] in ("shutdown", "is_shutdown"):
            shutdowns.append(msg)

    link = KlipperLink(proc.stdout.fileno(), proc.stdin.fileno(), log=on_msg)
    try:
        link.sync_sequence()
        link.identify()
        cfg = link.config
        if cfg.get("CLOCK_FREQ") != FREQ or cfg.get("MCU") != "atmega2560":
            fail("dictionary constants %s" % cfg)
        for key in ("STEPPER_OPTIMIZED_UNSTEP", "RECEIVE_WINDOW", "SERIAL_BAUD"):
            if key not in cfg:
                fail("dictionary lacks %s" % key)
        print("identify: %d commands, %d responses" % (len(link.commands), len(link.resp_by_id)))

        link.send(["allocate_oids count=5",
                   "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=32",
                   "config_stepper oid=1 step_pin=PA3 dir_pin=PA2 invert_step=0 step_pulse_ticks=32",
                   "config_stepper oid=2 step_pin=PC7 dir_pin=PC6 invert_step=0 step_pulse_ticks=32",
                   "config_endstop oid=3 pin=PB0 pull_up=1", "config_trsync oid=4",
                   "finalize_config crc=1"])
        if not link.query("get_config", "config")["is_config"]:
            fail("finalize_config")
        now = link.query("get_clock", "clock")["clock"]
        start = (now + FREQ) & 0xffffffff
        plan = {
            # lanes with a constant interval, then with add, across a direction change
            0: [(1200, 500, 0, 0), (2000, 300, 3, 1), (21000, 6, -20, 1), (900, 1, 0, 0)],
            # a lone fast stepper: the register burst, counts above 256
            1: [(700, 700, 0, 1), (650, 300, -1, 1)],
            # an interval growing out of the lane range, and back into it
            2: [(15000, 40, 50, 0), (1500, 257, 0, 0)],
        }
        lines = []
        for oid, moves in plan.items():
            lines.append("reset_step_clock oid=%d clock=%d" % (oid, start))
            for interval, count, add, direction in moves:
                lines.append("set_next_step_dir oid=%d dir=%d" % (oid, direction))
                lines.append("queue_step oid=%d interval=%d count=%d add=%d"
                             % (oid, interval, count, add))
        link.send(lines)
        lead = ((start - link.query("get_clock", "clock")["clock"] + 2**31) & 0xffffffff) - 2**31
        if lead <= 0:
            fail("commands arrived after the start clock")
        ends = {oid: expected_steps(start, [m[:3] for m in moves])[-1] for oid, moves in plan.items()}
        end = max(ends.values())
        while True:
            t = link.query("get_clock", "clock")["clock"]
            if ((t - end) & 0xffffffff) < 2**31:
                break
            time.sleep(0.02)
        want_pos = {}
        for oid, moves in plan.items():
            want_pos[oid] = sum(c if d else -c for _, c, _, d in moves)
            got = link.query("stepper_get_position oid=%d" % oid, "stepper_position")["pos"]
            if got != want_pos[oid]:
                fail("stepper %d position %d, want %d" % (oid, got, want_pos[oid]))
        print("positions:", want_pos)

        # Homing: a stepper is stopped by an endstop (PB0 reads high through its pull-up).
        now = link.query("get_clock", "clock")["clock"]
        home = (now + FREQ // 2) & 0xffffffff
        trigger = (home + 100000) & 0xffffffff
        link.send(["trsync_start oid=4 report_clock=%d report_ticks=0 expire_reason=4" % home,
                   "stepper_stop_on_trigger oid=1 trsync_oid=4",
                   "reset_step_clock oid=1 clock=%d" % home,
                   "set_next_step_dir oid=1 dir=1",
                   "queue_step oid=1 interval=1000 count=1000 add=0",
                   "endstop_home oid=3 clock=%d sample_ticks=100 sample_count=4 rest_ticks=1000 "
                   "pin_value=1 trsync_oid=4 trigger_reason=1" % trigger])
        state = link.wait_for("trsync_state", timeout=5.0, pred=lambda m: not m["can_trigger"])
        if state["trigger_reason"] != 1:
            fail("trsync_state %s" % state)
        homed = link.query("stepper_get_position oid=1", "stepper_position")["pos"]
        moved = homed - want_pos[1]
        # Steps 1000 ticks apart from home, the trigger 300 ticks after `trigger`.
        if not 98 <= moved <= 101:
            fail("the endstop stopped the stepper after %d steps" % moved)
        print("homing: stopped after %d steps" % moved)
        cfg = link.query("get_config", "config")
        if cfg["is_shutdown"] or shutdowns:
            fail("the MCU shut down: %s" % (shutdowns[:1] or cfg))
    finally:
        proc.communicate(timeout=30)

    with open(stats_path) as f:
        stats = json.load(f)
    edges = {}
    with open(edges_path) as f:
        for line in f:
            cycle, pin, level = line.split()
            if level == "1":
                edges.setdefault(pin, []).append(int(cycle))
    offset = None
    for oid, pin in ((0, "PA5"), (1, "PA3"), (2, "PC7")):
        want = expected_steps(start, [m[:3] for m in plan[oid]])
        if oid == 1:
            want += [home + 1000 * (i + 1) for i in range(moved)]
        got = edges.get(pin, [])
        rises = stats["pins"][pin]["rise"]
        if rises != len(want) or len(got) != len(want):
            fail("%s: %d rising edges, want %d" % (pin, rises, len(want)))
        lag = [g - (w & 0xffffffff) for g, w in zip(got, want)]
        # avrsim counts cycles from reset, the MCU clock from its timer start: one offset.
        offset = min(lag) if offset is None else min(offset, min(lag))
        edges[pin] = lag
    for pin in ("PA5", "PA3", "PC7"):
        worst = sorted(edges[pin])[-5:]
        print("%s: latest steps %s" % (pin, [w - offset for w in worst]))
    for pin in ("PA5", "PA3", "PC7"):
        late = max(edges[pin]) - offset
        if late > MAX_LATE:
            i = edges[pin].index(max(edges[pin]))
            fail("%s step %d is %d ticks late" % (pin, i, late))
    print("steps: %s rising edges, at most %d ticks late"
          % ([stats["pins"][p]["rise"] for p in ("PA5", "PA3", "PC7")],
             max(max(edges[p]) - offset for p in ("PA5", "PA3", "PC7"))))
    print("PASS")


if __name__ == "__main__":
    main()
