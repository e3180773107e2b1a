"""Which pairs of measured commits need a paired session, and running one into results/.

``make bench`` and ``make history`` call ``pair_new_results`` after asv has recorded new
commits into ``results/<machine>/``: every new commit is measured again side by side with
its predecessor among the measured commits on main (and with its successor, when it was
measured later than a newer commit), into ``results/paired/<host>/<base8>..<head8>/``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from perftools import abab, hostid, paired
from perftools.common import ASV_DIR, REPO, ToolError, git


def measured_on_main(machine: str, repo: Path = REPO, branch: str = "main") -> list[str]:
    """Full hashes of the commits on ``branch``'s first-parent line with a result, oldest first."""
    folder = repo / "results" / machine
    names = {p.name[:8] for p in folder.glob("*-*.json")}
    line = git("rev-list", "--first-parent", "--reverse", branch, repo=repo).split()
    return [c for c in line if c[:8] in names]


def pairs_for(new: Iterable[str], measured: Sequence[str]) -> list[tuple[str, str]]:
    """The adjacent pairs of ``measured`` (oldest first) that include a commit of ``new``."""
    wanted = set(new)
    return [(a, b) for a, b in itertools.pairwise(measured) if a in wanted or b in wanted]


def saved_sessions(base: str, head: str, root: Path) -> list[dict[str, Any]]:
    """The ``session.json`` of every saved session of ``base`` against ``head`` under
    ``root``, on any host."""
    pattern = paired.pair_folder("*", base, head, Path()) / "session.json"
    return [json.loads(path.read_text()) for path in sorted(root.glob(str(pattern)))]


def paired_on_any_host(base: str, head: str, root: Path) -> bool:
    """Whether a saved session of ``base`` against ``head`` is under ``root``, on any host,
    measured with today's order of pinned rounds: a session of the old order
    (``abab.pinned_round``) is measured again, and the new one replaces it on its host
    (git keeps the old)."""
    return any(
        info.get("schedule", 1) >= abab.SCHEDULE for info in saved_sessions(base, head, root)
    )


def bench_for(base: str, head: str, bench: Sequence[str], root: Path) -> list[str]:
    """``bench``, and every filter of an older session of this pair on any host: the new
    session replaces it, and a series it alone measured (the cards of ``1fd9281``, say)
    would otherwise leave the steps page with the step it showed."""
    wanted = list(bench)
    for info in saved_sessions(base, head, root):
        for regex in info.get("bench", []):
            if regex not in wanted:
                wanted.append(regex)
    return wanted


def measure_pair(
    base: str, head: str, *, bench: Sequence[str], rounds: int, repo: Path = REPO
) -> Path:
    """One paired session of ``base`` and ``head``, saved under results/paired/; its folder."""
    work = ASV_DIR / "paired"
    sides = []
    for label, commit in (("base", base), ("head", head)):
        source = work / "src" / label
        paired.extract_pipeline(repo, commit, source)
        sides.append(paired.Side(commit, commit[:8], source))
    print(f"paired session: {base[:8]} against {head[:8]}, {rounds} rounds", flush=True)
    results = paired.run_session(sides, work / "session", rounds=rounds, bench=bench, repo=repo)
    dest = paired.pair_folder(hostid.host_name(), base, head, repo / "results" / "paired")
    return paired.save_session(results, dest)


def pair_new_results(
    new: Iterable[str], machine: str, *, bench: Sequence[str], rounds: int, repo: Path = REPO
) -> int:
    """Measure every pair that ``new`` commits form with their measured neighbours on main.

    Pairs that some host already has a session of are skipped: a pair needs one session,
    on whichever host (the history's re-measure goes on across sessions). 0 when all ran,
    1 if one failed.
    """
    status = 0
    for base, head in pairs_for(new, measured_on_main(machine, repo)):
        if paired_on_any_host(base, head, repo / "results" / "paired"):
            continue
        wanted = bench_for(base, head, bench, repo / "results" / "paired")
        try:
            print(f"saved {measure_pair(base, head, bench=wanted, rounds=rounds, repo=repo)}")
        except ToolError as exc:
            print(f"paired session {base[:8]}..{head[:8]} failed: {exc}", flush=True)
            status = 1
    return status
