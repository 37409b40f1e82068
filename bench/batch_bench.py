#!/usr/bin/env python3
"""Batch-mode benchmark of the host: klippy runs a large sliced G-code file without an MCU.

    bench/batch_bench.py [--build build] [--runs 3] [--gcode FILE] [--config FILE] [--dict FILE]

Runs `klippy CONFIG -i GCODE -o OUT -d DICT` (the way Klipper's regression tests run it)
and reports, per run, the CPU time (user + sys) and peak RSS of the klippy process (from
wait4's rusage, so other processes on a shared machine do not count), then the medians.
Start-up to ready is timed on an empty G-code file: klippy reads the config, loads the
dictionary, builds the MCU config, reaches "ready" and exits at the end of the input.
The MCU stream is decoded with parsedump to count queue_step commands and steps, and its
SHA-256 is printed so that an optimisation can be checked to leave the output unchanged.
Defaults: bench/data/bench.gcode.xz (decompressed to a temporary folder),
bench/batch-printer.cfg and the stm32f103 dictionary of the golden data.
"""
import argparse
import hashlib
import lzma
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_klippy(cmd, log):
    """Runs one klippy process; returns (cpu seconds, peak RSS in KiB, wall seconds).

    The peak RSS comes from /usr/bin/time: a process's maxrss counts the memory of the
    process it was forked from, which is small for time(1) but 10+ MB for this script.
    The CPU time comes from wait4 on time(1), which includes its waited-for child (klippy)
    with microsecond resolution; time(1) itself uses a fraction of a millisecond."""
    rss_file = log + ".rss"
    start = time.monotonic()
    with open(log, "wb") as err:
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"klippy exited with status {code}: {' '.join(cmd)} (see {log})")
    with open(rss_file) as f:
        rss = int(f.read().split()[-1])
    return usage.ru_utime + usage.ru_stime, rss, wall


def count_moves(path):
    moves = 0
    with open(path, "rb") as f:
        for line in f:
            s = line.lstrip()[:3].upper()
            if s.startswith(b"G1") or s.startswith(b"G0"):
                if len(s) < 3 or not s[2:3].isdigit():
                    moves += 1
    return moves


def count_steps(parsedump, dictionary, out):
    proc = subprocess.Popen([parsedump, dictionary, out], stdout=subprocess.PIPE)
    queue_steps = steps = 0
    for line in proc.stdout:
        if line.startswith(b"queue_step "):
            queue_steps += 1
            for field in line.split():
                if field.startswith(b"count="):
                    steps += int(field[6:])
    if proc.wait() != 0:
        sys.exit("parsedump failed")
    return queue_steps, steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--gcode", default=os.path.join(HERE, "data", "bench.gcode.xz"))
    ap.add_argument("--config", default=os.path.join(HERE, "batch-printer.cfg"))
    ap.add_argument("--shared", default=os.environ.get("KPP_SHARED_DIR", "/work/shared"))
    ap.add_argument("--dict", default=None, help="MCU dictionary (default: stm32f103)")
    ap.add_argument("--keep", default=None, help="copy the MCU stream to this file")
    ap.add_argument("--no-count", action="store_true", help="skip the parsedump step count")
    args = ap.parse_args()
    dictionary = args.dict or os.path.join(args.shared, "golden/klipper/dict/stm32f103.dict")
    klippy = os.path.join(args.build, "bin", "klippy")

    with tempfile.TemporaryDirectory(prefix="kpp-batch-bench-") as tmp:
        gcode = args.gcode
        if gcode.endswith(".xz"):
            gcode = os.path.join(tmp, "bench.gcode")
            with lzma.open(args.gcode) as src, open(gcode, "wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
        empty = os.path.join(tmp, "empty.gcode")
        open(empty, "w").close()
        out = os.path.join(tmp, "out.bin")
        log = os.path.join(tmp, "klippy.log")

        def cmd(inp):
            return [klippy, args.config, "-i", inp, "-o", out, "-d", dictionary, "-l", log]

        startup = [run_klippy(cmd(empty), log) for _ in range(5)]
        print("start-up to ready (empty input, 5 runs): cpu %s ms, wall %s ms, rss %s KiB" % (
            " ".join("%.1f" % (s[0] * 1e3) for s in startup),
            " ".join("%.1f" % (s[2] * 1e3) for s in startup),
            max(s[1] for s in startup)))

        runs = []
        for i in range(args.runs):
            runs.append(run_klippy(cmd(gcode), log))
            print("run %d: cpu %.3f s, peak rss %d KiB, wall %.2f s" % (i + 1, *runs[-1]))
        with open(out, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        size = os.path.getsize(out)
        if args.keep:
            with open(out, "rb") as src, open(args.keep, "wb") as dst:
                dst.write(src.read())
        moves = count_moves(gcode)
        cpu = statistics.median(r[0] for r in runs)
        print("moves %d, median cpu %.3f s (%.0f moves/s), max peak rss %d KiB" % (
            moves, cpu, moves / cpu, max(r[1] for r in runs)))
        print("start-up median: cpu %.1f ms, wall %.1f ms" % (
            statistics.median(s[0] for s in startup) * 1e3,
            statistics.median(s[2] for s in startup) * 1e3))
        print("mcu stream: %d bytes, sha256 %s" % (size, digest))
        if not args.no_count:
            queue_steps, steps = count_steps(os.path.join(args.build, "bin", "parsedump"),
                                             dictionary, out)
            print("queue_step %d, steps %d" % (queue_steps, steps))


if __name__ == "__main__":
    main()
