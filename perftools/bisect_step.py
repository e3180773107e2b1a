"""bisect: find the commit that made BENCH step, with asv find (scratch results).

    python -m perftools bisect BENCH [--good REV] [--bad REV] [--invert]

GOOD defaults to the first commit on main, BAD to HEAD; --invert looks for an improvement.
"""

from __future__ import annotations

import argparse

from perftools.asv_setup import run_asv, scratch_config
from perftools.common import ToolError, git


def first_commit_on_main() -> str:
    return git("rev-list", "--first-parent", "main").split()[-1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bench", metavar="BENCH", help="the benchmark (asv find's regex)")
    parser.add_argument("--good", help="a revision before the step (default: main's first)")
    parser.add_argument("--bad", default="HEAD", help="a revision after the step")
    parser.add_argument("--invert", action="store_true", help="find an improvement instead")
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    if not args.bench:
        raise ToolError("give the benchmark: make bisect BENCH=name [GOOD=rev BAD=rev]")
    good = args.good or first_commit_on_main()
    invert = ["--invert"] if args.invert else []
    return run_asv("--config", str(scratch_config()), "find", "--machine", args.machine,
                   "--show-stderr", *invert, f"{args.bad} --not {good}^@", args.bench,
                   machine=args.machine, check=False)  # fmt: skip
