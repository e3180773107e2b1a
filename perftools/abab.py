"""The ABAB driver: each benchmark set up once per side, then timed side by side, sample by
sample (A B, B A, A B, ...).

Why not asv's rounds. ``asv run --interleave-rounds`` (or one ``asv run --append-samples``
per side and round) interleaves whole runs of the suite: a round of one side lasts from
seconds to minutes, and its ``setup_cache`` again every time. On these shared 2-core hosts
the load of the neighbours changes on that time scale, so a whole round of one side could
run twice as slow as the next round of the other: in a first session of this kind, the
control CPU loop's median differed by 1.5-2x between two sides running the same code. Here
the samples of the sides alternate seconds apart, so whatever the machine does falls on
all sides alike, and ``setup_cache`` runs once per side.

A worker process per side and benchmark (``perftools/abab_worker.py``) imports that side's
``pipeline`` (first on its PYTHONPATH) and today's suite, sets the benchmark up once, warms
it up and then times one sample per request. The samples are saved as asv result files
(``asv.results.Results``, samples recorded) with a ``benchmarks.json``, so asv's own tools
(``asv compare``) and ``paired.load_session`` read them.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perftools import stats
from perftools.common import ToolError

WORKER = Path(__file__).resolve().with_name("abab_worker.py")
# A benchmark with short samples gets more rounds, up to SIDE_TIME seconds of samples a
# side (at most MAX_ROUNDS): its samples are cheap, and under load their spread is wide.
SIDE_TIME = 3.0
MAX_ROUNDS = 400
# Rounds a side, at least, for the families whose samples spread several-fold on a busy
# host, however long a sample takes. Writing 1000 files took 0.16 s on a calm host, so
# SIDE_TIME gave it 18 rounds, but 0.5-2.5 s with the disk busy, which left 6, the fewest
# where the spread is widest: a doubled write stage then measured 1.8-2.6x at p
# 0.026-0.065, and the rank test cannot reach p < 0.01 through such a spread with 6 a side.
MIN_ROUNDS = {"sink": 16}
# Samples shorter than this run pinned to one core, the same core for every side for as
# many rounds as there are sides, then the next core (``pinned_round``). Unpinned, a short
# sample's time follows the core the kernel left its process on: with a neighbour busy on
# core 1, the control loop took 35 ms on core 0 and 65 ms on core 1, and each worker
# process kept its own share of core 1 (62-72% over 40 samples), enough to move one
# side's median. Long samples (whole builds, their process pools and writer threads) are
# left on every core: they migrate many times within a sample, and pinning would hide
# their parallelism.
PIN_BELOW = 0.2
# How pinned rounds are ordered, as recorded in each session.json: 2 since 2026-12-02
# (``pinned_round``); sessions without it used plain rotations, which favoured the second
# side's short samples by about 3%.
SCHEDULE = 2
# The first schedule whose rounds give every side each place equally often on each core:
# from it on a session's rounds may be compared as pairs (``paired.Session.by_round``).
BALANCED_SCHEDULE = 2


class Worker:
    """One side's process for one benchmark (and parameter combination)."""

    def __init__(
        self, side: Any, name: str, combo: list[str], repo: Path, work: Path, tmp: str
    ) -> None:
        self.side = side
        self.cwd = tempfile.mkdtemp(prefix="abab-", dir=work)
        self.log = open(Path(self.cwd).with_suffix(".log"), "w")
        env = {**os.environ, "TMPDIR": tmp,
               "PYTHONPATH": os.pathsep.join([str(side.source), str(repo)])}  # fmt: skip
        command = [sys.executable, "-P", str(WORKER), "--run", name, "--combo", json.dumps(combo)]
        self.proc = subprocess.Popen(command, cwd=self.cwd, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)  # fmt: skip
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)

    def receive(self, timeout: float) -> dict[str, Any]:
        if not self.selector.select(timeout):
            self.stop(timeout=0.1)
            return {"error": f"no answer in {timeout:.0f} s"}
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"error": "the worker exited"}

    def sample(self, timeout: float) -> dict[str, Any]:
        try:
            self.proc.stdin.write("sample\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            return {"error": "the worker exited"}
        return self.receive(timeout)

    def pin(self, cores: set[int]) -> None:
        """Run the worker's main thread on ``cores`` only (from its next sample on)."""
        try:
            os.sched_setaffinity(self.proc.pid, cores)
        except OSError:
            pass  # the worker exited: its next sample says so

    def quit(self) -> None:
        """Ask the worker to tear down and exit (without waiting for it)."""
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass  # it exited already, or was asked already

    def stop(self, timeout: float = 600) -> None:
        """Wait for the worker's exit (``quit`` first); kill it after ``timeout`` seconds.

        Exiting removes the benchmark's scratch folder, which on these disks takes minutes
        for a few thousand files: ``measure`` asks every worker to quit before waiting.
        """
        self.quit()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def discover(bench: Sequence[str], repo: Path, source: Path) -> list[dict[str, Any]]:
    """The suite's time_ benchmarks matching ``bench`` (asv's regex rule), as a worker sees them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(repo)])}
    run = subprocess.run([sys.executable, "-P", str(WORKER), "--discover", *bench], env=env,
                         capture_output=True, text=True, cwd=repo)  # fmt: skip
    lines = run.stdout.strip().splitlines()
    answer = json.loads(lines[-1]) if lines else {"error": run.stderr[-2000:]}
    if "error" in answer:
        raise ToolError(f"could not list the benchmarks in {repo}/benchmarks:\n{answer['error']}")
    if not answer["benchmarks"]:
        raise ToolError(f"no time_ benchmark matches {list(bench)}")
    return answer["benchmarks"]


def pinned_round(items: Sequence[Any], r: int, cores: Sequence[int]) -> tuple[list[Any], int]:
    """Round ``r``'s order of pinned samples, and its core.

    A core serves ``len(items)`` rounds in a row (each side in each place), then the next
    core. Each such block starts one side further on: with plain rotations (A B, B A on
    core 0, A B, B A on core 1) the block's first sample was always A's, just moved to a
    core whose caches held nothing of it, while B's first sample of a round came right
    after its own on the same core. In 70 paired sessions of the history the head side's
    Markdown page measured 2.8% faster than the base side's (60 of 70), all of it in those
    first samples. Shifted, every side has the same share of each kind of sample.
    """
    block = r // len(items)
    return rotation(items, r + block), cores[block % len(cores)]


def rotation(items: Sequence[Any], r: int) -> list[Any]:
    """Round ``r``'s order: the sides rotated by ``r`` (A B, B A for two; A B C, B C A, C A B).

    Every side takes every place equally often, and no side runs twice in a row more often
    than another (forward-then-backward orders give the end sides back-to-back samples with
    warm caches, which the middle ones never get).
    """
    k = r % len(items)
    return list(items[k:]) + list(items[:k])


def measure(
    sides: Sequence[Any], name: str, combo: list[str], rounds: int, timeout: float,
    repo: Path, work: Path,
) -> dict[str, list[float] | None]:  # fmt: skip
    """Samples of one benchmark on every side (by commit), in rotated rounds.

    None for a side where the benchmark was skipped or failed (its worker's log says why).
    """
    # Every side's scratch folders (the suite's fresh output folders) in one folder: apart,
    # each side's files landed where the disk was in another state, and one side wrote
    # 1000 fresh files 3x faster than four others running the same code.
    tmp = tempfile.mkdtemp(prefix="abab-tmp-")
    workers = []
    for side in sides:  # one at a time: setting up is not timed, but loads the machine
        worker = Worker(side, name, combo, repo, work, tmp)
        ready = worker.receive(max(timeout, 600))
        workers.append((worker, ready))
    samples: dict[str, list[float] | None] = {
        w.side.commit: ([] if "ready" in r else None) for w, r in workers
    }
    live = [w for w, r in workers if "ready" in r]
    total = rounds
    cores = sorted(os.sched_getaffinity(0))
    pin = decided = False
    r = 0
    while r < total and live:
        order, core = pinned_round(live, r, cores) if pin else (rotation(live, r), None)
        for worker in order:
            if core is not None:
                worker.pin({core})
            got = worker.sample(timeout)
            if "time" in got:
                samples[worker.side.commit].append(got["time"])
            else:
                samples[worker.side.commit] = None
        live = [w for w in live if samples[w.side.commit] is not None]
        if not decided and live:
            decided = True
            slowest = max(samples[w.side.commit][0] for w in live)
            total = rounds_for(rounds, slowest, stats.family_of(name))
            pin = slowest < PIN_BELOW and len(cores) > 1
            if pin:  # whole cycles: each side as often in each place, on each core
                cycle = len(live) * math.lcm(len(live), len(cores))
                total = -(-total // cycle) * cycle
            if pin:  # round 0 ran unpinned: start the pinned rounds afresh
                samples = {c: ([] if v is not None else None) for c, v in samples.items()}
                r = -1
        r += 1
    for worker, _ in workers:
        worker.quit()
    for worker, _ in workers:
        worker.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    return samples


def rounds_for(rounds: int, slowest: float, family: str) -> int:
    """Rounds a side for a benchmark of ``family`` whose first round's slowest sample took
    ``slowest`` seconds."""
    budget = min(MAX_ROUNDS, int(SIDE_TIME / max(slowest, 1e-6)))
    return max(rounds, budget, MIN_ROUNDS.get(family, 0))


def run_abab(
    sides: Sequence[Any], bench: Sequence[str], rounds: int, repo: Path, work: Path,
    say: Callable[[str], None] = print,
) -> tuple[list[dict[str, Any]], dict[tuple[str, tuple[str, ...]], dict[str, Any]]]:  # fmt: skip
    """Every matching benchmark and combination, measured: (benchmarks, samples by series)."""
    benchmarks = discover(bench, repo, sides[0].source)
    measured = {}
    started = time.monotonic()
    for info in benchmarks:
        for combo in info["combos"]:
            label = f"{info['name']}({', '.join(combo)})" if combo else info["name"]
            got = measure(sides, info["name"], combo, rounds, float(info["timeout"]), repo, work)
            measured[(info["name"], tuple(combo))] = got
            medians = " ".join(
                f"{statistics.median(v) * 1e3:.4g}ms" if v else "n/a" for v in got.values()
            )
            say(f"  {label}: {medians} ({time.monotonic() - started:.0f} s)")
    return benchmarks, measured


def save_results(
    sides: Sequence[Any], benchmarks: list[dict[str, Any]], measured: dict, host: str,
    folder: Path,
) -> None:  # fmt: skip
    """The samples as asv result files (one per side) and the session's benchmarks.json."""
    import itertools

    from asv import runner, util
    from asv.results import Results

    folder.mkdir(parents=True, exist_ok=True)
    util.write_json(str(folder / "benchmarks.json"), {
        b["name"]: {"name": b["name"], "type": "time", "unit": "seconds", "params": b["params"],
                    "param_names": b["param_names"], "version": "abab"}
        for b in benchmarks
    }, api_version=2)  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    for side in sides:
        result = Results({"machine": host, "python": python}, {}, side.commit,
                         int(now.timestamp() * 1000), python, "abab", {})  # fmt: skip
        for b in benchmarks:
            per_combo = [measured.get((b["name"], tuple(c)), {}).get(side.commit)
                         for c in itertools.product(*b["params"])]  # fmt: skip
            values = [statistics.median(s) if s else None for s in per_combo]
            result.add_result(
                {"name": b["name"], "version": "abab", "params": b["params"]},
                runner.BenchmarkResult(result=values, samples=per_combo,
                                       number=[1] * len(values), errcode=0, stderr="",
                                       profile=None),
                started_at=now, duration=0.0, record_samples=True,
            )  # fmt: skip
        result.save(str(folder))
