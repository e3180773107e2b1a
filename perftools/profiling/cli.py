"""profile: flame graphs, stage shares, hot functions and scaling of one build.

    python -m perftools profile [--pages 1000] [--seed 1] [--sizes 100,1000[,10000]]
        [--repeats 3] [--out profiles] [--cache build] [--profiler auto|py-spy|cprofile]

Everything lands in ``OUT/<git short hash>[-dirty]/``:

- ``flame.svg`` and ``profile.speedscope.json``: a ``py-spy record`` of
  ``python -m pipeline build --jobs 1 --no-cache`` on a generated corpus of ``--pages``
  pages. Where py-spy is missing or cannot attach (no ptrace permission), both are made
  from a cProfile run instead, and the tool says so: its call graph is collapsed into
  approximate stacks.
- ``stages.json`` / ``stages.md``: wall and CPU time per stage and the I/O wait (wall
  minus CPU), from the stage times of each build's own BuildReport (medians of
  ``--repeats`` builds), and the same build through a sink that discards the bytes.
- ``hot.md`` and ``cprofile.pstats``: the hottest functions by self and cumulative time.
- ``scaling.json`` / ``scaling.md``: wall time, pages/s, peak RSS and bytes written per
  corpus size (median of ``--repeats`` runs, one run above 5000 pages unless
  ``--large-repeats`` says otherwise).
- ``summary.md`` (all tables) and ``meta.json`` (machine, versions, commands).

Every build runs in a fresh process (``perftools/profiling/worker.py``), one process
without a cache, and writes into a fresh output folder; the folders are removed only at
the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from perftools.common import (
    REPO,
    Scratch,
    ToolError,
    commit_label,
    corpus,
    scratch,
    write_json,
)
from perftools.profiling import breakdown, profilers, report, speedscope, stacks
from perftools.profiling.flamegraph_svg import flame_svg
from perftools.profiling.worker import run_worker

LARGE = 5000  # corpus sizes above this run --large-repeats times


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000, help="corpus size to profile")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument(
        "--sizes",
        default="100,1000",
        help="comma-separated corpus sizes for the scaling table ('' to skip)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per measurement (the median is reported)"
    )
    parser.add_argument(
        "--large-repeats", type=int, default=1, help=f"runs for sizes above {LARGE} pages"
    )
    parser.add_argument("--out", type=Path, default=REPO / "profiles", help="results folder")
    parser.add_argument(
        "--cache", type=Path, default=REPO / "build", help="where corpora and scratch sites go"
    )
    parser.add_argument("--profiler", choices=("auto", "py-spy", "cprofile"), default="auto",
                        help="auto: py-spy if it can attach, else cProfile; "
                        "py-spy: fail if it cannot")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.pages < 1 or args.repeats < 1 or args.large_repeats < 1:
        raise ToolError("--pages, --repeats and --large-repeats must be at least 1")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if args.sizes else []
    label = commit_label()
    folder = args.out.resolve() / label
    folder.mkdir(parents=True, exist_ok=True)
    cache = args.cache.resolve()
    started = time.perf_counter()
    with scratch(cache, "profile-scratch-") as dirs:
        content = corpus(cache, args.pages, args.seed)
        written = flame_graphs(args, content, folder, dirs)
        written += stage_breakdown(args, content, folder, dirs)
        if sizes:
            written += scaling(args, sizes, cache, folder, dirs)
        written += summary(args, folder, sizes, label)
    print(f"\ndone in {time.perf_counter() - started:.0f} s; wrote into {folder}/:")
    for name in written:
        print(f"  {folder / name}")
    print(f"open {folder / 'flame.svg'} in a browser; load the .speedscope.json at speedscope.app")
    return 0


def flame_graphs(args: argparse.Namespace, content: Path, folder: Path, dirs: Scratch) -> list[str]:
    """flame.svg and profile.speedscope.json (py-spy or the cProfile fallback), and hot.md."""
    py_spy, reason = profilers.why_not_py_spy(args.profiler, dirs.root)
    pstats_path = folder / "cprofile.pstats"
    print(f"cProfile: {args.pages}-page build ...", flush=True)
    cprofiled = run_worker("cprofile", content, dirs.fresh(), str(pstats_path))
    stats = stacks.load(pstats_path)
    speedscope_path, flame = folder / "profile.speedscope.json", folder / "flame.svg"
    sampled = None
    if py_spy is not None:
        for fmt, path in (("flamegraph", flame), ("speedscope", speedscope_path)):
            print(f"py-spy: {args.pages}-page build -> {path.name} ...", flush=True)
            profilers.record(py_spy, fmt, path, content, dirs.fresh())
        sampled = json.loads(speedscope_path.read_text())
        version = profilers.py_spy_version(py_spy)
        profiler = f"py-spy {version}, {profilers.RATE} samples/s, --idle --function"
    else:
        print(f"FALLING BACK to cProfile for the flame graph: {reason}")
        print(f"  the flame graph is {stacks.FLAME_NOTE}")
        folded = stacks.folded(stats)
        title = f"python -m pipeline build: {args.pages} pages (cProfile fallback)"
        note = f"py-spy unusable: {reason}. {stacks.FLAME_NOTE}"
        flame.write_text(flame_svg(folded, title, note))
        speedscope_path.write_text(json.dumps(speedscope.from_folded(folded, title)))
        profiler = f"cProfile (fallback: {reason}); flame graph {stacks.FLAME_NOTE}"
    (folder / "hot.md").write_text(report.hot_markdown(stats, sampled, args.pages, cprofiled))
    write_json(folder / "profiler.json", {"profiler": profiler, "fallback_reason": reason})
    return ["flame.svg", "profile.speedscope.json", "hot.md", "cprofile.pstats", "profiler.json"]


def stage_breakdown(
    args: argparse.Namespace, content: Path, folder: Path, dirs: Scratch
) -> list[str]:
    """stages.json and stages.md: builds through DirectSink and through a null sink."""
    print(f"stages: {args.repeats} builds through DirectSink and a null sink each ...", flush=True)
    builds, null = [], []
    for _ in range(args.repeats):  # interleaved, so that a change in load hits both alike
        builds.append(run_worker("build", content, dirs.fresh()))
        null.append(run_worker("build", content, dirs.fresh(), "null"))
    result = breakdown.combine(builds, null, args.pages, args.seed)
    write_json(folder / "stages.json", result)
    (folder / "stages.md").write_text(report.stages_markdown(result))
    return ["stages.json", "stages.md"]


def scaling_row(size: int, results: list[dict]) -> dict:
    walls = [r["wall"] for r in results]
    wall, built = statistics.median(walls), results[0]["pages_built"]
    return {
        "pages": size,
        "pages_built": built,
        "runs": len(results),
        "wall": wall,
        "wall_all": walls,
        "cpu": statistics.median(r["cpu"] for r in results),
        "pages_per_s": built / wall,
        "ms_per_page": 1000 * wall / built,
        "peak_rss_mib": statistics.median(r["maxrss_kib"] for r in results) / 1024,
        "rss_before_mib": statistics.median(r["rss_before_kib"] for r in results) / 1024,
        "files": results[0]["files"],
        "bytes": results[0]["bytes"],
        "process_wall": statistics.median(r["process_wall"] for r in results),
    }


def scaling(
    args: argparse.Namespace, sizes: list[int], cache: Path, folder: Path, dirs: Scratch
) -> list[str]:
    rows = []
    for size in sizes:
        content = corpus(cache, size, args.seed)
        repeats = args.repeats if size <= LARGE else args.large_repeats
        print(f"scaling: {size} pages x {repeats} ...", flush=True)
        rows.append(scaling_row(size, [run_worker("build", content, dirs.fresh())
                                       for _ in range(repeats)]))  # fmt: skip
    write_json(folder / "scaling.json", {"seed": args.seed, "rows": rows})
    (folder / "scaling.md").write_text(report.scaling_markdown(rows, args.seed))
    return ["scaling.json", "scaling.md"]


def summary(args: argparse.Namespace, folder: Path, sizes: list[int], label: str) -> list[str]:
    options = [f"--pages {args.pages}", f"--seed {args.seed}"]
    options += [f"--sizes {','.join(map(str, sizes))}", f"--repeats {args.repeats}"]
    meta = {
        "commit": label,
        "command": "python -m perftools profile " + " ".join(options),
        "profiler": json.loads((folder / "profiler.json").read_text())["profiler"],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    meta["command"] += f" --profiler {args.profiler}"
    write_json(folder / "meta.json", meta)
    tables = [(folder / name).read_text() for name in ("stages.md", "scaling.md", "hot.md")
              if (folder / name).exists()]  # fmt: skip
    (folder / "summary.md").write_text(report.summary_markdown(meta, tables))
    return ["summary.md", "meta.json"]
