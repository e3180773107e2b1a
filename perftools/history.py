r"""history: benchmark every commit on main that changed pipeline/ and has no result yet.

python -m perftools history [--machine reference] [--bench REGEX]

``--bench`` limits the run to some benchmarks (asv's --bench): what a session whose
budget cannot pay for the whole suite on every commit still records, the deterministic
ones (``\.(track|peakmem)_``) first. Say in the results commit what was left out.
"""

from __future__ import annotations

import argparse

from perftools.asv_setup import run_asv
from perftools.common import ASV_DIR
from perftools.missing_results import commits_without_results


def benchmark_missing(machine: str, bench: str | None = None) -> int:
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
    return run_asv("run", "--machine", machine, "--show-stderr", *only, f"HASHFILE:{hashfile}",
                   machine=machine, check=False)  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--machine", default="reference")
    parser.add_argument("--bench", metavar="REGEX", help="only the benchmarks matching REGEX")


def run(args: argparse.Namespace) -> int:
    return benchmark_missing(args.machine, args.bench)
