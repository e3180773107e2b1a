"""Command line: ``python -m pipeline build CONTENT_DIR --out SITE_DIR``.

The synthetic content the benchmarks use comes from ``python -m benchmarks.corpus``.
The rest of the pipeline is imported only once the build stamp (pipeline/stamp.py)
says there is work to do: most of a rebuild with nothing to do would be imports.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from pipeline import TYPE_CHECKING, stamp
from pipeline.cache_location import CACHE_FOLDER, default_cache_dir, is_within
from pipeline.defaults import CARD_MODES, DEFAULT_SINK, PAGE_TIMEOUT, SINKS, default_jobs
from pipeline.errors import PipelineError
from pipeline.lock import FolderLocks

if TYPE_CHECKING:
    from pipeline.report import BuildReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SHOWN = 10  # problems listed in the summary before "and N more"


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 still prints
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "server":
        from pipeline import build_server

        return build_server.command(args.action, args.idle)
    return _build(parser, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "server",
        help="keep a warmed-up process for this user's builds (a one-page edit in a tenth "
        "of a second)",
    )
    serve.add_argument(
        "action", choices=["start", "stop", "status", "run"],
        help="start one in the background, stop it, ask whether one runs, or run one here",
    )  # fmt: skip
    serve.add_argument(
        "--idle", type=float, default=30.0, metavar="MINUTES",
        help="stop after this long without a build (default: 30)",
    )  # fmt: skip

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
        help=(
            "the build cache, for incremental builds (default: "
            f"SITE_DIR/../{CACHE_FOLDER}/<name of SITE_DIR>, beside the site and never "
            "published with it; must not be inside SITE_DIR)"
        ),
    )
    build.add_argument(
        "--no-cache", action="store_true", help="neither read nor write a build cache"
    )
    build.add_argument(
        "--clean", action="store_true", help="ignore the build cache: render and write everything"
    )
    build.add_argument(
        "--verify",
        action="store_true",
        help="trust no file's size and modification time: compare what every file holds",
    )
    build.add_argument(
        "--page-timeout",
        type=float,
        default=PAGE_TIMEOUT,
        metavar="SECONDS",
        help="a page whose Markdown or template takes longer fails alone "
        f"(default: {PAGE_TIMEOUT:g}; 0 for no limit)",
    )
    build.add_argument(
        "--sink",
        choices=SINKS,
        default=DEFAULT_SINK,
        help=f"how files are written (default: {DEFAULT_SINK}; direct is the naive baseline)",
    )
    build.add_argument(
        "--cards",
        choices=CARD_MODES,
        default="standard",
        help="a social card (Open Graph image) per page: standard 1200x630, high 2400x1260, "
        "or off (default: standard)",
    )
    build.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help=(
            "when another build is writing to the same output or cache folder, wait up to "
            "SECONDS for it to end (default: 0, refuse at once)"
        ),
    )
    build.add_argument(
        "--sidecars",
        action="store_true",
        help="write PAGE.json beside each PAGE.html: its metadata, contents, words and links",
    )
    build.add_argument(
        "--no-search",
        dest="search",
        action="store_false",
        help="write no search index (search/search_index.json) and no search page",
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

    return parser


def _build(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.content_dir.is_dir():
        parser.error(f"content folder {args.content_dir} does not exist or is not a folder")
    if is_within(args.content_dir, args.out):  # it would write (and remove) over its sources
        parser.error("--out must not be the content folder, nor a folder that holds it")
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.page_timeout < 0:
        parser.error("--page-timeout must be 0 (no limit) or more")
    if args.wait < 0:
        parser.error("--wait must not be negative")
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir(args.out))
    if cache_dir is not None and is_within(cache_dir, args.out):
        parser.error("--cache-dir must be outside SITE_DIR: everything in SITE_DIR is published")
    try:
        folders = _make_folders(args.out, cache_dir)
        with FolderLocks(folders, wait=args.wait):
            report = _unchanged(args, jobs, cache_dir)
            if report is None:
                _tidy(args.out, cache_dir)
                report = _run(args, jobs, cache_dir)
    except PipelineError as exc:
        print(f"error: {_shown(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    if args.report is not None:
        _write_report(report, args.report)
    _print_summary(report, args.out, None if args.verbose else SHOWN)
    return EXIT_OK if report.ok else EXIT_FAILED


def _make_folders(out: Path, cache_dir: Path | None) -> dict[str, str]:
    """Create the output and cache folders, to lock them; what each is, by path."""
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise PipelineError(
            os.fspath(out), f"cannot create output folder: {exc.strerror}"
        ) from None
    folders = {os.fspath(out): "output folder"}
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PipelineError(
                os.fspath(cache_dir),
                f"cannot create the build cache folder: {exc.strerror} "
                "(choose another with --cache-dir DIR, or build with --no-cache)",
            ) from None
        folders[os.fspath(cache_dir)] = "build cache folder"
    return folders


def _unchanged(args: argparse.Namespace, jobs: int, cache_dir: Path | None) -> stamp.Summary | None:
    """The last build's summary when the build stamp says nothing changed since; None when
    this build has work to do (or asks for what only a full build gives: a trace)."""
    if cache_dir is None or args.clean or args.verify or args.trace is not None:
        return None
    start, start_cpu = time.perf_counter(), time.process_time()
    settings = stamp.settings(os.fspath(args.content_dir), os.fspath(args.out), args.title,
                              args.base_url, args.cards, args.sidecars, args.search)  # fmt: skip
    summary = stamp.unchanged(os.fspath(cache_dir), settings, jobs)
    if summary is not None:
        summary.elapsed = time.perf_counter() - start
        summary.cpu = time.process_time() - start_cpu
    return summary


def _tidy(out: Path, cache_dir: Path | None) -> None:
    """Under the build lock: nothing a killed build or an older version left is published."""
    from pipeline.cache_location import retire_old_cache
    from pipeline.leftovers import remove_leftovers

    notes, warnings = retire_old_cache(out, cache_dir)
    removed = remove_leftovers(os.fspath(out))
    if cache_dir is not None:
        from_cache = remove_leftovers(os.fspath(cache_dir), recursive=False)
        removed.removed += from_cache.removed
        removed.kept += from_cache.kept
    if removed.removed:
        notes.append(
            f"removed {removed.removed} temporary file(s) or staging folder(s) "
            "left by a killed build"
        )
    warnings += [f"{kept} (left by a killed build)" for kept in removed.kept]
    for note in notes:
        print(f"note: {_shown(note)}", file=sys.stderr)
    for warning in warnings:
        print(f"warning: {_shown(warning)}", file=sys.stderr)


def _run(args: argparse.Namespace, jobs: int, cache_dir: Path | None) -> BuildReport:
    from pipeline.runner import PipelineRunner
    from pipeline.sink import open_sink

    runner = PipelineRunner(
        args.content_dir,
        open_sink(args.sink, args.out),
        title=args.title,
        base_url=args.base_url,
        progress=_Progress(),
        jobs=jobs,
        cache_dir=cache_dir,
        clean=args.clean,
        trace=args.trace,
        verify=args.verify,
        page_timeout=args.page_timeout or None,
        sidecars=args.sidecars,
        search=args.search,
        cards=args.cards,
    )
    return runner.run(stamp_checked=True)  # _unchanged asked it, where it may be asked


def _write_report(report: BuildReport | stamp.Summary, path: Path) -> None:
    if isinstance(report, stamp.Summary):
        from pipeline.report import BuildReport

        report = BuildReport.from_stamp(report)
    report.write_json(path)


class _Progress:
    """A one-line progress counter on a terminal, once a build has run for a moment."""

    def __init__(self, after: float = 1.0) -> None:
        self.start = time.perf_counter()
        self.after = after
        self.shown = sys.stderr.isatty()  # asked once: it is a system call

    def __call__(self, done: int, total: int) -> None:
        if not self.shown or time.perf_counter() - self.start < self.after:
            return
        end = "\n" if done == total else ""
        print(f"\rrendering pages: {done}/{total}", end=end, file=sys.stderr, flush=True)


def _cards_line(report: BuildReport | stamp.Summary) -> str:
    """The summary's line on social cards; none when the build had none to draw or keep."""
    if not (report.cards_drawn or report.cards_kept or report.cards_failed):
        return ""
    cpu = report.stages["cards"].cpu if report.cards_drawn else 0.0
    line = f"\n  {report.cards_drawn} social cards drawn "
    line += f"({cpu:.2f} s CPU), {report.cards_kept} already up to date"
    return line + (f", {report.cards_failed} failed" if report.cards_failed else "")


