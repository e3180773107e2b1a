r"""validate-stats: does the timing rule catch known slowdowns and stay quiet on no-ops?

    python -m perftools validate-stats [--trials 5] [--noops 10] [--rounds 3]
        [--bench REGEX ...] [--base HEAD] [--out .asv/validate-stats]

In a temporary clone, throwaway commits on top of BASE:

- ``markdown+10%``: every Markdown conversion then burns 10% of its own CPU time;
- ``write x2``: every sink's ``write`` and ``close`` take twice as long (a busy loop as long
  as the call took: the build waits twice as long on the write stage);
- ``no-op N``: a comment changed in pipeline/markup.py.

Each trial is one paired session (``perftools/paired.py``) of BASE, both slowdowns and two
no-ops, rounds interleaved; each throwaway commit is judged against BASE by the timing rule
(``perftools/stats.py``). Sensitivity: a slowdown is caught in a trial when a timing step
other than a control's is flagged as a regression. False alarms: any timing step flagged
for a no-op. Controls: any control flagged in any pair. Each session's raw results are kept
under ``--out`` for a second look (``--reanalyze``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from perftools import paired, stats
from perftools.common import ASV_DIR, REPO, ToolError, git
from perftools.controls import is_control

# The subset the issue names (paired.PAIRED_BENCH): BuildCli, Build(pages=1000),
# MarkdownRender, SinkWrite fresh 1000x8KiB through both sinks, and the controls.
DEFAULT_BENCH = list(paired.PAIRED_BENCH)

_BURN = """
import time as _validate_time


# Throwaway (validate-stats): after each call, busy-wait ``share`` of its duration.
def _validate_burn(method, share):

    def slower(*args, **kwargs):
        started = _validate_time.perf_counter()
        result = method(*args, **kwargs)
        until = _validate_time.perf_counter() + share * (_validate_time.perf_counter() - started)
        while _validate_time.perf_counter() < until:
            pass
        return result

    return slower
"""
# 10% of each conversion's own CPU time, burnt by the converting thread after it: work
# proportional to the page, whatever the host's speed. A fixed 1.15 loop iterations a
# character (10% of a 3.6 ms page, measured once) added only 2.6-6.8% on hosts where the
# page took 6.7-7.4 ms; a wait on the wall clock is no good either: under load, a loop
# polling perf_counter was slowed 40%, not 10%. Thread CPU time does not run while the
# thread waits for a core, so the burn keeps its 10% of the conversion at any load.
MARKDOWN_SLOWER = """

import time as _validate_time

_validate_new_markdown = new_markdown


def _validate_burn_page(convert):
    def slower(source):
        started = _validate_time.thread_time()
        html = convert(source)
        used = _validate_time.thread_time() - started
        until = _validate_time.thread_time() + 0.10 * used
        while _validate_time.thread_time() < until:
            pass
        return html

    return slower


def new_markdown():  # noqa: F811
    md = _validate_new_markdown()
    md.convert = _validate_burn_page(md.convert)
    return md
"""
WRITE_SLOWER = (
    _BURN
    + """

for _name in ("write", "close"):
    setattr({cls}, _name, _validate_burn(getattr({cls}, _name), 1.0))
"""
)
CHANGES = {
    "markdown+10%": {"pipeline/markup.py": MARKDOWN_SLOWER},
    "write x2": {
        "pipeline/sink.py": WRITE_SLOWER.format(cls="DirectSink"),
        "pipeline/batch_sink.py": WRITE_SLOWER.format(cls="BatchSink"),
    },
}


def commit_change(clone: Path, base: str, name: str, files: dict[str, str]) -> str:
    """A commit on ``base`` that appends ``files``' texts; its hash."""
    git("checkout", "-q", "--detach", base, repo=clone)
    for path, addition in files.items():
        with open(clone / path, "a", encoding="utf-8") as f:
            f.write(addition)
    git("-c", "user.name=validate", "-c", "user.email=validate@localhost", "commit", "-q",
        "-am", f"throwaway: {name}", repo=clone)  # fmt: skip
    return git("rev-parse", "HEAD", repo=clone)


def make_commits(clone: Path, base: str, noops: int) -> dict[str, str]:
    """label -> hash of every throwaway commit."""
    commits = {name: commit_change(clone, base, name, files) for name, files in CHANGES.items()}
    for i in range(1, noops + 1):
        files = {"pipeline/markup.py": f"\n# validate-stats: no-op change number {i}\n"}
        commits[f"no-op {i}"] = commit_change(clone, base, f"no-op {i}", files)
    return commits


