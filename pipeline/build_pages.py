"""One build's state, and the work of one page at a time (``PipelineRunner`` runs it).

Per page: its plan (a cache hit or a render task), then, in source order, restored from
the cache or filled from its render result, templated and written; then the site-level
files. What each stage does lives in the stage's module (pipeline/stages.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline import lazy, media, template_files
from pipeline.cache import BuildCache
from pipeline.cache.entries import PageEntry, pack_links
from pipeline.cache.keys import page_digest, page_key, site_inputs
from pipeline.cards import pages as social
from pipeline.page import Links, Page, default_title
from pipeline.page_extras import PageExtras
from pipeline.render import Rendered, Task
from pipeline.report import BuildReport, Problem, StageClock
from pipeline.site import newest_first
from pipeline.write import SiteWriter

if TYPE_CHECKING:
    from pipeline.runner import PipelineRunner

# A build that renders nothing needs neither: they load on first use (pipeline/lazy.py).
jinja2 = lazy.module("jinja2")
templates = lazy.module("pipeline.templates")

# Per page: its cache key (None without a cache) and, on a cache hit, its entry.
PlanItem = tuple[Page, str | None, PageEntry | None]


@dataclass(slots=True)
class Build:
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
    # (source, its links; None: kept, the cache has them) of each built page
    links: list[tuple[str, Links | None]] = field(default_factory=list)
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
                    root = self.runner.out_dir
                    entry = self.cache.hit(page, key, root, needs_html)
                    if entry is not None and not self.extras.usable(entry, root, self.cache):
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
                self.restore(page, entry)
                self.built.append(page)
                self.links.append((page.source, None))  # the cache has them
            else:
                links = self.render(page, key, self.receive(page, rendered))
                if links is not None:
                    self.built.append(page)
                    self.links.append((page.source, links))
            if progress:
                progress(done, len(plan))
        self.report.pages_built = len(self.built)
        self.keep_previous()

    def restore(self, page: Page, entry: PageEntry) -> None:
        """A cache hit: neither rendered nor written."""
        self.reuse(page, entry)
        self.report.cache_hits += 1

    def reuse(self, page: Page, entry: PageEntry) -> None:
        """The page as the previous build left it: its entry, and its files as they are."""
        page.title, page.summary, page.html = entry.title, entry.summary, entry.html or ""
        self.cache.record_page(page.source, entry)
        self.digests[page.source] = entry.site_digest
        self.cards.restore(page, entry)
        self.writer.kept()
        self.extras.restore(page, entry, self.writer)

    def keep_previous(self) -> None:
        """A page that failed this time (or whose folder did) stays in the site as the
        previous build left it, so also in the index, tag pages, feed, sitemap and search:
        the build loses nothing that was good (pipeline/stale.py keeps its files)."""
        if not self.report.pages_failed or not self.cache.old.pages:
            return
        failed = {problem.path: problem for problem in self.report.pages_failed}
        old, built = self.cache.old.pages, {page.source for page in self.built}
        # The other problems name folders that could not be read (or site files, new pages).
        folders = tuple(path + "/" for path in failed if path not in old)
        everything = "" in failed or "." in failed
        root = self.runner.out_dir
        for source in old:
            problem = failed.get(source)
            if source in built or (
                problem is None and not (everything or source.startswith(folders))
            ):
                continue
            previous = self.cache.previous(source, root)
            if previous is None or previous[1].out in self.writer.claimed:  # another page's now
                continue
            page, entry = previous
            if not self.extras.usable(entry, root, self.cache):
                continue
            self.reuse(page, entry)
            self.cache.keep_source(source)
            self.built.append(page)
            self.links.append((source, None))
            if problem is not None:
                problem.message += "; its previous version stays in the site"

    def receive(self, page: Page, rendered: Iterator[Rendered]) -> Rendered:
        """The next render result, its time charged to the render stage."""
        waited = time.perf_counter()
        result = next(rendered)
        social.charge(self.clock, page.source, result, time.perf_counter() - waited)
        self.clock.span("render", result.start, result.end, page.source, result.pid)
        self.report.pages_rendered += 1
        return result

    def render(self, page: Page, key: str | None, result: Rendered) -> Links | None:
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
        extras = self.extras.rendered(page, result, links, self, key)
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
                links=pack_links(links),
                site_digest=digest,
                html=html,
                search=extras[0],
                sidecar=extras[1],
                card=card,
            )
            if card_ok:  # a page whose card failed is built again, and warned about, next time
                self.cache.record_page(page.source, entry)
        return links

    def resolve(self, page: Page, urls: list[str]) -> Links:
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
