"""The goal commands of issues #5, #6 and #14 keep running as the pipeline changes (tiny sizes)."""

import pytest

from tests.helpers import perftools

pytestmark = pytest.mark.slow  # dozens of builds, and sink runs of thousands of files


def run(*args: str) -> str:
    done = perftools(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_runner_goals_measures_every_goal_but_pelican(tmp_path):
    out = run("runner-goals", "--pages", "30", "--repeats", "1", "--pelican", "skip",
              "--work", str(tmp_path), "--memory", "40")  # fmt: skip
    for goal in ("of its parts", "--jobs 2", "no-change rebuild", "one page changed", "peak RSS"):
        assert goal in out
    assert (tmp_path / "goals.json").is_file()
    assert not list(tmp_path.glob("scratch-*")), "scratch folders left behind"


def test_sink_goals_measures_every_goal(tmp_path):
    out = run("sink-goals", "--files", "40", "--pages", "20", "--samples", "1")
    for goal in ("Goal 1", "Goal 2", "Goal 3", "mmap or write()", "Goal 4"):
        assert goal in out


def test_cards_build_goals_measures_every_mode_and_the_rebuild(tmp_path):
    out = run("cards-build-goals", "--pages", "20", "--rounds", "1", "--rebuild-rounds", "2",
              "--settle", "0", "--work", str(tmp_path))  # fmt: skip
    for line in ("clean build", "no-change rebuild", "<= 1.25x", "<= 1.60x", "<= 1.02x", "goals"):
        assert line in out
