"""The step rule: which commit made which benchmark slower (or faster), and by how much.

One place for the rule that decides what a step is; ``regressions`` (the report over
``results/``) and ``perf-check`` (the gate) both use it, so they agree on any pair of
commits. Reading asv's results is in ``asv_results``, the tables in ``steps_format``.

The rule. A benchmark value (one parameter combination) *steps* at a commit when its
ratio to the previous measured commit's value is beyond the threshold of its kind:

- ``deterministic`` (``track_*``: counts, and instructions and allocations under
  callgrind): 2%. Counts repeat exactly; the instruction count of one Markdown page moved
  by at most 0.1% over 20 checks of an unchanged commit (object addresses and the garbage
  collector's moments differ), so 2% stays clear of that and under the 3% a change shows.
- ``memory`` (``peakmem_*``, the process's peak RSS): 10%. It does not move with load but
  with the allocator's history: 0.3% at most between two runs of one commit here, while
  tracemalloc's peak for one page ranged over 4% in 8 runs; 10% leaves room for both.
- ``timing`` (``time_*``, and the wall-time shares in TIMING_TRACKS): not by a threshold
  on single values any more. Timings here swing by a third between runs and hosts (0.83 to
  1.19 ms for one benchmark), so a timing step is judged only from paired samples of the
  two commits (``perftools/stats.py``); the 50% below is kept for ``find_steps`` callers
  that have nothing better (a unit's single values), and ``--only timing``.

Why consecutive ratios and not asv's ``step_detect`` (the dashboard's regression list):
its Potts fit picks its penalty from the series' own noise, which a short history of single
values does not give. On exact values with 0.01% jitter it split at every commit; on 33
timings with +-20% noise it merged a 1.8x bump three commits long into one level. And its
``detect_regressions`` drops an upward level that the series later leaves again, which is
the "undone" step a reviewer asks about. A consecutive ratio is what the gate computes for
its two commits too. A single noisy timing shows up as a step and its undo, both marked
``timing``, which is how a reader should weigh it.

A step is *undone* by a later step of the same value in the opposite direction that
brings it back to within the threshold of the level before the step; both are marked.
Higher is worse for every benchmark except those in HIGHER_IS_BETTER.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from urllib.parse import quote

THRESHOLDS = {"deterministic": 0.02, "memory": 0.10, "timing": 0.50}
# Benchmarks (method names) where a drop is the bad direction.
HIGHER_IS_BETTER = frozenset({"track_pages_built"})
# track_ benchmarks that report wall time (a stage's share of a build's time, unit "%"):
# timings, whatever their prefix says. One check of an unchanged runner moved the write
# share 18%; CI's gate once failed on a 2.5% move of the card share at an unchanged
# card path. tests/test_regressions.py checks that every "%" track is listed here.
TIMING_TRACKS = frozenset({"track_stage_share", "track_write_share", "track_card_share"})


@dataclasses.dataclass(frozen=True, slots=True)
class Series:
    """One benchmark at one parameter combination."""

    benchmark: str
    params: tuple[tuple[str, str], ...]  # (name, value as asv writes it: repr)
    kind: str
    unit: str

    @property
    def label(self) -> str:
        if not self.params:
            return self.benchmark
        return f"{self.benchmark}({', '.join(f'{k}={v}' for k, v in self.params)})"

    def graph_url(self, before: str, after: str, dashboard: str = "index.html") -> str:
        """The dashboard graph of this series with the step's commits highlighted.

        asv 0.6's hash format (asv.js format_hash_string, graphdisplay.js): the benchmark
        name, then ``p-<param>=<value as repr>`` per parameter and ``commits=<a>-<b>``.
        """
        query = [f"p-{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.params]
        query.append(f"commits={before[:8]}-{after[:8]}")
        return f"{dashboard}#{self.benchmark}?{'&'.join(query)}"


@dataclasses.dataclass(slots=True)
class Step:
    """A change beyond its kind's threshold between two measured commits of one series."""

    series: Series
    before_commit: str
    after_commit: str
    subject: str
    before: float
    after: float
    undone_by: str | None = None  # the commit of the later step that undid this one
    undoes: str | None = None  # the commit of the earlier step this one undid
    # Paired timing steps (perftools/stats.py): the ratio's interval, samples a side, the
    # test's p, the host of the session; machine: a control moved in the same pair;
    # estimate: the median per-round ratio, when the rounds were compared as pairs.
    low: float | None = None
    high: float | None = None
    n_before: int | None = None
    n_after: int | None = None
    p: float | None = None
    host: str = ""
    machine: bool = False
    estimate: float | None = None

    @property
    def ratio(self) -> float:
        return self.after / self.before if self.estimate is None else self.estimate

    @property
    def worse(self) -> bool:
        up = self.after > self.before
        return not up if self.series.benchmark.rsplit(".", 1)[-1] in HIGHER_IS_BETTER else up

    @property
    def verdict(self) -> str:
        """regression, improvement, machine (a control moved too) or undone."""
        if self.machine:
            return "machine"
        if self.undone_by or self.undoes:
            return "undone"
        return "regression" if self.worse else "improvement"

    @property
    def counts(self) -> bool:
        """True for a regression that stands: not the machine's, not undone later."""
        return self.worse and not self.machine and not self.undone_by

    @property
    def note(self) -> str:
        if self.machine:
            return "the machine changed (a control moved in this pair)"
        words = ["regression" if self.worse else "improvement"]
        if self.undone_by:
            words.append(f"undone by {self.undone_by[:8]}")
        if self.undoes:
            words.append(f"undoes {self.undoes[:8]}")
        return ", ".join(words)


