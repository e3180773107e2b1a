"""The timing rule on paired samples, paired sessions on disk, controls and the JSON report.

Synthetic samples with known shifts and noise: a 10% shift is flagged, identical
distributions are not, a moved control marks the pair "machine". Sessions are written with
asv's own classes, as ``perftools/paired.py`` saves them, and read back by ``regressions``.
"""

from __future__ import annotations

import datetime
import json
import math
import random
from pathlib import Path

import pytest

from perftools import abab, controls, hostid, paired, pairing, stats, steps
from tests.helpers import REPO
from tests.test_regressions import _git, _synthetic_history, regressions

HOST = "host-test000001"


def noisy(center: float, n: int, seed: int, spread: float = 0.03) -> list[float]:
    """``n`` samples around ``center`` with +-spread uniform noise and one slow outlier."""
    rng = random.Random(seed)
    samples = [center * (1 + rng.uniform(-spread, spread)) for _ in range(n - 1)]
    return samples + [center * 1.4]


def timing(name: str = "bench_render.MarkdownRender.time_markdown_page", **params):
    named = tuple((k, repr(v)) for k, v in params.items())
    return steps.Series(name, named, "timing", "seconds")


# The rule.


def test_a_10_percent_shift_with_12_samples_a_side_is_flagged():
    j = stats.judge(noisy(0.010, 12, 1), noisy(0.011, 12, 2), "render")
    assert j.flagged and 1.05 < j.ratio < 1.15
    assert j.low > 1 and j.p < stats.ALPHA and (j.n_before, j.n_after) == (12, 12)


def test_identical_distributions_are_not_flagged():
    for seed in range(10):
        j = stats.judge(noisy(0.010, 12, seed), noisy(0.010, 12, seed + 100), "render")
        assert not j.flagged, (seed, j)


def test_a_significant_shift_below_the_family_minimum_is_not_flagged():
    j = stats.judge(noisy(1.0, 30, 1, 0.002), noisy(1.03, 30, 2, 0.002), "build")
    assert j.p < stats.ALPHA and j.low > 1
    assert not j.flagged and "minimum effect" in j.why_not


def test_too_few_samples_are_never_flagged():
    j = stats.judge([1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], "render")
    assert not j.flagged and "fewer than 5" in j.why_not


def test_the_rounds_ratio_keeps_the_difference_and_drops_the_hosts_drift():
    """Goal scripts judge alternated builds by it: the host's speed here swings 30% between
    rounds, as both builds of a round share it; each build has 1% noise of its own."""
    rng = random.Random(3)
    speed = [1 + 0.3 * math.sin(i / 2) for i in range(15)]
    before = [s * rng.uniform(0.99, 1.01) for s in speed]
    after = [1.08 * s * rng.uniform(0.99, 1.01) for s in speed]
    ratio, low, high = stats.paired_ratio(before, after)
    assert 1.07 < ratio < 1.09 and low <= 1.08 <= high and high - low < 0.02
    with pytest.raises(ValueError):
        stats.paired_ratio(before, after[:-1])


def test_families_and_controls_by_benchmark_name():
    assert controls.is_control("bench_controls.CpuLoop.time_cpu_loop")
    assert controls.is_control("bench_sink.SinkFloor.time_write_fresh")
    assert not controls.is_control("bench_sink.SinkWrite.time_write_fresh")
    assert stats.family_of("bench_sink.SinkFloor.time_write_fresh") == "control"
    assert stats.family_of("bench_sink.SinkWrite.time_write_fresh") == "sink"
    assert stats.family_of("bench_pipeline.BuildCli.time_build") == "cli"
    assert stats.family_of("bench_pipeline.Build.time_build") == "build"
    assert stats.family_of("bench_pipeline.StageShares.track_stage_share") == "share"
    assert set(stats.MIN_EFFECT) >= {"control", "render", "build", "cli", "sink", "other"}


def test_a_moved_control_marks_every_step_of_the_pair_machine():
    md, loop = timing(), timing("bench_controls.CpuLoop.time_cpu_loop")
    before = {md: noisy(0.010, 12, 1), loop: noisy(0.015, 20, 3)}
    after = {md: noisy(0.013, 12, 2), loop: noisy(0.020, 20, 4)}
    found, judgements = stats.pair_steps(before, after, "a" * 40, "b" * 40, "subject")
    assert len(judgements) == 2 and len(found) == 2
    assert all(s.machine and s.verdict == "machine" and not s.counts for s in found)


