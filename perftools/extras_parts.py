"""extras-parts: what each part of sidecars and search costs a clean build, switched off in turn.

    python -m perftools extras-parts [--pages 1000] [--rounds 9] [--work build] [--settle S]
        [--instructions [--variants NAME,...]]

serialize-goals weighs the extras of issue #15 as a whole; this takes them apart. Clean
CLI builds of the suite's corpus (cards off, default jobs), one of each variant a round in
a rotating order, each into a fresh folder. Every variant but the first builds with
sidecars and search, one part switched off by a patch made in the build's own process
(``python -m perftools.extras_parts VARIANT build ...``; its render processes fork from
it and keep the patch):

- without: ``--no-search`` and no sidecars, the goal's baseline;
- no text: the render processes make no page text, so nothing downstream carries any;
- text made: made, and dropped before it is sent;
- text sent: made and sent, dropped where the build's process receives it;
- no sidecar files: everything but the sidecar files' writing;
- with: sidecars and search as they are built.

Each variant is the median of its rounds' own ratios to ``without`` (wall time; and CPU,
user and system, of the build and its render processes), with the 99% interval. Each part
is the median of the rounds' ratios of the variant with it to the one without, with its
interval: making the text (text made / no text), sending it (text sent / text made), what
the text costs once received (with / text sent: the pages' search fragments, the index,
the search cache), and the sidecar files (with / no sidecar files). A round's builds are
seconds apart; the difference of two variants' ratios to ``without`` would carry the
noise of three.

``--instructions``: instead, one build of each variant in one process (``--jobs 1``)
under callgrind: the instructions it executes, which repeat exactly whatever the host is
doing. They count the work of Python and its libraries, not the kernel's (creating and
writing the files), and one process sends nothing: the text's sending shows only in time.
Takes about 3 minutes a variant, as many at once as the host has cores; ``--variants``
counts only the ones named.
"""

from __future__ import annotations

import argparse
import os
import resource
import runpy
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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

