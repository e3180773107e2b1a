"""Pelican against ``python -m pipeline build`` on the same pages (runner-goals, issue #5).

Pelican is installed into /tmp/pelican-venv (``pip install pelican markdown``) the first
time; the pages are converted to its ``Key: value`` metadata header and built with the
same Markdown extensions. Both run as a user runs them: a fresh process each, timed from
outside, interleaved.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from perftools.common import Scratch

if TYPE_CHECKING:
    from pipeline.frontmatter import FrontMatter

PELICAN_VENV = Path("/tmp/pelican-venv")
PELICAN = PELICAN_VENV / "bin" / "pelican"


def install() -> bool:
    """True when Pelican is there or could be installed."""
    if PELICAN.exists():
        return True
    print(f"installing Pelican into {PELICAN_VENV} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
    pip = [str(PELICAN_VENV / "bin" / "pip"), "install", "--quiet", "pelican", "markdown"]
    return subprocess.run(pip).returncode == 0 and PELICAN.exists()


def convert(content: Path, out: Path) -> None:
    """Each page with Pelican's 'Key: value' header instead of YAML front matter."""
    from pipeline import frontmatter

    for path in sorted(content.rglob("*")):
        rel = path.relative_to(content)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".md":
            if path.is_file():
                shutil.copyfile(path, target)
            continue
        meta, body = frontmatter.split(path.read_text(encoding="utf-8"), str(rel))
        target.write_text("\n".join(header(meta, rel)) + "\n\n" + body, encoding="utf-8")


def header(meta: FrontMatter, rel: Path) -> list[str]:
    from pipeline.page import default_title

    lines = [f"Title: {meta.title or default_title(rel.as_posix())}"]
    lines.append(f"Slug: {(meta.slug or rel.stem)}-{abs(hash(str(rel))) % 10**8}")
    lines.append(f"Date: {meta.date:%Y-%m-%d %H:%M}" if meta.date else "Date: 2020-01-01 00:00")
    if meta.tags:
        lines.append("Tags: " + ", ".join(meta.tags))
    if meta.summary:
        lines.append(f"Summary: {meta.summary}")
    if meta.draft:
        lines.append("Status: draft")
    return lines


def write_settings(converted: Path, ours: bool = True) -> Path:
    """A pelicanconf with our Markdown extensions (and Pelican's meta, for its header), or
    with Pelican's default Markdown settings (``ours=False``)."""
    from pipeline import markup

    settings = converted / ("pelicanconf.py" if ours else "pelicanconf_defaults.py")
    extensions = {f"markdown.extensions.{name}": {} for name in markup.EXTENSIONS}
    extensions["markdown.extensions.meta"] = {}
    markdown = f"{{'extension_configs': {extensions!r}, 'output_format': 'html5'}}"
    settings.write_text(
        "SITENAME = 'Goals'\nSITEURL = ''\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
        "PATH = 'content'\nRELATIVE_URLS = True\nLOAD_CONTENT_CACHE = False\n"
        + (f"MARKDOWN = {markdown}\n" if ours else "")
    )
    return settings


def command(content: Path, work: Path, ours: bool) -> tuple[list[str], Path]:
    """Pelican's command line on ``content`` converted (missing only its output folder,
    the option last), and the folder to run it in."""
    converted = work / f"pelican-{content.name}"
    if not converted.is_dir():
        convert(content, converted / "content")
    settings = write_settings(converted, ours)
    return [str(PELICAN), str(converted / "content"), "-s", str(settings), "-o"], converted


def commands(content: Path, converted: Path, settings: Path) -> dict[str, list[str]]:
    """Each case's command line, missing only its output folder (the option last)."""
    # Cards off: Pelican draws none (they became our CLI's default with issue #14).
    pipeline = [sys.executable, "-m", "pipeline", "build", str(content), "--no-cache"]
    pipeline += ["--cards", "off"]
    return {
        "pelican": [str(PELICAN), str(converted / "content"), "-s", str(settings), "-o"],
        "pipeline_cli_jobs1": [*pipeline, "--jobs", "1", "--out"],
        "pipeline_cli": [*pipeline, "--out"],
    }


def measure(content: Path, dirs: Scratch, repeats: int, work: Path) -> dict[str, float]:
    """Seconds (medians) of Pelican and of our CLI; {} when Pelican cannot run."""
    if not install():
        print("Pelican could not be installed: no comparison")
        return {}
    converted = work / f"pelican-{content.name}"
    if not converted.is_dir():
        convert(content, converted / "content")
    cases = commands(content, converted, write_settings(converted))
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, command in cases.items():
            start = time.perf_counter()
            run = subprocess.run([*command, str(dirs.fresh())], capture_output=True, text=True,
                                 cwd=converted)  # fmt: skip
            if run.returncode != 0:
                print(f"{name} failed:\n{run.stdout[-1500:]}\n{run.stderr[-1500:]}")
                return {}
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def goal_row(r: dict[str, float]) -> tuple[str, str, bool]:
    return (
        "full build at least 3x faster than Pelican (CLI processes, default jobs)",
        f"pelican {r['pelican']:.2f} s / pipeline {r['pipeline_cli']:.2f} s = "
        f"{r['pelican'] / r['pipeline_cli']:.2f}x (jobs 1: {r['pipeline_cli_jobs1']:.2f} s,"
        f" {r['pelican'] / r['pipeline_cli_jobs1']:.2f}x)",
        r["pelican"] / r["pipeline_cli"] >= 3,
    )
