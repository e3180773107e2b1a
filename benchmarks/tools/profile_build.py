"""Profile a site build: flame graphs, a stage breakdown, hot functions and a scaling table.

Run from the repository root with the project's virtual environment (``make profile``)::

    .venv/bin/python benchmarks/tools/profile_build.py [--pages 1000] [--seed 1]
        [--sizes 100,1000[,10000]] [--repeats 3] [--out profiles] [--cache build]
        [--profiler auto|py-spy|cprofile]

Everything lands in ``OUT/<git short hash>[-dirty]/``:

- ``flame.svg`` and ``profile.speedscope.json``: a ``py-spy record`` of
  ``python -m pipeline build`` on a generated corpus of ``--pages`` pages. Where py-spy is
  missing or cannot attach (no ptrace permission), both are made from a cProfile run
  instead, and the tool says so: its call graph is collapsed into approximate stacks.
- ``stages.json`` / ``stages.md``: wall and CPU time per stage (discover, parse, markdown,
  templates, media, writing, other) and the I/O wait (wall minus CPU). Measured by
  wrapping, in the build's own process, the functions that the first ``PipelineRunner.run``
  calls (the runner itself is not changed; time goes to the innermost wrapped call, so
  nothing is counted twice), or, for a staged runner, from the stage times of its own
  BuildReport (mapped: render -> markdown, template -> templates, write -> writing).
  Builds run in one process without a cache (``--jobs 1 --no-cache`` where the CLI has them).
- ``hot.md`` and ``cprofile.pstats``: the hottest functions by self and cumulative time.
- ``scaling.json`` / ``scaling.md``: wall time, pages/s, peak RSS and bytes written per
  corpus size (median of ``--repeats`` runs, one run above 5000 pages unless
  ``--large-repeats`` says otherwise).
- ``summary.md`` (all tables) and ``meta.json`` (machine, versions, commands).

Every build writes into a fresh output folder; the folders are removed only at the end,
because creating files soon after mass deletion is slow on these machines (ARCHITECTURE.md
section 2). This is a tool, not an asv benchmark: ``benchmarks/tools/`` has no
``__init__.py``, so asv's discovery never imports it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import types
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

STAGES = ("discover", "parse", "markdown", "templates", "media", "writing", "other")
# Finer components, each inside one stage. Time goes to the innermost component active.
COMPONENTS = {
    "discover (os.walk and the loop over it)": "discover",
    "read and decode (_read_text)": "parse",
    "front matter (frontmatter.split)": "parse",
    "markdown setup (new_markdown)": "markdown",
    "markdown reset": "markdown",
    "markdown convert": "markdown",
    "title and summary": "markdown",
    "template environment": "templates",
    "template load (get_template)": "templates",
    "template render": "templates",
    "media references (parse HTML, resolve URLs)": "media",
    "media read (copied files)": "media",
    "sink: check path, bookkeeping (Python)": "writing",
    "sink: mkdir": "writing",
    "sink: open (create file)": "writing",
    "sink: write": "writing",
    "sink: close": "writing",
    "sink: rename (os.replace)": "writing",
    # A staged runner (pipeline/report.py) times its own stages: taken from its BuildReport.
    "stage: discover": "discover",
    "stage: parse": "parse",
    "stage: render (Markdown, references)": "markdown",
    "stage: template": "templates",
    "stage: media": "media",
    "stage: write": "writing",
    "stage: cache": "other",
    "other": "other",
}
# BuildReport stage -> component above.
REPORT_STAGES = {name.split()[1]: name for name in COMPONENTS if name.startswith("stage: ")}
PY_SPY_VERSION = "0.4.3"  # the version this tool and the report were checked with
LARGE = 5000  # corpus sizes above this run --large-repeats times
RATE = 250  # py-spy samples per second
_FLAME_NOTE = (
    "approximate: cProfile's call graph collapsed into stacks, each function's callees "
    "split in proportion to their cumulative time"
)


# --- the parent process: orchestration -----------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        return _worker(argv[1:])
    args = _parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if args.sizes else []
    label = _commit_label()
    folder = args.out / label
    folder.mkdir(parents=True, exist_ok=True)
    scratch = args.cache / f"profile-scratch-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    runs = _Runs(scratch)
    started = time.perf_counter()
    try:
        content = _corpus(args.cache, args.pages, args.seed)
        written = _profile(args, content, folder, runs)
        written += _stages(args, content, folder, runs)
        if sizes:
            written += _scaling(args, sizes, folder, runs)
        written += _summary(args, folder, sizes, label)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\ndone in {time.perf_counter() - started:.0f} s; wrote into {folder}/:")
    for name in written:
        print(f"  {folder / name}")
    print(f"open {folder / 'flame.svg'} in a browser; load the .speedscope.json at speedscope.app")
    return 0


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="profile_build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="corpus size to profile")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument(
        "--sizes",
        default="100,1000",
        help="comma-separated corpus sizes for the scaling table ('' to skip)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per measurement (the median is reported)"
    )
    parser.add_argument(
        "--large-repeats", type=int, default=1, help=f"runs for sizes above {LARGE} pages"
    )
    parser.add_argument("--out", type=Path, default=Path("profiles"), help="results folder")
    parser.add_argument(
        "--cache", type=Path, default=Path("build"), help="where corpora and scratch sites go"
    )
    parser.add_argument(
        "--profiler",
        choices=("auto", "py-spy", "cprofile"),
        default="auto",
        help="auto: py-spy if it can attach, else cProfile; py-spy: fail if it cannot",
    )
    args = parser.parse_args(argv)
    if args.pages < 1 or args.repeats < 1 or args.large_repeats < 1:
        parser.error("--pages, --repeats and --large-repeats must be at least 1")
    return args


class _Runs:
    """Fresh output folders for builds, all under one scratch folder removed at the end."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.count = 0

    def fresh(self) -> Path:
        self.count += 1
        return self.scratch / f"site-{self.count}"


