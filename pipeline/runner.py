"""PipelineRunner: a build as its phases, each timed into the BuildReport.

discover -> parse -> plan (cache hits) -> pages (render, template, write, one by one) ->
site files -> media. The work of one page lives in ``_Build``'s small per-page methods;
what each stage does lives in the stage's module (pipeline/stages.py lists them), what
the cache holds in pipeline/cache/, and what is written or kept in pipeline/write.py.
A trace of spans is kept only when asked for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import lazy, media, stale, stamp, template_files
from pipeline.cache import BuildCache
from pipeline.cache.entries import PageEntry
from pipeline.cache.keys import page_digest, page_key, site_inputs, site_key
from pipeline.cards import pages as social
from pipeline.discover import report_refused
from pipeline.errors import SinkWriteError
from pipeline.extensions import EXTENSIONS
from pipeline.page import Page, default_title
from pipeline.page_extras import PageExtras
from pipeline.render import DEFAULT_PAGE_TIMEOUT, Rendered, Task
from pipeline.report import BuildReport, Problem, StageClock
from pipeline.sink import OutputSink
from pipeline.site import SiteInfo, feed_candidates, newest_first
from pipeline.stages import DEFAULT_STAGES, RenderStage, Stages
from pipeline.write import SiteWriter

# A build that renders nothing needs neither: they load on first use (pipeline/lazy.py).
jinja2 = lazy.module("jinja2")
templates = lazy.module("pipeline.templates")

Progress = Callable[[int, int], None]
# Per page: its cache key (None without a cache) and, on a cache hit, its entry.
PlanItem = tuple[Page, str | None, PageEntry | None]


class PipelineRunner:
    """Discover, parse, render, template, extract media and write a site.

    ``jobs``: rendering processes (1 renders here and starts no pool). ``cache_dir``: the
    build cache folder (None: no cache); ``clean`` ignores what it holds. ``trace``: where
    to write a Chrome trace-event JSON of the build. ``out_dir``: the site folder, to check
    that cached outputs are still there (default: ``sink.root``). ``stages``: each stage's
    implementation (pipeline/stages.py). ``verify``: trust no file's size and modification
    time, compare what it holds (templates are re-read). ``page_timeout``: seconds a page's
    Markdown or template may take before it fails alone (None: no limit). ``sidecars``:
    write ``<page>.json`` beside each page; ``search``: the search index and the theme's
    search page (pipeline/page_extras.py). ``cards``: a social card per page, "standard"
    or "high" (None, "off": none).
    """

    def __init__(
        self,
        content_dir: str | os.PathLike[str],
        sink: OutputSink,
        *,
        title: str | None = None,
        base_url: str = "http://localhost:8000/",
        progress: Progress | None = None,
        jobs: int = 1,
        cache_dir: str | os.PathLike[str] | None = None,
        clean: bool = False,
        trace: str | os.PathLike[str] | None = None,
        out_dir: str | os.PathLike[str] | None = None,
        stages: Stages = DEFAULT_STAGES,
        verify: bool = False,
        page_timeout: float | None = DEFAULT_PAGE_TIMEOUT,
        sidecars: bool = False,
        search: bool = False,
        cards: str | None = None,
    ) -> None:
        self.content_dir = Path(content_dir)
        self.sink = sink
        self.site = SiteInfo(
            title=title or self.content_dir.resolve().name or "Site",
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            search=search,
        )
        self.sidecars = sidecars
        self.progress = progress
        self.jobs = max(1, int(jobs))
        self.cache_dir = cache_dir
        self.clean = clean
        self.trace = trace
        root = out_dir if out_dir is not None else getattr(sink, "root", None)
        self.out_dir = os.fspath(root) if root is not None else None
        self.stages = stages
        self.verify = verify
        self.page_timeout = page_timeout
        self.cards = social.mode_of(cards)  # ValueError for an unknown value
        self.card_setup: social.CardSetup | None = None  # this run's, made when it starts

    def run(self, *, stamp_checked: bool = False) -> BuildReport:
        """Build. ``stamp_checked``: the caller asked the build stamp already, and it did not
        hold (the CLI asks before it imports this module): it is not asked twice."""
        start, start_cpu = time.perf_counter(), time.process_time()
        settings = self._stamp_settings()  # None: no stamp may stand for this build
        if settings is not None and not stamp_checked:
            summary = stamp.unchanged(os.fspath(self.cache_dir), settings, self.jobs)  # type: ignore[arg-type]
            if summary is not None:
                self.sink.close()
                summary.elapsed = time.perf_counter() - start
                summary.cpu = time.process_time() - start_cpu
                return BuildReport.from_stamp(summary)
        inputs = None if settings is None else stamp.inputs(os.fspath(self.content_dir))
        report = BuildReport(jobs=self.jobs)
        clock = StageClock(report, trace=self.trace is not None)
        renderer: RenderStage | None = None
        build: _Build | None = None
        try:
            self.card_setup = social.setup_of(self.cards, self.site.title, self.content_dir)
            renderer = self.stages.render(
                self.jobs, page_timeout=self.page_timeout, content=self.content_dir,
                **social.render_options(self.card_setup),
            )  # fmt: skip
            build = self._build(report, clock, renderer)
        except SinkWriteError as exc:
            report.fatal = f"cannot write the site: {exc}"
        except social.CardStyleError as exc:
            report.fatal = f"cannot draw the social cards: {exc}"
        except OSError as exc:  # out of file descriptors or processes, say: one line
            report.fatal = f"cannot build the site: {_describe(exc)}"
        finally:
            if renderer is not None and report.fatal is None:
                renderer.close()
            elif renderer is not None:
                renderer.terminate()
            self._close_sink(report, clock)
            # Only once every file is in place may stale ones go and the cache vouch for them.
            if build is not None and build.cache.enabled and report.fatal is None:
                self._finish(build, settings, inputs)
            report.elapsed = time.perf_counter() - start
            report.cpu = time.process_time() - start_cpu
            if self.trace is not None:
                clock.span("build", start, start + report.elapsed)
                clock.write_trace(self.trace)
        return report

    def _stamp_settings(self) -> list[str] | None:
        """``stamp.settings`` of this build; None when no stamp may stand for it (it must
        read everything, or has no cache or site folder, or other stages)."""
        if (None in (self.cache_dir, self.out_dir) or self.clean or self.verify
                or self.stages is not DEFAULT_STAGES or self.trace is not None):  # fmt: skip
            return None
        site, out = self.site, self.out_dir
        return stamp.settings(os.fspath(self.content_dir), out, site.title, site.base_url,  # type: ignore[arg-type]
                              self.cards or "off", self.sidecars, site.search)  # fmt: skip

    def _finish(self, build: _Build, settings: list[str] | None, inputs: bytes | None) -> None:
        """Stale files removed, the manifest saved, the build stamped."""
        cache, report = build.cache, build.report
        if self.out_dir is not None:
            with build.clock.stage("write"):
                stale.prune(cache.earlier, cache.new, build.writer.claimed, self.out_dir, report)
        with build.clock.stage("cache"):
            cache.save(report.warnings)
            if settings is not None and inputs is not None:
                stamp.write(os.fspath(self.cache_dir), self.out_dir, settings, inputs, report)  # type: ignore[arg-type]

    def _build(self, report: BuildReport, clock: StageClock, renderer: RenderStage) -> _Build:
        stages, content = self.stages, self.content_dir
        with clock.stage("discover"):
            found = stages.discover(content)
            report_refused(found, content, report)
        with clock.stage("cache"):
            extras = PageExtras(self.sidecars, self.site.search)
            parts = stages.key() + extras.key()
            key = site_key(self.site.title, self.site.base_url, parts, EXTENSIONS)
            fingerprint = None if self.verify else template_files.fingerprint(content)
            cache = BuildCache.open(
                self.cache_dir, key, self.clean, report.warnings, fingerprint, self.verify
            )
        with clock.stage("parse"):
            memo, cards = (cache if cache.enabled else None), self.cards is not None
            pages = stages.parse(content, found.pages, report, memo, out_dir=self.out_dir,
                                 sidecars=self.sidecars, cards=cards)  # fmt: skip
        if self.out_dir is not None:  # before any write: a page moved out of a folder
            pages = stale.clear_way(
                cache.earlier, pages, self.out_dir, report, self.sidecars, cards
            )
        with clock.stage("cache"):
            build = _Build(self, report, clock, cache, feed_candidates(pages), extras)
            plan, tasks = build.plan(pages)
            build.cards.check(tasks, content)
        # The pool starts only now, and only if a page needs rendering.
        build.pages(plan, renderer.render(tasks))
        written = build.site_files()
        written |= extras.site_files(build.writer, found, clock, cache)
        media.copy_media(build.links, written, content, found, build.writer, clock)
        return build

    def _close_sink(self, report: BuildReport, clock: StageClock) -> None:
        # A sink that writes in the background may report a write error only now.
        try:
            with clock.stage("write"):
                stats = self.sink.close()
        except SinkWriteError as exc:
            report.fatal = report.fatal or f"cannot write the site: {exc}"
        else:
            report.files_written = stats.files
            report.bytes_written = stats.bytes


def _describe(exc: OSError) -> str:
    return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc.strerror or exc)


@dataclass(slots=True)
class _Build:
    """One build's state, and the work of one page at a time."""

    runner: PipelineRunner
    report: BuildReport
    clock: StageClock
    cache: BuildCache
    keep: set[str]  # feed candidates: the only pages that keep their HTML after writing
    extras: PageExtras  # sidecars and search entries
    writer: SiteWriter = field(init=False)
    cards: social.BuildCards = field(init=False)
    built: list[Page] = field(default_factory=list)
    links: list[tuple[str, media.Links]] = field(default_factory=list)  # (source, its links)
    digests: dict[str, str] = field(default_factory=dict)  # source -> keys.page_digest
    _env: jinja2.Environment | None = None

    def __post_init__(self) -> None:
        self.writer = SiteWriter(self.runner.sink, self.cache, self.runner.out_dir, self.report)
        self.cards = social.BuildCards(self.runner.card_setup, self.cache, self.writer, self.report)

    def env(self) -> jinja2.Environment:
        """The templates, loaded on first use: a build that renders nothing never needs them."""
        if self._env is None:  # timed as part of the stage that first needs it
            self._env = self.runner.stages.environment(self.runner.content_dir)
            templates.set_time_limit(self._env, self.runner.page_timeout)
            if self.cache.folder is not None:
                templates.keep_compiled(self._env, self.cache.folder)
        return self._env

    def plan(self, pages: list[Page]) -> tuple[list[PlanItem], list[Task]]:
        """Per page: its cache key and, on a hit, its entry; and the render tasks."""
        plan: list[PlanItem] = []
        tasks: list[Task] = []
        content = os.fspath(self.runner.content_dir)
        for page in pages:
            key = entry = None
            if self.cache.enabled:
                template = self.cache.template_digest(self.env, page.template + ".html")
                if template is not None:
                    site, cards_digest = self.cache.site_key, self.cards.digest
                    key = page_key(site, page.source, page.digest, template, cards_digest)
                    needs_html = page.source in self.keep
                    entry = self.cache.hit(page, key, self.runner.out_dir, needs_html)
                    if entry is not None and not self.extras.usable(entry, self.runner.out_dir):
                        entry = None
            if entry is None:
                tasks.append(self.cards.task(os.path.join(content, page.source), page))
            plan.append((page, key, entry))
        return plan, tasks

    def pages(self, plan: list[PlanItem], rendered: Iterator[Rendered]) -> None:
        """Every page, in source order: restored from the cache, or rendered and written."""
        progress = self.runner.progress
        for done, (page, key, entry) in enumerate(plan, 1):
            if entry is not None:
                links = self.restore(page, entry)
            else:
                links = self.render(page, key, self.receive(page, rendered))
            if links is not None:
                self.built.append(page)
                self.links.append((page.source, links))
            if progress:
                progress(done, len(plan))
        self.report.pages_built = len(self.built)

    def restore(self, page: Page, entry: PageEntry) -> tuple[tuple[str, str], ...]:
        """A cache hit: neither rendered nor written; its links as they were resolved."""
        page.title, page.summary, page.html = entry.title, entry.summary, entry.html or ""
        self.cache.record_page(page.source, entry)
        self.digests[page.source] = entry.site_digest
        self.cards.restore(page, entry)
        self.report.cache_hits += 1
        self.writer.kept()
        self.extras.restore(page, entry, self.writer)
        return entry.links

    def receive(self, page: Page, rendered: Iterator[Rendered]) -> Rendered:
        """The next render result, its time charged to the render stage."""
        waited = time.perf_counter()
        result = next(rendered)
        social.charge(self.clock, page.source, result, time.perf_counter() - waited)
        self.clock.span("render", result.start, result.end, page.source, result.pid)
        self.report.pages_rendered += 1
        return result

    def render(
        self, page: Page, key: str | None, result: Rendered
    ) -> tuple[tuple[str, str], ...] | None:
        """Fill the page from its render result, template it and write it; its links, or
        None if it failed."""
        if result.error is not None:
            self.report.pages_failed.append(Problem(page.source, result.error))
            return None
        page.html, page.toc, page.toc_tokens = result.html, result.toc, result.toc_tokens
        page.title = page.title or result.heading or default_title(page.source)
        page.summary = page.summary or result.summary
        card_ok = self.cards.receive(page, result)
        with self.clock.stage("template", page.source):
            try:
                data = self.runner.stages.template(self.env(), page, self.runner.site).encode()
            except jinja2.TemplateError as exc:
                self.report.pages_failed.append(Problem(page.source, templates.describe(exc)))
                return None
        with self.clock.stage("write", page.source):
            output = self.writer.page(page, data)
            card = self.cards.write(page, result)
        links = self.resolve(page, result.references)
        previous = self.cache.old.pages.get(page.source)
        extras = self.extras.rendered(page, result.references, links, self, previous)
        # Site-level files need only the metadata, and the feed's pages their HTML.
        html = page.html if page.source in self.keep else None
        page.html, page.toc, page.toc_tokens = html or "", "", []
        if key is not None:
            digest = self.digests[page.source] = page_digest(page)
            entry = PageEntry(
                key=key,
                out=page.out_path,
                output=output,
                title=page.title,
                summary=page.summary,
                links=links,
                site_digest=digest,
                html=html,
                search=extras[0],
                sidecar=extras[1],
                card=card,
            )
            if card_ok:  # a page whose card failed is built again, and warned about, next time
                self.cache.record_page(page.source, entry)
        return links

    def resolve(self, page: Page, urls: list[str]) -> media.Links:
        """The page's references that point into the site, with the site path of each."""
        with self.clock.stage("media"):
            return media.resolve(urls, page.out_path, self.runner.stages.media)

    def site_files(self) -> set[str]:
        """Index, tag pages, feed, sitemap and assets; every site path the build wrote."""
        built, cache, stage = newest_first(self.built), self.cache, self.clock.stage
        written = {page.out_path for page in built}
        stages, site = self.runner.stages, self.runner.site
        with stage("cache"):
            inputs = self.site_inputs(built) if cache.enabled else None
            unchanged = cache.site_unchanged(inputs, self.runner.out_dir)
        if unchanged is not None:  # made from exactly the same pages and templates, still there
            written.update(unchanged.paths)
            self.writer.kept(len(unchanged.paths))
        else:
            paths, failed = self.render_site_files(stages.site_files(self.env(), built, site))
            written.update(paths, failed)
            if inputs is not None and not failed:
                cache.record_site(inputs, paths)
        with stage("write"):
            self.writer.site_file("assets/style.css", template_files.static("style.css"))
        written.add("assets/style.css")
        return written

    def site_inputs(self, built: list[Page]) -> str | None:
        """``keys.site_inputs`` of this build; None when a site template fails to load."""
        digests = {}
        for name in self.runner.stages.site_templates:
            digest = self.cache.template_digest(self.env, name)
            if digest is None:
                return None
            digests[name] = digest
        pages = [self.digests[page.source] for page in built]
        return site_inputs(self.cache.site_key, digests, self.runner.site, pages)

    def render_site_files(
        self, files: Iterator[tuple[str, str | jinja2.TemplateError]]
    ) -> tuple[list[str], list[str]]:
        """Template and write each site-level file; the paths written, and those that failed."""
        paths: list[str] = []
        failed: list[str] = []
        while True:
            with self.clock.stage("template"):
                item = next(files, None)
                if item is not None and isinstance(item[1], str):
                    item = (item[0], item[1].encode())
            if item is None:
                return paths, failed
            path, data = item
            if isinstance(data, jinja2.TemplateError):
                self.report.pages_failed.append(Problem(path, templates.describe(data)))
                failed.append(path)
                continue
            paths.append(path)
            with self.clock.stage("write"):
                self.writer.site_file(path, data)
