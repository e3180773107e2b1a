"""site: build the generated demo content (PAGES pages, SEED) into a site folder.

    python -m perftools site [--pages 200] [--seed 1] [--out site] [--cache build]

The content is made once by the suite's corpus generator, in ``CACHE/content-PAGES-SEED``,
and reused; the build is ``python -m pipeline build``, as a user runs it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from perftools.common import REPO, corpus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "site")
    parser.add_argument("--cache", type=Path, default=REPO / "build", help="where content goes")
    parser.add_argument("--title", default="Pipeline demo")


def run(args: argparse.Namespace) -> int:
    from pipeline.cli import main as pipeline_main

    content = corpus(args.cache, args.pages, args.seed)
    status = pipeline_main(["build", str(content), "--out", str(args.out), "--title", args.title])
    if status == 0:
        print(f"open {args.out}/index.html, or serve it: python -m http.server -d {args.out} 8000")
    return status
