"""rebuild-goals: issue #16's build goals, measured side by side in one run.

    python -m perftools rebuild-goals [--pages 1000] [--large 10000] [--seed 1]
        [--repeats 5] [--pelican auto|skip] [--work build/goals]

Everything runs as a user runs it: a new process per build, timed from outside, the
cases of each round interleaved so that a shared machine's changing load falls on all
alike; figures are medians. On one generated corpus of ``--pages`` pages:

- clean builds: our CLI (default jobs, and ``--jobs 1``; no cache, and no cards and no
  search index, defaults that came after issue #16's table, so that it does what Pelican
  does), Pelican with our extension set and with its default Markdown
  settings (``perftools/pelican.py``), and stock Python-Markdown alone converting the same
  page bodies in this process (front matter split beforehand, start-up not counted);
- rebuilds through the CLI with its default build cache (cards and search off as above):
  nothing changed, and one page's body edited (a different edit each time); each both as
  a new process that builds by itself and with a build server running
  (``python -m pipeline server start``, pipeline/server.py), the caller still a new
  process.

On ``--large`` pages: a clean build (its wall time and the peak RSS of its largest
process, against the same at ``--pages``) and a no-change rebuild.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import common
from perftools import pelican
from perftools.common import REPO, Scratch, corpus, scratch

Case = Callable[[], float]  # runs once, returns seconds
# As a user's machine is: compiled modules cached (a no-change rebuild takes less time than
# compiling the package's sources again, which PYTHONDONTWRITEBYTECODE would force).
# No build server takes these CLI processes' builds unless a case starts its own.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PIPELINE_SERVER_DIR"] = common.NO_SERVER


def cli(content: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(out), *options]


def timed(command: list[str], cwd: Path = REPO, env: dict[str, str] = ENV) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB of the process or its largest waited-for child)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read()[-2000:]}")
    return wall, usage.ru_maxrss


def clean_cases(content: Path, dirs: Scratch, work: Path, use_pelican: bool) -> dict[str, Case]:
    # Cards and search off (benchmarks.common.cli_pins): defaults that came after the table.
    off = (*common.cli_pins(), "--no-cache")
    cases: dict[str, Case] = {
        "ours": lambda: timed(cli(content, dirs.fresh(), *off))[0],
        "ours_jobs1": lambda: timed(cli(content, dirs.fresh(), *off, "--jobs", "1"))[0],
        "stock_markdown_alone": stock_markdown(content),
    }
    if use_pelican and pelican.install():
        for name, ours in (("pelican_ours", True), ("pelican_defaults", False)):
            cases[name] = pelican_case(*pelican.command(content, work, ours), dirs)
    return cases


def pelican_case(command: list[str], cwd: Path, dirs: Scratch) -> Case:
    return lambda: timed([*command, str(dirs.fresh())], cwd)[0]


def stock_markdown(content: Path) -> Case:
    """Stock Python-Markdown over every page body, one converter reset per page."""
    import markdown

    from pipeline import frontmatter, markup

    bodies = []
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8-sig")
        bodies.append(frontmatter.split(text, str(path))[1])
    md = markdown.Markdown(extensions=list(markup.EXTENSIONS))

    def convert() -> float:
        start = time.perf_counter()
        for body in bodies:
            md.reset()
            md.convert(body)
        return time.perf_counter() - start

    return convert


def rebuild_cases(
    content: Path, site: Path, env: dict[str, str] = ENV, suffix: str = ""
) -> dict[str, Case]:
    """A no-change rebuild and a one-page edit, through the CLI with its default cache
    (``env``: with a build server's folder, through it)."""
    pins = common.cli_pins()
    timed(cli(content, site, *pins), env=env)  # the build they rebuild
    page = sorted(content.glob("docs/**/*.md"))[0]
    original = page.read_bytes()
    edits = iter(range(10**6))

    def one_page() -> float:
        page.write_bytes(original + f"\nEdit {next(edits)}.\n".encode())
        return timed(cli(content, site, *pins), env=env)[0]

    def no_change() -> float:
        page.write_bytes(original)
        timed(cli(content, site, *pins), env=env)  # the last edit undone, untimed
        return timed(cli(content, site, *pins), env=env)[0]

    return {f"rebuild_no_change{suffix}": no_change, f"rebuild_one_page{suffix}": one_page}


@contextmanager
def build_server(dirs: Scratch) -> Iterator[dict[str, str]]:
    """A build server of this checkout's pipeline for the time being; its callers' env."""
    env = {**ENV, "PIPELINE_SERVER_DIR": str(dirs.fresh("server"))}
    server = [sys.executable, "-m", "pipeline", "server"]
    subprocess.run([*server, "start"], check=True, env=env, cwd=REPO, capture_output=True)
    try:
        yield env
    finally:
        subprocess.run([*server, "stop"], env=env, cwd=REPO, capture_output=True)


def interleaved(cases: dict[str, Case], repeats: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_number in range(repeats):
        names = list(cases) if round_number % 2 == 0 else list(reversed(cases))
        for name in names:
            samples[name].append(cases[name]())
        print(f"  round {round_number + 1}/{repeats} done", flush=True)
    return {name: statistics.median(values) for name, values in samples.items()}


def large_site(args: argparse.Namespace, dirs: Scratch) -> dict[str, float]:
    """Clean builds of --pages and --large pages (wall, peak RSS), and a --large rebuild."""
    small = corpus(args.work, args.pages, args.seed)
    large = corpus(args.work, args.large, args.seed)
    pins = common.cli_pins()
    off = (*pins, "--no-cache")
    results: dict[str, list[float]] = {}
    for _ in range(3):
        for name, content in (("small", small), ("large", large)):
            wall, rss = timed(cli(content, dirs.fresh(), *off))
            results.setdefault(f"clean_{name}", []).append(wall)
            results.setdefault(f"peak_rss_mib_{name}", []).append(rss / 1024)
    site = dirs.fresh("large-site")
    timed(cli(large, site, *pins))
    for _ in range(args.repeats):
        wall = timed(cli(large, site, *pins))[0]
        results.setdefault("rebuild_no_change_large", []).append(wall)
    return {name: statistics.median(values) for name, values in results.items()}


def goal_rows(r: dict[str, float], args: argparse.Namespace) -> list[tuple[str, str, bool]]:
    rows = []
    for name, goal in (("pelican_ours", 3.5), ("pelican_defaults", 4.0)):
        if name in r:
            ratio = r[name] / r["ours"]
            figure = f"{r[name]:.2f} s / {r['ours']:.2f} s = {ratio:.2f}x"
            rows.append((f"clean build {goal}x faster than {name}", figure, ratio >= goal))
    stock, jobs1 = r["stock_markdown_alone"], r["ours_jobs1"]
    rows.append(("--jobs 1 build faster than stock Markdown alone",
                 f"{jobs1:.2f} s vs {stock:.2f} s", jobs1 < stock))  # fmt: skip
    for name, limit in (("rebuild_no_change", 0.15), ("rebuild_one_page", 0.2)):
        for variant, how in (("", "new process"), ("_server", "with the build server")):
            rows.append((f"{name} at {args.pages} pages <= {limit} s ({how})",
                         f"{r[name + variant]:.3f} s", r[name + variant] <= limit))  # fmt: skip
    if "clean_large" in r:
        wall = r["clean_large"] / r["clean_small"]
        rss = r["peak_rss_mib_large"] / r["peak_rss_mib_small"]
        rows += [
            (f"rebuild_no_change at {args.large} pages <= 1.0 s",
             f"{r['rebuild_no_change_large']:.3f} s", r["rebuild_no_change_large"] <= 1.0),
            (f"{args.large}-page build <= 10x the {args.pages}-page build",
             f"{r['clean_large']:.2f} s / {r['clean_small']:.2f} s = {wall:.2f}x", wall <= 10),
            (f"{args.large}-page peak RSS <= 2x", f"{r['peak_rss_mib_large']:.0f} MiB / "
             f"{r['peak_rss_mib_small']:.0f} MiB = {rss:.2f}x", rss <= 2),
        ]  # fmt: skip
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000, help="0: skip the large site")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pelican", choices=("auto", "skip"), default="auto")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "goals")


def run(args: argparse.Namespace) -> int:
    args.work = args.work.resolve()
    content = corpus(args.work, args.pages, args.seed)
    with scratch(args.work, "scratch-") as dirs:
        print(f"clean builds and rebuilds of {content} ({args.repeats} rounds) ...", flush=True)
        cases = clean_cases(content, dirs, args.work, args.pelican == "auto")
        cases |= rebuild_cases(content, dirs.fresh("site"))
        with build_server(dirs) as env:
            cases |= rebuild_cases(content, dirs.fresh("site-server"), env, "_server")
            results = interleaved(cases, args.repeats)
        if args.large:
            print(f"{args.large} pages against {args.pages} ...", flush=True)
            results |= large_site(args, dirs)
    print("\nfigures:", json.dumps({k: round(v, 4) for k, v in results.items()}))
    for goal, figure, met in goal_rows(results, args):
        print(f"{'MET ' if met else 'MISS'}  {goal}: {figure}")
    (args.work / "rebuild-goals.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0
