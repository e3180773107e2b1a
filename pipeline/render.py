"""Render: Markdown to HTML, in this process or in a pool of worker processes.

Each process keeps one Markdown converter and ``reset()``s it per page (building one
costs about 38 ms). Workers read the page files themselves, so only paths go out and
HTML comes back; results arrive in the order the pages were given, whatever ``jobs``.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from pipeline import confine, deadline, entities, lazy, pagetext
from pipeline.cards.job import CardInput, CardResult, CardSetup, draw, warm_up
from pipeline.defaults import MAX_PAGE_BYTES
from pipeline.defaults import PAGE_TIMEOUT as DEFAULT_PAGE_TIMEOUT
from pipeline.errors import PipelineError, describe

if TYPE_CHECKING:
    import markdown
# A build whose pages all come from the cache needs neither (pipeline/lazy.py).
markup = lazy.module("pipeline.markup")
workers = lazy.module("pipeline.workers")

# One render task: (file path, where the body starts in its decoded text[, its card's inputs
# when the build draws cards]).
Task = tuple[str, int] | tuple[str, int, CardInput]


class Rendered(Struct):
    """One page's render result (or why it failed), with its timings."""

    html: str = ""
    toc: str = ""
    toc_tokens: list[dict[str, Any]] = field(default_factory=list)
    heading: str | None = None  # plain text of the first heading
    references: list[str] = field(default_factory=list)  # href/src values, document order
    summary: str = ""  # plain text of the first paragraph (markup.summarize)
    error: str | None = None  # why the page failed: it is not built
    cpu: float = 0.0  # CPU seconds of the process that rendered it (its card's apart)
    card: CardResult | None = None  # drawn after the Markdown, when the task asked for one
    # The page's plain text, whole and by section, as JSON strings (pagetext.encoded), when
    # the build writes sidecars or search: made here, beside its Markdown, not in the
    # build's process.
    text: pagetext.Encoded | None = None
    start: float = 0.0  # perf_counter when its rendering started and ended
    end: float = 0.0
    pid: int = 0


def render_text(md: markdown.Markdown, body: str) -> Rendered:
    """One page's Markdown body as HTML, with its table of contents and references."""
    try:
        page_html = _convert(md, body)
    except ValueError:
        # Python-Markdown's toc reads a heading's "&#" and 5000 digits with int(), which
        # refuses so many (pipeline/entities.py). The same text with such references
        # shortened means the same to a browser; any other text converts as stock does.
        safe = entities.safe(body)
        if safe == body:
            raise
        page_html = _convert(md, safe)
    return Rendered(
        html=page_html,
        toc=md.toc,
        toc_tokens=md.toc_tokens,
        heading=markup.first_heading(md),
        references=markup.references(md, page_html),
    )


def _convert(md: markdown.Markdown, body: str) -> str:
    md.reset()
    md.tree_urls = None  # an empty page skips the treeprocessors
    return md.convert(body)


def render_file(
    converter: Converter,
    task: Task,
    content: Content | None,
    limit: float | None,
    cards: CardSetup | None = None,
    page_text: bool = False,
) -> Rendered:
    """One page from its file; whatever goes wrong fails this page alone, in one line.

    ``content``: the file must really be in it (checked on the open file, see
    ``pipeline.confine``). ``limit``: seconds the page may take. ``cards``: the build's
    card setup, for a task that carries card inputs (a failed card fails only itself).
    ``page_text``: make the page's plain text too (``Rendered.text``).
    """
    start, cpu = time.perf_counter(), time.process_time()
    path, body_start = task[0], task[1]
    try:
        with deadline.time_limit(limit):
            text = _read(path, content).decode("utf-8-sig")
            rendered = render_text(converter.markdown(), text[body_start:])
            rendered.summary = markup.summarize(rendered.html)
            if page_text:
                rendered.text = pagetext.encoded(rendered.html)
    except PipelineError as exc:
        rendered = Rendered(error=exc.message)
    except (OSError, UnicodeError) as exc:
        rendered = Rendered(error=f"changed or unreadable during the build: {exc}")
    except deadline.TimeLimitExceeded as exc:
        converter.discard()  # stopped half way: do not trust its state
        rendered = Rendered(error=f"rendering {exc} (the page time limit)")
    except Exception as exc:
        converter.discard()
        rendered = Rendered(error=describe(exc, "Markdown"))
    rendered.cpu = time.process_time() - cpu
    rendered.start, rendered.end, rendered.pid = start, time.perf_counter(), os.getpid()
    return with_card(task, rendered, cards, limit)


def with_card(
    task: Task, rendered: Rendered, cards: CardSetup | None, limit: float | None
) -> Rendered:
    """The page's result with its card drawn, if its task asks for one and it rendered."""
    if len(task) > 2 and cards is not None and rendered.error is None:
        rendered.card = draw(cards, task[2], rendered.heading, limit)
    return rendered


class Content(Struct, frozen=True):
    """The content folder, as task paths name it and as its real path."""

    folder: str  # as the tasks' paths start
    root: str  # its real path

    @classmethod
    def of(cls, folder: str | os.PathLike[str]) -> Content:
        return cls(os.fspath(folder), confine.root_of(folder))

    def name(self, path: str) -> str:
        """``path`` relative to the folder, as reports name pages."""
        prefix = os.path.join(self.folder, "")
        return path[len(prefix) :] if path.startswith(prefix) else path


