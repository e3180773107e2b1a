"""dashboard: publish the committed history, benchmark what is missing, publish again.

    python -m perftools dashboard [--machine reference]

The first publish shows the committed results at once; the second adds what ``history``
measured.
"""

from __future__ import annotations

import argparse

from perftools.history import benchmark_missing
from perftools.publish import publish


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    publish(args.machine)
    status = benchmark_missing(args.machine)
    publish(args.machine)
    print("dashboard in html/: make preview, then open http://127.0.0.1:8080/")
    return status
