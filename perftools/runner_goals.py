"""runner-goals: the runner's performance goals (issue #5), measured side by side in one run.

    python -m perftools runner-goals [--pages 1000] [--seed 1] [--repeats 3]
        [--work build/goals] [--pelican auto|skip] [--memory 10000]

On one generated corpus it times (median of ``--repeats``, each build into a fresh
folder, all removed at the end): Markdown alone (one converter, every page body, front
matter split beforehand), templates alone (every page's template and ``.encode()``,
HTML made beforehand), writing alone (DirectSink writing the exact bytes of a built
site), full builds with jobs 1 and 2, a rebuild with nothing changed and one with one
page changed. With ``--pelican auto`` it also times Pelican on the same pages
(``perftools/pelican.py``). ``--memory N`` also compares the peak RSS of one-process
builds of N and ``--pages`` pages. Then it prints each goal's ratio, and writes the
figures to WORK/goals.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from perftools import pelican
from perftools.common import REPO, Scratch, corpus, scratch
from perftools.profiling.worker import run_worker

Work = Callable[[], object]


def median_time(work: Work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rendering_parts(content: Path) -> tuple[list[str], Work, Work]:
    """(the pages built, Markdown alone, templates alone), each over every page built."""
    from pipeline import frontmatter, markup, templates
    from pipeline.discover import discover
    from pipeline.parse import decode, parse
    from pipeline.render import render_text
    from pipeline.report import BuildReport
    from pipeline.site import SiteInfo, render_page

    pages = parse(content, discover(content).pages, BuildReport())
    bodies = []
    for page in pages:
        text = decode((content / page.source).read_bytes(), page.source)
        bodies.append(frontmatter.split(text, page.source)[1])
    md = markup.new_markdown()

    def markdown_alone() -> None:
        for body in bodies:
            md.reset()
            md.convert(body)

    for page, body in zip(pages, bodies, strict=True):
        rendered = render_text(md, body)
        page.html, page.toc, page.toc_tokens = rendered.html, rendered.toc, rendered.toc_tokens
        page.title = page.title or rendered.heading or page.source
    env = templates.environment(content)
    site = SiteInfo(title=content.name, base_url="http://localhost:8000/")

    def templates_alone() -> None:
        for page in pages:
            render_page(env, page, site).encode()

    return [page.source for page in pages], markdown_alone, templates_alone


def writing_part(content: Path, dirs: Scratch) -> tuple[int, Work]:
    """(files, DirectSink writing the exact bytes of ``content``'s built site)."""
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    reference = dirs.fresh("reference")
    PipelineRunner(content, DirectSink(reference)).run()
    files = {
        p.relative_to(reference).as_posix(): p.read_bytes()
        for p in sorted(reference.rglob("*"))
        if p.is_file()
    }

    def writing_alone() -> None:
        sink = DirectSink(dirs.fresh())
        for path, data in files.items():
            sink.write(path, data)
        sink.close()

    return len(files), writing_alone


def measure_parts_and_builds(
    content: Path, dirs: Scratch, repeats: int
) -> tuple[dict[str, float], list[str]]:
    """The parts alone and full builds (jobs 1 and 2), interleaved; and the pages built."""
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    pages, markdown_alone, templates_alone = rendering_parts(content)
    files, writing_alone = writing_part(content, dirs)

    def build(jobs: int) -> None:
        PipelineRunner(content, DirectSink(dirs.fresh()), jobs=jobs).run()

    print(f"measuring on {len(pages)} pages, {files} files; median of {repeats} ...", flush=True)
    cases: dict[str, Work] = {
        "markdown_alone": markdown_alone,
        "templates_alone": templates_alone,
        "writing_alone": writing_alone,
        "build_jobs1": lambda: build(1),
        "build_jobs2": lambda: build(2),
    }
    # Interleaved, so that a change in the machine's load hits every figure alike.
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, work in cases.items():
            samples[name].append(median_time(work, 1))
    results = {name: statistics.median(values) for name, values in samples.items()}
    parts = results["markdown_alone"] + results["templates_alone"] + results["writing_alone"]
    results["one_page_cost"] = parts / len(pages)
    return results, pages


def measure_rebuilds(
    content: Path, pages: list[str], dirs: Scratch, repeats: int
) -> dict[str, float]:
    """A cached rebuild with nothing changed, and one with the middle page built edited."""
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    site_dir, cache = dirs.fresh("site"), dirs.fresh("cache")

    def rebuild() -> None:
        PipelineRunner(content, DirectSink(site_dir), cache_dir=cache).run()

    rebuild()
    results = {"rebuild_no_change": median_time(rebuild, repeats)}
    page = content / pages[len(pages) // 2]
    original = page.read_bytes()
    edits = iter(range(10**6))

    def one_page() -> None:
        page.write_bytes(original + f"\nEdit {next(edits)}.\n".encode())
        rebuild()

    try:
        results["rebuild_one_page"] = median_time(one_page, repeats)
    finally:
        page.write_bytes(original)
    return results


def measure_memory(args: argparse.Namespace, dirs: Scratch) -> dict[str, float]:
    """Peak RSS (VmHWM) of a one-process build of ``--pages`` and of ``--memory`` pages."""
    results = {}
    for pages in (args.pages, args.memory):
        content = corpus(args.work, pages, args.seed)
        figures = run_worker("build", content, dirs.fresh())
        results[f"peak_rss_mib_{pages}"] = figures["maxrss_kib"] / 1024
    return results


def goal_rows(r: dict[str, float]) -> list[tuple[str, str, bool]]:
    """(goal, figure, met) of the goals measured on the pipeline alone."""
    parts = r["markdown_alone"] + r["templates_alone"] + r["writing_alone"]
    full, changed = r["build_jobs1"], r["rebuild_one_page"] - r["one_page_cost"]
    return [
        (
            "single process within 1.15x of its parts",
            f"{full:.2f} s / ({r['markdown_alone']:.2f} + {r['templates_alone']:.2f}"
            f" + {r['writing_alone']:.2f} s) = {full / parts:.2f}x",
            full / parts <= 1.15,
        ),
        (
            "--jobs 2 at least 1.7x faster than --jobs 1",
            f"{full:.2f} s / {r['build_jobs2']:.2f} s = {full / r['build_jobs2']:.2f}x",
            full / r["build_jobs2"] >= 1.7,
        ),
        (
            "no-change rebuild under 5% of a full build (jobs 1)",
            f"{r['rebuild_no_change']:.3f} s = {100 * r['rebuild_no_change'] / full:.1f}%",
            r["rebuild_no_change"] / full < 0.05,
        ),
        (
            "one page changed under 5% + that page's cost",
            f"{r['rebuild_one_page']:.3f} s = {100 * changed / full:.1f}%"
            f" + {1000 * r['one_page_cost']:.1f} ms",
            changed / full < 0.05,
        ),
    ]


def memory_row(r: dict[str, float], pages: int, memory: int) -> tuple[str, str, bool]:
    small, large = r[f"peak_rss_mib_{pages}"], r[f"peak_rss_mib_{memory}"]
    return (
        f"peak RSS {memory} pages under 2.5x {pages} pages",
        f"{large:.0f} MiB / {small:.0f} MiB = {large / small:.2f}x",
        large / small < 2.5,
    )


def print_goals(r: dict[str, float], args: argparse.Namespace) -> None:
    rows = goal_rows(r)
    if "pelican" in r:
        rows.append(pelican.goal_row(r))
    if args.memory:
        rows.append(memory_row(r, args.pages, args.memory))
    print("\nfigures (s):", json.dumps({k: round(v, 4) for k, v in r.items()}))
    print()
    for goal, figure, met in rows:
        print(f"{'MET ' if met else 'MISS'}  {goal}: {figure}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "build" / "goals")
    parser.add_argument("--pelican", choices=("auto", "skip"), default="auto")
    parser.add_argument("--memory", type=int, default=0, metavar="N")


def run(args: argparse.Namespace) -> int:
    args.work = args.work.resolve()
    content = corpus(args.work, args.pages, args.seed)
    with scratch(args.work, "scratch-") as dirs:
        results, pages = measure_parts_and_builds(content, dirs, args.repeats)
        results |= measure_rebuilds(content, pages, dirs, args.repeats)
        if args.pelican == "auto":
            results |= pelican.measure(content, dirs, args.repeats, args.work)
        if args.memory:
            results |= measure_memory(args, dirs)
    print_goals(results, args)
    (args.work / "goals.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0
