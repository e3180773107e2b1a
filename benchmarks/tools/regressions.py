"""Steps by commit: which commit made which benchmark slower (or faster), and by how much.

One place for the rule that decides what a step is, and for the table that shows steps;
``make regressions`` (the report over ``results/``) and ``make perf-check`` (the gate,
through ``perf_check.py``) both use them, so they agree on any pair of commits.

Usage:
    python regressions.py [--config asv.conf.json] [--machine reference] [--branch main]
                          [--format text|md|html] [--out FILE] [--nav-in HTML_INDEX]

Results are read with asv's own loaders (``Config.load``, ``Benchmarks.load``,
``iter_results_for_machine``), so benchmark versions and parameter grids are handled as the
dashboard handles them. Commits are ordered along the branch's first parents, oldest first.

The rule. A benchmark value (one parameter combination) *steps* at a commit when its
ratio to the previous measured commit's value is beyond the threshold of its kind:

- ``deterministic`` (``track_*``: counts, and instructions and allocations under
  callgrind): 2%. Counts repeat exactly; the instruction count of one Markdown page moved
  by at most 0.1% over 20 checks of an unchanged commit (object addresses and the garbage
  collector's moments differ), so 2% stays clear of that and under the 3% a change shows.
- ``memory`` (``peakmem_*``, the process's peak RSS): 10%. It does not move with load but
  with the allocator's history: 0.3% at most between two runs of one commit here, while
  tracemalloc's peak for one page ranged over 4% in 8 runs; 10% leaves room for both.
- ``timing`` (``time_*``, and the wall-time shares in TIMING_TRACKS): 50%. Timings here
  swing by a third between runs (0.83 to 1.19 ms for one benchmark), so a smaller change
  is not evidence on its own.

Why consecutive ratios and not asv's ``step_detect`` (the dashboard's regression list):
its Potts fit picks its penalty from the series' own noise, which a short history of single
values does not give. On exact values with 0.01% jitter it split at every commit; on 33
timings with +-20% noise it merged a 1.8x bump three commits long into one level. And its
``detect_regressions`` drops an upward level that the series later leaves again, which is
the "undone" step a reviewer asks about. A consecutive ratio is what the gate computes for
its two commits too. A single noisy timing shows up as a step and its undo, both marked
``timing``, which is how a reader should weigh it.

A step is *undone* by a later step of the same value in the opposite direction that
brings it back to within the threshold of the level before the step; both are marked.
Higher is worse for every benchmark except those in HIGHER_IS_BETTER.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import itertools
import math
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from urllib.parse import quote

THRESHOLDS = {"deterministic": 0.02, "memory": 0.10, "timing": 0.50}
# Benchmarks (method names) where a drop is the bad direction.
HIGHER_IS_BETTER = frozenset({"track_pages_built"})
# track_ benchmarks that report wall time (a stage's share of a build's time): timings,
# whatever their prefix says. One check of an unchanged runner moved the write share 18%.
TIMING_TRACKS = frozenset({"track_stage_share", "track_write_share"})
PAGE_NAME = "regressions-by-commit.html"


@dataclasses.dataclass(frozen=True, slots=True)
class Series:
    """One benchmark at one parameter combination."""

    benchmark: str
    params: tuple[tuple[str, str], ...]  # (name, value as asv writes it: repr)
    kind: str
    unit: str

    @property
    def label(self) -> str:
        if not self.params:
            return self.benchmark
        return f"{self.benchmark}({', '.join(f'{k}={v}' for k, v in self.params)})"

    def graph_url(self, before: str, after: str, dashboard: str = "index.html") -> str:
        """The dashboard graph of this series with the step's commits highlighted.

        asv 0.6's hash format (asv.js format_hash_string, graphdisplay.js): the benchmark
        name, then ``p-<param>=<value as repr>`` per parameter and ``commits=<a>-<b>``.
        """
        query = [f"p-{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.params]
        query.append(f"commits={before[:8]}-{after[:8]}")
        return f"{dashboard}#{self.benchmark}?{'&'.join(query)}"


@dataclasses.dataclass(slots=True)
class Step:
    """A change beyond its kind's threshold between two measured commits of one series."""

    series: Series
    before_commit: str
    after_commit: str
    subject: str
    before: float
    after: float
    undone_by: str | None = None  # the commit of the later step that undid this one
    undoes: str | None = None  # the commit of the earlier step this one undid

    @property
    def ratio(self) -> float:
        return self.after / self.before

    @property
    def worse(self) -> bool:
        up = self.after > self.before
        return not up if self.series.benchmark.rsplit(".", 1)[-1] in HIGHER_IS_BETTER else up

    @property
    def note(self) -> str:
        words = ["regression" if self.worse else "improvement"]
        if self.undone_by:
            words.append(f"undone by {self.undone_by[:8]}")
        if self.undoes:
            words.append(f"undoes {self.undoes[:8]}")
        return ", ".join(words)