def kind_of(benchmark: str, benchmark_type: str) -> str:
    """Our kind of a benchmark, from asv's type ('track', 'peakmemory', 'time', ...)."""
    if benchmark_type in ("peakmemory", "memory"):
        return "memory"
    if benchmark_type == "track" and benchmark.rsplit(".", 1)[-1] not in TIMING_TRACKS:
        return "deterministic"
    return "timing"


def beyond(before: float, after: float, kind: str) -> bool:
    """True when ``after`` differs from ``before`` by more than the kind's threshold."""
    if before <= 0 or after <= 0:
        return before != after
    return abs(math.log(after / before)) > math.log1p(THRESHOLDS[kind])


def measured(value: float | None) -> bool:
    """asv writes None for a failed benchmark and NaN for a skipped one (n/a)."""
    return value is not None and not math.isnan(value)


def find_steps(
    series: Series, points: Sequence[tuple[str, float | None]], subjects: dict[str, str]
) -> list[Step]:
    """Steps along ``points`` ((commit, value), oldest first), undone ones marked."""
    values = [(commit, value) for commit, value in points if measured(value)]
    steps = [
        Step(series, a, b, subjects.get(b, ""), va, vb)
        for (a, va), (b, vb) in itertools.pairwise(values)
        if beyond(va, vb, series.kind)
    ]
    for i, step in enumerate(steps):
        for later in steps[i + 1 :]:
            opposite = (later.after > later.before) != (step.after > step.before)
            if opposite and not beyond(step.before, later.after, series.kind):
                step.undone_by, later.undoes = later.after_commit, step.after_commit
                break
    return steps


def compare(
    base: dict[Series, float | None],
    head: dict[Series, float | None],
    base_commit: str,
    head_commit: str,
    subject: str,
) -> tuple[list[Step], list[str]]:
    """The steps from ``base`` to ``head`` and the series that failed at ``head``."""
    steps, failed = [], []
    for series in sorted(head, key=lambda s: s.label):
        value, previous = head[series], base.get(series)
        if value is None and measured(previous):
            failed.append(series.label)
        points = [(base_commit, previous), (head_commit, value)]
        steps += find_steps(series, points, {head_commit: subject})
    return steps, failed
