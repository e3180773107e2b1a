"""PipelineRunner: builds a content folder into a site, in one plain pass.

This first version does everything inline in ``run()``; it is the baseline that
later, instrumented versions are measured against.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from pipeline import __version__, frontmatter, markup, media, templates
from pipeline.errors import PipelineError, SinkWriteError
from pipeline.page import PAGE_SUFFIXES, Page, default_title, output_path
from pipeline.sink import OutputSink

PAGE_SIZE = 10  # pages listed per index page
FEED_ENTRIES = 20
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Output paths the site itself needs; a page mapped onto one of these fails.
RESERVED = ("index.html", "feed.xml", "sitemap.xml")
RESERVED_FOLDERS = ("page", "tags", "assets")

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(slots=True)
class BuildReport:
    pages_built: int = 0
    pages_failed: list[Problem] = field(default_factory=list)
    drafts: int = 0
    media_files: int = 0
    unresolved: list[Problem] = field(default_factory=list)  # references that point nowhere
    files_written: int = 0
    bytes_written: int = 0
    elapsed: float = 0.0  # wall seconds for the whole build
    fatal: str | None = None  # why the build stopped early, if it did

    @property
    def ok(self) -> bool:
        return not self.pages_failed and self.fatal is None


@dataclass(slots=True)
class SiteInfo:
    title: str
    base_url: str
    version: str = __version__


class PipelineRunner:
    """Discover, parse, render, template, extract media and write a site."""

    def __init__(
        self,
        content_dir: str | os.PathLike[str],
        sink: OutputSink,
        *,
        title: str | None = None,
        base_url: str = "http://localhost:8000/",
        progress: Progress | None = None,
    ) -> None:
        self.content_dir = Path(content_dir)
        self.sink = sink
        self.site = SiteInfo(
            title=title or self.content_dir.resolve().name or "Site",
            base_url=base_url if base_url.endswith("/") else base_url + "/",
        )
        self.progress = progress

    def run(self) -> BuildReport:
        start = time.perf_counter()
        report = BuildReport()
        content = self.content_dir
        env = templates.environment(content)

        # Discover: every Markdown file outside hidden and '_' folders, in a fixed order.
        sources: list[str] = []
        content_files: set[str] = set()
        for folder, dirs, files in os.walk(content):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
            rel_folder = Path(folder).relative_to(content).as_posix()
            for name in sorted(files):
                rel = name if rel_folder == "." else f"{rel_folder}/{name}"
                content_files.add(rel)
                if name.endswith(PAGE_SUFFIXES) and not name.startswith("."):
                    sources.append(rel)

        # Parse: read, decode and split front matter; claim each output path once.
        md = markup.new_markdown()
        pages: list[Page] = []
        claimed: dict[str, str] = {}
        for source in sources:
            try:
                text = _read_text(content / source, source)
                meta, body = frontmatter.split(text, source)
            except PipelineError as exc:
                report.pages_failed.append(Problem(source, _reason(exc, source)))
                continue
            if meta.draft:
                report.drafts += 1
                continue
            out = output_path(source, meta.slug)
            if out in claimed:
                report.pages_failed.append(
                    Problem(source, f"output path {out} is already taken by {claimed[out]}")
                )
                continue
            if out in RESERVED or out.split("/", 1)[0] in RESERVED_FOLDERS:
                report.pages_failed.append(
                    Problem(source, f"output path {out} is reserved for the site; set a slug")
                )
                continue
            claimed[out] = source
            pages.append(
                Page(
                    source=source,
                    body=body,
                    title=meta.title or "",
                    date=meta.date,
                    tags=meta.tags,
                    template=meta.template,
                    out_path=out,
                    summary=meta.summary or "",
                    meta=meta.extra,
                )
            )

        # Render, template and write, page by page, noting what each page refers to.
        references: list[tuple[str, str, str]] = []  # (page source, url, site path)
        built: list[Page] = []
        try:
            for done, page in enumerate(pages, 1):
                md.reset()
                page.html = md.convert(page.body)
                page.toc = md.toc
                page.toc_tokens = md.toc_tokens
                page.title = page.title or markup.first_heading(md) or default_title(page.source)
                page.summary = page.summary or markup.summarize(page.html)
                try:
                    template = env.get_template(page.template + ".html")
                    data = template.render(page=page, site=self.site, root=_root(page.out_path))
                except jinja2.TemplateError as exc:
                    report.pages_failed.append(Problem(page.source, templates.describe(exc)))
                    continue
                self.sink.write(page.out_path, data.encode())
                built.append(page)
                for url in media.references(page.html):
                    target = media.local_target(url, page.out_path)
                    if target is not None:
                        references.append((page.source, url, target))
                if self.progress:
                    self.progress(done, len(pages))
            report.pages_built = len(built)

            # Site-level outputs, built from the pages that built.
            built.sort(key=lambda p: p.title.lower())
            built.sort(key=lambda p: p.date or EPOCH, reverse=True)
            written = {page.out_path for page in built}
            count = max(1, -(-len(built) // PAGE_SIZE))
            for number in range(1, count + 1):
                written.add(_index_path(number))
                self._render_site_file(
                    env,
                    "index.html",
                    _index_path(number),
                    report,
                    pages=built[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
                    pagination={
                        "number": number,
                        "count": count,
                        "previous": _index_path(number - 1) if number > 1 else None,
                        "next": _index_path(number + 1) if number < count else None,
                    },
                )
            by_tag: dict[str, tuple[str, list[Page]]] = {}  # slug -> (first spelling, pages)
            for page in built:
                for tag in page.tags:
                    by_tag.setdefault(templates.tag_slug(tag), (tag, []))[1].append(page)
            for slug, (tag, tagged) in sorted(by_tag.items()):
                written.add(f"tags/{slug}.html")
                self._render_site_file(
                    env, "tag.html", f"tags/{slug}.html", report, tag=tag, pages=tagged
                )
            tag_counts = [(tag, len(tagged)) for _, (tag, tagged) in sorted(by_tag.items())]
            self._render_site_file(env, "tags.html", "tags/index.html", report, tags=tag_counts)
            newest = built[:FEED_ENTRIES]
            updated = max((p.date for p in newest if p.date), default=EPOCH)
            self._render_site_file(
                env,
                "feed.xml",
                "feed.xml",
                report,
                pages=newest,
                updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                epoch=EPOCH,
            )
            self._render_site_file(env, "sitemap.xml", "sitemap.xml", report, pages=built)
            self.sink.write(
                "assets/style.css", (templates.THEME / "static" / "style.css").read_bytes()
            )
            written |= {"tags/index.html", "feed.xml", "sitemap.xml", "assets/style.css"}

            # Media: every reference that is not a site file must be a content file,
            # copied once; anything else is reported with the page that refers to it.
            copied: set[str] = set()
            for source, url, target in dict.fromkeys(references):  # each page's URL once
                if target in written or target in copied:
                    continue
                if target == ".." or target.startswith("../"):
                    report.unresolved.append(Problem(source, f"{url} points outside the site"))
                elif target.endswith(PAGE_SUFFIXES) and target in content_files:
                    report.unresolved.append(
                        Problem(source, f"{url} links to a Markdown source, not to its page")
                    )
                elif target not in content_files:
                    report.unresolved.append(Problem(source, f"{url} does not resolve"))
                else:
                    try:
                        data = (content / target).read_bytes()
                    except OSError as exc:
                        report.unresolved.append(
                            Problem(source, f"{url}: cannot read {target}: {exc.strerror}")
                        )
                        continue
                    self.sink.write(target, data)
                    copied.add(target)
            report.media_files = len(copied)
        except SinkWriteError as exc:
            report.fatal = f"cannot write the site: {exc}"
        finally:
            stats = self.sink.close()
            report.files_written = stats.files
            report.bytes_written = stats.bytes
            report.elapsed = time.perf_counter() - start
        return report

    def _render_site_file(
        self, env: jinja2.Environment, template_name: str, path: str, report: BuildReport, **context
    ) -> None:
        try:
            data = env.get_template(template_name).render(
                site=self.site, root=_root(path), **context
            )
        except jinja2.TemplateError as exc:
            report.pages_failed.append(Problem(path, templates.describe(exc)))
            return
        self.sink.write(path, data.encode())


def _read_text(path: Path, source: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PipelineError(source, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise PipelineError(source, "empty file")
    if b"\0" in data[:8192]:
        raise PipelineError(source, "binary file, not Markdown text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PipelineError(source, f"invalid UTF-8 at byte {exc.start}", line=line) from None


def _reason(exc: PipelineError, source: str) -> str:
    """The error text without the path, which the report already names."""
    return exc.message if exc.line is None else f"line {exc.line}: {exc.message}"


def _root(out_path: str) -> str:
    """The relative URL prefix from ``out_path`` back to the site root."""
    return "../" * out_path.count("/")


def _index_path(number: int) -> str:
    return "index.html" if number == 1 else f"page/{number}.html"
