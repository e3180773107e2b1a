"""PipelineRunner: composes the build's stages and times each of them.

discover -> parse -> render (here or in worker processes) -> template -> write, page by
page, then the site-level files and the media the pages refer to. Every stage's wall
and CPU time goes into the BuildReport; a trace of spans is kept only when asked for.
With a cache folder, pages whose inputs did not change are neither rendered nor
rewritten, and no output is rewritten with the bytes it already has.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import jinja2

from pipeline import markup, templates
from pipeline.cache import BuildCache, output_present, output_unchanged, page_key, site_key
from pipeline.errors import SinkWriteError
from pipeline.page import PAGE_SUFFIXES, Page, default_title
from pipeline.parse import RESERVED, RESERVED_FOLDERS
from pipeline.report import BuildReport, Problem, StageClock, StageTime
from pipeline.sink import OutputSink
from pipeline.site import (
    EPOCH,
    FEED_ENTRIES,
    PAGE_SIZE,
    SiteInfo,
    feed_candidates,
    newest_first,
)
from pipeline.stages import STAGES, RenderStage, Stages

__all__ = [
    "EPOCH",
    "FEED_ENTRIES",
    "PAGE_SIZE",
    "RESERVED",
    "RESERVED_FOLDERS",
    "BuildReport",
    "PipelineRunner",
    "Problem",
    "SiteInfo",
    "StageTime",
    "Stages",
    "default_jobs",
]

Progress = Callable[[int, int], None]


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PipelineRunner:
    """Discover, parse, render, template, extract media and write a site.

    ``jobs``: rendering processes (1 renders here and starts no pool). ``cache_dir``: the
    build cache folder (None: no cache); ``clean`` ignores what it holds. ``trace``: where
    to write a Chrome trace-event JSON of the build. ``out_dir``: the folder the sink
    writes into, to check that cached outputs are still there (default: ``sink.root``).
    ``stages``: the implementation of each stage (pipeline/stages.py).
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
        stages: Stages = STAGES,
    ) -> None:
        self.content_dir = Path(content_dir)
        self.sink = sink
        self.site = SiteInfo(
            title=title or self.content_dir.resolve().name or "Site",
            base_url=base_url if base_url.endswith("/") else base_url + "/",
        )
        self.progress = progress
        self.jobs = max(1, int(jobs))
        self.cache_dir = cache_dir
        self.clean = clean
        self.trace = trace
        root = out_dir if out_dir is not None else getattr(sink, "root", None)
        self.out_dir = os.fspath(root) if root is not None else None
        self.stages = stages

    def run(self) -> BuildReport:
        start, start_cpu = time.perf_counter(), time.process_time()
        report = BuildReport(jobs=self.jobs)
        clock = StageClock(report, trace=self.trace is not None)
        renderer = self.stages.render(self.jobs)
        renderer.start()  # workers start up while this process discovers and parses
        try:
            self._build(report, clock, renderer)
        except SinkWriteError as exc:
            report.fatal = f"cannot write the site: {exc}"
        finally:
            if report.fatal is None:
                renderer.close()
            else:
                renderer.terminate()
            # A sink that writes in the background may report a write error only now.
            try:
                with clock.stage("write"):
                    stats = self.sink.close()
            except SinkWriteError as exc:
                report.fatal = report.fatal or f"cannot write the site: {exc}"
            else:
                report.files_written = stats.files
                report.bytes_written = stats.bytes
            report.elapsed = time.perf_counter() - start
            report.cpu = time.process_time() - start_cpu
            if self.trace is not None:
                clock.span("build", start, start + report.elapsed)
                clock.write_trace(self.trace)
        return report

    def _build(self, report: BuildReport, clock: StageClock, renderer: RenderStage) -> None:
        content = self.content_dir
        stage = clock.stage
        stages = self.stages
        with stage("discover"):
            found = stages.discover(content)
        with stage("parse"):
            pages = stages.parse(content, found.pages, report)
        with stage("template"):
            env = stages.environment(content)
        with stage("cache"):
            cache = BuildCache.open(
                self.cache_dir,
                site_key(self.site.title, self.site.base_url, stages.key()),
                self.clean,
                report.warnings,
            )
            keep = feed_candidates(pages)  # only these keep their HTML after writing
            plan, tasks = self._plan(pages, cache, env, keep)

        references: list[tuple[str, str, str]] = []  # (page source, url, site path)
        built: list[Page] = []
        rendered = renderer.render(tasks)
        for done, (page, key, entry) in enumerate(plan, 1):
            if entry is not None:  # a cache hit: neither rendered nor written
                page.title, page.summary = entry["title"], entry["summary"]
                page.html = entry.get("html", "")
                urls = entry["refs"]
                cache.new_pages[page.source] = entry
                report.cache_hits += 1
                report.files_unchanged += 1
            else:
                waited = time.perf_counter()
                result = next(rendered)
                clock.add("render", time.perf_counter() - waited, result.cpu)
                clock.span("render", result.start, result.end, page.source, result.pid)
                report.pages_rendered += 1
                if result.error is not None:
                    report.pages_failed.append(Problem(page.source, result.error))
                    continue
                page.html, page.toc, page.toc_tokens = result.html, result.toc, result.toc_tokens
                page.title = page.title or result.heading or default_title(page.source)
                page.summary = page.summary or markup.summarize(page.html)
                urls = result.references
                with stage("template", page.source):
                    try:
                        data = stages.template(env, page, self.site)
                    except jinja2.TemplateError as exc:
                        report.pages_failed.append(Problem(page.source, templates.describe(exc)))
                        continue
                    data = data.encode()
                with stage("write", page.source):
                    digest = hashlib.sha256(data).hexdigest() if cache.enabled else ""
                    old = cache.pages.get(page.source)
                    if (
                        old is not None
                        and old["out"] == page.out_path
                        and output_unchanged(
                            self.out_dir,
                            page.out_path,
                            digest,
                            len(data),
                            [old["digest"], old["size"]],
                        )
                    ):
                        report.files_unchanged += 1
                    else:
                        self.sink.write(page.out_path, data)
                if key is not None:
                    cache.new_pages[page.source] = {
                        "key": key,
                        "out": page.out_path,
                        "digest": digest,
                        "size": len(data),
                        "title": page.title,
                        "summary": page.summary,
                        "refs": urls,
                        **({"html": page.html} if page.source in keep else {}),
                    }
                # Site-level files need only the metadata, and the feed's pages their HTML.
                if page.source not in keep:
                    page.html = ""
                page.toc, page.toc_tokens = "", []
            built.append(page)
            with stage("media"):
                for url in urls:
                    target = stages.media(url, page.out_path)
                    if target is not None:
                        references.append((page.source, url, target))
            if self.progress:
                self.progress(done, len(plan))
        report.pages_built = len(built)

        # Site-level outputs, built from the pages that built.
        built = newest_first(built)
        written = {page.out_path for page in built}
        with stage("cache"):
            inputs = None
            if cache.enabled:
                inputs = cache.site_inputs(env, stages.site_templates, built, self.site)
            unchanged = inputs is not None and self._site_files_unchanged(cache, inputs)
        if unchanged:  # made from exactly the same pages and templates, and still there
            for path in cache.site["paths"]:
                written.add(path)
                cache.new_outputs[path] = cache.outputs[path]
                report.files_unchanged += 1
            cache.new_site = cache.site
        else:
            paths, failed = [], False
            files = stages.site_files(env, built, self.site)
            while True:
                with stage("template"):
                    item = next(files, None)
                    if item is not None and isinstance(item[1], str):
                        item = (item[0], item[1].encode())
                if item is None:
                    break
                path, data = item
                written.add(path)
                if isinstance(data, jinja2.TemplateError):
                    report.pages_failed.append(Problem(path, templates.describe(data)))
                    failed = True
                    continue
                paths.append(path)
                with stage("write"):
                    self._write_site_file(path, data, cache, report)
            if inputs is not None and not failed:
                cache.new_site = {"inputs": inputs, "paths": paths}
        with stage("write"):
            css = (templates.THEME / "static" / "style.css").read_bytes()
            self._write_site_file("assets/style.css", css, cache, report)
            written.add("assets/style.css")

        self._copy_media(references, written, found.files, cache, report, clock)
        if cache.enabled:
            with stage("cache"):
                cache.save()

    def _plan(
        self, pages: list[Page], cache: BuildCache, env: jinja2.Environment, keep: set[str]
    ) -> tuple[list[tuple[Page, str | None, dict | None]], list[tuple[str, int]]]:
        """Per page: its cache key and, on a hit, its entry; and the render tasks."""
        plan: list[tuple[Page, str | None, dict | None]] = []
        tasks: list[tuple[str, int]] = []
        content = os.fspath(self.content_dir)
        for page in pages:
            key = entry = None
            if cache.enabled:
                template = cache.template_digest(env, page.template + ".html")
                if template is not None:
                    key = page_key(cache.site_key, page.source, page.digest, template)
                    old = cache.pages.get(page.source)
                    if (
                        old is not None
                        and old["key"] == key
                        and old["out"] == page.out_path
                        and (page.source not in keep or "html" in old)
                        and output_present(self.out_dir, page.out_path, old["size"])
                    ):
                        entry = old
            if entry is None:
                tasks.append((os.path.join(content, page.source), page.body_start))
            plan.append((page, key, entry))
        return plan, tasks

    def _site_files_unchanged(self, cache: BuildCache, inputs: str) -> bool:
        if cache.site.get("inputs") != inputs:
            return False
        for path in cache.site["paths"]:
            known = cache.outputs.get(path)
            if not isinstance(known, list) or len(known) != 2:
                return False
            if not output_present(self.out_dir, path, known[1]):
                return False
        return True

    def _write_site_file(
        self, path: str, data: bytes, cache: BuildCache, report: BuildReport
    ) -> None:
        if cache.enabled:
            known = [hashlib.sha256(data).hexdigest(), len(data)]
            cache.new_outputs[path] = known
            if output_unchanged(self.out_dir, path, known[0], known[1], cache.outputs.get(path)):
                report.files_unchanged += 1
                return
        self.sink.write(path, data)

    def _copy_media(
        self,
        references: list[tuple[str, str, str]],
        written: set[str],
        content_files: set[str],
        cache: BuildCache,
        report: BuildReport,
        clock: StageClock,
    ) -> None:
        """Every reference that is not a site file must be a content file, copied once;
        anything else is reported with the page that refers to it."""
        content = self.content_dir
        copied: set[str] = set()
        for source, url, target in dict.fromkeys(references):  # each page's URL once
            with clock.stage("media"):
                if target in written or target in copied:
                    continue
                if target == ".." or target.startswith("../"):
                    report.unresolved.append(Problem(source, f"{url} points outside the site"))
                    continue
                if target.endswith(PAGE_SUFFIXES) and target in content_files:
                    report.unresolved.append(
                        Problem(source, f"{url} links to a Markdown source, not to its page")
                    )
                    continue
                if target not in content_files:
                    report.unresolved.append(Problem(source, f"{url} does not resolve"))
                    continue
                path = content / target
                if cache.enabled:
                    try:
                        st = os.stat(path)
                    except OSError:
                        st = None
                    if st is not None:
                        signature = [st.st_size, st.st_mtime_ns]
                        cache.new_media[target] = signature
                        if cache.media.get(target) == signature and output_present(
                            self.out_dir, target, st.st_size
                        ):
                            copied.add(target)
                            report.files_unchanged += 1
                            continue
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    cache.new_media.pop(target, None)
                    report.unresolved.append(
                        Problem(source, f"{url}: cannot read {target}: {exc.strerror}")
                    )
                    continue
            with clock.stage("write"):
                self.sink.write(target, data)
            copied.add(target)
        report.media_files = len(copied)
