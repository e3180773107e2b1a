"""The timing rule: a step is flagged only when paired samples say so, and by enough.

Two versions measured side by side in one session (``perftools/paired.py``) give two lists
of raw samples per benchmark, one sample a side in each round (``perftools/abab.py``), so
``before[i]`` and ``after[i]`` were taken seconds apart. A timing step is flagged when all
three hold:

1. **A test says the sides differ**, two-sided p < ALPHA (0.01). With PAIRED_MIN rounds
   or more, **Wilcoxon's signed-rank test** on the per-round ratios ``after[i] /
   before[i]`` (their logarithms: centred on 0 when nothing changed). With fewer, where a
   rank test of pairs cannot reach p < 0.01 at all (6 pairs: p >= 1/32), **Mann-Whitney
   U** on the two sets (asv's own implementation, as ``asv compare`` uses where samples
   exist), which needs at least 5 samples a side (the smallest p of 5 against 5 is 0.008).
2. **A bootstrap interval of the ratio** (LEVEL 99%, RESAMPLES resamplings, a fixed seed
   so a report is repeatable) excludes 1: of the median per-round ratio (rounds
   resampled) when paired, else of the ratio of medians (each side resampled).
3. **The ratio is beyond the family's minimum effect** (MIN_EFFECT): the largest change
   that an A/A session (a commit against a copy of itself, interleaved, on this shared
   machine) showed for that family, rounded up. A smaller change may be real, but these
   machines cannot tell it from their own noise; the deterministic counts catch it.

Why pairs are compared as pairs: the machine drifts within a session, and every side
drifts alike. In one session writing 1000 files took 0.79 s in its first rounds and
0.066 s in its last (the disk's state, not the code), on every side: a doubled write
stage was then 1.69x-2.78x in each of its 16 rounds, but the ratio of the sides' medians
had a 99% interval of [0.22, 20.7], which holds 1. Per-round ratios cancel the drift.

Why these and not others: the test alone flags tiny shifts once samples are many (Markdown's
page has 400 samples a side, and 1% of systematic drift is "significant"), the interval
alone is loose about small samples, and a fixed ratio alone was the old rule, which flagged
the machine (issue #11). Change-point detection over a series (MongoDB's E-Divisive means,
Otava) needs many points of one steady host; our history is ~80 commits measured on
changing hosts, so we judge each adjacent pair from its own session, as Chromium's
Pinpoint does with repeated paired runs.

Controls (``perftools/controls.py``) are judged by the same rule. A pair in which a control
is flagged is "the machine changed": its timing steps (those of the families the control
vouches for: the CPU loop all, the bare write loop those that create files) get the
verdict ``machine`` and are not counted as regressions.

The deterministic (``track_`` counts and instructions) and memory (``peakmem_``) rules stay
in ``perftools/steps.py``: their values repeat, so a fixed threshold is the right test.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Sequence
from typing import Any

from perftools.controls import guards, is_control
from perftools.steps import TIMING_TRACKS, Series, Step

ALPHA = 0.01
LEVEL = 0.99
RESAMPLES = 2000
MIN_SAMPLES = 5
# Rounds from which the sides are compared round by round (the signed-rank test's smallest
# two-sided p with n pairs is 2 / 2**n: 0.002 at 10).
PAIRED_MIN = 10
# Up to this many pairs the signed-rank p is exact (all 2**n sign patterns counted), beyond
# it the normal approximation, as SciPy's ``wilcoxon`` does.
EXACT_PAIRS = 50

# Benchmark family -> the smallest change (a fraction) that is flagged. Measured with A/A
# sessions (python -m perftools validate-stats: no-op commits against their parents, and
# a commit against itself), on the shared 2-core hosts; the largest |ratio - 1| seen in each
# family, rounded up. docs/benchmarking.md has the table with its measurements.
MIN_EFFECT = {
    "control": 0.15,  # CpuLoop, SinkFloor: the machine's own noise
    "render": 0.06,  # one page's Markdown or template, in this process (bench_render)
    "card": 0.05,  # one social card (bench_cards)
    "build": 0.05,  # whole builds in this process (Build, BuildJobs, Rebuild, BuildWithSink)
    "cli": 0.08,  # the CLI in a new process: start-up, pool, defaults (BuildCli)
    "sink": 0.15,  # writing files: creation cost follows the kernel's state (SinkWrite)
    "share": 0.25,  # a stage's share of a build's wall time (one figure per round)
    "other": 0.10,
}


def family_of(benchmark: str) -> str:
    """The family of an asv benchmark name (``module.Class.method``)."""
    method = benchmark.rsplit(".", 1)[-1]
    if is_control(benchmark):
        return "control"
    if method in TIMING_TRACKS:
        return "share"
    for prefix, family in (
        ("bench_render.", "render"),
        ("bench_cards.", "card"),
        ("bench_sink.SinkWrite.", "sink"),
        ("bench_sink.BuildWithSink.", "build"),
        ("bench_pipeline.BuildCli.", "cli"),
        ("bench_pipeline.", "build"),
    ):
        if benchmark.startswith(prefix):
            return family
    return "other"


@dataclasses.dataclass(frozen=True)
class Judgement:
    """Two sets of samples of one series, compared."""

    before: float  # median
    after: float
    ratio: float  # paired: the median per-round ratio; else after / before, of the medians
    low: float  # the ratio's interval
    high: float
    p: float  # two-sided: signed-rank when paired, else Mann-Whitney U
    n_before: int
    n_after: int
    min_effect: float
    flagged: bool
    paired: bool = False  # judged round by round

    @property
    def why_not(self) -> str:
        """Why a change was not flagged ('' when it was)."""
        if self.flagged:
            return ""
        if min(self.n_before, self.n_after) < MIN_SAMPLES:
            return f"fewer than {MIN_SAMPLES} samples a side"
        if self.p >= ALPHA:
            return f"p={self.p:.3g}"
        if self.low <= 1 <= self.high:
            return "interval holds 1"
        return f"below the {self.min_effect:.0%} minimum effect"


def mann_whitney_p(before: Sequence[float], after: Sequence[float]) -> float:
    """Two-sided p of asv's Mann-Whitney U (exact up to 20 samples a side, ties conservative)."""
    from asv._stats import mann_whitney_u

    return float(mann_whitney_u(list(before), list(after))[1])


