"""Parse: read each page, split its front matter, and give each page its output path."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline import frontmatter
from pipeline.errors import PipelineError
from pipeline.page import Page, output_path
from pipeline.report import BuildReport, Problem

# Output paths the site itself needs; a page mapped onto one of these fails.
RESERVED = ("index.html", "feed.xml", "sitemap.xml")
RESERVED_FOLDERS = ("page", "tags", "assets")


def parse(content: Path, sources: list[str], report: BuildReport) -> list[Page]:
    """The pages to build, in source order; failures and drafts go to ``report``.

    A Page keeps no Markdown body (``body_start`` says where it starts in the file), so
    a large site is not held in memory: the render stage reads it again.
    """
    pages: list[Page] = []
    claimed: dict[str, str] = {}
    for source in sources:
        try:
            data = read_bytes(content / source, source)
            text = decode(data, source)
            meta, body = frontmatter.split(text, source)
        except PipelineError as exc:
            report.pages_failed.append(Problem(source, reason(exc)))
            continue
        report.sources += 1
        report.source_bytes += len(data)
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
                title=meta.title or "",
                date=meta.date,
                tags=meta.tags,
                template=meta.template,
                out_path=out,
                summary=meta.summary or "",
                meta=meta.extra,
                body_start=len(text) - len(body),
                digest=hashlib.sha256(data).hexdigest(),
            )
        )
    return pages


def read_bytes(path: Path, source: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PipelineError(source, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise PipelineError(source, "empty file")
    if b"\0" in data[:8192]:
        raise PipelineError(source, "binary file, not Markdown text")
    return data


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PipelineError(source, f"invalid UTF-8 at byte {exc.start}", line=line) from None


def reason(exc: PipelineError) -> str:
    """The error text without the path, which the report already names."""
    return exc.message if exc.line is None else f"line {exc.line}: {exc.message}"
