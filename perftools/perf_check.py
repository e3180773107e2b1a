"""perf-check: BASE (default: the previous commit on main) against the working tree.

The performance check that gates a change (``make perf-check`` runs it)::

    python -m perftools perf-check [--base REV] [--only all|deterministic]
        [--bench REGEX] [--machine reference]

Both sides run the working tree's benchmark suite with ``asv run --python=same`` in this
interpreter, at the same time, each with its own ``pipeline`` first on ASV_PYTHONPATH (ahead
of the editable install): BASE's extracted with ``git archive``, the working tree's copied
as it is, into .asv/perf-check/{base,work}/src. Copying keeps the two sides alike down to
the length of their paths: with the working tree's used in place, the Markdown page's
instruction count differed by 0.5% between the sides for identical code (the garbage
collector runs at other moments when the interpreter holds other objects), against 0.015%
between runs.

Results go to .asv/perf-check/{base,work}/results, scratch folders of their own: never
results/, and apart from .asv/scratch-results, whose readers would otherwise mix these
results in. The working tree is recorded under the hash of ``git stash create`` (a commit
object no branch points to) when it has uncommitted changes, under HEAD's when it has
none.

The default BASE is "the previous commit on main": HEAD's first parent when HEAD is on
main, otherwise the commit where HEAD's branch left main.

Timings are judged as the steps page judges them: BASE and the working tree measured side by
side in one paired session, rounds interleaved (``perftools/paired.py``; ``--rounds``, and
``--bench`` or the timing subset ``paired.PAIRED_BENCH``), by the rule in
``perftools/stats.py``; a moved control makes the pair "the machine changed", which does
not fail the check. Counts and memory come from one run of each side, as before.

Exit status: 0 when nothing regressed beyond its threshold (the rules: perftools/steps.py and
perftools/stats.py),
1 when something did (the table names it), 2 when the check could not run (the reason is printed,
with the end of asv's log), including a benchmark that failed in the working tree.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from perftools import asv_results, asv_setup, paired, stats, steps, steps_format
from perftools.common import REPO, ToolError, git, resolves
from perftools.steps import Series

WORK_DIR = Path(".asv") / "perf-check"
STATUS = "perf-check exit status {} (0: no regression, 1: regressed, 2: could not run)"


class CannotRun(ToolError):
    """The check could not produce two sets of numbers to compare."""


def default_base(repo: Path) -> str:
    """HEAD's first parent on main; on a branch, the commit where it left main."""
    main = next((name for name in ("main", "origin/main") if resolves(name, repo)), None)
    if main is not None:
        on_main = subprocess.run(["git", "merge-base", "--is-ancestor", "HEAD", main], cwd=repo)
        if on_main.returncode != 0:
            return git("merge-base", "HEAD", main, repo=repo)
    if not resolves("HEAD^", repo):
        raise CannotRun("HEAD has no parent to compare with: give BASE=rev")
    return git("rev-parse", "HEAD^", repo=repo)


def working_tree(repo: Path) -> tuple[str, str]:
    """(commit hash to record the working tree under, what to call it)."""
    head = git("rev-parse", "HEAD", repo=repo)
    subject = git("log", "-1", "--format=%s", "HEAD", repo=repo)
    stash = git("stash", "create", repo=repo)
    if stash:
        return stash, f"working tree: {head[:8]} + uncommitted changes"
    return head, f"working tree = {head[:8]} {subject}"


def asv_command(config: Path, commit: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "asv", "--config", str(config), "run", "--python=same",
               "--machine", args.machine, "--set-commit-hash", commit, "--show-stderr"]  # fmt: skip
    default = r"\.track_" if args.only == "deterministic" else r"\.(track|peakmem)_"
    return command + ["--bench", args.bench or default]


