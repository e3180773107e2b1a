"""The sink's goals, measured side by side in one run (issue #6).

    .venv/bin/python benchmarks/tools/sink_goals.py [--samples 5] [--pages 1000] [--cc]

Every sample writes into a fresh folder (deleting and rewriting in one folder would
measure the kernel's inode scan, ARCHITECTURE.md section 2); the cases are interleaved
sample by sample so that load swings hit all of them alike, and the figures are medians.
All folders are removed at the end. Prints one table per goal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipeline.batch_sink import BatchSink, _write_mmap  # noqa: E402
from pipeline.sink import DirectSink  # noqa: E402

FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
C_LOOP = r"""
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    const char *root = argv[1]; int n = atoi(argv[2]), size = atoi(argv[3]);
    char *buf = malloc(size), path[4096]; memset(buf, 'x', size);
    struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
    for (int d = 0; d < 10; d++) {
        snprintf(path, sizeof path, "%s/section-%d", root, d);
        mkdir(path, 0777);
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/section-%d/page-%05d.html", root, i % 10, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0 || write(fd, buf, size) != size) return 1;
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
"""


def paths(count: int) -> list[str]:
    return [f"section-{i % 10}/page-{i:05}.html" for i in range(count)]


def python_loop(root: str, rels: list[str], data: bytes) -> None:
    """The tightest sequential loop: the floor a sink is held to."""
    for folder in sorted({rel.rsplit("/", 1)[0] for rel in rels}):
        os.mkdir(f"{root}/{folder}")
    for rel in rels:
        fd = os.open(f"{root}/{rel}", FLAGS, 0o666)
        os.write(fd, data)
        os.close(fd)


def through(sink_factory: Callable[[str], object]) -> Callable[[str, list[str], bytes], None]:
    def run(root: str, rels: list[str], data: bytes) -> None:
        sink = sink_factory(root)
        for rel in rels:
            sink.write(rel, data)
        sink.close()

    return run


def one_write(root: str, rels: list[str], data: bytes) -> None:
    fd = os.open(f"{root}/one.bin", FLAGS, 0o666)
    os.write(fd, data)
    os.close(fd)


def one_mmap(root: str, rels: list[str], data: bytes) -> None:
    """The sink's mmap copy alone: no thread, no batch, no staging folder."""
    _write_mmap(f"{root}/one.bin", data)


def measure(
    scratch: str, cases: dict[str, Callable], rels: list[str], data: bytes, samples: int,
    prepare: Callable[[str], None] | None = None, c_loop: str | None = None,
) -> dict[str, list[float]]:  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in cases}
    if c_loop:
        times["C loop (gcc -O2)"] = []
    for _ in range(samples):
        for name, case in cases.items():
            root = tempfile.mkdtemp(dir=scratch)
            if prepare:
                prepare(root)
            start = time.perf_counter()
            case(root, rels, data)
            times[name].append(time.perf_counter() - start)
        if c_loop:
            root = tempfile.mkdtemp(dir=scratch)
            out = subprocess.run([c_loop, root, str(len(rels)), str(len(data))], check=True,
                                 capture_output=True, text=True).stdout  # fmt: skip
            times["C loop (gcc -O2)"].append(float(out))
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

    def __init__(self, sink) -> None:
        self.sink = sink
        self.inside = 0.0

    def write(self, relpath: str, data: bytes) -> None:
        start = time.perf_counter()
        try:
            self.sink.write(relpath, data)
        finally:
            self.inside += time.perf_counter() - start

    def close(self):
        start = time.perf_counter()
        try:
            return self.sink.close()
        finally:
            self.inside += time.perf_counter() - start


