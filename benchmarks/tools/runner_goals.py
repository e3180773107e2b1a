"""The runner's performance goals (issue #5), measured side by side in one run.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/tools/runner_goals.py [--pages 1000] [--seed 1]
        [--repeats 3] [--work build/goals] [--pelican auto|skip] [--memory 10000]

On one generated corpus it times (median of ``--repeats``, each build into a fresh
folder, all removed at the end): Markdown alone (one converter, every page body, front
matter split beforehand), templates alone (every page's template and ``.encode()``,
HTML made beforehand), writing alone (DirectSink writing the exact bytes of a built
site), full builds with jobs 1 and 2, a rebuild with nothing changed and one with one
page changed. With ``--pelican auto`` it installs Pelican into /tmp/pelican-venv
(``pip install pelican``) and times ``pelican`` on the same pages, converted to its
metadata header, with the same Markdown extensions, against ``python -m pipeline
build`` run the same way (a fresh process each). ``--memory N`` also compares the
peak RSS of one-process builds of N and ``--pages`` pages. Then it prints each goal's
ratio. A tool, not an asv benchmark: ``benchmarks/tools`` has no ``__init__.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PELICAN_VENV = Path("/tmp/pelican-venv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "build" / "goals")
    parser.add_argument("--pelican", choices=("auto", "skip"), default="auto")
    parser.add_argument("--memory", type=int, default=0, metavar="N")
    args = parser.parse_args()

    from benchmarks import corpus
    from pipeline.report import StageClock  # noqa: F401  (needs the staged runner)

    args.work.mkdir(parents=True, exist_ok=True)
    content = args.work / f"content-{args.pages}-{args.seed}"
    if not content.is_dir():
        corpus.generate(content, args.pages, seed=args.seed)
    scratch = args.work / f"scratch-{os.getpid()}"
    scratch.mkdir()
    counter = iter(range(10**9))

    def fresh() -> Path:
        return scratch / f"out-{next(counter)}"

    results: dict[str, float] = {}
    try:
        results |= measure_pipeline(content, fresh, args.repeats)
        if args.pelican == "auto":
            results |= measure_pelican(content, fresh, args.repeats, args.work)
        if args.memory:
            results |= measure_memory(args, fresh)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_goals(results, args)
    (args.work / "goals.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


def median_time(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_pipeline(content: Path, fresh, repeats: int) -> dict[str, float]:
    from pipeline import frontmatter, markup, templates
    from pipeline.parse import decode, parse
    from pipeline.render import render_text
    from pipeline.report import BuildReport
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink
    from pipeline.site import SiteInfo, render_page

    report = BuildReport()
    pages = parse(content, sorted(_sources(content)), report)
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

    reference = fresh()
    PipelineRunner(content, DirectSink(reference)).run()
    files = {
        p.relative_to(reference).as_posix(): p.read_bytes()
        for p in sorted(reference.rglob("*"))
        if p.is_file()
    }

    def writing_alone() -> None:
        sink = DirectSink(fresh())
        for path, data in files.items():
            sink.write(path, data)
        sink.close()

    def build(jobs: int) -> None:
        PipelineRunner(content, DirectSink(fresh()), jobs=jobs).run()

    print(f"measuring on {len(pages)} pages, {len(files)} files; median of {repeats} ...")
    results = {}
    # Interleaved, so that a change in the machine's load hits every figure alike.
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, work in (
            ("markdown_alone", markdown_alone),
            ("templates_alone", templates_alone),
            ("writing_alone", writing_alone),
            ("build_jobs1", lambda: build(1)),
            ("build_jobs2", lambda: build(2)),
        ):
            samples.setdefault(name, []).append(median_time(work, 1))
    results = {name: statistics.median(values) for name, values in samples.items()}

    site_dir, cache = fresh(), fresh()
    PipelineRunner(content, DirectSink(site_dir), cache_dir=cache).run()
    results["rebuild_no_change"] = median_time(
        lambda: PipelineRunner(content, DirectSink(site_dir), cache_dir=cache).run(), repeats
    )
    page = content / pages[len(pages) // 2].source
    original = page.read_bytes()
    edits = iter(range(10**6))

    def one_page() -> None:
        page.write_bytes(original + f"\nEdit {next(edits)}.\n".encode())
        PipelineRunner(content, DirectSink(site_dir), cache_dir=cache).run()

    try:
        results["rebuild_one_page"] = median_time(one_page, repeats)
    finally:
        page.write_bytes(original)
    results["one_page_cost"] = (
        results["markdown_alone"] + results["templates_alone"] + results["writing_alone"]
    ) / len(pages)
    return results


def _sources(content: Path) -> list[str]:
    from pipeline.discover import discover

    return discover(content).pages


def measure_pelican(content: Path, fresh, repeats: int, work: Path) -> dict[str, float]:
    pelican = PELICAN_VENV / "bin" / "pelican"
    if not pelican.exists():
        print("installing Pelican into /tmp/pelican-venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        pip = [str(PELICAN_VENV / "bin" / "pip"), "install", "--quiet", "pelican", "markdown"]
        if subprocess.run(pip).returncode != 0 or not pelican.exists():
            print("Pelican could not be installed: no comparison")
            return {}
    converted = work / f"pelican-{content.name}"
    if not converted.is_dir():
        convert_for_pelican(content, converted / "content")
    from pipeline import markup

    settings = converted / "pelicanconf.py"
    extensions = {f"markdown.extensions.{name}": {} for name in markup.EXTENSIONS}
    extensions["markdown.extensions.meta"] = {}
    settings.write_text(
        "SITENAME = 'Goals'\nSITEURL = ''\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
        "PATH = 'content'\nRELATIVE_URLS = True\nLOAD_CONTENT_CACHE = False\n"
        f"MARKDOWN = {{'extension_configs': {extensions!r}, 'output_format': 'html5'}}\n"
    )
    pipeline_cmd = [sys.executable, "-m", "pipeline", "build", str(content), "--no-cache"]
    results: dict[str, list[float]] = {"pelican": [], "pipeline_cli_jobs1": [], "pipeline_cli": []}
    for _ in range(repeats):
        for name, cmd in (
            ("pelican", [str(pelican), str(converted / "content"), "-s", str(settings)]),
            ("pipeline_cli_jobs1", [*pipeline_cmd, "--jobs", "1"]),
            ("pipeline_cli", pipeline_cmd),
        ):
            out = fresh()
            full = [*cmd, "-o", str(out)] if name == "pelican" else [*cmd, "--out", str(out)]
            start = time.perf_counter()
            run = subprocess.run(full, capture_output=True, text=True, cwd=converted)
            elapsed = time.perf_counter() - start
            if run.returncode != 0:
                print(f"{name} failed:\n{run.stdout[-1500:]}\n{run.stderr[-1500:]}")
                return {}
            results[name].append(elapsed)
    return {name: statistics.median(values) for name, values in results.items()}


def convert_for_pelican(content: Path, out: Path) -> None:
    """Each page with Pelican's 'Key: value' header instead of YAML front matter."""
    from pipeline import frontmatter
    from pipeline.page import default_title

    for path in sorted(content.rglob("*")):
        rel = path.relative_to(content)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".md":
            if path.is_file():
                shutil.copyfile(path, target)
            continue
        meta, body = frontmatter.split(path.read_text(encoding="utf-8"), str(rel))
        header = [f"Title: {meta.title or default_title(rel.as_posix())}"]
        header.append(f"Slug: {(meta.slug or path.stem)}-{abs(hash(str(rel))) % 10**8}")
        if meta.date:
            header.append(f"Date: {meta.date:%Y-%m-%d %H:%M}")
        else:
            header.append("Date: 2020-01-01 00:00")
        if meta.tags:
            header.append("Tags: " + ", ".join(meta.tags))
        if meta.summary:
            header.append(f"Summary: {meta.summary}")
        if meta.draft:
            header.append("Status: draft")
        target.write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")


