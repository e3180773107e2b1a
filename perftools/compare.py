"""compare: benchmark A and B side by side with asv continuous (scratch results).

    python -m perftools compare A B [--bench REGEX] [--machine reference]

Results go to .asv/scratch-results, never results/: asv overwrites saved results in this
mode.
"""

from __future__ import annotations

import argparse

from perftools.asv_setup import run_asv, scratch_config
from perftools.common import ToolError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", nargs="?", metavar="A", help="the first revision")
    parser.add_argument("b", nargs="?", metavar="B", help="the second revision")
    parser.add_argument("--bench", help="asv --bench regex (default: every benchmark)")
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    if not (args.a and args.b):
        raise ToolError("give two revisions: make compare A=rev B=rev [BENCH=regex]")
    config = scratch_config()
    bench = ["--bench", args.bench] if args.bench else []
    return run_asv("--config", str(config), "continuous", "--machine", args.machine, "--split",
                   *bench, args.a, args.b, machine=args.machine, check=False)  # fmt: skip
