"""BuildReport: what a build did and where its time went, per stage; its trace export."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import Struct, field

if TYPE_CHECKING:
    from pipeline.stamp import Summary

# The stages a build times, in pipeline order. Fixed names: benchmarks read them.
STAGE_NAMES = (
    "discover", "parse", "render", "cards", "template", "media", "write", "cache", "serialize",
)  # fmt: skip


class Problem(Struct):
    """A file and what went wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class StageTime(Struct):
    """Wall and CPU seconds spent in one stage, over its calls."""

    wall: float = 0.0  # seconds the build's process spent in the stage
    cpu: float = 0.0  # CPU seconds of the build's process in it (workers' CPU for render)
    calls: int = 0  # spans timed (a stage run per page counts once per page)


class BuildReport(Struct):
    """What a build did, what it skipped, what failed, and where its time went."""

    pages_built: int = 0
    pages_failed: list[Problem] = field(default_factory=list)
    drafts: int = 0
    # Folders ("name/") and pages not read: their names start with "." or "_" (discover.py)
    left_out: list[str] = field(default_factory=list)
    # Content files that are no page and that no built page refers to: not published (media.py)
    unpublished: list[str] = field(default_factory=list)
    media_files: int = 0  # content files the site refers to, in place after the build
    media_unchanged: int = 0  # of those, the ones already there from the last build
    unresolved: list[Problem] = field(default_factory=list)  # references that point nowhere
    files_written: int = 0
    bytes_written: int = 0
    elapsed: float = 0.0  # wall seconds for the whole build
    fatal: str | None = None  # why the build stopped early, if it did
    cpu: float = 0.0  # CPU seconds of the build's own process
    jobs: int = 1  # rendering processes (1: rendered in the build's process)
    pages_rendered: int = 0  # pages converted from Markdown in this build
    cache_hits: int = 0  # pages taken from the build cache, neither rendered nor rewritten
    files_unchanged: int = 0  # outputs whose bytes were already there, so not rewritten
    files_removed: int = 0  # stale files of earlier builds removed (pipeline/stale.py)
    sources: int = 0  # Markdown files discovered
    source_bytes: int = 0  # their total size
    warnings: list[str] = field(default_factory=list)  # e.g. a corrupt cache ignored
    cards_drawn: int = 0  # social cards drawn in this build
    cards_kept: int = 0  # cards already in the site from the last build, not drawn again
    cards_failed: int = 0  # pages built without a card (each has a warning)
    stages: dict[str, StageTime] = field(
        default_factory=lambda: {s: StageTime() for s in STAGE_NAMES}
    )

    @property
    def ok(self) -> bool:
        return not self.pages_failed and self.fatal is None

    @classmethod
    def from_stamp(cls, summary: Summary) -> BuildReport:
        """A rebuild that the build stamp found nothing to do for (pipeline/stamp.py)."""
        report = cls(jobs=summary.jobs, elapsed=summary.elapsed)
        for name in ("pages_built", "drafts", "media_files", "media_unchanged", "cache_hits",
                     "files_unchanged", "cards_kept", "sources", "source_bytes"):  # fmt: skip
            setattr(report, name, getattr(summary, name))
        report.unresolved = [Problem(path, message) for path, message in summary.problems]
        report.left_out, report.unpublished = summary.left_out, summary.unpublished
        report.cpu = summary.cpu
        report.stages["cache"] = StageTime(summary.elapsed, summary.cpu, 1)
        return report

    def shares(self) -> dict[str, float]:
        """Each stage's share of the build's wall time."""
        total = self.elapsed or 1.0
        return {name: stage.wall / total for name, stage in self.stages.items()}

    def as_dict(self) -> dict[str, Any]:
        data = msgspec.to_builtins(self)  # stages and problems as dicts too
        data["ok"] = self.ok
        data["pages_failed"] = [str(p) for p in self.pages_failed]
        data["unresolved"] = [str(p) for p in self.unresolved]
        data["shares"] = self.shares()
        return data

    def write_json(self, path: str | os.PathLike[str]) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.as_dict(), f, indent=2)
            f.write("\n")


class StageClock:
    """Accumulates wall and CPU time per stage; records trace spans only when asked to.

    Spans do not nest: the runner times each stage's work directly, so the per-stage
    figures add up to at most the build's wall time.
    """

    def __init__(self, report: BuildReport, trace: bool = False) -> None:
        self.report = report
        self.events: list[dict[str, Any]] | None = [] if trace else None
        self.pid = os.getpid()

    @contextmanager
    def stage(self, name: str, detail: str | None = None) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            end = time.perf_counter()
            timing = self.report.stages[name]
            timing.wall += end - wall
            timing.cpu += time.process_time() - cpu
            timing.calls += 1
            if self.events is not None:
                self.span(name, wall, end, detail)

    def add(self, name: str, wall: float, cpu: float) -> None:
        """Time spent elsewhere (a worker's CPU, a wait) charged to a stage."""
        timing = self.report.stages[name]
        timing.wall += wall
        timing.cpu += cpu
        timing.calls += 1

    def span(
        self, name: str, start: float, end: float, detail: str | None = None, pid: int = 0
    ) -> None:
        """One complete ("X") trace event; times are perf_counter seconds."""
        if self.events is None:
            return
        event: dict[str, Any] = {
            "name": name if detail is None else f"{name} {detail}",
            "cat": name,
            "ph": "X",
            "ts": round(start * 1e6, 1),
            "dur": round((end - start) * 1e6, 1),
            "pid": self.pid,
            "tid": pid or self.pid,
        }
        if detail is not None:
            event["args"] = {"page": detail}
        self.events.append(event)

    def write_trace(self, path: str | os.PathLike[str]) -> None:
        """Chrome trace-event JSON (Perfetto, speedscope, chrome://tracing)."""
        events = self.events or []
        threads = {e["tid"] for e in events} | {self.pid}
        names = [
            {
                "name": "thread_name",
                "ph": "M",
                "pid": self.pid,
                "tid": tid,
                "args": {"name": "build" if tid == self.pid else f"render worker {tid}"},
            }
            for tid in sorted(threads)
        ]
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"traceEvents": names + events, "displayTimeUnit": "ms"}, f)
            f.write("\n")
