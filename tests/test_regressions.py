"""perftools' step rule, its regressions report and perf-check: steps by commit, and the gate.

The step rule and the report run on synthetic values and a synthetic asv results history;
the gate runs for real in a temporary clone, on one valgrind benchmark to keep it short
(marked slow, as is the report over the committed history).
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from perftools import steps, steps_format
from perftools.__main__ import main as perftools_main
from tests.helpers import REPO, perftools

MACHINE = "reference"
GIT_USER = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]


def series(name: str = "bench_x.X.track_instructions", kind: str = "deterministic", **params):
    named = tuple((k, repr(v)) for k, v in params.items())
    return steps.Series(name, named, kind, "instructions")


def steps_of(values, kind="deterministic", name="bench_x.X.track_instructions"):
    points = [(f"c{i}", v) for i, v in enumerate(values)]
    return steps.find_steps(series(name, kind), points, {})


def regressions(*args: str) -> int:
    """``python -m perftools regressions args``, in this process."""
    return perftools_main(["regressions", *args])


# The step rule.


def test_deterministic_change_of_3_percent_is_a_step_and_1_percent_is_not():
    (step,) = steps_of([1000, 1000, 1030, 1030])
    assert (step.before_commit, step.after_commit, step.ratio) == ("c1", "c2", 1.03)
    assert step.worse and step.note == "regression"
    assert steps_of([1000, 1010, 1000, 1019]) == []


def test_timing_needs_a_change_beyond_50_percent():
    assert steps_of([1.0, 1.4, 1.0, 1.3, 0.9], kind="timing") == []
    (step,) = steps_of([1.0, 1.0, 1.6], kind="timing")
    assert step.after_commit == "c2" and step.worse


def test_memory_threshold_lies_between_the_two():
    assert steps_of([100, 108, 100], kind="memory") == []
    assert len(steps_of([100, 115], kind="memory")) == 1


def test_step_later_undone_is_kept_and_marked_on_both_ends():
    up, down = steps_of([100, 100, 110, 110, 110, 101, 101])
    assert (up.after_commit, up.undone_by, up.worse) == ("c2", "c5", True)
    assert (down.after_commit, down.undoes, down.worse) == ("c5", "c2", False)
    assert up.note == "regression, undone by c5" and down.note == "improvement, undoes c2"


def test_step_undone_in_two_moves_is_marked_at_the_move_that_returns():
    up, half, rest = steps_of([100, 110, 105, 100])
    assert up.undone_by == "c3" and half.undoes is None and rest.undoes == "c1"


def test_partial_return_is_not_an_undo():
    up, down = steps_of([100, 120, 110])
    assert up.undone_by is None and down.undoes is None


def test_failed_and_skipped_values_are_gaps_not_steps():
    (step,) = steps_of([None, math.nan, 100, None, 100, math.nan, 104])
    assert (step.before_commit, step.after_commit) == ("c4", "c6")


def test_a_drop_in_pages_built_is_the_regression():
    (step,) = steps_of([100, 90], name="bench_pipeline.Build.track_pages_built")
    assert step.worse


def test_kinds_follow_the_benchmark_type_and_wall_time_tracks_are_timings():
    assert steps.kind_of("a.B.track_write_calls", "track") == "deterministic"
    assert steps.kind_of("a.B.peakmem_build", "peakmemory") == "memory"
    assert steps.kind_of("a.B.time_build", "time") == "timing"
    # A share of wall time is a timing, whatever its prefix.
    assert steps.kind_of("a.StageShares.track_stage_share", "track") == "timing"


def test_every_share_of_wall_time_in_the_suite_is_judged_as_a_timing():
    shares = []
    for path in sorted((REPO / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for cls in vars(module).values():
            for name, method in vars(cls).items() if isinstance(cls, type) else ():
                if name.startswith("track_") and getattr(method, "unit", None) == "%":
                    shares.append(f"{path.stem}.{cls.__name__}.{name}")
    assert "bench_cards.BuildCards.track_card_share" in shares
    assert {name: steps.kind_of(name, "track") for name in shares} == dict.fromkeys(
        shares, "timing"
    )


def test_graph_url_has_asvs_hash_format_for_params_and_commits():
    s = series("bench_sink.SinkWrite.time_write_fresh", "timing", sink="direct", case="1x64MiB")
    url = s.graph_url("0123456789abcdef", "fedcba9876543210")
    assert url == (
        "index.html#bench_sink.SinkWrite.time_write_fresh"
        "?p-sink=%27direct%27&p-case=%271x64MiB%27&commits=01234567-fedcba98"
    )


def test_compare_reports_a_benchmark_that_failed_in_the_working_tree():
    a, b = series(), series("bench_x.X.track_calls")
    found, failed = steps.compare({a: 100, b: 5}, {a: 103, b: None}, "base", "head", "wt")
    assert [s.series for s in found] == [a] and failed == [b.label]


# The report on a synthetic results history.


def _git(repo: Path, *args: str) -> str:
    run = subprocess.run(["git", *GIT_USER, *args], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _synthetic_history(tmp_path: Path, values: dict[str, list]) -> Path:
    """A git repo of len(values) commits on main, with asv results written by asv's classes."""
    from asv import runner, util
    from asv.results import Results

    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    benchmarks = {
        "bench_x.Render.track_instructions": ("track", "instructions", [], []),
        "bench_x.Render.time_render": ("time", "seconds", [], []),
        "bench_x.Sink.track_calls": ("track", "calls", [["'direct'", "'fast'"]], ["sink"]),
    }
    results = repo / "results"
    (results / MACHINE).mkdir(parents=True)
    util.write_json(str(results / MACHINE / "machine.json"), {"machine": MACHINE}, api_version=1)
    util.write_json(
        str(results / "benchmarks.json"),
        {
            name: {"name": name, "type": t, "unit": unit, "params": params,
                   "param_names": names, "version": "1"}
            for name, (t, unit, params, names) in benchmarks.items()
        },
        api_version=2,
    )  # fmt: skip
    count = len(next(iter(values.values())))
    for i in range(count):
        (repo / "file.txt").write_text(str(i))
        _git(repo, "add", "file.txt")
        _git(repo, "commit", "-q", "-m", f"change number {i}")
        commit = _git(repo, "rev-parse", "HEAD")
        result = Results(
            {"machine": MACHINE, "python": "3.11"}, {}, commit, 1_700_000_000_000 + i, "3.11",
            "existing-py", {},
        )  # fmt: skip
        for name, (_, _, params, _) in benchmarks.items():
            value = values[name][i]
            result.add_result(
                {"name": name, "version": "1", "params": params},
                runner.BenchmarkResult(
                    result=value if isinstance(value, list) else [value],
                    samples=[None] * (len(value) if isinstance(value, list) else 1),
                    number=[None] * (len(value) if isinstance(value, list) else 1),
                    errcode=0, stderr="", profile=None,
                ),
                started_at=datetime.datetime.now(datetime.UTC), duration=1.0,
            )  # fmt: skip
        result.save(str(results))
    (repo / "asv.conf.json").write_text(
        json.dumps({"version": 1, "project": "x", "repo": ".", "branches": ["main"],
                    "results_dir": "results", "benchmark_dir": "benchmarks"})
    )  # fmt: skip
    return repo


