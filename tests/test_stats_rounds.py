"""The timing rule round by round: sessions whose rounds may be compared as pairs.

A machine that drifts within a session moves every side alike. Synthetic sessions with a
known drift show what pairing buys: a doubled write stage under a 12-fold drift is
flagged round by round and missed by the sides' medians; the same drift with no change
is not flagged; and what decides between the two rules is written down.
"""

from __future__ import annotations

import itertools
import json
import math
import random

import pytest

from perftools import paired, stats
from tests.test_regressions import _git, _synthetic_history, regressions
from tests.test_stats import HOST, timing, write_session

SINK = "bench_sink.SinkWrite.time_write_fresh"


def drifting(rounds: int, seed: int, factor: float = 1.0, spread: float = 0.1) -> list[float]:
    """One sample a round of a benchmark that took 0.79 s at first and 0.066 s at the end
    (writing 1000 files in one real session), times ``factor``, with +-spread noise."""
    rng = random.Random(seed)
    start, end = math.log(0.79), math.log(0.066)
    level = [math.exp(start + (end - start) * r / (rounds - 1)) for r in range(rounds)]
    return [factor * x * (1 + rng.uniform(-spread, spread)) for x in level]


def brute_force_p(diffs: list[float]) -> float:
    """The signed-rank p by listing every sign pattern of the ranks (no ties)."""
    ranks = {d: i + 1 for i, d in enumerate(sorted(diffs, key=abs))}
    w_plus = sum(ranks[d] for d in diffs if d > 0)
    total = len(diffs) * (len(diffs) + 1) / 2
    extreme = sum(
        abs(sum(r for r, sign in zip(range(1, len(diffs) + 1), signs, strict=True) if sign)
            - total / 2) >= abs(w_plus - total / 2) - 1e-9
        for signs in itertools.product((0, 1), repeat=len(diffs))
    )  # fmt: skip
    return extreme / 2 ** len(diffs)


@pytest.mark.parametrize("seed", range(6))
def test_the_exact_signed_rank_p_counts_every_sign_pattern(seed):
    rng = random.Random(seed)
    diffs = [rng.gauss(0.3, 1) for _ in range(5 + seed)]
    assert stats.signed_rank_p(diffs) == pytest.approx(brute_force_p(diffs))


def test_the_signed_rank_p_of_all_rounds_one_way_and_of_many_pairs():
    assert stats.signed_rank_p([0.1 * (i + 1) for i in range(10)]) == pytest.approx(2 / 2**10)
    assert stats.signed_rank_p([0.0] * 12) == 1.0  # nothing changed in any round
    rng = random.Random(1)  # beyond EXACT_PAIRS the normal approximation, near ALPHA here
    diffs = [rng.gauss(0.25, 1) for _ in range(stats.EXACT_PAIRS + 1)]
    exact = stats.EXACT_PAIRS
    try:
        stats.EXACT_PAIRS = len(diffs)
        counted = stats.signed_rank_p(diffs)
    finally:
        stats.EXACT_PAIRS = exact
    assert 0.001 < counted < 0.1
    assert stats.signed_rank_p(diffs) == pytest.approx(counted, rel=0.15)


def test_a_doubled_write_stage_under_a_drifting_disk_is_flagged_round_by_round():
    before, after = drifting(16, 1), drifting(16, 2, factor=2.0)
    by_round = stats.judge(before, after, "sink")
    assert by_round.paired and by_round.flagged, by_round
    assert 1.8 < by_round.ratio < 2.2 and 1.5 < by_round.low < by_round.high < 2.5
    # The same samples as two sets: each side's spread is 12-fold, its median anywhere in it.
    as_sets = stats.judge(before, after, "sink", paired=False)
    assert not as_sets.paired and not as_sets.flagged and as_sets.low < 1


@pytest.mark.parametrize("seed", range(8))
def test_the_same_drift_with_nothing_changed_is_not_flagged(seed):
    j = stats.judge(drifting(16, seed), drifting(16, seed + 100), "sink")
    assert j.paired and not j.flagged and j.low < 1 < j.high, j


def test_too_few_rounds_or_unequal_counts_are_judged_as_two_sets():
    few = stats.judge(drifting(stats.PAIRED_MIN - 1, 1), drifting(stats.PAIRED_MIN - 1, 2), "sink")
    unequal = stats.judge(drifting(16, 1), drifting(15, 2), "sink")
    assert not few.paired and not unequal.paired
    assert stats.judge(drifting(stats.PAIRED_MIN, 1), drifting(stats.PAIRED_MIN, 2), "sink").paired


def test_sessions_are_compared_round_by_round_from_the_balanced_schedule_on():
    assert paired.Session(None, {"schedule": 2}, {}).by_round  # type: ignore[arg-type]
    assert not paired.Session(None, {}, {}).by_round  # type: ignore[arg-type]
    sink = timing(SINK, sink="direct", case="1000x8KiB")
    before, after = {sink: drifting(16, 1)}, {sink: drifting(16, 2, factor=2.0)}
    (step,), judged = stats.pair_steps(before, after, "a" * 40, "b" * 40, "write x2")
    assert judged[sink].paired and step.ratio == judged[sink].ratio != step.after / step.before
    found, judged = stats.pair_steps(before, after, "a" * 40, "b" * 40, "write x2", paired=False)
    assert not found and not judged[sink].paired


def test_regressions_compares_a_balanced_session_round_by_round(tmp_path, capsys):
    render = "bench_x.Render.time_render"
    history = {"bench_x.Render.track_instructions": [1000] * 3, render: [0.3] * 3,
               "bench_x.Sink.track_calls": [[100, 10]] * 3}  # fmt: skip
    repo = _synthetic_history(tmp_path, history)
    c0, c1, c2 = _git(repo, "log", "--reverse", "--format=%H").split()
    samples = {c1: {render: drifting(16, 1)}, c2: {render: drifting(16, 2, factor=2.0)}}
    folder = write_session(repo / "results" / "paired" / HOST / "c1..c2", samples)
    info = json.loads((folder / "session.json").read_text())
    (folder / "session.json").write_text(json.dumps({**info, "schedule": 2}))
    assert regressions("--config", str(repo / "asv.conf.json"), "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    (step,) = report["steps"]
    assert step["verdict"] == "regression" and 1.8 < step["ratio"] < 2.2
    assert report["summary"]["by_round"] == 1