def test_a_moved_write_floor_marks_file_writing_steps_but_not_a_markdown_page():
    md, floor = timing(), timing("bench_sink.SinkFloor.time_write_fresh", case="1000x8KiB")
    sink = timing("bench_sink.SinkWrite.time_write_fresh", sink="direct", case="1000x8KiB")
    before = {md: noisy(0.010, 12, 1), floor: noisy(0.2, 12, 3), sink: noisy(0.3, 12, 5)}
    after = {md: noisy(0.013, 12, 2), floor: noisy(0.4, 12, 4), sink: noisy(0.6, 12, 6)}
    found, _ = stats.pair_steps(before, after, "a" * 40, "b" * 40, "subject")
    verdicts = {s.series.benchmark.rsplit(".", 2)[1]: s.verdict for s in found}
    assert verdicts == {"MarkdownRender": "regression", "SinkFloor": "machine",
                        "SinkWrite": "machine"}  # fmt: skip


def test_the_same_pair_without_the_control_moving_is_a_regression():
    md, loop = timing(), timing("bench_controls.CpuLoop.time_cpu_loop")
    before = {md: noisy(0.010, 12, 1), loop: noisy(0.015, 20, 3)}
    after = {md: noisy(0.013, 12, 2), loop: noisy(0.015, 20, 4)}
    (step,), _ = stats.pair_steps(before, after, "a" * 40, "b" * 40, "subject")
    assert step.verdict == "regression" and step.counts and step.n_before == 12


def test_a_later_opposite_step_back_to_the_start_undoes_a_timing_step():
    up = stats.step_of(timing(), stats.judge(noisy(1, 9, 1), noisy(1.5, 9, 2), "render"),
                       "a", "b", "", "")  # fmt: skip
    down = stats.step_of(timing(), stats.judge(noisy(1.5, 9, 3), noisy(1.02, 9, 4), "render"),
                         "b", "c", "", "")  # fmt: skip
    stats.mark_undone([up, down])
    assert up.undone_by == "c" and down.undoes == "b" and up.verdict == "undone"


def test_rounds_rotate_so_every_side_takes_every_place():
    sides = [paired.Side(c * 40, c, Path(c)) for c in "abc"]
    orders = [[s.label for s in order] for order in paired.round_orders(sides, 4)]
    assert orders == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    two = [paired.Side(c * 40, c, Path(c)) for c in "ab"]
    assert [[s.label for s in o] for o in paired.round_orders(two, 3)] == [
        ["a", "b"],
        ["b", "a"],
        ["a", "b"],
    ]


@pytest.mark.parametrize("sides", ["ab", "abc"])
def test_pinned_rounds_give_every_side_the_same_kinds_of_sample(sides):
    """A sample right after the same side's on the same core runs with warm caches, one
    right after a move to another core with cold ones: over a whole cycle each side gets
    as many of each kind, in each place and on each core (plain rotations gave the first
    side every move and the second every repeat)."""
    from collections import Counter

    cores = [0, 1]
    rounds = len(sides) * math.lcm(len(sides), len(cores))
    kinds: dict[str, Counter] = {side: Counter() for side in sides}
    places: dict[str, Counter] = {side: Counter() for side in sides}
    before = (None, None)
    for r in range(2 * rounds):  # the second cycle: every sample has one before it
        order, core = abab.pinned_round(list(sides), r, cores)
        for place, side in enumerate(order):
            kind = "moved" if before[1] != core else "repeat" if before[0] == side else "after"
            if r >= rounds:
                kinds[side][kind] += 1
                places[side][(place, core)] += 1
            before = (side, core)
    assert len({tuple(sorted(k.items())) for k in kinds.values()}) == 1, kinds
    assert len({tuple(sorted(p.items())) for p in places.values()}) == 1, places


def test_pairs_of_new_commits_with_their_measured_neighbours():
    measured = ["c1", "c2", "c3", "c4"]
    assert pairing.pairs_for(["c4"], measured) == [("c3", "c4")]
    assert pairing.pairs_for(["c2"], measured) == [("c1", "c2"), ("c2", "c3")]


def test_a_pair_measured_on_any_host_is_not_measured_again(tmp_path):
    a, b, c = "a" * 40, "b" * 40, "c" * 40
    saved = paired.pair_folder("host-elsewhere", a, b, tmp_path)
    saved.mkdir(parents=True)
    assert not pairing.paired_on_any_host(a, b, tmp_path)  # no session saved there yet
    (saved / "session.json").write_text("{}")  # the old order of pinned rounds: again
    assert not pairing.paired_on_any_host(a, b, tmp_path)
    (saved / "session.json").write_text(json.dumps({"schedule": abab.SCHEDULE}))
    assert pairing.paired_on_any_host(a, b, tmp_path)
    assert not pairing.paired_on_any_host(b, c, tmp_path)
    assert not pairing.paired_on_any_host(b, a, tmp_path)


