"""The goal commands of issues #5, #6, #14 and #15, and the tools that take the goals
apart, keep running as the pipeline changes (tiny sizes)."""

import json
import re
import shutil

import pytest

from perftools import extras_parts, text_floor
from perftools.common import Scratch, corpus
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


def test_extras_parts_measures_every_variant_and_part(tmp_path):
    out = run("extras-parts", "--pages", "12", "--rounds", "1", "--settle", "0",
              "--work", str(tmp_path))  # fmt: skip
    for variant in extras_parts.VARIANTS:
        assert f"\n{variant} " in out
    for what, _, _ in extras_parts.PARTS:
        assert what in out


def test_each_extras_part_is_really_switched_off(tmp_path):
    """A patch that stopped reaching its part would measure nothing: each variant's site
    shows what it switched off."""
    content = corpus(tmp_path, 12, 0)
    sites = {}
    for variant in extras_parts.VARIANTS:
        sites[variant] = tmp_path / variant / "site"
        extras_parts.build(content, sites[variant], variant)

    def texts(variant):
        index = json.loads((sites[variant] / "search" / "search_index.json").read_text())
        return "".join(entry["text"] for entry in index["docs"])

    def sidecars(variant):
        return [p for p in sites[variant].rglob("*.json") if p.parent.name != "search"]

    assert not (sites["without"] / "search").exists() and not sidecars("without")
    assert len(texts("with").split()) > 100 and sidecars("with")
    for variant in ("no-text", "text-made", "text-sent"):
        assert texts(variant) == "" and len(sidecars(variant)) == len(sidecars("with"))
    assert texts("no-sidecar-files") == texts("with") and not sidecars("no-sidecar-files")


def test_extras_parts_counts_instructions(tmp_path):
    out = run("extras-parts", "--pages", "3", "--instructions", "--variants",
              "text-made,no-text", "--work", str(tmp_path))  # fmt: skip
    rows = [line.split() for line in out.splitlines()]
    counts = {row[0]: int(row[1].replace(",", "")) for row in rows
              if row and row[0] in extras_parts.VARIANTS}  # fmt: skip
    assert set(counts) == {"no-text", "text-made"}
    # Making the text is work, and it shows: the counts are the build's, not the tool's.
    assert counts["text-made"] > counts["no-text"]
    assert "making the page text" in out


needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="text_floor.c needs gcc")


@needs_gcc
def test_text_floor_times_python_and_c_on_the_same_texts(tmp_path):
    out = run("text-floor", "--pages", "20", "--rounds", "1", "--work", str(tmp_path))
    covered = int(re.search(r"(\d+) pages within text_floor.c", out)[1])
    assert covered >= 10, out  # a floor over a few pages would measure little
    for variant in ("encoded", "sections, covered pages", "C, covered pages", "sections / C"):
        assert variant in out


@needs_gcc
def test_text_floor_refuses_a_c_text_that_is_not_pythons(tmp_path):
    """The check is what makes the floor the same work: a page the C program gets wrong
    (a reference it does not decode) is counted."""
    pages = ["<p>caf&eacute; &amp; cr&#232;me</p>", '<h2 id="a">One</h2>\n<p>two &lt;3</p>']
    assert not text_floor.within_c(pages[0]) and text_floor.within_c(pages[1])
    floor = text_floor.Floor(Scratch(tmp_path), pages)
    assert floor.check() == 1
    assert text_floor.Floor(Scratch(tmp_path), pages[1:]).check() == 0
