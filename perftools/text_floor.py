"""text-floor: the page text in Python against the same work in C, on the corpus's HTML.

    python -m perftools text-floor [--pages 1000] [--seed 0] [--rounds 15] [--work build]

Issue #15's clean-build goal waits on the pages' plain text (pipeline/pagetext.py), which
the render processes make for sidecars and search. This asks how far that is above what
the work needs. Every page of the generated corpus is converted to HTML as the render
stage does, once. Then, in rounds whose order alternates, the corpus's texts are made by
``pagetext.encoded`` (what the render processes run: the whole text, its sections and
their JSON escapes), by ``pagetext.sections`` (the texts alone), and by ``text_floor.c``
built with gcc -O2 (the whole text alone, read and written outside its clock). Prints
the median milliseconds of each and the ratios.

The C program covers what the corpus's HTML holds, not all HTML (see its comment). It
is run only on the pages that are within that, and its text must be Python's for every
one of them, or this stops before timing: the floor must be the same work.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from perftools.common import REPO, Scratch, scratch
from perftools.markdown_goals import page_bodies

SOURCE = Path(__file__).with_name("text_floor.c")
# What text_floor.c decodes: any other reference puts a page out of its reach.
_REFERENCE = re.compile(r"&(?!quot;|amp;|lt;|gt;|#(?:3[3-9]|[4-9][0-9]|1[01][0-9]|12[0-6]);)")
# Script and style elements, and the white space str.split() knows beyond ASCII's.
_BEYOND = re.compile(
    r"<(?:script|style)\b|[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    re.IGNORECASE,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="0: the builds' corpus")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--work", type=Path, default=REPO / "build", help="corpus cache")


def run(args: argparse.Namespace) -> int:
    if shutil.which("gcc") is None:
        print("gcc is not installed: no C floor to compare with")
        return 1
    pages = rendered(args.work, args.pages, args.seed)
    covered = [page for page in pages if within_c(page)]
    with scratch(prefix="text-floor-") as dirs:
        floor = Floor(dirs, covered)
        differing = floor.check()
        if differing:
            print(f"text_floor.c differs from pagetext for {differing} of {len(covered)} pages")
            return 1
        times = measure(pages, covered, floor, args.rounds)
    report(times, pages, covered, args.rounds)
    return 0


def rendered(work: Path, pages: int, seed: int) -> list[str]:
    """Every page's HTML as the render stage makes it, in path order."""
    from pipeline import markup, render

    md = markup.new_markdown()
    return [render.render_text(md, body).html for body in page_bodies(work, pages, seed)]


def within_c(page_html: str) -> bool:
    """Whether text_floor.c does all that pagetext does to this page."""
    if "\x00" in page_html or _BEYOND.search(page_html):
        return False
    return _REFERENCE.search(page_html) is None


class Floor:
    """text_floor.c, built once, run on the covered pages written once."""

    def __init__(self, dirs: Scratch, pages: list[str]) -> None:
        self.pages = pages
        self.binary = str(dirs.fresh("text-floor"))
        subprocess.run(["gcc", "-O2", "-o", self.binary, str(SOURCE)], check=True)
        self.input = dirs.fresh("pages.bin")
        self.input.write_bytes("\x00".join(pages).encode())
        self.output = dirs.fresh("texts.bin")

    def run(self) -> float:
        """Milliseconds of one conversion of every page, by the program's own clock."""
        done = subprocess.run([self.binary, str(self.input), str(self.output)],
                              check=True, capture_output=True, text=True)  # fmt: skip
        return float(done.stdout)

    def check(self) -> int:
        """How many pages' C text is not ``pagetext.sections``' whole text."""
        from pipeline import pagetext

        self.run()
        texts = self.output.read_bytes().decode().split("\x00")
        expected = [pagetext.sections(page)[0] for page in self.pages]
        if len(texts) != len(expected):
            return len(expected)
        return sum(a != b for a, b in zip(texts, expected, strict=True))


def measure(pages: list[str], covered: list[str], floor: Floor, rounds: int) -> dict:
    """Milliseconds per round of each variant, the order alternating round by round."""
    from pipeline import pagetext

    variants = {  # each runs once and says its milliseconds
        "encoded": _timed(lambda: [pagetext.encoded(page) for page in pages]),
        "sections, covered pages": _timed(lambda: [pagetext.sections(page) for page in covered]),
        "C, covered pages": floor.run,
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for number in range(rounds):
        names = list(variants) if number % 2 == 0 else list(reversed(variants))
        for name in names:
            times[name].append(variants[name]())
    return times


def _timed(work: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        work()
        return (time.perf_counter() - start) * 1e3

    return run


def report(times: dict, pages: list[str], covered: list[str], rounds: int) -> None:
    megabytes = sum(map(len, pages)) / 1e6
    print(f"{len(pages)} pages ({megabytes:.2f} MB of HTML), {rounds} rounds, medians:")
    print(f"  {len(covered)} pages within text_floor.c, each with Python's text")
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    for name, ms in medians.items():
        print(f"  {name:<26} {ms:8.1f} ms")
    c = medians["C, covered pages"]
    print(f"  sections / C: {medians['sections, covered pages'] / c:.1f}x")
