"""sink-goals: the sink's goals (issue #6), measured side by side in one run.

    python -m perftools sink-goals [--samples 5] [--files 10000] [--pages 1000] [--cc]
        [--only fresh,identical,large,mmap,build]

Every sample writes into a fresh folder (deleting and rewriting in one folder would
measure the kernel's inode scan, docs/architecture.md); the cases are interleaved
sample by sample so that load swings hit all of them alike, and the figures are medians.
All folders are removed at the end. Prints one table per goal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perftools.common import CREATE_FLAGS, Scratch, corpus, scratch, write_loop

Case = Callable[[str, list[str], bytes], None]
LOOP = "Python os.open/os.write/os.close loop"
C_LOOP_NAME = "C loop (gcc -O2)"
C_LOOP = Path(__file__).with_name("write_loop.c")


def write_mmap() -> Callable[[str, bytes], None]:
    """BatchSink's own mmap copy of one file, so the goal times the sink's mechanism."""
    from pipeline.batch_sink import write_mmap

    return write_mmap


def paths(count: int) -> list[str]:
    return [f"section-{i % 10}/page-{i:05}.html" for i in range(count)]


def through(sink_factory: Callable[[str], Any]) -> Case:
    def run(root: str, rels: list[str], data: bytes) -> None:
        sink = sink_factory(root)
        for rel in rels:
            sink.write(rel, data)
        sink.close()

    return run


def one_write(root: str, rels: list[str], data: bytes) -> None:
    fd = os.open(f"{root}/one.bin", CREATE_FLAGS, 0o666)
    os.write(fd, data)
    os.close(fd)


def one_mmap(root: str, rels: list[str], data: bytes) -> None:
    """The sink's mmap copy alone: no thread, no batch, no staging folder."""
    write_mmap()(f"{root}/one.bin", data)


def compile_c_loop(dirs: Scratch) -> str | None:
    """The C version of the write loop, built with gcc -O2; None without gcc."""
    if shutil.which("gcc") is None:
        print("gcc is not installed: no C loop")
        return None
    binary = str(dirs.fresh("write-loop"))
    subprocess.run(["gcc", "-O2", "-o", binary, str(C_LOOP)], check=True)
    return binary


def measure(
    dirs: Scratch, cases: dict[str, Case], rels: list[str], data: bytes, samples: int,
    prepare: Callable[[str], None] | None = None, c_loop: str | None = None,
) -> dict[str, list[float]]:  # fmt: skip
    """Seconds of each case (and of the C loop), interleaved sample by sample."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(samples):
        for name, case in cases.items():
            root = dirs.mkdtemp()
            if prepare:
                prepare(root)
            start = time.perf_counter()
            case(root, rels, data)
            times[name].append(time.perf_counter() - start)
        if c_loop:
            out = subprocess.run([c_loop, dirs.mkdtemp(), str(len(rels)), str(len(data))],
                                 check=True, capture_output=True, text=True).stdout  # fmt: skip
            times.setdefault(C_LOOP_NAME, []).append(float(out))
    return times


def table(title: str, times: dict[str, list[float]], reference: str) -> None:
    ref = statistics.median(times[reference])
    print(f"\n{title}\n")
    print("| case | median ms | ratio to " + reference + " | samples ms |")
    print("|---|--:|--:|---|")
    for name, values in times.items():
        med = statistics.median(values)
        spread = ", ".join(f"{v * 1e3:.0f}" for v in values)
        print(f"| {name} | {med * 1e3:.1f} | {med / ref:.2f}x | {spread} |")


class TimedSink:
    """A proxy that charges the time the build's thread spends inside the sink."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.inside = 0.0

    def write(self, relpath: str, data: bytes) -> None:
        start = time.perf_counter()
        try:
            self.sink.write(relpath, data)
        finally:
            self.inside += time.perf_counter() - start

    def close(self) -> Any:
        start = time.perf_counter()
        try:
            return self.sink.close()
        finally:
            self.inside += time.perf_counter() - start


