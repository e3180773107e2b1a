"""The staged runner writes byte for byte the site the first, plain runner wrote."""

import os
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import tree, write

REPO = Path(__file__).resolve().parents[1]
BASELINE = "810237d"  # the last commit before the refactor that changed pipeline/

pytestmark = pytest.mark.slow  # a baseline build in a process of its own, then four builds


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """The baseline commit's pipeline package, extracted with git archive."""
    try:
        data = subprocess.run(
            ["git", "archive", BASELINE, "pipeline"], cwd=REPO, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot extract {BASELINE}: {exc}")
    root = tmp_path_factory.mktemp("baseline")
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(root, filter="data")
    return root


@pytest.fixture(scope="module")
def content(tmp_path_factory, corpus_dir) -> Path:
    """The generated corpus plus hand-written edge cases: raw HTML, problems, user templates."""
    path = tmp_path_factory.mktemp("content") / "c"
    shutil.copytree(corpus_dir, path)
    write(path, "raw.md", '# Raw\n\n<a href="notes/index.html">x</a> <img src="missing.png">\n')
    write(path, "amp.md", "[a](a&amp;b.html) [src](raw.md) [up](../../out.html)\n")
    write(path, "plain.md", "no front matter, no heading\n")
    write(path, "empty.md", "")
    # No page claims another's output path here: the baseline gave it to the first in
    # source order, the claims now fail both (tests/test_parse_paths.py).
    write(path, "_templates/odd.html", "{{ page.title }}|{{ page.html | safe }}|{{ site.title }}\n")
    write(path, "odd.md", "---\ntemplate: odd\ntitle: Odd\n---\n*odd*\n")
    return path


def baseline_build(baseline: Path, content: Path, out: Path) -> None:
    code = (
        "import sys; from pipeline.runner import PipelineRunner; "
        "from pipeline.sink import DirectSink; "
        "PipelineRunner(sys.argv[1], DirectSink(sys.argv[2])).run()"
    )
    env = {**os.environ, "PYTHONPATH": str(baseline)}
    subprocess.run([sys.executable, "-c", code, content, out], env=env, check=True, cwd=baseline)


def test_site_equals_the_baseline_runner_for_jobs_1_and_2_cold_and_cached(
    baseline, content, tmp_path
):
    baseline_build(baseline, content, tmp_path / "baseline")
    expected = tree(tmp_path / "baseline")
    assert len(expected) > 100
    for jobs in (1, 2):
        out, cache = tmp_path / f"j{jobs}", tmp_path / f"cache{jobs}"
        for run in ("cold", "cached"):
            report = PipelineRunner(content, DirectSink(out), jobs=jobs, cache_dir=cache).run()
            assert report.cache_hits == (0 if run == "cold" else report.pages_built)
            assert tree(out) == expected, (jobs, run)