def _commit_label() -> str:
    repo = Path(__file__).resolve().parents[2]
    try:
        short = _git(repo, "rev-parse", "--short", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return "unknown-commit"
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no")
    return f"{short}-dirty" if dirty else short


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def _corpus(cache: Path, pages: int, seed: int) -> Path:
    """The generated content folder for (pages, seed), made once and reused."""
    path = cache / f"profile-content-{pages}-{seed}"
    if path.is_dir():
        return path
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    start = time.perf_counter()
    # In a child process, so that this one stays small: a child's ru_maxrss starts from
    # its parent's size, and the builds' memory is measured in children.
    cmd = [sys.executable, "-m", "benchmarks.corpus", str(tmp), "--pages", str(pages)]
    subprocess.run([*cmd, "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    tmp.rename(path)
    print(
        f"generated {pages} pages (seed {seed}) into {path} in {time.perf_counter() - start:.1f} s"
    )
    return path


def _run_worker(mode: str, content: Path, out: Path, *extra: str) -> dict[str, Any]:
    """One build in a fresh interpreter (``_worker`` below); its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "_worker", mode, str(content), str(out)]
    start = time.perf_counter()
    result = subprocess.run([*cmd, *extra], capture_output=True, text=True)
    process_wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"error: worker {mode} failed (exit {result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1]) | {"process_wall": process_wall}


# --- flame graphs ---------------------------------------------------------------------


def _profile(args: argparse.Namespace, content: Path, folder: Path, runs: _Runs) -> list[str]:
    """flame.svg and profile.speedscope.json (py-spy or the cProfile fallback), and hot.md."""
    reason = None
    py_spy = _find_py_spy()
    if args.profiler == "cprofile":
        reason = "--profiler cprofile was given"
    elif py_spy is None:
        reason = "py-spy is not installed (the dev extras install it: pip install py-spy)"
    else:
        reason = _py_spy_cannot_attach(py_spy, runs.scratch)
    if reason and args.profiler == "py-spy":
        raise SystemExit(f"error: py-spy cannot be used: {reason}")

    pstats_path = folder / "cprofile.pstats"
    print(f"cProfile: {args.pages}-page build ...", flush=True)
    cprofiled = _run_worker("cprofile", content, runs.fresh(), str(pstats_path))
    stats = _load_pstats(pstats_path)
    speedscope = folder / "profile.speedscope.json"
    flame = folder / "flame.svg"
    sampled = None
    if reason is None:
        for fmt, path in (("flamegraph", flame), ("speedscope", speedscope)):
            print(f"py-spy: {args.pages}-page build -> {path.name} ...", flush=True)
            _py_spy_record(py_spy, fmt, path, content, runs.fresh())
        sampled = json.loads(speedscope.read_text())
        profiler = f"py-spy {_py_spy_version(py_spy)}, {RATE} samples/s, --idle --function"
    else:
        print(f"FALLING BACK to cProfile for the flame graph: {reason}")
        print(f"  the flame graph is {_FLAME_NOTE}")
        folded = _folded_from_pstats(stats)
        title = f"python -m pipeline build: {args.pages} pages (cProfile fallback)"
        flame.write_text(_flame_svg(folded, title, f"py-spy unusable: {reason}. {_FLAME_NOTE}"))
        speedscope.write_text(json.dumps(_speedscope(folded, title)))
        profiler = f"cProfile (fallback: {reason}); flame graph {_FLAME_NOTE}"
    (folder / "hot.md").write_text(_hot_markdown(stats, sampled, args.pages, cprofiled))
    _write_json(folder / "profiler.json", {"profiler": profiler, "fallback_reason": reason})
    return ["flame.svg", "profile.speedscope.json", "hot.md", "cprofile.pstats", "profiler.json"]


def _find_py_spy() -> str | None:
    """$PY_SPY if set, else the py-spy beside this Python, else the one on PATH."""
    if os.environ.get("PY_SPY"):
        return os.environ["PY_SPY"]
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _py_spy_version(py_spy: str) -> str:
    result = subprocess.run([py_spy, "--version"], capture_output=True, text=True)
    return result.stdout.strip().removeprefix("py-spy ") or "?"


def _py_spy_cannot_attach(py_spy: str, scratch: Path) -> str | None:
    """None if py-spy can sample a short Python process here, else why it cannot."""
    probe = scratch / "probe.txt"
    busy = "import time\nt = time.perf_counter()\nwhile time.perf_counter() - t < 0.4: pass"
    cmd = [py_spy, "record", "--rate", "100", "--format", "raw", "-o", str(probe)]
    try:
        result = subprocess.run(
            [*cmd, "--", sys.executable, "-c", busy], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"py-spy did not run: {exc}"
    if result.returncode == 0 and probe.exists() and probe.stat().st_size > 0:
        return None
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and "py-spy>" not in ln]
    detail = " ".join(lines[:2]) or f"exit {result.returncode}"
    if re.search(r"permission|ptrace|not permitted", result.stderr, re.IGNORECASE):
        return f"no ptrace permission ({detail})"
    return f"py-spy could not sample a test process ({detail})"


@functools.cache
def _single_process_options() -> list[str]:
    """Options that make a build render in one process without a cache, where it has them.

    A parallel build renders in worker processes that the flame graph would not show;
    the profile compares like with like across commits: one process, a cold build.
    """
    cmd = [sys.executable, "-m", "pipeline", "build", "--help"]
    usage = subprocess.run(cmd, capture_output=True, text=True).stdout
    return ["--jobs", "1", "--no-cache"] if "--jobs" in usage else []


def _py_spy_record(py_spy: str, fmt: str, path: Path, content: Path, out: Path) -> None:
    cmd = [py_spy, "record", "--rate", str(RATE), "--idle", "--function"]
    cmd += ["--format", fmt, "-o", str(path), "--"]
    cmd += [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(out)]
    cmd += _single_process_options()
    result = subprocess.run(cmd, capture_output=True, text=True)
    if not path.exists():
        sys.stderr.write(result.stderr)
        raise SystemExit(f"error: py-spy wrote no {path.name} (exit {result.returncode})")


def _load_pstats(path: Path) -> dict:
    import pstats

    return pstats.Stats(str(path)).stats  # {func: (cc, nc, tt, ct, callers)}


def _frame_label(func: tuple[str, int, str]) -> str:
    file, line, name = func
    if file == "~":  # a built-in: cProfile names it "<built-in method ...>"
        return name.replace("<", "").replace(">", "").replace("built-in method ", "")
    return f"{name} ({_short_path(file)}:{line})"


def _short_path(file: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        at = file.rfind(marker)
        if at >= 0:
            rest = file[at + len(marker) :]
            return rest if marker == "site-packages/" else rest.split("/", 1)[-1]
    repo = str(Path(__file__).resolve().parents[2]) + "/"
    return file.removeprefix(repo)


def _folded_from_pstats(stats: dict, min_share: float = 0.0005) -> dict[tuple[str, ...], float]:
    """Approximate stacks (root first) -> seconds, from cProfile's caller/callee graph.

    cProfile keeps only caller->callee edges, not whole stacks, so a function's time on
    each path is its time split in proportion to each caller's share: approximate.
    """
    callees: dict[Any, dict[Any, float]] = defaultdict(dict)
    for func, (_cc, _nc, _tt, _ct, callers) in stats.items():
        for caller, edge in callers.items():
            callees[caller][func] = edge[3]
    roots = [f for f, s in stats.items() if not s[4]]
    total = sum(stats[f][3] for f in roots) or 1.0
    folded: dict[tuple[str, ...], float] = defaultdict(float)

    def expand(func: Any, budget: float, path: tuple[str, ...], seen: frozenset) -> None:
        cumulative = stats[func][3]
        share = budget / cumulative if cumulative > 0 else 0.0
        path = (*path, _frame_label(func))
        own = stats[func][2] * share
        for callee, edge_time in callees[func].items():
            spent = edge_time * share
            if callee in seen or callee not in stats:  # recursion: already in this stack
                continue
            if spent < total * min_share or len(path) > 80:
                own += spent  # too thin to draw: kept in the caller's width
                continue
            expand(callee, spent, path, seen | {callee})
        folded[path] += own

    for root in roots:
        expand(root, stats[root][3], (), frozenset({root}))
    return dict(folded)


def _flame_svg(folded: dict[tuple[str, ...], float], title: str, note: str) -> str:
    """A self-contained flame graph (root on top, as py-spy draws it): one <rect> per frame,
    its full name and time in a <title> tooltip."""
    tree: dict = {"value": 0.0, "children": {}}
    for stack, value in folded.items():
        node = tree
        node["value"] += value
        for frame in stack:
            node = node["children"].setdefault(frame, {"value": 0.0, "children": {}})
            node["value"] += value
    notes = _wrap(f"{note}; hover a frame for its time", 160)
    width, row, top, pad = 1200, 17, 56 + 14 * len(notes), 10
    total = tree["value"] or 1.0
    scale = (width - 2 * pad) / total
    rects: list[str] = []
    depth_max = 0

    def draw(name: str, node: dict, x: float, depth: int) -> None:
        nonlocal depth_max
        w = node["value"] * scale
        if w < 0.5:
            return
        depth_max = max(depth_max, depth)
        y = top + depth * row
        tip = f"{name} ({node['value']:.3f} s, {100 * node['value'] / total:.1f}%)"
        chars = int((w - 6) / 7)
        text = name if len(name) <= chars else name[: max(0, chars - 2)] + ".."
        label = (
            f'<text x="{x + 3:.1f}" y="{y + 12}">{html.escape(text)}</text>' if chars > 2 else ""
        )
        rects.append(
            f'<g><title>{html.escape(tip)}</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" '
            f'height="{row - 1}" fill="{_color(name)}" rx="2"/>{label}</g>'
        )
        for child_name, child in sorted(node["children"].items()):
            draw(child_name, child, x, depth + 1)
            x += child["value"] * scale

    draw(f"all ({total:.2f} s)", tree, pad, 0)
    height = top + (depth_max + 1) * row + pad
    return "\n".join(
        [
            '<?xml version="1.0" standalone="no"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
            f'<rect width="{width}" height="{height}" fill="#fdfdf8"/>',
            f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="16">'
            f"{html.escape(title)}</text>",
            *(
                f'<text x="{pad}" y="{40 + 14 * i}" fill="#555">{html.escape(line)}</text>'
                for i, line in enumerate(notes)
            ),
            *rects,
            "</svg>",
            "",
        ]
    )


def _wrap(text: str, columns: int) -> list[str]:
    lines = [""]
    for word in text.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > columns:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    return lines


def _color(name: str) -> str:
    """Pipeline frames orange, Markdown yellow, Jinja2 green, the rest warm grey-red."""
    hue = zlib.crc32(name.encode()) % 20
    if "pipeline/" in name:
        return f"hsl({20 + hue}, 90%, 60%)"
    if "markdown/" in name:
        return f"hsl({45 + hue}, 85%, 62%)"
    if "jinja2/" in name or "<template>" in name or "templates/" in name:
        return f"hsl({100 + hue}, 45%, 60%)"
    return f"hsl({hue}, 55%, 72%)"


def _speedscope(folded: dict[tuple[str, ...], float], name: str) -> dict[str, Any]:
    """speedscope's file format, a "sampled" profile: one weighted sample per stack."""
    frames: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    samples, weights = [], []
    for stack, seconds in sorted(folded.items()):
        ids = []
        for frame in stack:
            if frame not in index:
                index[frame] = len(frames)
                match = re.fullmatch(r"(.*) \((.*):(\d+)\)", frame)
                if match:
                    frames.append({"name": match[1], "file": match[2], "line": int(match[3])})
                else:
                    frames.append({"name": frame})
            ids.append(index[frame])
        samples.append(ids)
        weights.append(seconds)
    return {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": frames},
        "profiles": [
            {
                "type": "sampled",
                "name": name,
                "unit": "seconds",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
        "name": name,
        "activeProfileIndex": 0,
        "exporter": "benchmarks/tools/profile_build.py (cProfile fallback)",
    }


def _hot_markdown(stats: dict, sampled: dict | None, pages: int, run: dict) -> str:
    total = sum(s[2] for s in stats.values()) or 1.0
    lines = [
        f"# Hot functions: {pages}-page build",
        "",
        f"cProfile of `PipelineRunner.run` ({run['pages_built']} pages built, "
        f"{total:.2f} s under cProfile, which slows Python calls; shares are the point).",
        "",
    ]
    for key, heading in ((2, "self time"), (3, "cumulative time")):
        lines += [
            f"## By {heading} (cProfile)",
            "",
            "| function | where | calls | self s | self % | cumulative s | cumulative % |",
            "|---|---|--:|--:|--:|--:|--:|",
        ]
        top = sorted(stats.items(), key=lambda item: item[1][key], reverse=True)[:20]
        for func, (_cc, nc, tt, ct, _callers) in top:
            name = _frame_label(func).split(" (")[0]
            where = f"{_short_path(func[0])}:{func[1]}" if func[0] != "~" else "built-in"
            lines.append(
                f"| `{name}` | {where} | {nc} | {tt:.3f} | {100 * tt / total:.1f} "
                f"| {ct:.3f} | {100 * ct / total:.1f} |"
            )
        lines.append("")
    if sampled:
        lines += _sampled_hot(sampled)
    return "\n".join(lines)


def _sampled_hot(sampled: dict) -> list[str]:
    """Self and total share of samples per function from py-spy (no call overhead)."""
    frames = sampled["shared"]["frames"]
    own: dict[int, float] = defaultdict(float)
    inclusive: dict[int, float] = defaultdict(float)
    total = 0.0
    for profile in sampled["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            total += weight
            if stack:
                own[stack[-1]] += weight
            for i in set(stack):
                inclusive[i] += weight
    total = total or 1.0
    lines = [
        "## By self samples (py-spy, whole process including start-up and imports)",
        "",
        "| function | where | self % | total % |",
        "|---|---|--:|--:|",
    ]
    for i, weight in sorted(own.items(), key=lambda item: item[1], reverse=True)[:20]:
        frame = frames[i]
        where = f"{_short_path(frame.get('file') or '?')}:{frame.get('line') or ''}"
        lines.append(
            f"| `{frame['name']}` | {where} | {100 * weight / total:.1f} "
            f"| {100 * inclusive[i] / total:.1f} |"
        )
    return [*lines, ""]


# --- stage breakdown ------------------------------------------------------------------


def _stages(args: argparse.Namespace, content: Path, folder: Path, runs: _Runs) -> list[str]:
    print(f"stages: {args.repeats} instrumented {args.pages}-page builds ...", flush=True)
    samples = [_run_worker("stages", content, runs.fresh()) for _ in range(args.repeats)]
    print(f"plain and null-sink builds: {args.repeats} each ...", flush=True)
    plain, null = [], []
    for _ in range(args.repeats):  # interleaved, so that a change in load hits both alike
        plain.append(_run_worker("build", content, runs.fresh()))
        null.append(_run_worker("build", content, runs.fresh(), "null"))
    result = _combine_stages(samples, plain, null, args.pages, args.seed)
    _write_json(folder / "stages.json", result)
    (folder / "stages.md").write_text(_stages_markdown(result))
    return ["stages.json", "stages.md"]


def _combine_stages(
    samples: list[dict], plain: list[dict], null: list[dict], pages: int, seed: int
) -> dict[str, Any]:
    """Median wall and CPU per component over the runs; stages are sums of components."""
    components = {}
    for name, stage in COMPONENTS.items():
        wall = statistics.median(s["components"].get(name, {}).get("wall", 0.0) for s in samples)
        cpu = statistics.median(s["components"].get(name, {}).get("cpu", 0.0) for s in samples)
        calls = max(s["components"].get(name, {}).get("calls", 0) for s in samples)
        components[name] = {"stage": stage, "wall": wall, "cpu": cpu, "calls": calls}
    total_wall = sum(c["wall"] for c in components.values()) or 1.0
    total_cpu = sum(c["cpu"] for c in components.values()) or 1.0
    stages = {}
    for stage in STAGES:
        parts = [c for c in components.values() if c["stage"] == stage]
        wall, cpu = sum(c["wall"] for c in parts), sum(c["cpu"] for c in parts)
        stages[stage] = {"wall": wall, "cpu": cpu}
    for entry in (*components.values(), *stages.values()):
        entry["io_wait"] = max(0.0, entry["wall"] - entry["cpu"])
        entry["share_wall"] = entry["wall"] / total_wall
        entry["share_cpu"] = entry["cpu"] / total_cpu
    encode = {key: statistics.median(s["encode"][key] for s in samples) for key in ("wall", "cpu")}
    return {
        "pages": pages,
        "seed": seed,
        "runs": len(samples),
        "pages_built": samples[0]["pages_built"],
        "files_written": samples[0]["files"],
        "bytes_written": samples[0]["bytes"],
        "total": {"wall": total_wall, "cpu": total_cpu, "io_wait": total_wall - total_cpu},
        "instrumented_runs_wall": [s["wall"] for s in samples],
        "plain_runs_wall": [p["wall"] for p in plain],
        "null_sink_runs_wall": [n["wall"] for n in null],
        "stages": stages,
        "components": components,
        "encode_aside": encode | {"calls": samples[0]["encode"]["calls"]},
    }


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _stages_markdown(result: dict[str, Any]) -> str:
    total = result["total"]
    plain = statistics.median(result["plain_runs_wall"])
    null = statistics.median(result["null_sink_runs_wall"])
    lines = [
        f"# Stage breakdown: {result['pages']}-page build (seed {result['seed']})",
        "",
        f"{result['pages_built']} pages built, {result['files_written']} files, "
        f"{result['bytes_written'] / 1e6:.2f} MB written. Median per component over "
        f"{result['runs']} instrumented runs: {total['wall']:.2f} s wall, {total['cpu']:.2f} s "
        f"CPU (the same build uninstrumented: {plain:.2f} s, median of "
        f"{len(result['plain_runs_wall'])}).",
        "",
        "| stage | wall s | share of wall | CPU s | share of CPU | I/O wait s (wall - CPU) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, s in result["stages"].items():
        lines.append(
            f"| {name} | {s['wall']:.3f} | {100 * s['share_wall']:.1f}% | {s['cpu']:.3f} "
            f"| {100 * s['share_cpu']:.1f}% | {s['io_wait']:.3f} |"
        )
    lines.append(
        f"| **total** | {total['wall']:.3f} | 100% | {total['cpu']:.3f} | 100% "
        f"| {max(0.0, total['io_wait']):.3f} |"
    )
    lines += [
        "",
        "## Components",
        "",
        "| component | stage | calls | wall s | share of wall | CPU s | I/O wait s |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for name, c in result["components"].items():
        if not c["calls"]:
            continue  # the component of a runner this commit does not have
        lines.append(
            f"| {name} | {c['stage']} | {c['calls']} | {c['wall']:.3f} "
            f"| {100 * c['share_wall']:.1f}% | {c['cpu']:.3f} | {c['io_wait']:.3f} |"
        )
    enc = result["encode_aside"]
    if enc["calls"]:  # the first runner only: a staged runner's template stage encodes
        lines += [
            "",
            f"Serialization: `str.encode()` of every rendered template, timed aside (not part "
            f"of the totals; in the real build it sits in *other*): {enc['wall']:.3f} s for "
            f"{enc['calls']} documents. Template render + encode = "
            f"{result['components']['template render']['wall'] + enc['wall']:.3f} s.",
        ]
    lines += [
        "",
        f"Writing end to end: the same build with a sink that discards the bytes takes "
        f"{null:.2f} s ({_runs(result['null_sink_runs_wall'])}) against {plain:.2f} s "
        f"({_runs(result['plain_runs_wall'])}) with `DirectSink`, medians of interleaved "
        f"runs: a difference of {plain - null:+.2f} s ({100 * (plain - null) / plain:+.1f}%), "
        f"to be read against the spread of the runs.",
        "",
    ]
    return "\n".join(lines)


# --- scaling --------------------------------------------------------------------------


def _scaling(args: argparse.Namespace, sizes: list[int], folder: Path, runs: _Runs) -> list[str]:
    rows = []
    for size in sizes:
        content = _corpus(args.cache, size, args.seed)
        repeats = args.repeats if size <= LARGE else args.large_repeats
        print(f"scaling: {size} pages x {repeats} ...", flush=True)
        results = [_run_worker("build", content, runs.fresh()) for _ in range(repeats)]
        walls = [r["wall"] for r in results]
        wall = statistics.median(walls)
        built = results[0]["pages_built"]
        rows.append(
            {
                "pages": size,
                "pages_built": built,
                "runs": repeats,
                "wall": wall,
                "wall_all": walls,
                "cpu": statistics.median(r["cpu"] for r in results),
                "pages_per_s": built / wall,
                "ms_per_page": 1000 * wall / built,
                "peak_rss_mib": statistics.median(r["maxrss_kib"] for r in results) / 1024,
                "rss_before_mib": statistics.median(r["rss_before_kib"] for r in results) / 1024,
                "files": results[0]["files"],
                "bytes": results[0]["bytes"],
                "process_wall": statistics.median(r["process_wall"] for r in results),
            }
        )
    _write_json(folder / "scaling.json", {"seed": args.seed, "rows": rows})
    (folder / "scaling.md").write_text(_scaling_markdown(rows, args.seed))
    return ["scaling.json", "scaling.md"]


def _scaling_markdown(rows: list[dict], seed: int) -> str:
    lines = [
        f"# Scaling: build cost by corpus size (seed {seed})",
        "",
        "Build = `PipelineRunner(content, DirectSink(fresh folder)).run()` in a fresh process; "
        "wall is the median of the runs (all runs in brackets); peak RSS is the process's "
        "high-water mark, VmHWM (its resident size after imports, before the build, in "
        "brackets).",
        "",
        "| pages | built | runs | wall s | pages/s | ms/page | CPU s | peak RSS MiB "
        "| files | MB written |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        walls = ", ".join(f"{w:.2f}" for w in r["wall_all"])
        lines.append(
            f"| {r['pages']} | {r['pages_built']} | {r['runs']} | {r['wall']:.2f} ({walls}) "
            f"| {r['pages_per_s']:.0f} | {r['ms_per_page']:.2f} | {r['cpu']:.2f} "
            f"| {r['peak_rss_mib']:.0f} ({r['rss_before_mib']:.0f}) | {r['files']} "
            f"| {r['bytes'] / 1e6:.1f} |"
        )
    return "\n".join([*lines, ""])


# --- summary --------------------------------------------------------------------------


def _summary(args: argparse.Namespace, folder: Path, sizes: list[int], label: str) -> list[str]:
    profiler = json.loads((folder / "profiler.json").read_text())["profiler"]
    command = "benchmarks/tools/profile_build.py " + " ".join(
        [f"--pages {args.pages}", f"--seed {args.seed}", f"--sizes {','.join(map(str, sizes))}"]
        + [f"--repeats {args.repeats}", f"--profiler {args.profiler}"]
    )
    meta = {
        "commit": label,
        "command": command,
        "profiler": profiler,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    _write_json(folder / "meta.json", meta)
    parts = [
        f"# Profile of commit {label}",
        "",
        f"`{command}`; Python {meta['python']} on {meta['platform']}, {meta['cpus']} CPUs, "
        f"{meta['date']}. Flame graph: `flame.svg` ({profiler}).",
        "",
    ]
    for name in ("stages.md", "scaling.md", "hot.md"):
        if (folder / name).exists():
            text = (folder / name).read_text()
            parts.append(
                re.sub(r"^# ", "## ", re.sub(r"^## ", "### ", text, flags=re.M), flags=re.M)
            )
    (folder / "summary.md").write_text("\n".join(parts))
    return ["summary.md", "meta.json"]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


# --- the worker: one build in a fresh process ------------------------------------------


def _worker(argv: list[str]) -> int:
    """``_worker MODE CONTENT OUT [extra]``: one build, its figures as JSON on stdout.

    MODE is ``build`` (extra ``null``: a sink that discards the bytes), ``stages``
    (instrumented) or ``cprofile`` (extra: where to dump the stats).
    """
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    mode, content, out, *extra = argv
    rss_before = _memory_kib("VmRSS")
    sink = _NullSink() if extra[:1] == ["null"] else DirectSink(out)
    runner = PipelineRunner(content, sink, title="Profile")
    figures: dict[str, Any] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "build":
        report = runner.run()
    elif mode == "stages" and _has_staged_runner():
        report = runner.run()  # it times its own stages
        figures = _report_figures(report)
    elif mode == "stages":
        clock = _StageClock()
        with _instrumented(clock, sink):
            clock.start()
            report = runner.run()
            clock.stop()
        figures = clock.figures()
    elif mode == "cprofile":
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(runner.run)
        profiler.dump_stats(extra[0])
    else:
        raise SystemExit(f"unknown worker mode {mode!r}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures |= {
        "wall": wall,
        "cpu": cpu,
        "elapsed": report.elapsed,
        "pages_built": report.pages_built,
        "pages_failed": len(report.pages_failed),
        "files": report.files_written,
        "bytes": report.bytes_written,
        "rss_before_kib": rss_before,
        "maxrss_kib": _memory_kib("VmHWM"),
    }
    print(json.dumps(figures))
    return 0


def _has_staged_runner() -> bool:
    try:
        import pipeline.report
    except ImportError:
        return False
    return hasattr(pipeline.report, "StageClock")


def _report_figures(report: Any) -> dict[str, Any]:
    """The stage figures of a staged runner's BuildReport, as components."""
    components = {}
    for stage, timing in report.stages.items():
        components[REPORT_STAGES[stage]] = {
            "wall": timing.wall,
            "cpu": timing.cpu,
            "calls": timing.calls,
        }
    components["other"] = {
        "wall": max(0.0, report.elapsed - sum(t.wall for t in report.stages.values())),
        "cpu": max(0.0, report.cpu - sum(t.cpu for t in report.stages.values())),
        "calls": 1,
    }
    return {"components": components, "encode": {"wall": 0.0, "cpu": 0.0, "calls": 0}}


def _memory_kib(field: str) -> int:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in KiB.

    Read from /proc: unlike ``ru_maxrss``, VmHWM starts afresh at exec, so it does not
    include the parent's size at fork. Elsewhere, ``ru_maxrss`` is the fallback.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _NullSink:
    """Counts what a build would write, writes nothing: the build without I/O."""

    def __init__(self) -> None:
        from pipeline.sink import SinkStats, check_relpath

        self._check = check_relpath
        self._stats = SinkStats()

    def write(self, relpath: str, data: bytes) -> None:
        self._check(relpath)
        self._stats.files += 1
        self._stats.bytes += len(data)

    def close(self) -> Any:
        return self._stats


class _StageClock:
    """Charges wall and CPU time to the innermost active component.

    ``enter``/``leave`` bracket a wrapped call; time between brackets goes to whatever is
    on top of the stack ("other" at the bottom), so nested calls are never counted twice.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack = ["other"]
        self.encode = {"wall": 0.0, "cpu": 0.0, "calls": 0}
        self._wall = self._cpu = 0.0
        self.running = False

    def start(self) -> None:
        self.running = True
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def stop(self) -> None:
        self._charge()
        self.running = False

    def _charge(self) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        top = self.stack[-1]
        self.wall[top] += wall - self._wall
        self.cpu[top] += cpu - self._cpu
        self._wall, self._cpu = wall, cpu

    def enter(self, component: str) -> None:
        self._charge()
        self.stack.append(component)
        self.calls[component] += 1

    def leave(self) -> None:
        self._charge()
        self.stack.pop()

    def aside(self, work: Callable[[], object]) -> None:
        """Time ``work`` (serialization) outside every component."""
        self._charge()
        work()
        wall, cpu = time.perf_counter(), time.process_time()
        self.encode["wall"] += wall - self._wall
        self.encode["cpu"] += cpu - self._cpu
        self.encode["calls"] += 1
        self._wall, self._cpu = wall, cpu

    def timed(self, component: str, fn: Callable) -> Callable:
        assert component in COMPONENTS, component

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.enter(component)
            try:
                return fn(*args, **kwargs)
            finally:
                self.leave()

        return wrapper

    def figures(self) -> dict[str, Any]:
        names = set(self.wall) | set(self.calls)
        return {
            "components": {
                n: {"wall": self.wall[n], "cpu": self.cpu[n], "calls": self.calls[n]} for n in names
            },
            "encode": self.encode,
        }


class _ModuleProxy(types.ModuleType):
    """A stand-in for a module inside one other module: overrides some names only."""

    def __init__(self, module: types.ModuleType, **overrides: Any) -> None:
        super().__init__(module.__name__)
        self._module = module
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


class _TimedFile:
    """The file object DirectSink writes to, with its write and close timed."""

    def __init__(self, clock: _StageClock, file: Any) -> None:
        self._clock, self._file = clock, file

    def __enter__(self) -> _TimedFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._clock.enter("sink: close")
        try:
            self._file.__exit__(*exc_info)
        finally:
            self._clock.leave()

    def write(self, data: bytes) -> int:
        self._clock.enter("sink: write")
        try:
            return self._file.write(data)
        finally:
            self._clock.leave()


@contextlib.contextmanager
def _instrumented(clock: _StageClock, sink: Any) -> Iterator[None]:
    """Wrap what ``PipelineRunner.run`` calls, and undo it all afterwards."""
    import pathlib

    import jinja2

    from pipeline import frontmatter, markup, media, runner, templates
    from pipeline import sink as sink_module

    undo: list[Callable[[], None]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        missing = object()
        old = vars(owner).get(name, missing)  # a module, a class or an instance
        setattr(owner, name, value)
        undo.append(
            (lambda: delattr(owner, name))
            if old is missing
            else (lambda: setattr(owner, name, old))
        )

    real_walk = os.walk

    def walk(*args: Any, **kwargs: Any) -> Iterator[Any]:
        # The runner's loop body runs between the yields: it is discovery too.
        clock.enter("discover (os.walk and the loop over it)")
        try:
            yield from real_walk(*args, **kwargs)
        finally:
            clock.leave()

    patch(runner, "os", _ModuleProxy(os, walk=walk))
    patch(runner, "_read_text", clock.timed("read and decode (_read_text)", runner._read_text))
    patch(frontmatter, "split", clock.timed("front matter (frontmatter.split)", frontmatter.split))

    real_new_markdown = markup.new_markdown

    def new_markdown() -> Any:
        md = real_new_markdown()
        md.reset = clock.timed("markdown reset", md.reset)
        md.convert = clock.timed("markdown convert", md.convert)
        return md

    patch(markup, "new_markdown", clock.timed("markdown setup (new_markdown)", new_markdown))
    patch(markup, "first_heading", clock.timed("title and summary", markup.first_heading))
    patch(markup, "summarize", clock.timed("title and summary", markup.summarize))
    patch(templates, "environment", clock.timed("template environment", templates.environment))
    get_template = jinja2.Environment.get_template
    patch(
        jinja2.Environment,
        "get_template",
        clock.timed("template load (get_template)", get_template),
    )
    real_render = jinja2.Template.render

    def render(self: Any, *args: Any, **kwargs: Any) -> str:
        text = real_render(self, *args, **kwargs)
        clock.aside(text.encode)
        return text

    patch(jinja2.Template, "render", clock.timed("template render", render))
    references = "media references (parse HTML, resolve URLs)"
    patch(media, "references", clock.timed(references, media.references))
    patch(media, "local_target", clock.timed(references, media.local_target))

    real_read_bytes = pathlib.Path.read_bytes
    media_read = clock.timed("media read (copied files)", real_read_bytes)

    def read_bytes(self: Any) -> bytes:
        # Called by the runner itself (nothing else on the stack): copying a media file.
        if clock.running and clock.stack == ["other"]:
            return media_read(self)
        return real_read_bytes(self)

    patch(pathlib.Path, "read_bytes", read_bytes)
    patch(
        sink_module,
        "os",
        _ModuleProxy(
            os,
            mkdir=clock.timed("sink: mkdir", os.mkdir),
            replace=clock.timed("sink: rename (os.replace)", os.replace),
        ),
    )
    timed_open = clock.timed("sink: open (create file)", open)
    patch(
        sink_module, "open", lambda *args, **kwargs: _TimedFile(clock, timed_open(*args, **kwargs))
    )
    if not isinstance(sink, _NullSink):
        patch(sink, "write", clock.timed("sink: check path, bookkeeping (Python)", sink.write))
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


if __name__ == "__main__":
    sys.exit(main())
