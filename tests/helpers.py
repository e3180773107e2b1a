"""Helpers the tests share (fixtures live in conftest.py): ``from tests.helpers import write``."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import markdown

from pipeline import markup
from pipeline.stamp import STAMP

REPO = Path(__file__).resolve().parents[1]


def write(root: Path, relpath: str, data: str | bytes) -> Path:
    """Create a content file (and its folders) for one test."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def assert_converts_as_stock(text: str, fast: markdown.Markdown | None = None) -> None:
    """Our converter (``fast``, or a new one) gives the HTML a fresh stock converter gives."""
    fast = fast or markup.new_markdown()
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS)).convert(text)
    assert fast.reset().convert(text) == stock


def assert_converts_in_linear_time(make_text: Callable[[int], str], small: int) -> None:
    """Converting ``make_text(8 * small)`` costs under 25x ``make_text(small)``: work
    quadratic in the text would cost about 64x, linear about 8x."""
    md = markup.new_markdown()

    def seconds(count: int) -> float:
        text = make_text(count)
        started = time.process_time()
        md.reset().convert(text)
        return time.process_time() - started

    seconds(small // 4)  # warm
    few = min(seconds(small) for _ in range(3))
    many = min(seconds(8 * small) for _ in range(3))
    assert many < 25 * few + 0.05


def unstamp(cache: Path) -> None:
    """Remove the build stamp (pipeline/stamp.py) from the cache folder ``cache``: the next
    build goes through the build cache's own checks, which a stamped rebuild never reaches."""
    (cache / STAMP).unlink(missing_ok=True)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its '/'-separated path: a site, to compare byte for byte."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def perftools(
    *args: str, cwd: Path = REPO, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m perftools args`` in a new process, from ``cwd`` (a repository root)."""
    return subprocess.run(
        [sys.executable, "-m", "perftools", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


def cli_then(argv: list[str], after: str) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline *argv`` in a process that then runs ``after`` (Python source:
    what the build left imported, say). The CLI exits without the interpreter's teardown
    (``os._exit``); here that exit is a SystemExit, so that ``after`` runs."""
    probe = (
        "import os, runpy, sys\n"
        "def stay(code):\n    raise SystemExit(code)\n"
        "os._exit = stay\n"
        f"sys.argv = {['pipeline', *argv]!r}\n"
        "try:\n    runpy.run_module('pipeline', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
    )
    return subprocess.run(
        [sys.executable, "-c", probe + after], capture_output=True, text=True, cwd=REPO, timeout=120
    )