def build_share(scratch: str, pages: int, samples: int, sinks: dict[str, Callable]) -> None:
    from benchmarks.corpus import generate
    from pipeline.runner import PipelineRunner

    content = os.path.join(scratch, "content")
    generate(content, pages, seed=1)
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name in sinks}
    for _ in range(samples):
        for name, factory in sinks.items():
            sink = TimedSink(factory(tempfile.mkdtemp(dir=scratch)))
            start = time.perf_counter()
            PipelineRunner(content, sink).run()
            rows[name].append((time.perf_counter() - start, sink.inside))
    print(f"\nGoal 4: a {pages}-page build; time the build's thread spends in sink.write + close\n")
    print("| sink | build s | in the sink s | share of the build | samples (build s / share) |")
    print("|---|--:|--:|--:|---|")
    for name, values in rows.items():
        build = statistics.median(v[0] for v in values)
        inside = statistics.median(v[1] for v in values)
        spread = ", ".join(f"{b:.2f}/{i / b:.1%}" for b, i in values)
        print(f"| {name} | {build:.2f} | {inside:.3f} | {inside / build:.1%} | {spread} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--cc", action="store_true", help="also time a C loop (needs gcc)")
    parser.add_argument("--only", default="fresh,identical,large,mmap,build")
    args = parser.parse_args()
    only = set(args.only.split(","))
    scratch = tempfile.mkdtemp(prefix="sink-goals-")
    try:
        c_loop = None
        if args.cc and shutil.which("gcc"):
            src = os.path.join(scratch, "loop.c")
            Path(src).write_text(C_LOOP)
            c_loop = os.path.join(scratch, "loop")
            subprocess.run(["gcc", "-O2", "-o", c_loop, src], check=True)
        rels = paths(args.files)
        small = os.urandom(8 << 10)
        print(f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}, "
              f"{args.samples} interleaved samples, each into a fresh folder")  # fmt: skip
        if "fresh" in only:
            cases = {
                "Python os.open/os.write/os.close loop": python_loop,
                "BatchSink (default: staging)": through(BatchSink),
                "BatchSink, write-then-rename per file": through(
                    lambda r: BatchSink(r, staging=False)
                ),
                "BatchSink, 1 writer thread": through(lambda r: BatchSink(r, workers=1)),
                "DirectSink": through(DirectSink),
            }
            times = measure(scratch, cases, rels, small, args.samples, c_loop=c_loop)
            table(f"Goal 1: {args.files:,} files of 8 KiB into an empty folder", times,
                  "Python os.open/os.write/os.close loop")  # fmt: skip

        if "identical" in only:

            def full(root: str) -> None:
                through(DirectSink)(root, rels, small)

            cases = {"DirectSink": through(DirectSink), "BatchSink": through(BatchSink)}
            times = measure(scratch, cases, rels, small, args.samples, prepare=full)
            table(f"Goal 2: rewriting {args.files:,} identical files of 8 KiB (untimed: "
                  "writing them first)", times, "DirectSink")  # fmt: skip

        big = os.urandom(64 << 20)
        if "large" in only:
            cases = {
                "one write() of the bytes": one_write,
                "BatchSink": through(BatchSink),
                "BatchSink without mmap": through(lambda r: BatchSink(r, mmap_min=1 << 62)),
                "DirectSink": through(DirectSink),
            }
            times = measure(scratch, cases, ["one.bin"], big, args.samples)
            table("Goal 3: one file of 64 MiB", times, "one write() of the bytes")
        if "mmap" in only:
            # The mechanism alone, outside the sink. How much of the page cache is dirty
            # decides which wins (docs/profiling-report.md, "Sink").
            for label, data in (("64 MiB", big), ("256 KiB", small * 32)):
                cases = {"one write() of the bytes": one_write, "mmap copy": one_mmap}
                times = measure(scratch, cases, ["one.bin"], data, args.samples)
                table(f"mmap or write(): one file of {label}", times, "one write() of the bytes")
        del big
        if "build" in only:
            build_share(scratch, args.pages, max(3, args.samples // 2),
                        {"DirectSink": DirectSink, "BatchSink": BatchSink})  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