def measure_memory(args: argparse.Namespace, fresh) -> dict[str, float]:
    from benchmarks import corpus

    results = {}
    for pages in (args.pages, args.memory):
        content = args.work / f"content-{pages}-{args.seed}"
        if not content.is_dir():
            print(f"generating {pages} pages ...", flush=True)
            corpus.generate(content, pages, seed=args.seed)
        code = (
            "import sys; from pipeline.runner import PipelineRunner; "
            "from pipeline.sink import DirectSink; "
            "PipelineRunner(sys.argv[1], DirectSink(sys.argv[2]), jobs=1).run(); "
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
        )
        run = subprocess.run(
            [sys.executable, "-c", code, str(content), str(fresh())],
            capture_output=True,
            text=True,
            check=True,
        )
        results[f"peak_rss_mib_{pages}"] = int(run.stdout.split()[-1]) / 1024
    return results


def print_goals(r: dict[str, float], args: argparse.Namespace) -> None:
    parts = r["markdown_alone"] + r["templates_alone"] + r["writing_alone"]
    rows = [
        (
            "single process within 1.15x of its parts",
            f"{r['build_jobs1']:.2f} s / ({r['markdown_alone']:.2f} + {r['templates_alone']:.2f}"
            f" + {r['writing_alone']:.2f} s) = {r['build_jobs1'] / parts:.2f}x",
            r["build_jobs1"] / parts <= 1.15,
        ),
        (
            "--jobs 2 at least 1.7x faster than --jobs 1",
            f"{r['build_jobs1']:.2f} s / {r['build_jobs2']:.2f} s = "
            f"{r['build_jobs1'] / r['build_jobs2']:.2f}x",
            r["build_jobs1"] / r["build_jobs2"] >= 1.7,
        ),
        (
            "no-change rebuild under 5% of a full build (jobs 1)",
            f"{r['rebuild_no_change']:.3f} s = "
            f"{100 * r['rebuild_no_change'] / r['build_jobs1']:.1f}%",
            r["rebuild_no_change"] / r["build_jobs1"] < 0.05,
        ),
        (
            "one page changed under 5% + that page's cost",
            f"{r['rebuild_one_page']:.3f} s = "
            f"{100 * (r['rebuild_one_page'] - r['one_page_cost']) / r['build_jobs1']:.1f}%"
            f" + {1000 * r['one_page_cost']:.1f} ms",
            (r["rebuild_one_page"] - r["one_page_cost"]) / r["build_jobs1"] < 0.05,
        ),
    ]
    if "pelican" in r:
        rows.append(
            (
                "full build at least 3x faster than Pelican (CLI processes, default jobs)",
                f"pelican {r['pelican']:.2f} s / pipeline {r['pipeline_cli']:.2f} s = "
                f"{r['pelican'] / r['pipeline_cli']:.2f}x (jobs 1: {r['pipeline_cli_jobs1']:.2f} s,"
                f" {r['pelican'] / r['pipeline_cli_jobs1']:.2f}x)",
                r["pelican"] / r["pipeline_cli"] >= 3,
            )
        )
    if args.memory:
        small, large = r[f"peak_rss_mib_{args.pages}"], r[f"peak_rss_mib_{args.memory}"]
        rows.append(
            (
                f"peak RSS {args.memory} pages under 2.5x {args.pages} pages",
                f"{large:.0f} MiB / {small:.0f} MiB = {large / small:.2f}x",
                large / small < 2.5,
            )
        )
    print("\nfigures (s):", json.dumps({k: round(v, 4) for k, v in r.items()}))
    print()
    for goal, figure, met in rows:
        print(f"{'MET ' if met else 'MISS'}  {goal}: {figure}")


if __name__ == "__main__":
    sys.exit(main())