def _read(path: str, content: Content | None) -> bytes:
    if content is None:
        with io.open(path, "rb") as f:  # noqa: UP020  reading a source, not an output
            size = os.fstat(f.fileno()).st_size
            data = b""
            if size <= MAX_PAGE_BYTES:  # not read at all when too large
                data = f.read(MAX_PAGE_BYTES + 1)
                size = len(data)  # it may have grown since
        if size > MAX_PAGE_BYTES:
            raise PipelineError(path, confine.too_large(size, MAX_PAGE_BYTES))
        return data
    return confine.read_content(path, content.root, content.name(path), MAX_PAGE_BYTES)


class Converter:
    """One Markdown converter per process, rebuilt after a page that failed inside it."""

    def __init__(self) -> None:
        self._md: markdown.Markdown | None = None

    def markdown(self) -> markdown.Markdown:
        if self._md is None:
            self._md = markup.new_markdown()
        return self._md

    def discard(self) -> None:
        self._md = None


class Renderer:
    """The render stage. ``jobs`` > 1 renders in a process pool; 1 never starts one.

    ``page_timeout``: seconds one page may take to render (None: no limit). A page over
    it fails alone: the rendering process's alarm stops it, and if the process does not
    respond the pool's parent replaces it (``pipeline.workers``). ``content``: the content
    folder; when given, every page file read must really be inside it. ``cards``: what
    the build's social cards share, for tasks that ask for a card. ``page_text``: each
    result carries its page's plain text (for sidecars and search).
    """

    def __init__(
        self,
        jobs: int = 1,
        *,
        page_timeout: float | None = DEFAULT_PAGE_TIMEOUT,
        content: str | os.PathLike[str] | None = None,
        cards: CardSetup | None = None,
        page_text: bool = False,
    ) -> None:
        self.jobs = max(1, jobs)
        self.page_timeout = page_timeout
        self.content = Content.of(content) if content is not None else None
        self.cards = cards
        self.page_text = page_text
        self._converter = Converter()
        self._workers: workers.WatchedPool | None = None  # made when first needed

    def start(self) -> None:
        """Start the workers now, so that their start-up overlaps discovery and parsing;
        each also gets ready to draw cards then, as every page will need one."""
        if self.jobs > 1:
            self._pool(warm=True).start()

    def render(self, tasks: Sequence[Task]) -> Iterator[Rendered]:
        if not tasks:
            return
        if self.jobs == 1 or len(tasks) == 1:
            for task in tasks:
                yield render_file(self._converter, task, self.content, self.page_timeout,
                                  self.cards, self.page_text)  # fmt: skip
            return
        # Chunks amortise the inter-process round trip; several per worker balance load.
        size = max(1, min(16, len(tasks) // (self.jobs * 8)))
        # A chunk's cards are drawn after its pages' Markdown, not one beside each: both
        # ran 5-10% faster (their code and data stay in the caches).
        then = _card_task if self.cards is not None else None
        yield from self._pool().map(_render_task, tasks, size, _lost, then)

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()

    def terminate(self) -> None:
        if self._workers is not None:
            self._workers.terminate()

    def _pool(self, warm: bool = False) -> workers.WatchedPool:
        if self._workers is None:
            extras = (self.cards, self.page_text, warm)
            self._workers = _pool(self.jobs, self.content, self.page_timeout, extras)
        return self._workers


def _pool(
    jobs: int, content: Content | None, page_timeout: float | None, extras: _Extras
) -> workers.WatchedPool:
    if page_timeout is None:
        return workers.WatchedPool(jobs, None, _init_worker, (content, None, extras))
    # The worker's own alarm stops a page at page_timeout; the parent steps in later.
    patience = page_timeout + max(0.5, page_timeout / 4)
    stuck = (
        f"rendering took longer than {page_timeout:g} s (the page time limit) and its "
        f"process did not stop; it was killed after {patience:g} s"
    )
    initargs = (content, page_timeout, extras)
    return workers.WatchedPool(jobs, patience, _init_worker, initargs, stuck)


def _lost(task: Task, reason: str) -> Rendered:
    now = time.perf_counter()
    return Rendered(error=reason, start=now, end=now)


# What a result carries besides the page's HTML: its card's setup, whether its plain text;
# and whether the process gets ready to draw cards before its first task.
_Extras = tuple[CardSetup | None, bool, bool]


class _Worker:
    converter = Converter()  # one converter per worker process
    content: Content | None = None
    limit: float | None = None
    extras: _Extras = (None, False, False)


def _init_worker(content: Content | None, limit: float | None, extras: _Extras) -> None:
    _Worker.content, _Worker.limit, _Worker.extras = content, limit, extras
    _Worker.converter.markdown()  # built now, while the parent discovers and parses
    cards, _, warm = extras
    if warm and cards is not None:
        warm_up(cards)


def _render_task(task: Task) -> Rendered:
    page_text = _Worker.extras[1]
    return render_file(_Worker.converter, task, _Worker.content, _Worker.limit, None, page_text)


def _card_task(task: Task, rendered: Rendered) -> Rendered:
    return with_card(task, rendered, _Worker.extras[0], _Worker.limit)
