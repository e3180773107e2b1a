"""Render: Markdown to HTML, in this process or in a pool of worker processes.

Each process keeps one Markdown converter and ``reset()``s it per page (building one
costs about 38 ms). Workers read the page files themselves, so only paths go out and
HTML comes back; results arrive in the order the pages were given, whatever ``jobs``.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import markdown

from pipeline import markup

# One render task: (file path, where the body starts in its decoded text).
Task = tuple[str, int]


@dataclass(slots=True)
class Rendered:
    html: str = ""
    toc: str = ""
    toc_tokens: list[dict[str, Any]] = field(default_factory=list)
    heading: str | None = None  # plain text of the first heading
    references: list[str] = field(default_factory=list)  # href/src values, document order
    error: str | None = None  # the page could not be read again
    cpu: float = 0.0  # CPU seconds of the process that rendered it
    start: float = 0.0  # perf_counter when its rendering started and ended
    end: float = 0.0
    pid: int = 0


def render_text(md: markdown.Markdown, body: str) -> Rendered:
    """One page's Markdown body as HTML, with its table of contents and references."""
    md.reset()
    md.tree_urls = None  # an empty page skips the treeprocessors
    page_html = md.convert(body)
    return Rendered(
        html=page_html,
        toc=md.toc,
        toc_tokens=md.toc_tokens,
        heading=markup.first_heading(md),
        references=markup.references(md, page_html),
    )


def render_file(md: markdown.Markdown, task: Task) -> Rendered:
    start, cpu = time.perf_counter(), time.process_time()
    path, body_start = task
    try:
        with io.open(path, "rb") as f:  # noqa: UP020  reading a source, not an output
            text = f.read().decode("utf-8-sig")
    except (OSError, UnicodeError) as exc:
        rendered = Rendered(error=f"changed or unreadable during the build: {exc}")
    else:
        rendered = render_text(md, text[body_start:])
    rendered.cpu = time.process_time() - cpu
    rendered.start, rendered.end, rendered.pid = start, time.perf_counter(), os.getpid()
    return rendered


class Renderer:
    """The render stage. ``jobs`` > 1 renders in a process pool; 1 never starts one."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)
        self._md: markdown.Markdown | None = None
        self._pool: Any = None

    def start(self) -> None:
        """Start the workers now, so that their start-up overlaps discovery and parsing."""
        if self.jobs > 1 and self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = context.Pool(self.jobs, initializer=_init_worker)

    def render(self, tasks: Sequence[Task]) -> Iterator[Rendered]:
        if not tasks:
            return
        if self.jobs == 1 or len(tasks) == 1:
            if self._md is None:
                self._md = markup.new_markdown()
            for task in tasks:
                yield render_file(self._md, task)
            return
        self.start()
        # Chunks amortise the inter-process round trip; several per worker balance load.
        size = max(1, min(16, len(tasks) // (self.jobs * 8)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        for chunk in self._pool.imap(_render_chunk, chunks):
            yield from chunk

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def terminate(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class _Worker:
    md: markdown.Markdown | None = None  # one converter per worker process


def _init_worker() -> None:
    _Worker.md = markup.new_markdown()


def _render_chunk(tasks: list[Task]) -> list[Rendered]:
    md = _Worker.md
    assert md is not None
    return [render_file(md, task) for task in tasks]
