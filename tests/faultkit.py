"""Helpers of the fault tests: run the CLI as a child, snapshot folders, mount file systems."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
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
    """Run ``python -m pipeline build`` in a child process, as a user would."""
    return subprocess.run(
        [*CLI, str(content), "--out", str(out), *args],
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        timeout=timeout,
    )


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
