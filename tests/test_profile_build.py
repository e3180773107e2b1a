"""benchmarks/tools/profile_build.py: flame graphs and a stage breakdown of a small build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "benchmarks" / "tools" / "profile_build.py"
STAGES = ("discover", "parse", "markdown", "templates", "media", "writing", "other")
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def _profile(tmp_path: Path, profiler: str) -> Path:
    """Run the tool on a 30-page corpus; the folder it wrote its results into."""
    out = tmp_path / "profiles"
    command = [sys.executable, str(TOOL), "--pages", "30", "--sizes", "30", "--repeats", "1"]
    command += ["--out", str(out), "--cache", str(tmp_path / "cache"), "--profiler", profiler]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    (folder,) = out.iterdir()  # profiles/<commit>/
    assert not list((tmp_path / "cache").glob("profile-scratch-*")), "scratch sites left behind"
    return folder


def _check_flame_graph(folder: Path) -> None:
    svg = (folder / "flame.svg").read_text()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "runner.py" in svg and "convert" in svg  # the pipeline's own frames are drawn
    profile = json.loads((folder / "profile.speedscope.json").read_text())
    assert profile["$schema"] == SPEEDSCOPE_SCHEMA
    names = {frame["name"] for frame in profile["shared"]["frames"]}
    assert any("run" in name for name in names)


def _check_stages(folder: Path) -> None:
    stages = json.loads((folder / "stages.json").read_text())
    assert set(stages["stages"]) == set(STAGES)
    assert sum(s["share_wall"] for s in stages["stages"].values()) == pytest.approx(1, abs=0.05)
    assert sum(s["share_cpu"] for s in stages["stages"].values()) == pytest.approx(1, abs=0.05)
    assert stages["stages"]["markdown"]["wall"] > 0 and stages["stages"]["writing"]["wall"] > 0
    assert "| markdown |" in (folder / "stages.md").read_text()
    scaling = json.loads((folder / "scaling.json").read_text())
    (row,) = scaling["rows"]
    assert row["pages"] == 30 and row["pages_per_s"] > 0 and row["peak_rss_mib"] > 0


def test_profile_with_cprofile_fallback_writes_flame_graph_and_stages(tmp_path: Path) -> None:
    folder = _profile(tmp_path, "cprofile")
    _check_flame_graph(folder)
    assert "approximate" in (folder / "flame.svg").read_text()  # the fallback says so
    _check_stages(folder)
    assert "By self time" in (folder / "hot.md").read_text()


@pytest.mark.skipif(
    not (Path(sys.executable).parent / "py-spy").exists() and not shutil.which("py-spy"),
    reason="py-spy is not installed (make profile installs it)",
)
def test_profile_with_py_spy_writes_its_flame_graph(tmp_path: Path) -> None:
    folder = _profile(tmp_path, "py-spy")  # fails rather than falls back if py-spy cannot attach
    _check_flame_graph(folder)
    assert "py-spy" in json.loads((folder / "profiler.json").read_text())["profiler"]
    assert "By self samples (py-spy" in (folder / "hot.md").read_text()


def test_profile_falls_back_to_cprofile_and_says_why_without_ptrace(tmp_path: Path) -> None:
    fake = tmp_path / "py-spy"  # fails as py-spy does where ptrace is not permitted
    fake.write_text("#!/bin/sh\necho 'Error: Permission denied (os error 13)' >&2\nexit 1\n")
    fake.chmod(0o755)
    out = tmp_path / "profiles"
    command = [sys.executable, str(TOOL), "--pages", "20", "--sizes", "", "--repeats", "1"]
    command += ["--out", str(out), "--cache", str(tmp_path / "cache")]
    env = {**os.environ, "PY_SPY": str(fake)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FALLING BACK to cProfile" in result.stdout
    assert "no ptrace permission" in result.stdout
    (folder,) = out.iterdir()
    _check_flame_graph(folder)
    assert "no ptrace permission" in (folder / "flame.svg").read_text()
