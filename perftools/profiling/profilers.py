"""py-spy (found, probed, run) and the cProfile fallback.

py-spy samples the real process from outside, so its flame graph has no call overhead;
where it is missing or cannot attach (no ptrace permission), the flame graph and the
speedscope file are made from a cProfile run instead, and the tool says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from perftools.common import ToolError

PY_SPY_VERSION = "0.4.3"  # the version this tool and the report were checked with
RATE = 250  # py-spy samples per second
# A parallel build renders in worker processes that the flame graph would not show; the
# profile compares like with like across commits: one process, a cold build.
# Cards off: the profile stays the build its history measured (cards are a default since #14).
SINGLE_PROCESS = ("--jobs", "1", "--no-cache", "--cards", "off")


def find_py_spy() -> str | None:
    """$PY_SPY if set, else the py-spy beside this Python, else the one on PATH."""
    if os.environ.get("PY_SPY"):
        return os.environ["PY_SPY"]
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def py_spy_version(py_spy: str) -> str:
    result = subprocess.run([py_spy, "--version"], capture_output=True, text=True)
    return result.stdout.strip().removeprefix("py-spy ") or "?"


def cannot_attach(py_spy: str, scratch: Path) -> str | None:
    """None if py-spy can sample a short Python process here, else why it cannot."""
    probe = scratch / "probe.txt"
    busy = "import time\nt = time.perf_counter()\nwhile time.perf_counter() - t < 0.4: pass"
    cmd = [py_spy, "record", "--rate", "100", "--format", "raw", "-o", str(probe)]
    try:
        result = subprocess.run(
            [*cmd, "--", sys.executable, "-c", busy], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"py-spy did not run: {exc}"
    if result.returncode == 0 and probe.exists() and probe.stat().st_size > 0:
        return None
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and "py-spy>" not in ln]
    detail = " ".join(lines[:2]) or f"exit {result.returncode}"
    if re.search(r"permission|ptrace|not permitted", result.stderr, re.IGNORECASE):
        return f"no ptrace permission ({detail})"
    return f"py-spy could not sample a test process ({detail})"


def why_not_py_spy(choice: str, scratch: Path) -> tuple[str | None, str | None]:
    """(py-spy's path, None) when it is to be used; (None, the reason) otherwise.

    ``choice`` is --profiler: auto falls back to cProfile, py-spy fails instead.
    """
    py_spy = find_py_spy()
    if choice == "cprofile":
        reason = "--profiler cprofile was given"
    elif py_spy is None:
        reason = "py-spy is not installed (the dev extras install it: pip install py-spy)"
    else:
        reason = cannot_attach(py_spy, scratch)
    if reason and choice == "py-spy":
        raise ToolError(f"py-spy cannot be used: {reason}")
    return (None, reason) if reason else (py_spy, None)


def record(py_spy: str, fmt: str, path: Path, content: Path, out: Path) -> None:
    """``py-spy record`` of ``python -m pipeline build`` in one process, in format ``fmt``."""
    cmd = [py_spy, "record", "--rate", str(RATE), "--idle", "--function"]
    cmd += ["--format", fmt, "-o", str(path), "--"]
    cmd += [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(out)]
    result = subprocess.run([*cmd, *SINGLE_PROCESS], capture_output=True, text=True)
    if not path.exists():
        raise ToolError(f"py-spy wrote no {path.name} (exit {result.returncode}):\n"
                        f"{result.stderr[-2000:]}")  # fmt: skip
