"""regressions: steps by commit along main in results/, undone ones marked.

Every benchmark value that stepped between two consecutive measured commits: counts and
memory beyond their kind's threshold (``perftools/steps.py``), timings by the paired rule
(``perftools/stats.py``, from ``results/paired/``), with the commit's subject, the values
before and after, the ratio with its interval and sample counts, the verdict (regression,
improvement, machine, undone) and the address of its dashboard graph. ``--format json``
prints the same steps machine-readably. ``publish`` puts the same table
into the dashboard as its "Steps by commit" page.

    python -m perftools regressions [--config asv.conf.json] [--machine reference]
        [--branch main] [--format text|md|html|json] [--out FILE] [--nav-in HTML_INDEX]
        [--only all|deterministic|memory|timing]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perftools import asv_results, steps_format
from perftools.common import REPO
from perftools.steps import THRESHOLDS


def report(
    config: Path, machine: str, branch: str | None, fmt: str, only: str, dashboard: str | None
) -> str:
    """The steps along ``branch`` (default: the config's first) in ``fmt``."""
    conf = asv_results.load_config(config)
    branch = branch or (conf.branches or ["main"])[0]
    steps, info = asv_results.history_steps(conf, machine, branch)
    if only != "all":
        steps = [s for s in steps if s.series.kind == only]
    summary = steps_format.summarize(info, steps, machine, branch)
    if fmt == "json":
        return steps_format.format_json(steps, {**info, "branch": branch, "machine": machine,
                                                "text": summary})  # fmt: skip
    if fmt == "html":
        return steps_format.format_html(steps, summary, dashboard or "index.html")
    if fmt == "md":
        return f"{summary}\n\n{steps_format.format_markdown(steps, dashboard or 'html/index.html')}"
    return f"{summary}\n\n{steps_format.format_text(steps, dashboard or 'html/index.html')}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=REPO / "asv.conf.json")
    parser.add_argument("--machine", default="reference")
    parser.add_argument("--branch", help="default: the config's first branch")
    parser.add_argument("--format", choices=("text", "md", "html", "json"), default="text")
    parser.add_argument("--out", type=Path, help="write here instead of standard output")
    parser.add_argument("--dashboard", help="the dashboard's index.html, as links see it")
    parser.add_argument("--nav-in", type=Path, help="add a link to the page into this index.html")
    parser.add_argument("--only", choices=("all", *THRESHOLDS), default="all")


def run(args: argparse.Namespace) -> int:
    text = report(args.config, args.machine, args.branch, args.format, args.only, args.dashboard)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.nav_in and not steps_format.add_nav_link(args.nav_in):
        anchor, page = steps_format.NAV_ANCHOR, steps_format.PAGE_NAME
        print(f"no {anchor} in {args.nav_in}: link to {page} not added", file=sys.stderr)
        return 1
    return 0
