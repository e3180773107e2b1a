"""test: lint, then the fast tests, then the slow ones (asv, perf-check, profiles, chromium).

    python -m perftools test [--fast-only] [--no-chromium]

The slow tests are the ones marked ``@pytest.mark.slow``; ``pytest`` alone leaves them
out (pyproject.toml's addopts), ``pytest -m slow`` runs them alone. Both run here, as in
CI. A step that fails stops the rest: its exit status is the command's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from perftools.common import REPO

LINTED = ("pipeline", "tests", "benchmarks", "perftools")


def steps(fast_only: bool) -> list[tuple[str, list[str]]]:
    """(name, command) of each step, in order."""
    python = sys.executable
    found = [
        ("lint", [python, "-m", "ruff", "check", *LINTED]),
        ("format", [python, "-m", "ruff", "format", "--check", *LINTED]),
        ("fast tests", [python, "-m", "pytest", "-q"]),
    ]
    if not fast_only:
        found.append(("slow tests", [python, "-m", "pytest", "-q", "-m", "slow"]))
    return found


def ensure_chromium() -> None:
    """The dashboard test drives Debian's chromium: install it where we may (as root)."""
    if shutil.which("chromium"):
        return
    if os.geteuid() == 0:
        quiet = {"stdout": subprocess.DEVNULL}
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "update", "-qq"], env=env, **quiet).returncode == 0:
            install = ["apt-get", "install", "-y", "-qq", "chromium"]
            if subprocess.run(install, env=env, **quiet).returncode == 0:
                return
    print("chromium is not installed and cannot be: the dashboard test will be skipped")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fast-only", action="store_true", help="lint and the fast tests")
    parser.add_argument("--no-chromium", action="store_true", help="do not install chromium")


def run(args: argparse.Namespace) -> int:
    if not (args.fast_only or args.no_chromium):
        ensure_chromium()
    for name, command in steps(args.fast_only):
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        status = subprocess.run(command, cwd=REPO).returncode
        if status != 0:
            print(f"{name} failed (exit status {status})")
            return status
    return 0
