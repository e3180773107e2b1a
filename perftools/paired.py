"""Paired sessions: versions of pipeline/ measured side by side, samples interleaved.

One session measures two or more *sides* (a commit's ``pipeline/``, or the working tree's)
on one host, in one sitting, with the ABAB driver (``perftools/abab.py``): each benchmark
is set up once per side, then timed one sample per side at a time, the order rotated every
round (A B, B A, A B, ...; A B C, B C A, C A B for three). Whatever the machine does
meanwhile (load from neighbours, thermal state) falls on all sides alike, and the
statistics (``perftools/stats.py``) see every sample, not one median per commit.

Each side runs today's benchmark suite with its own ``pipeline`` first on PYTHONPATH,
extracted from git with ``git archive`` (or copied from the working tree) into a folder of
the same shape, so the sides differ only by their code. The same driver serves the gate
(``perf-check``, an uncommitted working tree) and the history (``bench``, ``history``), so
they agree on any pair.

Where sessions live: ``results/paired/<host>/<base8>..<head8>/`` holds the raw asv result
file of each side (samples included), asv's ``benchmarks.json`` of the session and
``session.json`` (the host's fingerprint and calibration, the commits, rounds, the
benchmark filter). It has no ``machine.json``, so ``asv publish`` (the dashboard) skips it
and reads ``results/reference/`` as before; ``regressions`` reads both.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perftools import abab, hostid
from perftools.common import REPO, ToolError
from perftools.steps import Series, kind_of

PAIRED = REPO / "results" / "paired"
# What a paired session of `make bench`/`make history` measures by default: one timing or
# two of each family (in-process render and build, the CLI, both sinks) and the controls.
# All timings (r"\.time_") are 3-4 times the cost, past the 8 minutes a commit may take
# on a 2-core host; counts and memory peaks are compared from results/reference/.
PAIRED_BENCH = (
    r"BuildCli\.time_build",
    r"bench_pipeline\.Build\.time_build\(1000\)",
    r"MarkdownRender\.time_markdown_page",
    r"SinkWrite\.time_write_fresh\('(direct|batch)', '1000x8KiB'\)",
    r"bench_controls\.",
    r"SinkFloor\.time_write_fresh\('1000x8KiB'\)",
)
TIMING_BENCH = r"\.time_"
DEFAULT_ROUNDS = 6


@dataclasses.dataclass(frozen=True)
class Side:
    """One version measured in a session."""

    commit: str  # the hash its results are recorded under
    label: str
    source: Path  # the folder holding this side's pipeline/


def extract_pipeline(repo: Path, rev: str | None, dest: Path) -> None:
    """``rev``'s pipeline/ (the working tree's if None) into ``dest``, alone."""
    shutil.rmtree(dest, ignore_errors=True)
    if rev is None:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(repo / "pipeline", dest / "pipeline", ignore=ignore)
        return
    run = subprocess.run(["git", "archive", "--format=tar", rev, "pipeline"], cwd=repo,
                         capture_output=True)  # fmt: skip
    if run.returncode != 0:
        raise ToolError(f"{rev} has no pipeline/ to benchmark: {run.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(run.stdout)) as tar:
        tar.extractall(dest, filter="data")


def round_orders(sides: Sequence[Side], rounds: int) -> list[list[Side]]:
    """The order of the sides in each round (``abab.rotation``)."""
    return [abab.rotation(sides, r) for r in range(rounds)]


def run_session(
    sides: Sequence[Side],
    work: Path,
    *,
    rounds: int = DEFAULT_ROUNDS,
    bench: Sequence[str] = PAIRED_BENCH,
    repo: Path = REPO,
    say: Callable[[str], None] = print,
) -> Path:
    """Measure ``sides`` side by side, ``rounds`` samples each (ABAB); the results folder.

    ``work`` is a scratch folder (removed first). Raises ToolError when no benchmark
    matches or a side ends with no samples at all.
    """
    if len({side.commit for side in sides}) != len(sides):
        raise ToolError("every side of a session needs its own commit hash")
    work = work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    host = hostid.describe()
    started = time.monotonic()
    benchmarks, measured = abab.run_abab(sides, bench, rounds, repo, work, say)
    results = work / "results"
    abab.save_results(sides, benchmarks, measured, host["host"], results)
    session = {
        **host,
        "calibration_after": hostid.calibrate(),
        "sides": [{"commit": s.commit, "label": s.label} for s in sides],
        "rounds": rounds,
        "schedule": abab.SCHEDULE,
        "bench": list(bench),
        "seconds": round(time.monotonic() - started, 1),
    }
    (results / "session.json").write_text(json.dumps(session, indent=1) + "\n")
    for side in sides:
        if not any(got.get(side.commit) for got in measured.values()):
            logs = sorted(work.glob("abab-*.log"))
            tail = logs[-1].read_text()[-2000:] if logs else ""
            raise ToolError(f"{side.label} ({side.commit[:8]}) has no samples:\n{tail}")
    return results


def save_session(results: Path, dest: Path) -> Path:
    """Copy a session's result files, flat, into ``dest`` (replacing what was there)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy2(results / "session.json", dest / "session.json")
    shutil.copy2(results / "benchmarks.json", dest / "benchmarks.json")
    for path in results.glob("*/*.json"):
        if path.name != "machine.json":
            shutil.copy2(path, dest / path.name)
    return dest


