"""bench: benchmark the current commit into results/ (the reference machine's results).

python -m perftools bench [--machine reference]
"""

from __future__ import annotations

import argparse

from perftools.asv_setup import run_asv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    return run_asv("run", "--machine", args.machine, "--show-stderr", "HEAD^!",
                   machine=args.machine, check=False)  # fmt: skip