HISTORY = {
    # commit:                           0     1     2     3     4     5
    "bench_x.Render.track_instructions": [1000, 1000, 1050, 1050, 1001, 1001],
    "bench_x.Render.time_render": [0.010, 0.012, 0.009, 0.011, 0.010, 0.030],
    "bench_x.Sink.track_calls": [[100, 10], [100, 10], [100, 10], [100, 5], [100, 5], [100, 5]],
}


def test_report_finds_a_step_later_undone_and_one_still_present(tmp_path, capsys):
    repo = _synthetic_history(tmp_path, HISTORY)
    commits = _git(repo, "log", "--reverse", "--format=%h", "--abbrev=8").split()
    assert regressions("--config", str(repo / "asv.conf.json")) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(tuple(commits))]
    assert len(lines) == 3, out
    up, fast, down = lines
    assert up.startswith(commits[2]) and "change number 2" in up
    assert "bench_x.Render.track_instructions" in up and "1.050" in up
    assert f"regression, undone by {commits[4]}" in up
    assert fast.startswith(commits[3]) and "track_calls(sink='fast')" in fast
    assert "improvement" in fast and "undone" not in fast
    assert down.startswith(commits[4]) and f"improvement, undoes {commits[2]}" in down
    # The timing's 3x at commit 5 is one value a commit, not paired samples: not compared.
    assert "time_render" not in out
    assert "6 commits, 6 measured" in out and "3 steps (1 regressions" in out
    assert "the other 5 pairs' timings are not compared" in out
    assert f"commits={commits[1]}-{commits[2]}" in out