def pair_folder(host: str, base: str, head: str, root: Path = PAIRED) -> Path:
    return root / host / f"{base[:8]}..{head[:8]}"


# --- reading ----------------------------------------------------------------------------

Samples = dict[Series, list[float]]


@dataclasses.dataclass
class Session:
    """A saved session: its description and each side's samples by series."""

    folder: Path
    info: dict[str, Any]
    samples: dict[str, Samples]  # full commit hash -> series -> samples

    @property
    def host(self) -> str:
        return self.info.get("host", "unknown")

    @property
    def by_round(self) -> bool:
        """Whether its rounds may be compared as pairs (``stats.judge``): since schedule 2
        each side takes each place of a round equally often on each core. Before it, the
        place went with coming first on a core, and a side's round-by-round ratio carried
        that: 0.82 in even rounds, 0.95 in odd ones, for one pair of commits that left
        Markdown's instructions unchanged."""
        return self.info.get("schedule", 0) >= abab.BALANCED_SCHEDULE


def load_session(folder: Path) -> Session:
    """A session saved by ``save_session`` (or asv's results folder of one, unsaved)."""
    from asv.results import Results
    from asv.util import load_json

    info = json.loads((folder / "session.json").read_text())
    benchmarks = load_json(str(folder / "benchmarks.json"), api_version=2)
    files = [p for p in folder.rglob("*.json")
             if p.name not in ("session.json", "benchmarks.json", "machine.json")]  # fmt: skip
    by_commit: dict[str, Samples] = {}
    for path in files:
        result = Results.load(str(path))
        samples = by_commit.setdefault(result.commit_hash, {})
        for key in result.get_all_result_keys():
            if key not in benchmarks:
                continue
            bench = benchmarks[key]
            params = result.get_result_params(key)
            per_combo = result.get_result_samples(key, params)
            values = result.get_result_value(key, params)
            combos = itertools.product(*params)
            for combo, got, value in zip(combos, per_combo, values, strict=True):
                series = Series(key, tuple(zip(bench["param_names"], combo, strict=True)),
                                kind_of(key, bench["type"]), bench.get("unit") or "")  # fmt: skip
                clean = [x for x in (got or []) if x is not None and x == x]
                if not clean and value is not None and value == value:
                    clean = [value]  # a track_ value: one figure, no samples
                if clean:
                    samples[series] = clean
    return Session(folder, info, by_commit)


def load_sessions(root: Path = PAIRED) -> list[Session]:
    """Every saved session under ``root`` (``<host>/<base>..<head>/``)."""
    if not root.is_dir():
        return []
    return [load_session(p.parent) for p in sorted(root.glob("*/*/session.json"))]
