"""The theme's search page in headless Chromium, from file:// with no server (issue #15)."""

import shutil
import subprocess
import tempfile

import pytest

from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(url: str) -> str:
    """The page's DOM after its scripts ran, from headless Chromium."""
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_word_from_one_page_lists_that_page_only(tmp_path):
    content = tmp_path / "content"
    one = "# First page\n\nCommon words here.\n\n## Rare\n\nA quokka lives here.\n"
    write(content, "one.md", one)
    write(content, "two.md", "# Second page\n\nCommon words there.\n")
    out = tmp_path / "site"
    assert PipelineRunner(content, DirectSink(out), search=True).run().ok
    found = dump_dom((out / "search.html").as_uri() + "?q=quokka")
    assert 'href="one.html#rare"' in found and 'href="two.html' not in found
    assert "result" in found and "for “quokka”" in found
    assert "First page › Rare" in found  # a section's result names its page
    both = dump_dom((out / "search.html").as_uri() + "?q=common")
    assert 'href="one.html#first-page"' in both and 'href="two.html#second-page"' in both


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_word_whose_stem_is_not_in_it_is_found(tmp_path):
    """lunr stems "happy" to "happi": the page must be found by the words it holds (and by
    one named like a property every JavaScript object has)."""
    content = tmp_path / "content"
    write(content, "one.md", "# Joy\n\nA happy ending, and a sky of stars; `__proto__` too.\n")
    write(content, "two.md", "# Other\n\nNothing of the kind.\n")
    out = tmp_path / "site"
    assert PipelineRunner(content, DirectSink(out), search=True).run().ok
    for word in ("happy", "sky", "stars", "ending", "__proto__"):
        found = dump_dom((out / "search.html").as_uri() + f"?q={word}")
        assert 'href="one.html#joy"' in found and 'href="two.html' not in found, word


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_word_in_every_page_indexes_the_best_hundred_entries(tmp_path):
    """Indexing every entry that holds a common word took seconds: lunr gets the 100 where
    it occurs most for their length, and the page says of how many."""
    content = tmp_path / "content"
    for number in range(150):
        often = " ".join(["widget"] * (1 + number % 7))
        write(content, f"p{number:03}.md", f"# Page {number}\n\n{often} and filler text.\n")
    write(content, "title.md", "# Widget\n\nfiller text only, a widget once.\n")
    out = tmp_path / "site"
    assert PipelineRunner(content, DirectSink(out), search=True).run().ok
    found = dump_dom((out / "search.html").as_uri() + "?q=widgets")
    # Each page's one section holds the word, and title.html's own entry by its title: 152.
    assert 'data-search-indexed="100,152"' in found
    assert "100 results for “widgets” (the best of 152)" in found
    assert 'href="title.html"' in found  # its title counts ten times