def test_report_as_markdown_and_as_a_dashboard_page(tmp_path, capsys):
    repo = _synthetic_history(tmp_path, HISTORY)
    config = str(repo / "asv.conf.json")
    assert regressions("--config", config, "--format", "md", "--only", "deterministic") == 0
    md = capsys.readouterr().out
    assert md.count("\n| `") == 3 and "timing" not in md.split("\n\n", 1)[1]
    assert "[bench_x.Sink.track_calls(sink='fast')](html/index.html#bench_x.Sink" in md

    index = tmp_path / "index.html"
    index.write_text(
        '<ul>\n\t<li id="nav-li-regressions"><a href="#/regressions">Regressions</a></li>\n</ul>'
    )
    page = tmp_path / steps_format.PAGE_NAME
    args = ["--config", config, "--format", "html", "--out", str(page), "--nav-in", str(index)]
    assert regressions(*args) == 0
    assert regressions(*args) == 0  # idempotent: one link after two publishes
    html = page.read_text()
    assert "<script" not in html and "http" not in html
    assert 'href="index.html#bench_x.Render.track_instructions?commits=' in html
    assert index.read_text().count(f'href="{steps_format.PAGE_NAME}"') == 1


@pytest.mark.slow
def test_report_of_the_committed_history_runs_in_seconds():
    run = perftools("regressions", timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("main: ")


# The gate, for real, in a temporary clone.

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="the instruction benchmarks need valgrind"
)
MORE_MARKDOWN = '''

class _Padded(markdown.Markdown):
    """About 5% more Markdown work per page: a twentieth of the page, converted again."""

    def convert(self, source):
        return super().convert(source + "\\n\\n" + source[: len(source) // 20])


def new_markdown() -> markdown.Markdown:  # noqa: F811
    return _Padded(extensions=list(EXTENSIONS))
'''


def _clone_and_commit(tmp_path: Path, path: str, addition: str) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    with open(clone / path, "a") as f:
        f.write(addition)
    _git(clone, "commit", "-q", "-am", f"Change {path}")
    return clone


def _perf_check(clone: Path, *args: str) -> subprocess.CompletedProcess:
    """The clone's own perftools (``-m`` imports it from the current folder)."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "ASV_PYTHONPATH")}
    return perftools("perf-check", *args, cwd=clone, env=env)


@pytest.mark.slow
@needs_valgrind
def test_perf_check_fails_a_commit_that_adds_5_percent_markdown_work(tmp_path):
    clone = _clone_and_commit(tmp_path, "pipeline/markup.py", MORE_MARKDOWN)
    run = _perf_check(clone, "--base", "HEAD~1", "--bench", "track_markdown_page_instructions")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "REGRESSED: bench_render.MarkdownRender.track_markdown_page_instructions" in run.stdout
    assert not list((clone / "results").rglob("*existing*.json")), "perf-check wrote results/"


@pytest.mark.slow
@needs_valgrind
def test_perf_check_passes_a_readme_only_commit(tmp_path):
    clone = _clone_and_commit(tmp_path, "README.md", "\nOne more line.\n")
    run = _perf_check(clone, "--base", "HEAD~1", "--bench", "track_markdown_page_instructions")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no regression beyond the thresholds" in run.stdout


def test_perf_check_says_why_it_cannot_run(tmp_path):
    clone = _clone_and_commit(tmp_path, "README.md", "\nOne more line.\n")
    run = _perf_check(clone, "--base", "no-such-revision")
    assert run.returncode == 2
    assert "could not run" in run.stdout and "no-such-revision" in run.stdout
    assert "perf-check exit status 2" in run.stdout


def test_perf_check_sides_do_not_share_asvs_machine_file(tmp_path, monkeypatch):
    """asv rewrites its machine file as it starts; the two sides run at once, so one side
    read the other's half-written file and could not run (CI on 82bdc95)."""
    import argparse

    from perftools import asv_setup, perf_check

    homes = []
    real_run = subprocess.run

    def fake_asv(command, *args, **kwargs):  # git and the rest run as they are
        if command[1:3] != ["-m", "asv"]:
            return real_run(command, *args, **kwargs)
        homes.append(Path(kwargs["env"]["HOME"]))
        assert (homes[-1] / asv_setup.MACHINE_FILE).is_file()

    monkeypatch.setattr(subprocess, "run", fake_asv)
    args = argparse.Namespace(machine="reference", only="deterministic", bench=None)
    for side in ("base", "work"):
        with pytest.raises(perf_check.CannotRun):  # the fake asv saved no results
            perf_check.run_side(REPO, tmp_path, side, "0" * 40, [], args)
    assert len(set(homes)) == 2
