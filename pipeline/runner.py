"""PipelineRunner: a build as its phases, each timed into the BuildReport.

discover -> parse -> plan (cache hits) -> pages (render, template, write, one by one) ->
site files -> media. The work of one page lives in ``Build``'s small per-page methods
(pipeline/build_pages.py); what each stage does lives in the stage's module
(pipeline/stages.py lists them), what the cache holds in pipeline/cache/, and what is
written or kept in pipeline/write.py.
A trace of spans is kept only when asked for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from pipeline import media, stale, stamp, template_files
from pipeline.build_pages import Build
from pipeline.cache import BuildCache, CacheError
from pipeline.cache.keys import site_key
from pipeline.cards import pages as social
from pipeline.discover import report_refused
from pipeline.errors import SinkWriteError
from pipeline.extensions import EXTENSIONS
from pipeline.page_extras import PageExtras
from pipeline.render import DEFAULT_PAGE_TIMEOUT
from pipeline.report import BuildReport, StageClock
from pipeline.sink import OutputSink
from pipeline.site import SiteInfo, feed_candidates
from pipeline.stages import DEFAULT_STAGES, RenderStage, Stages

Progress = Callable[[int, int], None]


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
        seen: dict[str, os.stat_result] = {}  # the content files, looked at once (stamp.inputs)
        inputs = None if settings is None else stamp.inputs(os.fspath(self.content_dir), seen)
        report = BuildReport(jobs=self.jobs)
        clock = StageClock(report, trace=self.trace is not None)
        renderer: RenderStage | None = None
        build: Build | None = None
        extras = PageExtras(self.sidecars, self.site.search)
        try:
            self.card_setup = social.setup_of(self.cards, self.site.title, self.content_dir)
            renderer = self.stages.render(
                self.jobs, page_timeout=self.page_timeout, content=self.content_dir,
                **social.render_options(self.card_setup), **extras.render_options(),
            )  # fmt: skip
            build = self._build(report, clock, renderer, seen, extras)
        except SinkWriteError as exc:
            report.fatal = f"cannot write the site: {exc}"
        except social.CardStyleError as exc:
            report.fatal = f"cannot draw the social cards: {exc}"
        except CacheError as exc:  # a page's links are decoded only when a build needs them
            report.fatal = (f"build cache {self.cache_dir} is damaged, "
                            f"the next build rebuilds everything: {exc}")  # fmt: skip
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

    def _finish(self, build: Build, settings: list[str] | None, inputs: bytes | None) -> None:
        """Stale files removed, the manifest saved, the build stamped."""
        cache, report = build.cache, build.report
        if self.out_dir is not None:
            with build.clock.stage("write"):
                stale.prune(cache.earlier, cache.new, build.writer.claimed, self.out_dir, report)
        with build.clock.stage("cache"):
            cache.save(report.warnings)
            if settings is not None and inputs is not None:
                stamp.write(os.fspath(self.cache_dir), self.out_dir, settings, inputs, report,  # type: ignore[arg-type]
                            build.extras.sidecar_paths)  # fmt: skip

    def _build(
        self,
        report: BuildReport,
        clock: StageClock,
        renderer: RenderStage,
        seen: dict[str, os.stat_result],
        extras: PageExtras,
    ) -> Build:
        stages, content = self.stages, self.content_dir
        with clock.stage("discover"):
            found = stages.discover(content)
            report_refused(found, content, report)
        with clock.stage("cache"):
            parts = stages.key() + extras.key()
            key = site_key(self.site.title, self.site.base_url, parts, EXTENSIONS)
            fingerprint = None if self.verify else template_files.fingerprint(content)
            cache = BuildCache.open(
                self.cache_dir, key, self.clean, report.warnings, fingerprint, self.verify
            )
            cache.seen = seen
        if found.pages and not cache.old.pages:  # no page can come from the cache: all render
            renderer.start()  # the workers start up while this process parses
        with clock.stage("parse"):
            memo, cards = (cache if cache.enabled else None), self.cards is not None
            pages = stages.parse(content, found.pages, report, memo, out_dir=self.out_dir,
                                 sidecars=self.sidecars, cards=cards)  # fmt: skip
        if self.out_dir is not None:  # before any write: a page moved out of a folder
            pages = stale.clear_way(
                cache.earlier, pages, self.out_dir, report, self.sidecars, cards
            )
        with clock.stage("cache"):
            build = Build(self, report, clock, cache, feed_candidates(pages), extras)
            plan, tasks = build.plan(pages)
            build.cards.check(tasks, content)
        # Else the pool starts only now, and only if a page needs rendering.
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