def kind_of(benchmark: str, benchmark_type: str) -> str:
    """Our kind of a benchmark, from asv's type ('track', 'peakmemory', 'time', ...)."""
    if benchmark_type in ("peakmemory", "memory"):
        return "memory"
    if benchmark_type == "track" and benchmark.rsplit(".", 1)[-1] not in TIMING_TRACKS:
        return "deterministic"
    return "timing"


def beyond(before: float, after: float, kind: str) -> bool:
    """True when ``after`` differs from ``before`` by more than the kind's threshold."""
    if before <= 0 or after <= 0:
        return before != after
    return abs(math.log(after / before)) > math.log1p(THRESHOLDS[kind])


def measured(value: float | None) -> bool:
    """asv writes None for a failed benchmark and NaN for a skipped one (n/a)."""
    return value is not None and not math.isnan(value)


def find_steps(
    series: Series, points: Sequence[tuple[str, float | None]], subjects: dict[str, str]
) -> list[Step]:
    """Steps along ``points`` ((commit, value), oldest first), undone ones marked."""
    values = [(commit, value) for commit, value in points if measured(value)]
    steps = [
        Step(series, a, b, subjects.get(b, ""), va, vb)
        for (a, va), (b, vb) in itertools.pairwise(values)
        if beyond(va, vb, series.kind)
    ]
    for i, step in enumerate(steps):
        for later in steps[i + 1 :]:
            opposite = (later.after > later.before) != (step.after > step.before)
            if opposite and not beyond(step.before, later.after, series.kind):
                step.undone_by, later.undoes = later.after_commit, step.after_commit
                break
    return steps


def compare(
    base: dict[Series, float | None],
    head: dict[Series, float | None],
    base_commit: str,
    head_commit: str,
    subject: str,
) -> tuple[list[Step], list[str]]:
    """The steps from ``base`` to ``head`` and the series that failed at ``head``."""
    steps, failed = [], []
    for series in sorted(head, key=lambda s: s.label):
        value, previous = head[series], base.get(series)
        if value is None and measured(previous):
            failed.append(series.label)
        points = [(base_commit, previous), (head_commit, value)]
        steps += find_steps(series, points, {head_commit: subject})
    return steps, failed


# Reading results with asv's own code.


def load_config(path: str):
    """asv's Config, with its relative paths taken from the config file's folder."""
    from asv.config import Config

    conf = Config.load(path)
    root = os.path.dirname(os.path.abspath(path))
    for attr in ("repo", "results_dir", "benchmark_dir", "html_dir"):
        value = getattr(conf, attr, None)
        if value and not os.path.isabs(value) and "://" not in value:
            setattr(conf, attr, os.path.normpath(os.path.join(root, value)))
    return conf


def load_values(conf, machine: str) -> dict[str, dict[Series, float | None]]:
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
    out = subprocess.run(
        ["git", "log", "--first-parent", "--reverse", "--format=%H%x1f%s", branch],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [tuple(line.split("\x1f", 1)) for line in out.splitlines() if line]  # type: ignore[misc]


def history_steps(conf, machine: str, branch: str) -> tuple[list[Step], dict]:
    """Every step along ``branch`` in ``conf``'s results, oldest commit first."""
    commits = first_parent_history(conf.repo, branch)
    values = load_values(conf, machine)
    order = [c for c, _ in commits if c in values]
    subjects = dict(commits)
    all_series = sorted({s for v in values.values() for s in v}, key=lambda s: s.label)
    steps = []
    for series in all_series:
        steps += find_steps(series, [(c, values[c].get(series)) for c in order], subjects)
    position = {c: i for i, c in enumerate(order)}
    steps.sort(key=lambda s: (position[s.after_commit], s.series.label))
    info = {
        "commits": len(commits),
        "measured": len(order),
        "off_branch": sorted(set(values) - set(order)),
        "series": len(all_series),
    }
    return steps, info


# The table, in three formats.


def format_value(value: float, unit: str) -> str:
    from asv.util import human_value

    if unit in ("seconds", "bytes"):
        return human_value(value, unit)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.4g}"


def rows(steps: Iterable[Step]) -> list[dict[str, str]]:
    return [
        {
            "commit": s.after_commit[:8],
            "subject": s.subject,
            "benchmark": s.series.label,
            "kind": s.series.kind,
            "before": format_value(s.before, s.series.unit),
            "after": format_value(s.after, s.series.unit),
            "ratio": f"{s.ratio:.3f}",
            "change": s.note,
        }
        for s in steps
    ]


COLUMNS = ("commit", "subject", "benchmark", "kind", "before", "after", "ratio", "change")


def format_text(steps: Sequence[Step], dashboard: str | None = "html/index.html") -> str:
    """A fixed-width table, each row followed by its graph's address unless dashboard is None."""
    if not steps:
        return "no steps\n"
    table = rows(steps)
    for row in table:
        if len(row["subject"]) > 40:
            row["subject"] = row["subject"][:39] + "…"
    widths = {c: max(len(c), *(len(r[c]) for r in table)) for c in COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip()]
    for step, row in zip(steps, table, strict=True):
        lines.append("  ".join(row[c].ljust(widths[c]) for c in COLUMNS).rstrip())
        if dashboard is None:
            continue
        url = step.series.graph_url(step.before_commit, step.after_commit, dashboard)
        lines.append(f"{'':{widths['commit']}}  graph: {url}")
    return "\n".join(lines) + "\n"