SEED = 0  # serialize-goals' corpus
VARIANTS = {  # name -> what it is, for the table
    "without": "no sidecars, no search (--no-search)",
    "no-text": "no page text made",
    "text-made": "text made, then dropped in the render process",
    "text-sent": "text made and sent, dropped on arrival",
    "no-sidecar-files": "all but writing the sidecar files",
    "with": "sidecars and search (--sidecars)",
}
PARTS = (  # (what, the variant with it, the variant without it)
    ("making the page text", "text-made", "no-text"),
    ("sending it to the build's process", "text-sent", "text-made"),
    ("the text once received (fragments, index, search cache)", "with", "text-sent"),
    ("writing the sidecar files", "with", "no-sidecar-files"),
    ("all the rest (no text, against without)", "no-text", "without"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of clean builds")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="corpus cache")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under callgrind instead"
    )
    parser.add_argument(
        "--variants", type=_variants, default=list(VARIANTS),
        help="with --instructions: only these, comma-separated (default: all)",
    )  # fmt: skip
    add_settle_argument(parser)


def run(args: argparse.Namespace) -> int:
    content = corpus(args.work, args.pages, SEED).resolve()
    if args.instructions:
        with scratch(prefix="extras-parts-") as dirs:
            counts = instructions(content, dirs, args.variants)
        print(f"{args.pages} pages (seed {SEED}), one build each, --jobs 1, under callgrind")
        print_counts(counts)
        return 0
    print(f"{args.pages} pages (seed {SEED}), clean CLI builds, cards off, default jobs; "
          f"{args.rounds} rounds, medians")  # fmt: skip
    with scratch(prefix="extras-parts-") as dirs:
        settle_file_creation(dirs, args.settle)
        samples = clean_builds(content, dirs, args.rounds)
    report(samples)
    print("parts: the rounds' own ratios of the variant with it to the one without, 99%")
    for what, on, off in PARTS:
        ratio, low, high = paired_ratio(_column(samples[off], 0), _column(samples[on], 0))
        print(f"  {what:58s} {ratio:.3f}x [{low:.3f}, {high:.3f}]")
    return 0


def clean_builds(content: Path, dirs: Scratch, rounds: int) -> dict[str, list[list[float]]]:
    """[wall, user, system] seconds of each variant's builds, one of each a round."""
    names = list(VARIANTS)
    samples: dict[str, list[list[float]]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            site = dirs.fresh(name) / "site"  # its build cache goes beside it
            site.parent.mkdir()
            samples[name].append(build(content, site, name))
    return samples


def command(content: Path, site: Path, variant: str) -> list[str]:
    """The clean CLI build of ``variant`` into ``site`` (its build cache beside it)."""
    extras = ["--no-search"] if variant == "without" else ["--sidecars"]
    return [sys.executable, "-m", "perftools.extras_parts", variant, "build", str(content),
            "--out", str(site), "--cards", "off", *extras]  # fmt: skip


def build(content: Path, site: Path, variant: str) -> list[float]:
    """One clean CLI build of ``variant``: [wall, user CPU, system CPU] seconds, the CPU
    of the build and its render processes."""
    argv = command(content, site, variant)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, env=common.child_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise ToolError(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return [wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime]


def instructions(content: Path, dirs: Scratch, variants: Sequence[str]) -> dict[str, int]:
    """Each variant's instructions: one build in one process under callgrind, counted as
    the suite's benchmarks count a CLI process, as many at once as there are cores."""
    sites = {name: dirs.fresh(name) / "site" for name in variants}
    for site in sites.values():
        site.parent.mkdir()  # the build cache goes beside the site

    def count(name: str) -> int:
        argv = command(content, sites[name], name)[1:]  # after sys.executable
        try:
            return common.count_process_instructions(*argv, "--jobs", "1")
        except NotImplementedError as exc:  # no valgrind here
            raise ToolError(str(exc)) from None

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        return dict(zip(sites, pool.map(count, sites), strict=True))


def print_counts(counts: dict[str, int]) -> None:
    """Each variant's instructions, and the parts whose two variants were counted; against
    ``without`` when it was."""
    base = counts.get("without")
    for name, count in counts.items():
        ratio = f"{count / base:.4f}x" if base else ""
        print(f"{name:17s} {count:15,d}  {ratio:7s}  {VARIANTS[name]}")
    print("parts: instructions of the variant with it less the one without")
    for what, on, off in PARTS:
        if on in counts and off in counts:
            more = counts[on] - counts[off]
            share = f"{100 * more / base:+6.2f}%" if base else ""
            print(f"  {what:58s} {more:+15,d} {share}")


def _variants(names: str) -> list[str]:
    asked = names.split(",")
    chosen = [name for name in VARIANTS if name in asked]
    if set(asked) - set(chosen) or not chosen:
        raise argparse.ArgumentTypeError(f"variants are {', '.join(VARIANTS)}")
    return chosen


def report(samples: dict[str, list[list[float]]]) -> None:
    """Print each variant's medians, and its ratios to ``without``."""
    base = samples["without"]
    print(f"{'variant':17s} {'wall s':>6s}  {'x without [99%]':>22s}  {'user s':>6s} "
          f"{'sys s':>5s}  {'CPU x':>5s}  what")  # fmt: skip
    for name, what in VARIANTS.items():
        rows = samples[name]
        wall, low, high = paired_ratio(_column(base, 0), _column(rows, 0))
        cpu, _, _ = paired_ratio(_cpu(base), _cpu(rows))
        user, system = statistics.median(_column(rows, 1)), statistics.median(_column(rows, 2))
        median = statistics.median(_column(rows, 0))
        print(f"{name:17s} {median:6.3f}  {wall:6.3f}x [{low:.3f}, {high:.3f}]  "
              f"{user:6.3f} {system:5.3f}  {cpu:5.3f}  {what}")  # fmt: skip


def _column(rows: list[list[float]], index: int) -> list[float]:
    return [row[index] for row in rows]


def _cpu(rows: list[list[float]]) -> list[float]:
    return [row[1] + row[2] for row in rows]


def _switch_off(variant: str) -> None:
    """Patch this process (and so the render processes it forks) for ``variant``."""
    from pipeline import page_extras, pagetext, write
    from pipeline.cache.entries import Output

    empty = pagetext.Encoded(0, b"", [])
    make = pagetext.encoded
    if variant == "no-text":
        pagetext.encoded = lambda page_html: empty
    elif variant == "text-made":

        def made_then_dropped(page_html: str) -> pagetext.Encoded:
            make(page_html)
            return empty

        pagetext.encoded = made_then_dropped
    elif variant == "text-sent":
        rendered = page_extras.PageExtras.rendered

        def dropped_on_arrival(self, page, result, *rest):
            if result.text is not None:
                result.text = empty
            return rendered(self, page, result, *rest)

        page_extras.PageExtras.rendered = dropped_on_arrival
    elif variant == "no-sidecar-files":
        write.SiteWriter.extra = lambda self, path, data, previous: Output.of(data)
    elif variant not in ("with", "without"):
        raise SystemExit(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")


def _child(argv: Sequence[str]) -> None:
    """The variant's patch, then ``python -m pipeline`` itself (its settings, its exit)."""
    _switch_off(argv[0])
    sys.argv = ["pipeline", *argv[1:]]
    runpy.run_module("pipeline", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _child(sys.argv[1:])