def judge_session(folder: Path) -> list[tuple[str, list[tuple[str, Any]]]]:
    """(side label, [(series label, judgement, step or None)]) for each side but the first
    (BASE, which every throwaway commit is judged against)."""
    session = paired.load_session(folder)
    base = session.info["sides"][0]["commit"]
    before = session.samples.get(base, {})
    out = []
    for side in session.info["sides"]:
        if side["commit"] == base:
            continue
        after = session.samples.get(side["commit"], {})
        found, judged = stats.pair_steps(before, after, base, side["commit"], side["label"],
                                         paired=session.by_round)  # fmt: skip
        steps = {step.series.label: step for step in found}
        rows = [(series.label, j, steps.get(series.label)) for series, j in judged.items()]
        out.append((side["label"], rows))
    return out


def report(folders: list[Path]) -> str:
    """Every judgement of every session, then the tallies the issue asks for.

    A slowdown is caught when a step of its pair is a regression that counts (not the
    machine's); a no-op raises a false alarm when any step of its pair other than a
    control's is flagged and not the machine's.
    """
    lines, caught, trials, machine = [], Counter(), Counter(), Counter()
    control_flags = 0
    for folder in folders:
        lines.append(f"session {folder.name}:")
        for label, rows in judge_session(folder):
            kind = "no-op" if label.startswith("no-op") else label
            trials[kind] += 1
            found = [step for _, _, step in rows if step is not None]
            control_flags += sum(is_control(s.series.benchmark) for s in found)
            machine[kind] += any(s.machine for s in found)
            code = [s for s in found if not is_control(s.series.benchmark) and not s.machine]
            caught[kind] += bool(code) if kind == "no-op" else any(s.counts for s in code)
            for series, j, step in rows:
                mark = step.verdict.upper() if step else f"-  ({j.why_not})"
                lines.append(
                    f"  {label:13} {series:72} {j.ratio:6.3f} [{j.low:.3f}, {j.high:.3f}] "
                    f"p={j.p:.2g} n={j.n_before}/{j.n_after}{' by round' * j.paired} {mark}"
                )
    lines.append("")
    for kind in CHANGES:
        lines.append(f"{kind}: flagged (a regression that counts) in {caught[kind]} of "
                     f"{trials[kind]} trials; a control moved in {machine[kind]}")  # fmt: skip
    lines.append(f"no-op: false alarm in {caught['no-op']} of {trials['no-op']} no-op commits; "
                 f"a control moved in {machine['no-op']}")  # fmt: skip
    lines.append(f"controls: {control_flags} timing steps flagged in controls")
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trials", type=int, default=5, help="sessions with both slowdowns")
    parser.add_argument("--noops", type=int, default=10, help="no-op commits in all")
    parser.add_argument("--rounds", type=int, default=paired.DEFAULT_ROUNDS)
    parser.add_argument("--bench", action="append", help="asv --bench regex (repeatable)")
    parser.add_argument("--base", default="HEAD")
    parser.add_argument("--out", type=Path, default=ASV_DIR / "validate-stats")
    parser.add_argument(
        "--reanalyze", action="store_true", help="judge the sessions under --out again, only"
    )


def run(args: argparse.Namespace) -> int:
    base = git("rev-parse", "--verify", f"{args.base}^{{commit}}")
    if args.reanalyze:
        folders = sorted(p.parent for p in args.out.glob("session-*/session.json"))
        if not folders:
            raise ToolError(f"no sessions under {args.out}")
        print(report(folders), end="")
        return 0
    bench = args.bench or DEFAULT_BENCH
    args.out = args.out.resolve()
    work = args.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    commits = make_commits(clone, base, args.noops)
    git("checkout", "-q", "--detach", base, repo=clone)  # today's benchmarks, BASE's tree
    sources = {}
    for label, commit in {"base": base, **commits}.items():
        sources[label] = work / "src" / label.replace(" ", "_").replace("%", "pct")
        paired.extract_pipeline(clone, commit, sources[label])
    noops = [label for label in commits if label.startswith("no-op")]
    sessions = max(args.trials, -(-len(noops) // 2))
    folders = []
    for trial in range(sessions):
        labels = list(CHANGES) if trial < args.trials else []
        labels += noops[2 * trial : 2 * trial + 2]
        sides = [paired.Side(base, "base", sources["base"])]
        sides += [paired.Side(commits[label], label, sources[label]) for label in labels]
        print(f"session {trial + 1}/{sessions}: base against {', '.join(labels)}", flush=True)
        results = paired.run_session(sides, work / "session", rounds=args.rounds, bench=bench,
                                     repo=clone)  # fmt: skip
        folders.append(paired.save_session(results, args.out / f"session-{trial + 1:02}"))
        print(report(folders[-1:]), flush=True)
    print(report(folders), end="")
    return 0
