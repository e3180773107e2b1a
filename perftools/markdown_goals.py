"""markdown-goals: the fast inline path against stock Python-Markdown, in one process.

The goal (issue #16): whole Markdown conversion 1.5x faster than stock::

    python -m perftools markdown-goals [--pages 1000] [--seed 1] [--rounds 7] [--work build]

In one process it converts every page body of a generated corpus (front matter split
beforehand) with ``pipeline.markup.new_markdown()`` (the fast inline processor) and with a
stock ``markdown.Markdown(extensions=EXTENSIONS)``, each one converter ``reset()`` per page
as the build does. Each round converts the corpus with both, 50 pages at a time, the one
going first alternating, so that a shared machine's changing load falls on both alike;
times are CPU seconds. It prints the median of the rounds for each, the inline
treeprocessor's own part, and the ratio. Both must give the same HTML for every page, or
it stops before timing.

Measured on the shared 2-core development machine (load average 4 to 7), 1000 pages,
seed 1: stock 7.95 to 8.57 s, fast 5.21 to 5.63 s; three runs of 7 to 9 rounds gave
1.48x, 1.52x and 1.59x (inline treeprocessor alone 3.0x to 3.3x), so the goal is met
within this machine's noise. Callgrind, first 60 pages of the same corpus: stock 2294M,
fast 1454M instructions, 1.58x.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from perftools.common import REPO, corpus

GOAL = 1.5
CHUNK = 50  # pages converted by one variant before the other takes its turn


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--work", type=Path, default=REPO / "build", help="corpus cache")


def run(args: argparse.Namespace) -> int:
    bodies = page_bodies(args.work, args.pages, args.seed)
    variants = converters()
    check_identical(variants, bodies)
    totals: dict[str, list[float]] = {name: [] for name in variants}
    inline: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (total, inline_time) in interleaved_round(variants, bodies).items():
            totals[name].append(total)
            inline[name].append(inline_time)
    report(totals, inline, args)
    return 0


def interleaved_round(variants: dict[str, object], bodies: list[str]) -> dict[str, list[float]]:
    """Every body converted once by each variant, in chunks whose order alternates, so that
    a shared machine's changing load falls on both alike: {name: [seconds, inline seconds]}."""
    spent = {name: [0.0, 0.0] for name in variants}
    names = list(variants)
    for number, first in enumerate(range(0, len(bodies), CHUNK)):
        chunk = bodies[first : first + CHUNK]
        for name in names if number % 2 == 0 else reversed(names):
            total, inline_time = convert_all(variants[name], chunk)
            spent[name][0] += total
            spent[name][1] += inline_time
    return spent


def page_bodies(work: Path, pages: int, seed: int) -> list[str]:
    """Every page's Markdown body, in path order, from the generated corpus (made once)."""
    from pipeline import frontmatter

    content = corpus(work, pages, seed)
    bodies = []
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8-sig")
        bodies.append(frontmatter.split(text, str(path))[1])
    return bodies


def converters() -> dict[str, object]:
    import markdown

    from pipeline import fastinline, markup

    fast = markup.new_markdown()
    if not isinstance(fast.treeprocessors["inline"], fastinline.FastInlineProcessor):
        raise SystemExit(f"the fast path is off: Markdown {markdown.__version__} is installed")
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS))
    return {"stock": stock, "fast": fast}


def check_identical(variants: dict[str, object], bodies: list[str]) -> None:
    outputs = {}
    for name, md in variants.items():
        outputs[name] = [(md.reset(), md.convert(body))[1] for body in bodies]
    differing = sum(a != b for a, b in zip(outputs["stock"], outputs["fast"], strict=True))
    if differing:
        raise SystemExit(f"{differing} of {len(bodies)} pages differ between stock and fast")


def convert_all(md, bodies: list[str]) -> tuple[float, float]:
    """CPU seconds to convert every body, and the part spent in the inline treeprocessor.

    CPU time, not wall time: on a shared machine it does not count the time another
    process had the core.
    """
    processor = md.treeprocessors["inline"]
    spent = [0.0]
    original: Callable = processor.run

    def timed_run(tree, *args):
        start = time.process_time()
        try:
            return original(tree, *args)
        finally:
            spent[0] += time.process_time() - start

    processor.run = timed_run
    try:
        start = time.process_time()
        for body in bodies:
            md.reset()
            md.convert(body)
        return time.process_time() - start, spent[0]
    finally:
        del processor.run


def report(totals: dict[str, list[float]], inline: dict[str, list[float]], args) -> None:
    stock, fast = statistics.median(totals["stock"]), statistics.median(totals["fast"])
    stock_inline = statistics.median(inline["stock"])
    fast_inline = statistics.median(inline["fast"])
    print(f"{args.pages} pages, seed {args.seed}, {args.rounds} interleaved rounds, medians:")
    print(f"  stock converter:  {stock:7.3f} s  (inline treeprocessor {stock_inline:6.3f} s)")
    print(f"  fast inline path: {fast:7.3f} s  (inline treeprocessor {fast_inline:6.3f} s)")
    per_page = 1e3 / args.pages
    print(f"  per page: stock {stock * per_page:.2f} ms, fast {fast * per_page:.2f} ms")
    ratio = stock / fast
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(f"Goal: fast >= {GOAL}x stock over whole conversion: {ratio:.2f}x ({verdict})")
    if stock_inline and fast_inline:
        print(f"  inline treeprocessor alone: {stock_inline / fast_inline:.1f}x")
