"""The goal scripts of issues #5 and #6 keep running as the pipeline changes (tiny sizes)."""

import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "benchmarks" / "tools"


def run(script: str, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(TOOLS / script), *args], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_runner_goals_measures_every_goal_but_pelican(tmp_path):
    out = run("runner_goals.py", "--pages", "30", "--repeats", "1", "--pelican", "skip",
              "--work", str(tmp_path), "--memory", "40", cwd=tmp_path)  # fmt: skip
    for goal in ("of its parts", "--jobs 2", "no-change rebuild", "one page changed", "peak RSS"):
        assert goal in out
    assert (tmp_path / "goals.json").is_file()


def test_sink_goals_measures_every_goal(tmp_path):
    out = run("sink_goals.py", "--files", "40", "--pages", "20", "--samples", "1", cwd=tmp_path)
    for goal in ("Goal 1", "Goal 2", "Goal 3", "mmap or write()", "Goal 4"):
        assert goal in out
