"""The steps as a table: fixed-width text, Markdown, or a dashboard page of its own.

Each benchmark links to its dashboard graph with the step's two commits highlighted.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from perftools import stats
from perftools.steps import THRESHOLDS, Step

PAGE_NAME = "regressions-by-commit.html"  # the dashboard's page of steps by commit


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
            "interval": "-" if s.low is None else f"{s.low:.3f}-{s.high:.3f}",
            "n": "-" if s.n_before is None else f"{s.n_before}/{s.n_after}",
            "change": s.note,
        }
        for s in steps
    ]


COLUMNS = ("commit", "subject", "benchmark", "kind", "before", "after", "ratio", "interval",
           "n", "change")  # fmt: skip


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def json_rows(steps: Iterable[Step]) -> list[dict[str, Any]]:
    """The steps as JSON-able records (``make regressions FORMAT=json``)."""
    return [
        {
            "commit": s.after_commit,
            "before_commit": s.before_commit,
            "subject": s.subject,
            "benchmark": s.series.benchmark,
            "params": dict(s.series.params),
            "label": s.series.label,
            "kind": s.series.kind,
            "unit": s.series.unit,
            "before": s.before,
            "after": s.after,
            "ratio": s.ratio,
            "interval": None if s.low is None else [_finite(s.low), _finite(s.high)],
            "samples": None if s.n_before is None else [s.n_before, s.n_after],
            "p": s.p,
            "host": s.host or None,
            "verdict": s.verdict,
            "undone_by": s.undone_by,
            "undoes": s.undoes,
        }
        for s in steps
    ]


def format_json(steps: Sequence[Step], info: dict[str, Any]) -> str:
    """``{"summary": ..., "rules": ..., "steps": [...]}``, one document."""
    rules = {
        "thresholds": THRESHOLDS,
        "timing": {"alpha": stats.ALPHA, "level": stats.LEVEL,
                   "min_samples": stats.MIN_SAMPLES, "min_effect": stats.MIN_EFFECT},
    }  # fmt: skip
    return json.dumps({"summary": info, "rules": rules, "steps": json_rows(steps)}, indent=1) + "\n"


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
        if step.undone_by or step.undoes or step.machine:
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
    rules = ", ".join(f"{kind} {t:.0%}" for kind, t in THRESHOLDS.items() if kind != "timing")
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
<p>A deterministic or memory step is a change between two consecutive measured commits
beyond its kind's threshold ({html.escape(rules)}). A timing step is judged only from
samples of both commits taken side by side in one session (a signed-rank test of the
per-round ratios, or Mann-Whitney U where rounds cannot be paired, a bootstrap interval of
the ratio, and a minimum effect per benchmark family); "the machine
changed" marks a pair in which a control moved. Steps later undone are kept, dimmed, and say which
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


def summarize(info: dict[str, Any], steps: Sequence[Step], machine: str, branch: str) -> str:
    worse = sum(s.worse and not s.machine for s in steps)
    machine_steps = sum(s.machine for s in steps)
    undone = sum(bool(s.undone_by) for s in steps)
    text = (
        f"{branch}: {info['commits']} commits, {info['measured']} measured on machine "
        f"{machine}, {info['series']} benchmark values; {len(steps)} steps "
        f"({worse} regressions, {len(steps) - worse - machine_steps} improvements, "
        f"{undone} later undone, {machine_steps} where the machine changed)."
    )
    if info.get("pairs"):
        text += (
            f" Timings: {info['pairs'] - info['unpaired']} of {info['pairs']} adjacent pairs "
            f"measured side by side ({info.get('by_round', 0)} of them compared round by round, "
            f"{info['machine_pairs']} where a control moved); the "
            f"other {info['unpaired']} pairs' timings are not compared."
        )
    if info["off_branch"]:
        text += f" Ignored results of {len(info['off_branch'])} commit(s) not on {branch}."
    return text
