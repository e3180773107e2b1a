"""host-id: what a measurement ran on, and how fast that host was during the run.

    python -m perftools host-id [--calibrate]

A fingerprint of the host (CPU model, a digest of its flags, kernel release, core count)
names it: ``host-`` and the first 10 hex digits of the fingerprint's SHA-256. Paired
sessions are filed under that name (``results/paired/<host>/``), and every results run
writes the fingerprint with a calibration figure measured in the same run (the control
CPU loop, ``benchmarks/bench_controls.cpu_loop``) beside its results. Timings from two
hosts are never compared unpaired: only samples of one session are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from typing import Any


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def fingerprint() -> dict[str, Any]:
    """What identifies this host for timing purposes (stable across reboots of one host)."""
    info = _cpuinfo()
    flags = " ".join(sorted(info.get("flags", "").split()))
    return {
        "cpu": info.get("model name") or platform.processor() or "unknown",
        "cpu_flags_sha256": hashlib.sha256(flags.encode()).hexdigest()[:16],
        "kernel": platform.release(),
        "cores": os.cpu_count() or 0,
        "arch": platform.machine(),
        "python": platform.python_version(),
    }


def host_name(print_: dict[str, Any] | None = None) -> str:
    """``host-`` + 10 hex digits of the fingerprint: the machine name of paired sessions."""
    keys = ("cpu", "cpu_flags_sha256", "kernel", "cores", "arch")
    fp = print_ or fingerprint()
    text = json.dumps({k: fp[k] for k in keys}, sort_keys=True)
    return "host-" + hashlib.sha256(text.encode()).hexdigest()[:10]


def calibrate(samples: int = 15) -> dict[str, float]:
    """The control CPU loop timed here now: its median and spread over ``samples`` calls.

    The same function as ``bench_controls.CpuLoop``, so the figure and the control agree.
    """
    from benchmarks.bench_controls import cpu_loop

    cpu_loop(20_000)  # warm up
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        cpu_loop()
        times.append(time.perf_counter() - started)
    times.sort()
    return {
        "cpu_loop_median_s": statistics.median(times),
        "cpu_loop_min_s": times[0],
        "cpu_loop_max_s": times[-1],
        "samples": float(samples),
    }


def describe(calibration: bool = True) -> dict[str, Any]:
    """The host's name, fingerprint, load and (optionally) calibration, as JSON-able data."""
    fp = fingerprint()
    data: dict[str, Any] = {"host": host_name(fp), "fingerprint": fp}
    try:
        data["loadavg"] = list(os.getloadavg())
    except OSError:
        pass
    data["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if calibration:
        data["calibration"] = calibrate()
    return data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calibrate", action="store_true", help="time the control loop too")


def run(args: argparse.Namespace) -> int:
    json.dump(describe(args.calibrate), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def record_run(folder: os.PathLike[str] | str, commits: list[str], before: dict[str, Any]) -> str:
    """Write ``folder/<time>-<host>.json``: the host, its calibration before and after a
    results run, and the commits the run measured. asv's result files do not say which
    host measured them (all are filed under one machine name); this file does."""
    from pathlib import Path

    after = calibrate()
    data = {**before, "calibration_after": after, "commits": commits}
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = Path(folder) / f"{stamp}-{before['host']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return str(path)
