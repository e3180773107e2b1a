"""publish: build the dashboard into html/ (works offline), with its page of steps by commit.

    python -m perftools publish [--machine reference]

``asv publish``, then the dashboard's scripts from pinned npm packages instead of CDNs
(``offline-dashboard``), then the "Steps by commit" page (``regressions``) linked from
the dashboard's navigation bar.
"""

from __future__ import annotations

import argparse

from perftools import offline_dashboard, regressions, steps_format
from perftools.asv_setup import run_asv
from perftools.common import REPO, ToolError

HTML = REPO / "html"


def publish(machine: str) -> None:
    run_asv("publish", machine=machine)
    offline_dashboard.install_npm_packages()
    if offline_dashboard.make_offline(HTML) != 0:
        raise ToolError(f"the dashboard in {HTML} still needs the network (see above)")
    page = HTML / steps_format.PAGE_NAME
    text = regressions.report(REPO / "asv.conf.json", machine, None, "html", "all", None)
    page.write_text(text, encoding="utf-8")
    if not steps_format.add_nav_link(HTML / "index.html"):
        raise ToolError(f"no {steps_format.NAV_ANCHOR} in {HTML / 'index.html'}: asv's moved")
    print(f"wrote {page}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    publish(args.machine)
    return 0
