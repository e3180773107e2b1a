"""Shared data and compatibility probes for the benchmark suite.

asv runs today's benchmarks against every past commit, so nothing here may fail at
import time on an old ``pipeline``: features are looked up inside ``setup`` through
``require``, which raises NotImplementedError (asv's "skipped") when they are missing.
Seeds and corpus sizes must not change, only be appended to: a change would make
every commit's numbers incomparable with the ones already in results/.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SEED = 0
# The valgrind workload runs as ``python -P -m benchmarks.workload`` with this folder (the
# one that holds benchmarks/, and the working tree's pipeline/) LAST on its PYTHONPATH, so
# that the pipeline under measurement always comes first (benchmarks/workload.py).
SUITE_ROOT = str(Path(__file__).resolve().parents[1])
# Sinks by benchmark parameter name: (module, class). Append new sinks; never rename.
SINKS = {
    "direct": ("pipeline.sink", "DirectSink"),
    "batch": ("pipeline.batch_sink", "BatchSink"),
}


def require(module: str, *names: str) -> Any:
    """The module (or its attribute ``names[-1]``); NotImplementedError if the commit lacks it."""
    try:
        found: Any = importlib.import_module(module)
    except ImportError as exc:
        raise NotImplementedError(f"{module} is not in this commit: {exc}") from None
    for name in names:
        if not hasattr(found, name):
            raise NotImplementedError(f"{module} has no {name} in this commit")
        found = getattr(found, name)
    return found


def require_first(*places: tuple[str, str]) -> Any:
    """The first of ``(module, name)`` places that the commit has: where a name lives
    now, then where it lived in older commits."""
    for module, name in places:
        try:
            return require(module, name)
        except NotImplementedError:
            continue
    raise NotImplementedError(f"none of {places} is in this commit")


def make_corpus(folder: str | os.PathLike[str], pages: int, seed: int = SEED) -> str:
    """Generate ``pages`` pages into ``folder`` with the suite's seeded generator.

    The suite owns its data: every commit measured builds the same bytes, whatever the
    commit's own code (it once took them from ``pipeline.corpus``, byte for byte the same).
    """
    from benchmarks.corpus import generate

    generate(folder, pages, seed=seed)
    return os.fspath(folder)


def fresh_dir(prefix: str) -> str:
    """A new empty folder for one sample's output.

    Every timed sample writes into a folder of its own, and all of them are removed
    together when the benchmark's process ends: deleting and recreating files in one
    folder between samples would measure the kernel's inode scan, not our code.
    """
    return tempfile.mkdtemp(prefix=prefix, dir=_scratch_root())


@functools.cache
def _scratch_root() -> str:
    root = tempfile.mkdtemp(prefix="pipeline-bench-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def sink_class(name: str) -> type:
    module, cls = SINKS[name]
    return require(module, cls)


def build(content: str, out: str, sink: str = "direct", **options: Any) -> Any:
    """One end-to-end build with the commit's runner; returns its BuildReport.

    ``options`` (jobs, cache_dir, ...) need a staged runner: call ``staged_runner()`` in
    setup first. Without options, every commit builds the same way: one process, no cache.
    """
    runner = staged_runner() if options else require("pipeline.runner", "PipelineRunner")
    return runner(content, sink_class(sink)(out), **options).run()


@functools.cache
def cli_pins() -> tuple[str, ...]:
    """CLI options that keep ``python -m pipeline build`` doing the work it did before a
    default changed: ``--cards off`` (social cards, issue #14) and ``--no-search`` (the
    search index, issue #15) where the CLI has them. Probed from the commit's
    ``build --help``; call it in setup, not timed."""
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--help"],
        capture_output=True, text=True, env=child_env(),
    )  # fmt: skip
    cards = ("--cards", "off") if "--cards" in run.stdout else ()
    return cards + (("--no-search",) if "--no-search" in run.stdout else ())


def staged_runner() -> Any:
    """The runner with stages, a BuildReport of them, jobs and a build cache (issue #5)."""
    require("pipeline.report", "StageClock")
    return require("pipeline.runner", "PipelineRunner")


def render_data() -> dict[str, str]:
    """setup_cache for per-page benchmarks: a small corpus and its median page's text."""
    content = make_corpus(os.path.abspath("content"), 200)
    return {"content": content, "body": median_page(content)}


def median_page(content: str) -> str:
    """The generated page whose size is the median, by path, for per-page benchmarks."""
    pages = sorted(Path(content).rglob("*.md"))
    by_size = sorted(pages, key=lambda p: (p.stat().st_size, p.as_posix()))
    return by_size[len(by_size) // 2].read_text(encoding="utf-8")


# CPython's allocator entry points: their call count is the number of allocations.
_ALLOCATORS = re.compile(r"(?:PyObject|PyMem)_(?:Malloc|Calloc|Realloc)")


def count_instructions(workload: str, *args: str) -> int:
    """CPU instructions one run of ``workload`` takes, counted by valgrind (not timed)."""
    return _callgrind(_workload(workload, *args), "--zero-before=getppid")["instructions"]


def count_allocations(workload: str, *args: str) -> int:
    """Calls to CPython's allocator during one run of ``workload``, counted by valgrind."""
    return _callgrind(_workload(workload, *args), "--zero-before=getppid")["allocations"]


def count_process_instructions(*args: str) -> int:
    """CPU instructions of a whole ``python ARGS`` process (start-up and imports too), run
    with the commit's pipeline on its path, counted by valgrind; its children are not."""
    return _callgrind([sys.executable, *args])["instructions"]


def _workload(workload: str, *args: str) -> list[str]:
    """The command that runs ``workload``: its script imports and prepares everything, then
    calls ``os.getppid()``, where callgrind zeroes its counters, runs the work and leaves
    with ``os._exit``, so the counts cover the work alone."""
    return [sys.executable, "-P", "-m", "benchmarks.workload", workload, *args]


def _callgrind(command: list[str], *options: str) -> dict[str, int]:
    """Run ``command`` once under callgrind; its instruction and allocation counts. A fixed
    hash seed keeps them repeatable."""
    if shutil.which("valgrind") is None:
        raise NotImplementedError("valgrind is not installed")
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        run = subprocess.run(
            [
                "valgrind", "--tool=callgrind", *options, "--compress-strings=no",
                "--compress-pos=no", f"--callgrind-out-file={out}", *command,
            ],
            env=child_env(PYTHONHASHSEED="0",
                          PYTHONPATH=os.pathsep.join([import_path(), SUITE_ROOT])),
            capture_output=True, text=True, cwd=scratch,
        )  # fmt: skip
        if run.returncode != 0:
            what = " ".join(command[1:])
            raise RuntimeError(f"python {what} failed under valgrind:\n{run.stderr[-2000:]}")
        if "NotImplementedError" in run.stdout:
            raise NotImplementedError(run.stdout.strip())
        instructions = allocations = 0
        callee = ""
        with open(out) as f:
            for line in f:
                if line.startswith("summary: "):
                    instructions = int(line.split()[1])
                elif line.startswith("cfn="):
                    callee = line[4:].strip()
                elif line.startswith("calls=") and _ALLOCATORS.fullmatch(callee):
                    allocations += int(line[6:].split()[0])
        if not instructions:
            raise RuntimeError("callgrind wrote no summary line")
        return {"instructions": instructions, "allocations": allocations}


NO_SERVER = "/nonexistent/pipeline-server"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process that runs the commit's pipeline: this one's, with
    the commit on PYTHONPATH (and ``extra``), and without PYTHONDONTWRITEBYTECODE. A user's
    CLI runs with its modules' bytecode cached; a child that may not write it compiles every
    module it imports, every time: +3% of a no-change rebuild's instructions and +1.6% of a
    one-page edit's, the day a session's shell set it (2026-12-02)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # No build server (pipeline/server.py) takes the CLI's builds unless a benchmark starts
    # its own: each CLI process builds by itself, as before there was one.
    return {**env, "PYTHONPATH": import_path(), "PIPELINE_SERVER_DIR": NO_SERVER, **extra}


def import_path() -> str:
    """This process's sys.path as a PYTHONPATH, so the workload imports the same pipeline.

    asv puts the commit under measurement on sys.path (its environment, or ASV_PYTHONPATH
    with --python=same), not in the environment variables a child process inherits.
    """
    return os.pathsep.join(path for path in sys.path if path)


def markdown_converter() -> Any:
    """The commit's reusable Markdown converter, as the runner uses it."""
    return require("pipeline.markup", "new_markdown")()


def _field_names(cls: type) -> set[str]:
    """The fields of a class that is a msgspec Struct (since 2026-12-03) or a dataclass."""
    struct_fields = getattr(cls, "__struct_fields__", None)
    if struct_fields is not None:
        return set(struct_fields)
    return {f.name for f in dataclasses.fields(cls)}


def page_template_renderer(body: str) -> Any:
    """A no-argument function that renders the page template for ``body``, as a build does.

    The Markdown is converted here, once, so that calling the function measures the
    template alone (and the ``str.encode`` every page pays before it is written).
    """
    environment = require("pipeline.templates", "environment")
    page_cls = require("pipeline.page", "Page")
    site_cls = require_first(("pipeline.site", "SiteInfo"), ("pipeline.runner", "SiteInfo"))
    md = markdown_converter()
    page_html = md.convert(body)
    # Older commits' Page has a required ``body`` field (unused since 7c00e3d, then dropped).
    kept_body = {"body": body} if "body" in _field_names(page_cls) else {}
    page = page_cls(
        source="bench/page.md", title="Benchmark page", date=None,
        tags=("python", "performance"), template="page", out_path="bench/page.html",
        html=page_html, toc=md.toc, toc_tokens=md.toc_tokens, **kept_body,
    )  # fmt: skip
    template = environment(Path(tempfile.gettempdir()) / "no-user-templates").get_template(
        "page.html"
    )
    site = site_cls(title="Benchmarks", base_url="http://localhost:8000/")
    return lambda: template.render(page=page, site=site, root="../").encode()
