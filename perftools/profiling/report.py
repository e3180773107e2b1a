"""The profile's Markdown: hot functions, the stage breakdown, scaling, and the summary."""

from __future__ import annotations

import re
import statistics
from typing import Any

from perftools.profiling import speedscope
from perftools.profiling.stacks import Stats, frame_label, short_path


def hot_markdown(stats: Stats, sampled: dict | None, pages: int, run: dict) -> str:
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
            name = frame_label(func).split(" (")[0]
            where = f"{short_path(func[0])}:{func[1]}" if func[0] != "~" else "built-in"
            lines.append(
                f"| `{name}` | {where} | {nc} | {tt:.3f} | {100 * tt / total:.1f} "
                f"| {ct:.3f} | {100 * ct / total:.1f} |"
            )
        lines.append("")
    if sampled:
        lines += sampled_hot(sampled)
    return "\n".join(lines)


def sampled_hot(sampled: dict[str, Any]) -> list[str]:
    """Self and total share of samples per function from py-spy (no call overhead)."""
    frames = sampled["shared"]["frames"]
    own, inclusive, total = speedscope.self_and_total(sampled)
    lines = [
        "## By self samples (py-spy, whole process including start-up and imports)",
        "",
        "| function | where | self % | total % |",
        "|---|---|--:|--:|",
    ]
    for i, weight in sorted(own.items(), key=lambda item: item[1], reverse=True)[:20]:
        frame = frames[i]
        where = f"{short_path(frame.get('file') or '?')}:{frame.get('line') or ''}"
        lines.append(
            f"| `{frame['name']}` | {where} | {100 * weight / total:.1f} "
            f"| {100 * inclusive[i] / total:.1f} |"
        )
    return [*lines, ""]


def runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def stage_rows(result: dict[str, Any]) -> list[str]:
    total = result["total"]
    lines = [
        "| stage | calls | wall s | share of wall | CPU s | share of CPU "
        "| I/O wait s (wall - CPU) |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, s in result["stages"].items():
        lines.append(
            f"| {name} | {s['calls']} | {s['wall']:.3f} | {100 * s['share_wall']:.1f}% "
            f"| {s['cpu']:.3f} | {100 * s['share_cpu']:.1f}% | {s['io_wait']:.3f} |"
        )
    lines.append(
        f"| **total** | | {total['wall']:.3f} | 100% | {total['cpu']:.3f} | 100% "
        f"| {max(0.0, total['io_wait']):.3f} |"
    )
    return lines


def stages_markdown(result: dict[str, Any]) -> str:
    plain = statistics.median(result["runs_wall"])
    null = statistics.median(result["null_sink_runs_wall"])
    other = ", ".join(result["stages_in_other"]) or "none"
    lines = [
        f"# Stage breakdown: {result['pages']}-page build (seed {result['seed']})",
        "",
        f"{result['pages_built']} pages built, {result['files_written']} files, "
        f"{result['bytes_written'] / 1e6:.2f} MB written. Medians over {result['runs']} "
        f"builds of the stage times each build's BuildReport recorded (render is the "
        f"markdown row, template templates, write writing; other is the report's stages "
        f"{other} and the time outside every stage).",
        "",
        *stage_rows(result),
        "",
        f"Writing end to end: the same build with a sink that discards the bytes takes "
        f"{null:.2f} s ({runs(result['null_sink_runs_wall'])}) against {plain:.2f} s "
        f"({runs(result['runs_wall'])}) with `DirectSink`, medians of interleaved "
        f"runs: a difference of {plain - null:+.2f} s ({100 * (plain - null) / plain:+.1f}%), "
        f"to be read against the spread of the runs.",
        "",
    ]
    return "\n".join(lines)


def scaling_markdown(rows: list[dict], seed: int) -> str:
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
        lines.append(
            f"| {r['pages']} | {r['pages_built']} | {r['runs']} | {r['wall']:.2f} "
            f"({runs(r['wall_all'])}) | {r['pages_per_s']:.0f} | {r['ms_per_page']:.2f} "
            f"| {r['cpu']:.2f} | {r['peak_rss_mib']:.0f} ({r['rss_before_mib']:.0f}) "
            f"| {r['files']} | {r['bytes'] / 1e6:.1f} |"
        )
    return "\n".join([*lines, ""])


def summary_markdown(meta: dict[str, Any], tables: list[str]) -> str:
    """Every table in one file, their headings one level down."""
    parts = [
        f"# Profile of commit {meta['commit']}",
        "",
        f"`{meta['command']}`; Python {meta['python']} on {meta['platform']}, {meta['cpus']} "
        f"CPUs, {meta['date']}. Flame graph: `flame.svg` ({meta['profiler']}).",
        "",
    ]
    for text in tables:
        parts.append(re.sub(r"^# ", "## ", re.sub(r"^## ", "### ", text, flags=re.M), flags=re.M))
    return "\n".join(parts)