def ratio_interval(
    before: Sequence[float], after: Sequence[float], level: float = LEVEL, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of median(after) / median(before).

    Resampled with numpy, all at once: a report judges hundreds of series, and drawing
    each sample in Python made ``make regressions`` take half a minute at 79 pairs.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    b, a = _resampled_medians(before, rng), _resampled_medians(after, rng)
    return _percentiles(np.where(b > 0, a / np.where(b > 0, b, 1.0), math.inf), level)


def _resampled_medians(samples: Sequence[float], rng: Any) -> Any:
    """The medians of RESAMPLES resamplings of ``samples`` (a numpy array)."""
    import numpy as np

    values = np.asarray(samples, dtype=float)
    return np.median(values[rng.integers(0, len(values), (RESAMPLES, len(values)))], axis=1)


def _percentiles(resampled: Sequence[float], level: float) -> tuple[float, float]:
    """The central ``level`` interval of RESAMPLES bootstrap values."""
    ordered = sorted(resampled)
    tail = (1 - level) / 2
    return float(ordered[int(tail * (RESAMPLES - 1))]), float(
        ordered[math.ceil((1 - tail) * (RESAMPLES - 1))]
    )


def signed_rank_p(diffs: Sequence[float]) -> float:
    """Two-sided p of Wilcoxon's signed-rank test that ``diffs`` are centred on 0.

    Zeros are dropped (Wilcoxon's treatment); tied magnitudes share their mean rank. Exact
    (every sign pattern of the ranks counted) up to EXACT_PAIRS without ties, else the
    normal approximation with the tie correction.
    """
    import numpy as np

    d = np.asarray([x for x in diffs if x != 0], dtype=float)
    n = len(d)
    if n == 0:
        return 1.0
    magnitudes = np.abs(d)
    order = np.argsort(magnitudes, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(1, n + 1)
    values, group, sizes = np.unique(magnitudes, return_inverse=True, return_counts=True)
    if len(values) < n:  # ties: each gets its group's mean rank
        ranks = (np.bincount(group, ranks) / sizes)[group]
    w_plus = float(ranks[d > 0].sum())
    total = n * (n + 1) / 2
    if len(values) == n and n <= EXACT_PAIRS:
        # counts[s]: sign patterns whose positive ranks sum to s (ranks 1..n, each in or out)
        counts = np.zeros(int(total) + 1)
        counts[0] = 1.0
        for rank in range(1, n + 1):
            counts[rank:] = counts[rank:] + counts[:-rank]
        tail = counts[: int(min(w_plus, total - w_plus)) + 1].sum() / 2.0**n
        return float(min(1.0, 2 * tail))
    tie_term = float(((sizes**3 - sizes).sum()) / 48)
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - tie_term)
    if sd == 0:
        return 1.0
    z = max(0.0, abs(w_plus - total / 2) - 0.5) / sd  # with the continuity correction
    return math.erfc(z / math.sqrt(2))


def paired_interval(
    ratios: Sequence[float], level: float = LEVEL, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the median of per-round ``ratios`` (rounds resampled)."""
    import numpy as np

    return _percentiles(_resampled_medians(ratios, np.random.default_rng(seed)), level)


def paired_ratio(
    before: Sequence[float], after: Sequence[float], level: float = LEVEL
) -> tuple[float, float, float]:
    """The median of the per-round ratios ``after[i] / before[i]``, and its bootstrap
    interval (``level``).

    A round's two runs are taken seconds apart, so a host whose speed drifts over the
    minutes of a run moves both alike: their ratio keeps what differs between them, where
    the ratio of the two sides' medians keeps some of the drift too.
    """
    ratios = [y / x for x, y in zip(before, after, strict=True)]
    return (statistics.median(ratios), *paired_interval(ratios, level))


def judge(
    before: Sequence[float], after: Sequence[float], family: str, paired: bool = True
) -> Judgement:
    """Compare two sets of samples of one series of ``family`` by the rule above.

    ``paired``: ``before[i]`` and ``after[i]`` were taken in the same round (the ABAB
    driver's sessions); with as many on each side, at least PAIRED_MIN, they are compared
    round by round.
    """
    if not before or not after:
        raise ValueError("judge needs samples on both sides")
    b, a = statistics.median(before), statistics.median(after)
    min_effect = MIN_EFFECT.get(family, MIN_EFFECT["other"])
    by_round = (paired and len(before) == len(after) >= PAIRED_MIN
                and min(before) > 0 and min(after) > 0)  # fmt: skip
    if by_round:
        ratio, low, high = paired_ratio(before, after)
        p = signed_rank_p([math.log(y / x) for x, y in zip(before, after, strict=True)])
        enough = True
    else:
        ratio = a / b if b > 0 else math.inf
        enough = min(len(before), len(after)) >= MIN_SAMPLES
        p = mann_whitney_p(before, after) if enough else 1.0
        low, high = ratio_interval(before, after) if enough else (0.0, math.inf)
    flagged = (
        enough
        and p < ALPHA
        and not (low <= 1 <= high)
        and abs(math.log(ratio)) > math.log1p(min_effect)
    )
    return Judgement(b, a, ratio, low, high, p, len(before), len(after), min_effect, flagged,
                     by_round)  # fmt: skip


def pair_steps(
    before: dict[Series, list[float]],
    after: dict[Series, list[float]],
    base_commit: str,
    head_commit: str,
    subject: str,
    host: str = "",
    paired: bool = True,
) -> tuple[list[Step], dict[Series, Judgement]]:
    """The flagged timing steps of one pair measured in one session, and every judgement.

    ``paired``: the session's rounds may be compared as pairs (``Session.by_round``).
    When a control is flagged the machine changed under the session: every step of the pair
    in a family that control vouches for (``controls.GUARDS``), and the control's own,
    gets the verdict ``machine``.
    """
    found: list[Step] = []
    judgements: dict[Series, Judgement] = {}
    for series in sorted(after, key=lambda s: s.label):
        if series.kind != "timing" or not before.get(series) or not after[series]:
            continue
        judgement = judge(before[series], after[series], family_of(series.benchmark), paired)
        judgements[series] = judgement
        if judgement.flagged:
            found.append(step_of(series, judgement, base_commit, head_commit, subject, host))
    moved = [s.series.benchmark for s in found if is_control(s.series.benchmark)]
    for step in found:
        family = family_of(step.series.benchmark)
        step.machine = any(guards(control, family) for control in moved)
    return found, judgements


def step_of(
    series: Series, j: Judgement, base_commit: str, head_commit: str, subject: str, host: str
) -> Step:
    return Step(
        series, base_commit, head_commit, subject, j.before, j.after,
        low=j.low, high=j.high, n_before=j.n_before, n_after=j.n_after, p=j.p, host=host,
        estimate=j.ratio if j.paired else None,
    )  # fmt: skip


def mark_undone(steps: Sequence[Step]) -> None:
    """Mark paired timing steps of one series (oldest first) that a later one undid: an
    opposite step after which the product of the ratios is back within the minimum effect."""
    for i, step in enumerate(steps):
        if step.machine or step.undone_by:
            continue
        effect = MIN_EFFECT.get(family_of(step.series.benchmark), MIN_EFFECT["other"])
        product = step.ratio
        for later in steps[i + 1 :]:
            if later.machine:
                continue
            product *= later.ratio
            if (later.ratio > 1) != (step.ratio > 1) and abs(math.log(product)) <= math.log1p(
                effect
            ):
                step.undone_by, later.undoes = later.after_commit, step.after_commit
                break
