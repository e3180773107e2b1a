import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from benchmarks.corpus import generate
from pipeline.report import BuildReport
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink


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


def write(root: Path, relpath: str, data: str | bytes) -> Path:
    """Create a content file (and its folders) for one test."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


TOOLS = Path(__file__).resolve().parents[1] / "benchmarks" / "tools"


def load_tool(name: str) -> ModuleType:
    """A script of benchmarks/tools (not a package: asv must not collect it) as a module."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module
