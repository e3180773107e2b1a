"""cards-build-goals: what social cards cost a build (issue #14), side by side in one run.

    python -m perftools cards-build-goals [--pages 1000] [--rounds 5] [--rebuild-rounds 15]
        [--jobs N] [--work build]

Through the CLI, as a user runs it (``python -m pipeline build CONTENT --out SITE``,
default jobs), on the suite's generated corpus (seed 1): clean builds with ``--cards``
off, standard and high, one of each per round in a rotating order, each into a fresh
folder (its build cache beside it); then no-change rebuilds of a site built once with
cards off and once with standard cards, alternating. Figures are medians of the
process's wall time (what a user waits for) and of the build's own ``elapsed`` from
``--report``, with the card stage's CPU. Goals: standard <= 1.25x off, high <= 1.60x
off, a no-change rebuild with cards <= 1.02x without; each judged on the median of the
rounds' own ratios of wall time (a round's builds are seconds apart, so the host's drift
over the run cancels), printed with its 99% interval beside the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from perftools.common import (
    REPO,
    Scratch,
    ToolError,
    add_settle_argument,
    corpus,
    scratch,
    settle_file_creation,
)
from perftools.stats import paired_ratio

MODES = ("off", "standard", "high")
GOALS = {"standard": 1.25, "high": 1.60}  # clean build, over cards off
REBUILD_GOAL = 1.02
SEED = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="clean-build rounds (median)")
    parser.add_argument(
        "--rebuild-rounds", type=int, default=15, help="no-change rebuild rounds (median)"
    )
    parser.add_argument("--jobs", type=int, default=None, help="--jobs (default: the CLI's)")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="corpus cache")
    add_settle_argument(parser)


def run(args: argparse.Namespace) -> int:
    content = corpus(args.work, args.pages, SEED)
    jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
    print(f"{args.pages} pages (seed {SEED}), CLI with default options{' and ' if jobs else ''}"
          f"{' '.join(jobs)}; medians")  # fmt: skip
    with scratch(prefix="cards-build-goals-") as dirs:
        settle_file_creation(dirs, args.settle)
        clean = clean_builds(content, dirs, args.rounds, jobs)
        rebuild = rebuilds(content, dirs, args.rebuild_rounds, jobs)
    met = table("clean build", clean, GOALS, args.rounds)
    met &= table("no-change rebuild", rebuild, {"standard": REBUILD_GOAL}, args.rebuild_rounds)
    print(f"goals {'met' if met else 'NOT met'}")
    return 0


def build(content: Path, site: Path, mode: str, jobs: list[str]) -> dict[str, float]:
    """One CLI build; its process wall time, its report's elapsed and its card CPU."""
    report = site.parent / f"{site.name}.report.json"
    command = [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(site)]
    command += ["--cards", mode, "--report", str(report), *jobs]
    start = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=REPO, env=common.child_env()
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise ToolError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    cards = data["stages"]["cards"]
    return {"wall": wall, "elapsed": data["elapsed"], "card_cpu": cards["cpu"],
            "drawn": data["cards_drawn"]}  # fmt: skip


def clean_builds(
    content: Path, dirs: Scratch, rounds: int, jobs: list[str]
) -> dict[str, list[dict[str, float]]]:
    """Each mode once a round, the order rotated so that none always runs first."""
    samples: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for number in range(rounds):
        order = MODES[number % 3 :] + MODES[: number % 3]
        for mode in order:
            site = dirs.fresh(f"clean-{mode}") / "site"  # its cache goes beside it
            site.parent.mkdir()
            samples[mode].append(build(content, site, mode, jobs))
    return samples


def rebuilds(
    content: Path, dirs: Scratch, rounds: int, jobs: list[str]
) -> dict[str, list[dict[str, float]]]:
    """No-change rebuilds of one site per mode, built once first; ABAB, then BABA."""
    modes = ("off", "standard")
    sites = {}
    for mode in modes:
        sites[mode] = dirs.fresh(f"rebuild-{mode}") / "site"
        sites[mode].parent.mkdir()
        build(content, sites[mode], mode, jobs)
    samples: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for number in range(rounds):
        for mode in modes if number % 2 == 0 else modes[::-1]:
            samples[mode].append(build(content, sites[mode], mode, jobs))
    return samples


def table(
    title: str, samples: dict[str, list[dict[str, Any]]], goals: dict[str, float], rounds: int
) -> bool:
    """Print one table of medians against cards off; True when every goal is met."""
    off = {key: statistics.median(s[key] for s in samples["off"]) for key in ("wall", "elapsed")}
    print(f"\n{title} ({rounds} rounds)")
    print(f"{'cards':9} {'process s':>10} {'x off':>6} {'rounds x off [99%]':>24} "
          f"{'build s':>8} {'x off':>6} {'card CPU s':>11} {'drawn':>6}  goal")  # fmt: skip
    met = True
    for mode, runs in samples.items():
        wall = statistics.median(s["wall"] for s in runs)
        elapsed = statistics.median(s["elapsed"] for s in runs)
        card_cpu = statistics.median(s["card_cpu"] for s in runs)
        paired, low, high = paired_ratio([s["wall"] for s in samples["off"]],
                                         [s["wall"] for s in runs])  # fmt: skip
        goal = goals.get(mode)
        met_goal = goal is None or paired <= goal
        verdict = "" if goal is None else f"<= {goal:.2f}x: {'met' if met_goal else 'NOT met'}"
        met &= met_goal
        built = elapsed / off["elapsed"]
        interval = f"{paired:5.2f}x [{low:.2f}, {high:.2f}]"
        print(f"{mode:9} {wall:10.3f} {wall / off['wall']:5.2f}x {interval:>24} {elapsed:8.3f} "
              f"{built:5.2f}x {card_cpu:11.3f} {int(runs[0]['drawn']):6}  {verdict}")  # fmt: skip
    return met