def format_markdown(steps: Sequence[Step], dashboard: str = "index.html") -> str:
    if not steps:
        return "No steps.\n"

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    for step, row in zip(steps, rows(steps), strict=True):
        url = step.series.graph_url(step.before_commit, step.after_commit, dashboard)
        row["benchmark"] = f"[{row['benchmark']}]({url})"
        row["commit"] = f"`{row['commit']}`"
        lines.append("| " + " | ".join(cell(row[c]) for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def format_html(steps: Sequence[Step], summary: str, dashboard: str = "index.html") -> str:
    """A self-contained page (no scripts) whose benchmark names link to the graphs."""
    body = []
    for step, row in zip(steps, rows(steps), strict=True):
        url = step.series.graph_url(step.before_commit, step.after_commit, dashboard)
        cls = "worse" if step.worse else "better"
        if step.undone_by or step.undoes:
            cls += " undone"
        cells = [f"<td><code>{html.escape(row['commit'])}</code></td>"]
        cells.append(f"<td>{html.escape(row['subject'])}</td>")
        cells.append(f'<td><a href="{html.escape(url)}">{html.escape(row["benchmark"])}</a></td>')
        cells += [f"<td>{html.escape(row[c])}</td>" for c in COLUMNS[3:]]
        body.append(f'<tr class="{cls}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    table = (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        if steps
        else "<p>No steps.</p>"
    )
    rules = ", ".join(f"{kind} {t:.0%}" for kind, t in THRESHOLDS.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Steps by commit</title>
<style>
body {{ font: 14px/1.4 sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
td:nth-child(n+5) {{ white-space: nowrap; }}
tr.worse td:last-child {{ color: #b00; }}
tr.better td:last-child {{ color: #070; }}
tr.undone {{ opacity: 0.6; }}
</style></head><body>
<p><a href="{html.escape(dashboard)}">&larr; dashboard</a></p>
<h1>Steps by commit</h1>
<p>{html.escape(summary)}</p>
<p>A step is a change between two consecutive measured commits beyond its kind's
threshold ({html.escape(rules)}). Steps later undone are kept, dimmed, and say which
commit undid them. Each benchmark links to its graph with the two commits highlighted.</p>
{table}
</body></html>
"""


NAV_ITEM = f'<li id="nav-li-steps-by-commit"><a href="{PAGE_NAME}">Steps by commit</a></li>'
NAV_ANCHOR = '<li id="nav-li-regressions">'


def add_nav_link(index_html: str) -> bool:
    """Add a link to the page into the dashboard's navigation bar; False if asv's moved."""
    with open(index_html, encoding="utf-8") as f:
        text = f.read()
    if NAV_ITEM in text:
        return True
    start = text.find(NAV_ANCHOR)
    end = text.find("</li>", start)
    if start < 0 or end < 0:
        return False
    end += len("</li>")
    with open(index_html, "w", encoding="utf-8") as f:
        f.write(text[:end] + "\n\t" + NAV_ITEM + text[end:])
    return True


def summarize(info: dict, steps: Sequence[Step], machine: str, branch: str) -> str:
    worse = sum(s.worse for s in steps)
    undone = sum(bool(s.undone_by) for s in steps)
    text = (
        f"{branch}: {info['commits']} commits, {info['measured']} measured on machine "
        f"{machine}, {info['series']} benchmark values; {len(steps)} steps "
        f"({worse} regressions, {len(steps) - worse} improvements, {undone} later undone)."
    )
    if info["off_branch"]:
        text += f" Ignored results of {len(info['off_branch'])} commit(s) not on {branch}."
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="asv.conf.json")
    parser.add_argument("--machine", default="reference")
    parser.add_argument("--branch", help="default: the config's first branch")
    parser.add_argument("--format", choices=("text", "md", "html"), default="text")
    parser.add_argument("--out", help="write here instead of standard output")
    parser.add_argument("--dashboard", help="the dashboard's index.html, as links see it")
    parser.add_argument("--nav-in", help="add a link to the page into this index.html")
    parser.add_argument("--only", choices=("all", *THRESHOLDS), default="all")
    args = parser.parse_args(argv)

    conf = load_config(args.config)
    branch = args.branch or (conf.branches or ["main"])[0]
    steps, info = history_steps(conf, args.machine, branch)
    if args.only != "all":
        steps = [s for s in steps if s.series.kind == args.only]
    summary = summarize(info, steps, args.machine, branch)
    if args.format == "html":
        text = format_html(steps, summary, args.dashboard or "index.html")
    elif args.format == "md":
        text = f"{summary}\n\n{format_markdown(steps, args.dashboard or 'html/index.html')}"
    else:
        text = f"{summary}\n\n{format_text(steps, args.dashboard or 'html/index.html')}"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if args.nav_in and not add_nav_link(args.nav_in):
        print(f"no {NAV_ANCHOR} in {args.nav_in}: link to {PAGE_NAME} not added", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
