"""missing-results: the commits that changed pipeline/ and have no result file yet.

    python -m perftools missing-results [--rev main] [--machine reference]

One hash a line, newest first: what ``history`` benchmarks, and what the test that every
such commit has committed results checks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from perftools.common import REPO, git


def commits_without_results(rev: str = "main", machine: str = "reference",
                            repo: Path = REPO) -> list[str]:  # fmt: skip
    """Full hashes of ``rev``'s commits that changed pipeline/ and have no result in results/.

    asv names a result file after the commit's first 8 hex digits.
    """
    folder = repo / "results" / machine
    commits = git("log", "--format=%H", rev, "--", "pipeline", repo=repo).split()
    return [c for c in commits if not any(folder.glob(f"{c[:8]}-*.json"))]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rev", default="main", help="the history to look through")
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    for commit in commits_without_results(args.rev, args.machine):
        print(commit)
    return 0
