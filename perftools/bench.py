"""bench: benchmark the current commit into results/ (the reference machine's results).

python -m perftools bench [--machine reference] [--paired-bench REGEX] [--rounds N] [--no-pairs]

Then a paired session of it with its predecessor among the measured commits on main, into
``results/paired/<host>/`` (see ``history``).
"""

from __future__ import annotations

import argparse

from perftools import hostid
from perftools.asv_setup import run_asv
from perftools.common import REPO, git

# One file per results run: the host and its calibration (perftools/hostid.py).
HOSTS = REPO / "results" / "hosts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from perftools.history import add_pair_arguments

    parser.add_argument("--machine", default="reference")
    add_pair_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from perftools import paired, pairing

    host = hostid.describe()
    head = git("rev-parse", "HEAD")
    status = run_asv("run", "--machine", args.machine, "--show-stderr", "HEAD^!",
                     machine=args.machine, check=False)  # fmt: skip
    print(f"host: {hostid.record_run(HOSTS, [head], host)}")
    if args.no_pairs:
        return status
    bench = args.paired_bench or paired.PAIRED_BENCH
    return status or pairing.pair_new_results([head], args.machine, bench=bench,
                                              rounds=args.rounds)  # fmt: skip
