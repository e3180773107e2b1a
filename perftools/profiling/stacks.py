"""cProfile's statistics as labelled frames and approximate stacks (for the fallback).

cProfile keeps only caller->callee edges, not whole stacks, so a function's time on each
path is its time split in proportion to each caller's share: approximate.
"""

from __future__ import annotations

import pstats
from collections import defaultdict
from pathlib import Path
from typing import Any

from perftools.common import REPO

Func = tuple[str, int, str]  # (file, line, name), cProfile's key of a function
Stats = dict[Func, tuple[int, int, float, float, dict[Func, tuple]]]  # cc, nc, tt, ct, callers
Folded = dict[tuple[str, ...], float]  # stack, root first -> seconds
FLAME_NOTE = (
    "approximate: cProfile's call graph collapsed into stacks, each function's callees "
    "split in proportion to their cumulative time"
)


def load(path: Path) -> Stats:
    return pstats.Stats(str(path)).stats  # type: ignore[attr-defined]


def short_path(file: str) -> str:
    """A file's path from its package (site-packages, the standard library, the repo)."""
    for marker in ("site-packages/", "/lib/python3"):
        at = file.rfind(marker)
        if at >= 0:
            rest = file[at + len(marker) :]
            return rest if marker == "site-packages/" else rest.split("/", 1)[-1]
    return file.removeprefix(str(REPO) + "/")


def frame_label(func: Func) -> str:
    file, line, name = func
    if file == "~":  # a built-in: cProfile names it "<built-in method ...>"
        return name.replace("<", "").replace(">", "").replace("built-in method ", "")
    return f"{name} ({short_path(file)}:{line})"


def callees_of(stats: Stats) -> dict[Func, dict[Func, float]]:
    callees: dict[Func, dict[Func, float]] = defaultdict(dict)
    for func, (_cc, _nc, _tt, _ct, callers) in stats.items():
        for caller, edge in callers.items():
            callees[caller][func] = edge[3]
    return callees


def folded(stats: Stats, min_share: float = 0.0005) -> Folded:
    """Approximate stacks (root first) -> seconds, from cProfile's caller/callee graph."""
    callees = callees_of(stats)
    roots = [f for f, s in stats.items() if not s[4]]
    total = sum(stats[f][3] for f in roots) or 1.0
    found: Folded = defaultdict(float)

    def expand(func: Any, budget: float, path: tuple[str, ...], seen: frozenset) -> None:
        cumulative = stats[func][3]
        share = budget / cumulative if cumulative > 0 else 0.0
        path = (*path, frame_label(func))
        own = stats[func][2] * share
        for callee, edge_time in callees[func].items():
            spent = edge_time * share
            if callee in seen or callee not in stats:  # recursion: already in this stack
                continue
            if spent < total * min_share or len(path) > 80:
                own += spent  # too thin to draw: kept in the caller's width
                continue
            expand(callee, spent, path, seen | {callee})
        found[path] += own

    for root in roots:
        expand(root, stats[root][3], (), frozenset({root}))
    return dict(found)
