"""Helpers of the fault tests: run the CLI as a child, snapshot folders, mount file systems."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.sink import TEMP_NAME
from pipeline.staging import NEW_STAGING_PREFIX, STAGING_PREFIX

CLI = [sys.executable, "-m", "pipeline", "build"]


def build(
    content: Path,
    out: Path,
    *args: str,
    preexec: Callable[[], None] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline build`` in a child process, as a user would.

    A build that hangs fails the test with every thread's stack, of the build and of its
    render processes (faulthandler, on SIGABRT): a hang seen once in CI in a thousand runs
    left nothing to find it by."""
    command = [*CLI, str(content), "--out", str(out), *args]
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=preexec, env=env, start_new_session=True,
    ) as child:  # fmt: skip
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            hung = [*_descendants(child.pid), child.pid]
        else:
            return subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
        # The workers, then the build, one at a time (dumps written at once interleave);
        # then whatever is left, such as a worker that the pool started for one that died.
        for pid in hung:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGABRT)
            time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        _, stderr = child.communicate()
    pytest.fail(f"the build hung for {timeout:g} s; its stacks:\n{stderr[-30_000:]}")


def _descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (Linux's /proc)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in map(int, children.read().split()):
                    found += [child, *_descendants(child)]
    return found


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included) by relative path, with its bytes.

    A symlink is recorded as such, never followed.
    """
    files: dict[str, bytes] = {}
    if not root.exists():
        return files
    for folder, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                files[rel] = b"symlink -> " + os.fsencode(os.readlink(path))
            else:
                with open(path, "rb") as f:
                    files[rel] = f.read()
    return files


def entries(root: Path) -> list[str]:
    """Every file and folder under ``root``, by relative path."""
    found = []
    for folder, dirs, names in os.walk(root):
        found += [os.path.relpath(os.path.join(folder, n), root) for n in dirs + names]
    return found


def is_leftover(rel: str) -> bool:
    """A killed build's temporary file or staging folder content: never a final path."""
    parts = rel.split(os.sep)
    return parts[0].startswith((STAGING_PREFIX, NEW_STAGING_PREFIX)) or bool(
        TEMP_NAME.fullmatch(parts[-1])
    )


def has_traceback(stderr: str) -> bool:
    return "Traceback (most recent call last)" in stderr


ERROR_LINE = re.compile(r"^error: .+", re.MULTILINE)


def can_mount() -> str | None:
    """Why this process cannot mount file systems, or None if it can."""
    if not sys.platform.startswith("linux"):
        return "mounting a tmpfs needs Linux"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    return None


def _run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"{' '.join(argv)} failed here: {done.stderr.strip()}")


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A size-limited tmpfs mounted at ``where`` (skips the test where it cannot be)."""
    reason = can_mount()
    if reason:
        pytest.skip(reason)
    where.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


@contextlib.contextmanager
def read_only(where: Path) -> Iterator[Path]:
    """``where`` made read-only by a read-only bind mount over itself."""
    reason = can_mount()
    if reason:
        pytest.skip(reason)
    _run("mount", "--bind", str(where), str(where))
    try:
        _run("mount", "-o", "remount,bind,ro", str(where))
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)
