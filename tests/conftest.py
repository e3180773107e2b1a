"""Fixtures shared by the tests; helpers are in tests/helpers.py."""

import os
import tempfile
from pathlib import Path

import pytest

from benchmarks.corpus import generate
from pipeline.report import BuildReport
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink

# A build server the user started (python -m pipeline server start) must not run the
# builds of the tests' CLI processes: they get a server folder of their own, empty.
os.environ["PIPELINE_SERVER_DIR"] = os.path.join(tempfile.mkdtemp(), "no-server")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated content folder shared by the tests that only read it."""
    path = tmp_path_factory.mktemp("corpus")
    generate(path, pages=80, seed=7)
    return path


@pytest.fixture(scope="session")
def built_site(
    corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("site")
    report = PipelineRunner(corpus_dir, DirectSink(out)).run()
    return out, report
