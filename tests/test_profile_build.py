"""python -m perftools profile: flame graphs and a stage breakdown of a small build.

The parts on made-up data are fast; the profile runs (several builds in fresh processes
each) are marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from perftools.profiling import breakdown, speedscope
from perftools.profiling.flamegraph_svg import flame_svg
from tests.helpers import perftools


def worker_build(stages: dict[str, float], elapsed: float) -> dict:
    """A worker's figures with these stage walls (CPU the same), as run_worker returns them."""
    return {
        "stages": {name: {"wall": w, "cpu": w, "calls": 1} for name, w in stages.items()},
        "elapsed": elapsed, "report_cpu": elapsed, "wall": elapsed + 0.1,
        "pages_built": 9, "files": 12, "bytes": 3000,
    }  # fmt: skip


def test_breakdown_maps_report_stages_to_rows_and_the_rest_to_other():
    stages = {"discover": 0.1, "parse": 0.2, "render": 3.0, "template": 0.5, "media": 0.1,
              "write": 0.6, "cache": 0.2}  # fmt: skip
    builds = [worker_build(stages, 5.0), worker_build(stages, 5.0)]
    result = breakdown.combine(builds, builds, pages=10, seed=1)
    assert tuple(result["stages"]) == breakdown.BREAKDOWN_ROWS
    assert result["stages"]["markdown"]["wall"] == pytest.approx(3.0)
    assert result["stages"]["writing"]["wall"] == pytest.approx(0.6)
    # "other": the cache stage and the 0.3 s outside every stage.
    assert result["stages"]["other"]["wall"] == pytest.approx(0.5)
    assert result["total"]["wall"] == pytest.approx(5.0)
    assert sum(s["share_wall"] for s in result["stages"].values()) == pytest.approx(1)
    assert result["stages_in_other"] == ["cache"]


def test_breakdown_counts_a_stage_it_does_not_know_in_other_and_names_it():
    result = breakdown.combine([worker_build({"render": 1.0, "lint": 0.5}, 2.0)], [], 1, 1)
    assert result["stages"]["other"]["wall"] == pytest.approx(1.0)
    assert result["stages_in_other"] == ["lint"]


def test_flame_graph_of_folded_stacks_is_svg_with_one_frame_per_stack_entry():
    stacks = {("run (pipeline/runner.py:1)", "convert (markdown/core.py:2)"): 3.0,
              ("run (pipeline/runner.py:1)",): 1.0}  # fmt: skip
    svg = flame_svg(stacks, "title <x>", "a note")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.count("<rect x=") == 3  # all, run, convert
    assert "convert (markdown/core.py:2) (3.000 s, 75.0%)" in svg
    assert "title &lt;x&gt;" in svg


def test_speedscope_file_round_trips_self_and_total_weights():
    stacks = {("a (x.py:1)", "b (y.py:2)"): 2.0, ("a (x.py:1)",): 1.0}
    profile = speedscope.from_folded(stacks, "p")
    assert profile["$schema"] == speedscope.SCHEMA
    assert profile["shared"]["frames"][0] == {"name": "a", "file": "x.py", "line": 1}
    own, inclusive, total = speedscope.self_and_total(profile)
    assert (own[0], own[1], inclusive[0], total) == (1.0, 2.0, 3.0, 3.0)


# The tool itself, on a tiny corpus.


def profile(tmp_path: Path, *options: str, env: dict | None = None) -> tuple[Path, str]:
    """Run the profile on a corpus of a few pages; the folder it wrote into, and its output."""
    out, cache = tmp_path / "profiles", tmp_path / "cache"
    run = perftools("profile", "--repeats", "1", "--out", str(out), "--cache", str(cache),
                    *options, timeout=300, env=env)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    (folder,) = out.iterdir()  # profiles/<commit>/
    assert not list(cache.glob("profile-scratch-*")), "scratch sites left behind"
    return folder, run.stdout


def check_flame_graph(folder: Path) -> None:
    svg = (folder / "flame.svg").read_text()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "runner.py" in svg and "convert" in svg  # the pipeline's own frames are drawn
    profile = json.loads((folder / "profile.speedscope.json").read_text())
    assert profile["$schema"] == speedscope.SCHEMA
    names = {frame["name"] for frame in profile["shared"]["frames"]}
    assert any("run" in name for name in names)


def check_stages(folder: Path) -> None:
    stages = json.loads((folder / "stages.json").read_text())
    assert tuple(stages["stages"]) == breakdown.BREAKDOWN_ROWS
    assert sum(s["share_wall"] for s in stages["stages"].values()) == pytest.approx(1, abs=0.05)
    assert sum(s["share_cpu"] for s in stages["stages"].values()) == pytest.approx(1, abs=0.05)
    assert stages["stages"]["markdown"]["wall"] > 0 and stages["stages"]["writing"]["wall"] > 0
    assert "| markdown |" in (folder / "stages.md").read_text()
    scaling = json.loads((folder / "scaling.json").read_text())
    (row,) = scaling["rows"]
    assert row["pages"] == 30 and row["pages_per_s"] > 0 and row["peak_rss_mib"] > 0


@pytest.mark.slow
def test_profile_with_cprofile_fallback_writes_flame_graph_and_stages(tmp_path: Path) -> None:
    folder, _ = profile(tmp_path, "--pages", "30", "--sizes", "30", "--profiler", "cprofile")
    check_flame_graph(folder)
    assert "approximate" in (folder / "flame.svg").read_text()  # the fallback says so
    check_stages(folder)
    assert "By self time" in (folder / "hot.md").read_text()
    assert "## Stage breakdown" in (folder / "summary.md").read_text()


@pytest.mark.slow
@pytest.mark.skipif(
    not (Path(sys.executable).parent / "py-spy").exists() and not shutil.which("py-spy"),
    reason="py-spy is not installed (make profile installs it)",
)
def test_profile_with_py_spy_writes_its_flame_graph(tmp_path: Path) -> None:
    # --profiler py-spy fails rather than falls back if py-spy cannot attach.
    folder, _ = profile(tmp_path, "--pages", "30", "--sizes", "30", "--profiler", "py-spy")
    check_flame_graph(folder)
    assert "py-spy" in json.loads((folder / "profiler.json").read_text())["profiler"]
    assert "By self samples (py-spy" in (folder / "hot.md").read_text()


@pytest.mark.slow
def test_profile_falls_back_to_cprofile_and_says_why_without_ptrace(tmp_path: Path) -> None:
    fake = tmp_path / "py-spy"  # fails as py-spy does where ptrace is not permitted
    fake.write_text("#!/bin/sh\necho 'Error: Permission denied (os error 13)' >&2\nexit 1\n")
    fake.chmod(0o755)
    env = {**os.environ, "PY_SPY": str(fake)}
    folder, out = profile(tmp_path, "--pages", "20", "--sizes", "", env=env)
    assert "FALLING BACK to cProfile" in out
    assert "no ptrace permission" in out
    check_flame_graph(folder)
    assert "no ptrace permission" in (folder / "flame.svg").read_text()