# C0 and C1 controls, DEL, and the bidirectional overrides and isolates. A pattern, not
# compiled at import: compiling it cost a no-change rebuild 1.4% of its instructions.
_CONTROL = "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def _shown(text: str) -> str:
    """``text`` with control characters as escapes: a file name from the content (it may
    come from a pull request) must not move the terminal's cursor or fake a log line."""
    return re.sub(_CONTROL, lambda m: repr(m[0])[1:-1], text)


def _removed_line(report: BuildReport | stamp.Summary) -> str:
    removed = getattr(report, "files_removed", 0)  # a stamped rebuild removes nothing
    return f"; {removed} stale files removed" if removed else ""


def _unused_lines(report: BuildReport | stamp.Summary, shown: int | None) -> str:
    """Content the site does not have, by name, as nothing is dropped silently: folders and
    pages never read for their names, files no built page refers to."""
    lines = ""
    for what, names in (
        ("left out, named with a leading '.' or '_'", report.left_out),
        ("content files not published, as no built page refers to them", report.unpublished),
    ):
        if names:
            lines += f"\n  {len(names)} {what}: " + ", ".join(map(_shown, names[:shown]))
            more = len(names) - shown if shown is not None else 0
            lines += f" and {more} more (--verbose lists them all)" if more > 0 else ""
    return lines


def _print_summary(report: BuildReport | stamp.Summary, out: Path, shown: int | None) -> None:
    rate = report.pages_built / report.elapsed if report.elapsed else 0.0
    print(
        f"built {report.pages_built} pages into {out} "
        f"in {report.elapsed:.2f} s ({rate:.0f} pages/s)\n"
        f"  {report.files_written} files, {report.bytes_written / 1e6:.2f} MB written; "
        f"{report.media_files - report.media_unchanged} media files copied "
        f"({report.media_unchanged} already up to date); {report.drafts} drafts left out\n"
        f"  {report.pages_rendered} pages rendered with {report.jobs} process(es), "
        f"{report.cache_hits} from the cache; {report.files_unchanged} files already up to date"
        f"{_removed_line(report)}{_cards_line(report)}{_unused_lines(report, shown)}"
    )
    for warning in report.warnings:
        print(f"warning: {_shown(warning)}", file=sys.stderr)
    for heading, problems in (
        ("pages failed", report.pages_failed),
        ("references that do not resolve", report.unresolved),
    ):
        if not problems:
            continue
        print(f"{len(problems)} {heading}:")
        for problem in problems[:shown]:
            print(f"  {_shown(str(problem))}")
        if shown is not None and len(problems) > shown:
            print(f"  ... and {len(problems) - shown} more (--verbose lists them all)")
    if report.fatal:
        print(f"error: {_shown(report.fatal)}", file=sys.stderr)