def run_side(
    repo: Path, work: Path, side: str, commit: str, path: list[Path], args: argparse.Namespace
) -> dict[Series, float | None]:
    """Benchmark one side; its values by series."""
    folder = work / side
    shutil.rmtree(folder / "results", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    # asv run resolves its branches even with --set-commit-hash; a clone may have no main.
    config = asv_setup.write_config(
        folder / "asv.conf.json", env=work / "env", results=folder / "results",
        html=folder / "html", repo=repo, branches=["HEAD"],
    )  # fmt: skip
    home = asv_setup.machine_home(folder / "home", args.machine, repo)  # one per side
    env = {
        **os.environ,
        "HOME": str(home),
        "ASV_PYTHONPATH": os.pathsep.join(str(p) for p in path),
    }
    log = folder / "asv.log"
    started = time.monotonic()
    with open(log, "w") as out:
        subprocess.run(asv_command(config, commit, args), cwd=repo, env=env, stdout=out,
                       stderr=subprocess.STDOUT)  # fmt: skip
    print(f"  {side}: {commit[:8]} in {time.monotonic() - started:.0f} s (log: {log})")
    try:
        values = asv_results.load_values(asv_results.load_config(config), args.machine).get(commit)
    except Exception as exc:  # asv's UserError and friends: no usable results
        values, reason = None, str(exc)
    else:
        reason = "asv saved no results"
    if not values:
        tail = "".join(log.read_text().splitlines(keepends=True)[-25:])
        raise CannotRun(f"{side} ({commit[:8]}) was not benchmarked: {reason}\n{tail}")
    return values


def check(args: argparse.Namespace, repo: Path = REPO) -> int:
    work = repo / WORK_DIR
    base = git("rev-parse", "--verify", f"{args.base}^{{commit}}", repo=repo) if args.base else None
    base = base or default_base(repo)
    base_subject = git("log", "-1", "--format=%s", base, repo=repo)
    head, head_label = working_tree(repo)
    print(f"perf-check: BASE {base[:8]} {base_subject}")
    print(f"        against {head_label}")
    paired.extract_pipeline(repo, base, work / "base" / "src")
    paired.extract_pipeline(repo, None, work / "work" / "src")
    # Both sides at once: each is one asv process running the benchmarks one after another,
    # most of its time in valgrind on one core, so on two cores the check takes about as
    # long as one side (CI: 176 + 173 s one after the other). Counts do not move with load.
    with ThreadPoolExecutor(2) as pool:
        sides = [
            pool.submit(run_side, repo, work, side, commit, [work / side / "src", repo], args)
            for side, commit in (("base", base), ("work", head))
        ]
        before, after = (side.result() for side in sides)
    # A --bench that selects no timing needs no paired session.
    has_timings = not args.bench or any(s.kind == "timing" for s in after)
    kinds = ("deterministic",) if args.only == "deterministic" else ("deterministic", "memory")
    after = {s: v for s, v in after.items() if s.kind in kinds}
    timed: tuple[list[steps.Step], int] = ([], 0)
    if args.only == "all" and has_timings:
        timed = paired_timings(repo, work, base, head, head_label, args)
    return verdict(before, after, base, head, head_label, timed)


def paired_timings(
    repo: Path, work: Path, base: str, head: str, head_label: str, args: argparse.Namespace
) -> tuple[list[steps.Step], int]:
    """Both sides' timings in one paired session: the flagged steps, the values judged."""
    sides = [paired.Side(base, "base", work / "base" / "src"),
             paired.Side(head, "work", work / "work" / "src")]  # fmt: skip
    bench = [args.bench] if args.bench else list(paired.PAIRED_BENCH)
    print(f"  timings: a paired session of {args.rounds} rounds, base and work interleaved")
    results = paired.run_session(sides, work / "paired", rounds=args.rounds, bench=bench,
                                 repo=repo)  # fmt: skip
    session = paired.load_session(results)
    found, judgements = stats.pair_steps(session.samples.get(base, {}),
                                         session.samples.get(head, {}), base, head,
                                         head_label, session.host, session.by_round)  # fmt: skip
    flagged = sum(j.flagged for j in judgements.values())
    print(f"  timing: {len(judgements)} paired values, {flagged} flagged "
          f"(p < {stats.ALPHA}, {stats.LEVEL:.0%} interval, minimum effect by family)")  # fmt: skip
    return found, len(judgements)


def verdict(
    before: dict[Series, float | None],
    after: dict[Series, float | None],
    base: str,
    head: str,
    head_label: str,
    timed: tuple[list[steps.Step], int] = ([], 0),
) -> int:
    """Print the steps and the largest change of each kind; the exit status."""
    found, failed = steps.compare(before, after, base, head, head_label)
    found += timed[0]
    compared = [s for s in after if steps.measured(after[s]) and before.get(s)]
    print()
    print(steps_format.format_text(found, dashboard=None), end="")
    print()
    for kind, threshold in steps.THRESHOLDS.items():
        if kind == "timing":
            continue
        ratios = [(after[s] / before[s], s.label) for s in compared if s.kind == kind]
        if ratios:
            ratio, label = max(ratios, key=lambda r: abs(r[0] - 1))
            print(f"  {kind}: {len(ratios)} values, threshold {threshold:.0%}, "
                  f"largest change {ratio - 1:+.3%} ({label})")  # fmt: skip
    if failed:
        print(f"could not run: failed in the working tree: {', '.join(failed)}")
        return 2
    if not compared and not timed[1]:
        print("could not run: no benchmark has a value on both sides")
        return 2
    machine = [s for s in found if s.machine]
    if machine:
        print(f"the machine changed during the session (a control moved): "
              f"{len(machine)} timing steps not counted")  # fmt: skip
    worse = [s for s in found if s.counts]
    if worse:
        print(f"REGRESSED: {', '.join(s.series.label for s in worse)}")
        return 1
    print("no regression beyond the thresholds")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", help="the commit to compare with (default: see above)")
    parser.add_argument("--only", choices=("all", "deterministic"), default="all")
    parser.add_argument(
        "--bench",
        help="asv --bench regex (default: counts and memory, and "
        "the timing subset paired.PAIRED_BENCH)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=paired.DEFAULT_ROUNDS,
        help="rounds of the paired session of timings",
    )
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    try:
        status = check(args)
    except ToolError as exc:
        print(f"could not run: {exc}")
        status = 2
    print(STATUS.format(status))
    return status
