"""Benchmark values from asv's result files, read with asv's own loaders.

``Config.load``, ``Benchmarks.load`` and ``iter_results_for_machine`` handle benchmark
versions and parameter grids as the dashboard handles them. Commits are ordered along
the branch's first parents, oldest first.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

from perftools.common import git
from perftools.paired_steps import timing_steps
from perftools.steps import Series, Step, find_steps, kind_of


def load_config(path: str | os.PathLike[str]) -> Any:
    """asv's Config, with its relative paths taken from the config file's folder."""
    from asv.config import Config

    conf = Config.load(str(path))
    root = os.path.dirname(os.path.abspath(path))
    for attr in ("repo", "results_dir", "benchmark_dir", "html_dir"):
        value = getattr(conf, attr, None)
        if value and not os.path.isabs(value) and "://" not in value:
            setattr(conf, attr, os.path.normpath(os.path.join(root, value)))
    return conf


def load_values(conf: Any, machine: str) -> dict[str, dict[Series, float | None]]:
    """commit hash -> series -> value, for every result file of ``machine``."""
    from asv.benchmarks import Benchmarks
    from asv.results import iter_results_for_machine

    benchmarks = Benchmarks.load(conf)
    by_commit: dict[str, dict[Series, float | None]] = {}
    for result in iter_results_for_machine(conf.results_dir, machine):
        values = by_commit.setdefault(result.commit_hash, {})
        for key in sorted(result.get_result_keys(benchmarks)):
            info = benchmarks[key]
            params = info["params"]
            # One value per parameter combination, in itertools.product order ([()] if none).
            value = result.get_result_value(key, params)
            kind, unit = kind_of(key, info["type"]), info.get("unit") or ""
            for combo, v in zip(itertools.product(*params), value, strict=True):
                named = tuple(zip(info["param_names"], combo, strict=True))
                values[Series(key, named, kind, unit)] = v
    return by_commit


def first_parent_history(repo: str, branch: str) -> list[tuple[str, str]]:
    """(hash, subject) of each commit on ``branch``'s first-parent line, oldest first."""
    out = git("log", "--first-parent", "--reverse", "--format=%H%x1f%s", branch, repo=Path(repo))
    return [tuple(line.split("\x1f", 1)) for line in out.splitlines() if line]  # type: ignore[misc]


def history_steps(
    conf: Any, machine: str, branch: str, paired_root: Path | None = None
) -> tuple[list[Step], dict[str, Any]]:
    """Every step along ``branch`` in ``conf``'s results, oldest commit first.

    Deterministic and memory steps come from the machine's results; timing steps only from
    the paired sessions under ``paired_root`` (default: ``<results>/paired``).
    """
    commits = first_parent_history(conf.repo, branch)
    values = load_values(conf, machine)
    order = [c for c, _ in commits if c in values]
    subjects = dict(commits)
    all_series = sorted({s for v in values.values() for s in v}, key=lambda s: s.label)
    steps = []
    for series in all_series:
        if series.kind != "timing":
            steps += find_steps(series, [(c, values[c].get(series)) for c in order], subjects)
    root = paired_root or Path(conf.results_dir) / "paired"
    timed, paired_info = timing_steps(order, subjects, root)
    steps += [s for s in timed if s.after_commit in subjects]
    position = {c: i for i, c in enumerate(order)}
    steps.sort(key=lambda s: (position[s.after_commit], s.series.label))
    info = {
        "commits": len(commits),
        "measured": len(order),
        "off_branch": sorted(set(values) - set(order)),
        "series": len(all_series),
        **paired_info,
    }
    return steps, info
