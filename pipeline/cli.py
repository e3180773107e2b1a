"""Command line: ``python -m pipeline build CONTENT_DIR --out SITE_DIR``.

The synthetic content the benchmarks use comes from ``python -m benchmarks.corpus``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.report import BuildReport
from pipeline.runner import PipelineRunner, default_jobs
from pipeline.sink import DEFAULT_SINK, SINKS, open_sink

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SHOWN = 10  # problems listed in the summary before "and N more"
CACHE_FOLDER = ".pipeline-cache"  # inside the site folder, unless --cache-dir says otherwise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build a content folder into a site")
    build.add_argument("content_dir", type=Path, metavar="CONTENT_DIR")
    build.add_argument("--out", type=Path, required=True, metavar="SITE_DIR")
    build.add_argument("--title", help="site title (default: the content folder's name)")
    build.add_argument(
        "--base-url",
        default="http://localhost:8000/",
        help="absolute URL of the site, for the feed and sitemap",
    )
    build.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes that render pages (default: the number of cores; 1 starts no pool)",
    )
    build.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="the build cache, for incremental builds (default: SITE_DIR/.pipeline-cache)",
    )
    build.add_argument(
        "--no-cache", action="store_true", help="neither read nor write a build cache"
    )
    build.add_argument(
        "--clean", action="store_true", help="ignore the build cache: render and write everything"
    )
    build.add_argument(
        "--sink",
        choices=sorted(SINKS),
        default=DEFAULT_SINK,
        help=f"how files are written (default: {DEFAULT_SINK}; direct is the naive baseline)",
    )
    build.add_argument(
        "--report", type=Path, metavar="FILE", help="write the build report as JSON to FILE"
    )
    build.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="write a Chrome trace-event JSON of the build to FILE (Perfetto, speedscope)",
    )
    build.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=f"list every problem, not only the first {SHOWN} of each kind",
    )

    args = parser.parse_args(argv)
    return _build(parser, args)


def _build(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.content_dir.is_dir():
        parser.error(f"content folder {args.content_dir} does not exist or is not a folder")
    if args.out.resolve() == args.content_dir.resolve():
        parser.error("--out must not be the content folder itself")
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        parser.error("--jobs must be at least 1")
    cache_dir = None if args.no_cache else (args.cache_dir or args.out / CACHE_FOLDER)
    try:
        sink = open_sink(args.sink, args.out)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    runner = PipelineRunner(
        args.content_dir,
        sink,
        title=args.title,
        base_url=args.base_url,
        progress=_Progress(),
        jobs=jobs,
        cache_dir=cache_dir,
        clean=args.clean,
        trace=args.trace,
    )
    report = runner.run()
    if args.report is not None:
        report.write_json(args.report)
    _print_summary(report, args.out, None if args.verbose else SHOWN)
    return EXIT_OK if report.ok else EXIT_FAILED


class _Progress:
    """A one-line progress counter on a terminal, once a build has run for a moment."""

    def __init__(self, after: float = 1.0) -> None:
        self.start = time.perf_counter()
        self.after = after

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty() or time.perf_counter() - self.start < self.after:
            return
        end = "\n" if done == total else ""
        print(f"\rrendering pages: {done}/{total}", end=end, file=sys.stderr, flush=True)


def _print_summary(report: BuildReport, out: Path, shown: int | None) -> None:
    rate = report.pages_built / report.elapsed if report.elapsed else 0.0
    print(
        f"built {report.pages_built} pages into {out} "
        f"in {report.elapsed:.2f} s ({rate:.0f} pages/s)\n"
        f"  {report.files_written} files, {report.bytes_written / 1e6:.2f} MB written; "
        f"{report.media_files} media files copied; {report.drafts} drafts left out\n"
        f"  {report.pages_rendered} pages rendered with {report.jobs} process(es), "
        f"{report.cache_hits} from the cache; {report.files_unchanged} files already up to date"
    )
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for heading, problems in (
        ("pages failed", report.pages_failed),
        ("references that do not resolve", report.unresolved),
    ):
        if not problems:
            continue
        print(f"{len(problems)} {heading}:")
        for problem in problems[:shown]:
            print(f"  {problem}")
        if shown is not None and len(problems) > shown:
            print(f"  ... and {len(problems) - shown} more (--verbose lists them all)")
    if report.fatal:
        print(f"error: {report.fatal}", file=sys.stderr)