def test_a_pair_measured_again_keeps_the_benchmarks_of_its_old_session(tmp_path):
    a, b = "a" * 40, "b" * 40
    default = ["BuildCli", "bench_controls\\."]
    assert pairing.bench_for(a, b, default, tmp_path) == default  # no old session
    saved = paired.pair_folder("host-elsewhere", a, b, tmp_path)
    saved.mkdir(parents=True)
    (saved / "session.json").write_text(json.dumps({"bench": ["Card", "bench_controls\\."]}))
    assert pairing.bench_for(a, b, default, tmp_path) == [*default, "Card"]


def test_host_name_follows_the_fingerprint():
    fp = hostid.fingerprint()
    assert hostid.host_name(fp) == hostid.host_name(dict(fp))
    assert hostid.host_name({**fp, "cores": fp["cores"] + 1}) != hostid.host_name(fp)
    assert hostid.host_name(fp).startswith("host-")


# Sessions on disk, and the report.


def write_session(folder: Path, samples: dict[str, dict[str, list[float]]]) -> Path:
    """A saved paired session: commit -> benchmark -> samples, with asv's Results."""
    from asv import runner, util
    from asv.results import Results

    folder.mkdir(parents=True)
    names = sorted({name for by_name in samples.values() for name in by_name})
    util.write_json(
        str(folder / "benchmarks.json"),
        {name: {"name": name, "type": "time", "unit": "seconds", "params": [],
                "param_names": [], "version": "1"} for name in names},
        api_version=2,
    )  # fmt: skip
    for commit, by_name in samples.items():
        result = Results({"machine": HOST}, {}, commit, 1_700_000_000_000, "3.11", "same", {})
        for name, values in by_name.items():
            result.add_result(
                {"name": name, "version": "1", "params": []},
                runner.BenchmarkResult(result=[sorted(values)[len(values) // 2]],
                                       samples=[values], number=[1], errcode=0, stderr="",
                                       profile=None),
                started_at=datetime.datetime.now(datetime.UTC), duration=1.0,
                record_samples=True,
            )  # fmt: skip
        result.save(str(folder / "asv"))
    info = {"host": HOST, "measured_at": "2026-01-01T00:00:00Z",
            "sides": [{"commit": c, "label": c[:8]} for c in samples]}  # fmt: skip
    (folder / "session.json").write_text(json.dumps(info))
    return folder


def test_saved_sessions_are_read_back_and_skipped_by_asvs_result_walk(tmp_path):
    from asv.results import iter_results

    write_session(tmp_path / "paired" / HOST / "a..b",
                  {"a" * 40: {"bench_x.Render.time_render": [1.0, 1.1]}})  # fmt: skip
    (session,) = paired.load_sessions(tmp_path / "paired")
    ((series, values),) = session.samples["a" * 40].items()
    assert series.kind == "timing" and values == [1.0, 1.1] and session.host == HOST
    assert not list(iter_results(str(tmp_path)))  # the dashboard does not read them


def test_regressions_judges_timings_only_from_paired_sessions_and_prints_json(tmp_path, capsys):
    history = {
        "bench_x.Render.track_instructions": [1000, 1000, 1000],
        "bench_x.Render.time_render": [0.010, 0.030, 0.010],  # unpaired: never compared
        "bench_x.Sink.track_calls": [[100, 10]] * 3,
    }
    repo = _synthetic_history(tmp_path, history)
    c0, c1, c2 = _git(repo, "log", "--reverse", "--format=%H").split()
    write_session(repo / "results" / "paired" / HOST / "c1..c2", {
        c1: {"bench_x.Render.time_render": noisy(0.010, 12, 1),
             "bench_controls.CpuLoop.time_cpu_loop": noisy(0.015, 12, 3)},
        c2: {"bench_x.Render.time_render": noisy(0.012, 12, 2),
             "bench_controls.CpuLoop.time_cpu_loop": noisy(0.015, 12, 4)},
    })  # fmt: skip
    assert regressions("--config", str(repo / "asv.conf.json"), "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    (step,) = report["steps"]
    assert step["commit"] == c2 and step["before_commit"] == c1
    assert step["benchmark"] == "bench_x.Render.time_render" and step["params"] == {}
    assert step["kind"] == "timing" and step["verdict"] == "regression"
    assert step["interval"][0] > 1 and step["samples"] == [12, 12] and step["host"] == HOST
    assert 1.1 < step["ratio"] < 1.3 and step["before"] < step["after"]
    assert report["summary"]["pairs"] == 2 and report["summary"]["unpaired"] == 1

    assert regressions("--config", str(repo / "asv.conf.json")) == 0
    text = capsys.readouterr().out
    assert "1 of 2 adjacent pairs measured side by side" in text
    assert "12/12" in text and "interval" in text


# The ABAB driver, for real on the control loop (several seconds under load: slow).


def test_discovery_matches_parameterized_names_as_asv_does(tmp_path):
    from perftools import abab

    found = abab.discover([r"SinkWrite\.time_write_fresh\('direct', '1000x8KiB'\)"],
                          REPO, REPO)  # fmt: skip
    assert [(b["name"], b["combos"]) for b in found] == [
        ("bench_sink.SinkWrite.time_write_fresh", [["'direct'", "'1000x8KiB'"]])
    ]
    assert found[0]["param_names"] == ["sink", "case"]


def test_discovery_finds_an_inherited_benchmark_method_as_asv_does():
    from benchmarks.bench_render import SWEPT
    from perftools import abab

    found = abab.discover([r"MarkdownHostileSwept"], REPO, REPO)
    assert [(b["name"], len(b["combos"]), b["timeout"]) for b in found] == [
        ("bench_render.MarkdownHostileSwept.time_hostile_page", len(SWEPT), 300)
    ]


def test_rounds_follow_the_time_budget_with_a_floor_for_the_sinks():
    from perftools import abab

    assert abab.rounds_for(6, 0.01, "render") == abab.SIDE_TIME / 0.01  # cheap: the budget
    assert abab.rounds_for(6, 0.0001, "render") == abab.MAX_ROUNDS
    assert abab.rounds_for(6, 2.5, "cli") == 6  # a whole build: the rounds asked for
    # Writing files on a busy disk: the budget alone would give it 6 rounds.
    sink = stats.family_of("bench_sink.SinkWrite.time_write_fresh")
    assert abab.rounds_for(6, 1.5, sink) == abab.MIN_ROUNDS["sink"] > 6
    assert abab.rounds_for(40, 1.5, sink) == 40


@pytest.mark.slow
def test_abab_session_of_two_sides_saves_samples_asv_can_read(tmp_path):
    sides = [paired.Side("a" * 40, "a", REPO), paired.Side("b" * 40, "b", REPO)]
    results = paired.run_session(sides, tmp_path / "work", rounds=3,
                                 bench=[r"CpuLoop\.time_cpu_loop"], say=lambda _: None)  # fmt: skip
    session = paired.load_session(paired.save_session(results, tmp_path / "saved"))
    loop = timing("bench_controls.CpuLoop.time_cpu_loop")
    assert len(session.samples["a" * 40][loop]) >= 3
    assert len(session.samples["a" * 40][loop]) == len(session.samples["b" * 40][loop])
    assert session.info["host"] == hostid.host_name() and "calibration" in session.info


def test_perf_check_fails_on_a_paired_timing_regression_but_not_on_the_machine(capsys):
    from perftools import perf_check

    md, loop = timing(), timing("bench_controls.CpuLoop.time_cpu_loop")
    before = {md: noisy(0.010, 12, 1), loop: noisy(0.015, 20, 3)}
    regressed = {md: noisy(0.013, 12, 2), loop: noisy(0.015, 20, 4)}
    machine = {md: noisy(0.013, 12, 2), loop: noisy(0.020, 20, 4)}
    counts = {steps.Series("b.X.track_files", (), "deterministic", "files"): 10.0}
    for after, status in ((regressed, 1), (machine, 0)):
        found, judged = stats.pair_steps(before, after, "a" * 40, "b" * 40, "work")
        assert perf_check.verdict(counts, counts, "a" * 40, "b" * 40, "work",
                                  (found, len(judged))) == status  # fmt: skip
    out = capsys.readouterr().out
    assert "REGRESSED: bench_render.MarkdownRender.time_markdown_page" in out
    assert "the machine changed during the session" in out


def test_markdown_slowdown_burns_a_tenth_of_each_conversions_cpu_time():
    """validate-stats' markdown+10%, appended to markup.py, on a fake thread clock: a
    conversion that used 2 s of CPU is followed by 0.2 s of burn, and returns its HTML."""
    from perftools import validate_stats

    clock = [0.0]

    def thread_time() -> float:
        clock[0] += 0.001  # each poll of the clock costs a little CPU
        return clock[0]

    class Markdown:
        @staticmethod
        def convert(source: str) -> str:
            clock[0] += 2.0
            return f"<p>{source}</p>"

    namespace = {"new_markdown": Markdown}
    exec(validate_stats.MARKDOWN_SLOWER, namespace)
    namespace["_validate_time"] = type("FakeTime", (), {"thread_time": staticmethod(thread_time)})
    md = namespace["new_markdown"]()
    assert md.convert("x") == "<p>x</p>"
    # 2.001 s measured for the conversion, then polls until 10% of it has been burnt.
    assert clock[0] == pytest.approx(0.001 + 2.002 + 0.2001, abs=0.0015)