def build_share(dirs: Scratch, content: Path, samples: int) -> None:
    """Goal 4: the share of a build's time that its thread spends inside the sink."""
    from pipeline.batch_sink import BatchSink
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    sinks = {"DirectSink": DirectSink, "BatchSink": BatchSink}
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name in sinks}
    for _ in range(samples):
        for name, factory in sinks.items():
            sink = TimedSink(factory(dirs.mkdtemp()))
            start = time.perf_counter()
            PipelineRunner(content, sink).run()
            rows[name].append((time.perf_counter() - start, sink.inside))
    print(f"\nGoal 4: a build of {content.name}; time the build's thread spends in sink.write "
          "+ close\n")  # fmt: skip
    print("| sink | build s | in the sink s | share of the build | samples (build s / share) |")
    print("|---|--:|--:|--:|---|")
    for name, values in rows.items():
        build = statistics.median(v[0] for v in values)
        inside = statistics.median(v[1] for v in values)
        spread = ", ".join(f"{b:.2f}/{i / b:.1%}" for b, i in values)
        print(f"| {name} | {build:.2f} | {inside:.3f} | {inside / build:.1%} | {spread} |")


def fresh_goal(dirs: Scratch, rels: list[str], data: bytes, samples: int, c_loop: str | None):
    """Goal 1: many small files into an empty folder, against the bare loop."""
    from pipeline.batch_sink import BatchSink
    from pipeline.sink import DirectSink

    cases = {
        LOOP: write_loop,
        "BatchSink (default: staging)": through(BatchSink),
        "BatchSink, write-then-rename per file": through(lambda r: BatchSink(r, staging=False)),
        "BatchSink, 1 writer thread": through(lambda r: BatchSink(r, workers=1)),
        "DirectSink": through(DirectSink),
    }
    times = measure(dirs, cases, rels, data, samples, c_loop=c_loop)
    table(f"Goal 1: {len(rels):,} files of {len(data) >> 10} KiB into an empty folder", times,
          LOOP)  # fmt: skip


def identical_goal(dirs: Scratch, rels: list[str], data: bytes, samples: int) -> None:
    """Goal 2: rewriting files that already hold the same bytes."""
    from pipeline.batch_sink import BatchSink
    from pipeline.sink import DirectSink

    def full(root: str) -> None:
        through(DirectSink)(root, rels, data)

    cases = {"DirectSink": through(DirectSink), "BatchSink": through(BatchSink)}
    times = measure(dirs, cases, rels, data, samples, prepare=full)
    table(f"Goal 2: rewriting {len(rels):,} identical files of {len(data) >> 10} KiB "
          "(untimed: writing them first)", times, "DirectSink")  # fmt: skip


def large_goal(dirs: Scratch, big: bytes, samples: int) -> None:
    """Goal 3: one large file, against one write() of its bytes."""
    from pipeline.batch_sink import BatchSink
    from pipeline.sink import DirectSink

    cases = {
        "one write() of the bytes": one_write,
        "BatchSink": through(BatchSink),
        "BatchSink without mmap": through(lambda r: BatchSink(r, mmap_min=1 << 62)),
        "DirectSink": through(DirectSink),
    }
    times = measure(dirs, cases, ["one.bin"], big, samples)
    table(f"Goal 3: one file of {len(big) >> 20} MiB", times, "one write() of the bytes")


def mmap_comparison(dirs: Scratch, big: bytes, small: bytes, samples: int) -> None:
    """The mechanism alone, outside the sink. How much of the page cache is dirty decides
    which wins (docs/profiling-report.md, "Sink")."""
    for label, data in ((f"{len(big) >> 20} MiB", big), (f"{len(small) >> 10} KiB", small)):
        cases = {"one write() of the bytes": one_write, "mmap copy": one_mmap}
        times = measure(dirs, cases, ["one.bin"], data, samples)
        table(f"mmap or write(): one file of {label}", times, "one write() of the bytes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--cc", action="store_true", help="also time a C loop (needs gcc)")
    parser.add_argument("--only", default="fresh,identical,large,mmap,build")


def run(args: argparse.Namespace) -> int:
    only = set(args.only.split(","))
    rels, small, big = paths(args.files), os.urandom(8 << 10), os.urandom(64 << 20)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}, "
          f"{args.samples} interleaved samples, each into a fresh folder")  # fmt: skip
    with scratch(Path(tempfile.gettempdir()), "sink-goals-") as dirs:
        c_loop = compile_c_loop(dirs) if args.cc else None
        if "fresh" in only:
            fresh_goal(dirs, rels, small, args.samples, c_loop)
        if "identical" in only:
            identical_goal(dirs, rels, small, args.samples)
        if "large" in only:
            large_goal(dirs, big, args.samples)
        if "mmap" in only:
            mmap_comparison(dirs, big, small * 32, args.samples)
        del big
        if "build" in only:
            content = corpus(dirs.root, args.pages, 1)
            build_share(dirs, content, max(3, args.samples // 2))
    return 0
