"""One build in a fresh interpreter; its figures as one line of JSON on standard output.

    python -m perftools.profiling.worker build CONTENT OUT [null]
    python -m perftools.profiling.worker cprofile CONTENT OUT PSTATS

``build`` runs ``PipelineRunner(content, DirectSink(out)).run()`` in one process without
a cache (``null``: a sink that discards the bytes); ``cprofile`` runs the same build under
cProfile and dumps its stats to PSTATS. A fresh process each time, so that peak memory
(VmHWM) is the build's own and no build warms the next one's caches.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from perftools.common import REPO, ToolError, memory_kib


def run_worker(mode: str, content: Path, out: Path, *extra: str) -> dict[str, Any]:
    """Run one worker build; its figures, with the process's wall time as ``process_wall``."""
    command = [sys.executable, "-m", "perftools.profiling.worker", mode, str(content), str(out)]
    start = time.perf_counter()
    result = subprocess.run([*command, *extra], capture_output=True, text=True, cwd=REPO)
    process_wall = time.perf_counter() - start
    if result.returncode != 0:
        raise ToolError(f"worker {mode} on {content} failed (exit {result.returncode}):\n"
                        f"{result.stderr[-3000:]}")  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1]) | {"process_wall": process_wall}


class NullSink:
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


def stage_figures(report: Any) -> dict[str, dict[str, float]]:
    """The BuildReport's own time per stage: wall, CPU and calls."""
    return {
        name: {"wall": timing.wall, "cpu": timing.cpu, "calls": timing.calls}
        for name, timing in report.stages.items()
    }


def build(mode: str, content: str, out: str, extra: list[str]) -> dict[str, Any]:
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    rss_before = memory_kib("VmRSS")
    sink = NullSink() if extra[:1] == ["null"] else DirectSink(out)
    runner = PipelineRunner(content, sink, title="Profile")
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "build":
        report = runner.run()
    elif mode == "cprofile":
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(runner.run)
        profiler.dump_stats(extra[0])
    else:
        raise ToolError(f"unknown worker mode {mode!r} (build or cprofile)")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall": wall,
        "cpu": cpu,
        "elapsed": report.elapsed,
        "report_cpu": report.cpu,
        "stages": stage_figures(report),
        "pages_built": report.pages_built,
        "pages_failed": len(report.pages_failed),
        "files": report.files_written,
        "bytes": report.bytes_written,
        "rss_before_kib": rss_before,
        "maxrss_kib": memory_kib("VmHWM"),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    mode, content, out, *extra = argv
    try:
        figures = build(mode, content, out, extra)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
