"""Timing steps along a history, from the paired sessions of its adjacent measured commits.

``results/reference/`` holds one value per commit, measured in separate sessions and often
on separate hosts: good for counts and memory, not evidence for a timing step (issue #11).
A timing step between two adjacent measured commits is therefore judged only from a
session that measured both side by side (``results/paired/<host>/<base8>..<head8>/``), by
the rule in ``perftools/stats.py``. Adjacent pairs without such a session are counted, and
their timings are not compared: values from different hosts are never compared unpaired.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perftools import paired, stats
from perftools.steps import Step


def session_for(sessions: Sequence[paired.Session], base: str, head: str) -> paired.Session | None:
    """The newest session that measured both ``base`` and ``head``."""
    both = [s for s in sessions if base in s.samples and head in s.samples]
    return max(both, key=lambda s: s.info.get("measured_at", ""), default=None)


def timing_steps(
    order: Sequence[str], subjects: dict[str, str], root: Path = paired.PAIRED
) -> tuple[list[Step], dict[str, Any]]:
    """The flagged timing steps between adjacent commits of ``order`` (oldest first)."""
    sessions = paired.load_sessions(root)
    found: list[Step] = []
    pairs = unpaired = machine = by_round = 0
    for base, head in itertools.pairwise(order):
        pairs += 1
        session = session_for(sessions, base, head)
        if session is None:
            unpaired += 1
            continue
        steps, _ = stats.pair_steps(session.samples[base], session.samples[head], base, head,
                                    subjects.get(head, ""), session.host,
                                    session.by_round)  # fmt: skip
        machine += any(s.machine for s in steps)
        by_round += session.by_round
        found += steps
    by_series: dict[Any, list[Step]] = defaultdict(list)
    for step in found:
        by_series[step.series].append(step)
    for series_steps in by_series.values():
        stats.mark_undone(series_steps)
    info = {"pairs": pairs, "unpaired": unpaired, "machine_pairs": machine, "by_round": by_round}
    return found, info
