r"""history: benchmark every commit on main that changed pipeline/ and has no result yet.

python -m perftools history [--machine reference] [--bench REGEX]

``--bench`` limits the run to some benchmarks (asv's --bench): what a session whose
budget cannot pay for the whole suite on every commit still records, the deterministic
ones (``\.(track|peakmem)_``) first. Say in the results commit what was left out.

Then each new commit is measured again side by side with its neighbours among the measured
commits on main (``perftools/pairing.py``), into ``results/paired/<host>/``: the samples
its timing steps are judged from. ``--paired-bench`` (repeatable; default: the subset in
``paired.PAIRED_BENCH``) and ``--rounds`` set what that costs; ``--no-pairs`` skips it.
``--pairs-only`` runs no results run: it pairs every adjacent pair of measured commits on
main that no host has a session of yet, with today's order of pinned rounds (re-measuring
the history's timings; a session of the old order is measured again).
"""

from __future__ import annotations

import argparse

from perftools import hostid, paired, pairing
from perftools.asv_setup import run_asv
from perftools.bench import HOSTS
from perftools.common import ASV_DIR
from perftools.missing_results import commits_without_results


def benchmark_missing(
    machine: str, bench: str | None = None, pairs: argparse.Namespace | None = None
) -> int:
    """Run asv on the commits without results, into results/; asv's exit status."""
    missing = commits_without_results("main", machine)
    if not missing:
        print("every commit that changed pipeline/ has a result")
        return 0
    print(f"benchmarking {len(missing)} commit(s) with no result", flush=True)
    hashfile = ASV_DIR / "missing.txt"
    hashfile.parent.mkdir(parents=True, exist_ok=True)
    hashfile.write_text("".join(f"{commit}\n" for commit in missing))
    only = ["--bench", bench] if bench else []
    host = hostid.describe()
    status = run_asv("run", "--machine", machine, "--show-stderr", *only,
                     f"HASHFILE:{hashfile}", machine=machine, check=False)  # fmt: skip
    print(f"host: {hostid.record_run(HOSTS, missing, host)}")
    if pairs is not None and pairs.no_pairs:
        return status
    paired_status = pairing.pair_new_results(
        missing, machine,
        bench=(pairs and pairs.paired_bench) or paired.PAIRED_BENCH,
        rounds=pairs.rounds if pairs else paired.DEFAULT_ROUNDS,
    )  # fmt: skip
    return status or paired_status


def add_pair_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the paired sessions that follow a results run (bench, history)."""
    parser.add_argument(
        "--paired-bench",
        action="append",
        metavar="REGEX",
        help="what the paired sessions measure (default: a timing subset)",
    )
    parser.add_argument("--rounds", type=int, default=paired.DEFAULT_ROUNDS)
    parser.add_argument("--no-pairs", action="store_true", help="no paired sessions")
    parser.add_argument(
        "--pairs-only",
        action="store_true",
        help="(history) no results run: pair every measured pair not paired yet",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--machine", default="reference")
    parser.add_argument("--bench", metavar="REGEX", help="only the benchmarks matching REGEX")
    add_pair_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.pairs_only:
        measured = pairing.measured_on_main(args.machine)
        bench = args.paired_bench or paired.PAIRED_BENCH
        return pairing.pair_new_results(measured, args.machine, bench=bench, rounds=args.rounds)
    return benchmark_missing(args.machine, args.bench, args)
