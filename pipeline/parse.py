"""Parse: read each page, split its front matter, and give each page its output path.

With a ``Memo`` (the build cache), a page file whose signature (size, modification and
change time) is what it was last time is not read at all: its front matter is recalled.
One whose front matter text is what it was (its body was edited) is read, but its front
matter is not parsed again: parsing it would load PyYAML, a fifth of a one-page edit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from pipeline import claims, confine, frontmatter
from pipeline.cache.entries import Parsed, Signature
from pipeline.defaults import MAX_PAGE_BYTES
from pipeline.errors import PipelineError, describe
from pipeline.page import Page, output_path
from pipeline.report import BuildReport, Problem


class Memo(Protocol):
    """What a previous build parsed (``pipeline.cache.BuildCache``)."""

    def signature(self, source: str, path: str) -> Signature | None: ...

    def recall_source(self, source: str, signature: Signature) -> Parsed | None: ...

    def remember_source(self, source: str, signature: Signature, page: Page | None) -> None: ...

    def recall_front_matter(self, source: str, digest: str) -> Page | None: ...


def parse(
    content: Path,
    sources: list[str],
    report: BuildReport,
    memo: Memo | None = None,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    sidecars: bool = True,
    cards: bool = True,
) -> list[Page]:
    """The pages to build, in source order; failures and drafts go to ``report``.

    A Page keeps no Markdown body (``body_start`` says where it starts in the file), so
    a large site is not held in memory: the render stage reads it again. Whatever goes
    wrong with one page fails that page alone, with a one-line reason. Which pages may
    write their files is decided once all are read (pipeline/claims.py): ``out_dir``, the
    output folder, bounds their paths' length; ``sidecars`` and ``cards``, whether those
    files are written too (unless told otherwise, they are claimed).
    """
    pages: list[Page] = []
    root = confine.root_of(content)
    for source in sources:
        # Taken before reading: a file that changes while it is read is read again next time.
        path = os.path.join(content, source)
        found = memo.signature(source, path) if memo is not None else None
        parsed = memo.recall_source(source, found) if memo is not None and found else None
        if parsed is None:
            parsed = _read(content, source, root, report, memo)
            if memo is not None and parsed is not None and found is not None:
                memo.remember_source(source, found, parsed[1])
        if parsed is None:
            continue
        size, page = parsed
        report.sources += 1
        report.source_bytes += size
        if page is None:
            report.drafts += 1
            continue
        pages.append(page)
    return claims.settle(pages, report, out_dir, sidecars, cards)


def _read(
    content: Path,
    source: str,
    root: str,
    report: BuildReport,
    memo: Memo | None = None,
) -> Parsed | None:
    """The page file read and its front matter parsed, or recalled from ``memo`` if it is
    the same text; None when it fails (reported)."""
    try:
        data = read_bytes(content / source, source, root)
        text = decode(data, source)
        block, body_start = frontmatter.fence(text, source)
        block_digest = None if block is None else frontmatter.digest(block)
        if block_digest is not None and memo is not None:
            page = memo.recall_front_matter(source, block_digest)
            if page is not None:
                page.body_start, page.digest = body_start, hashlib.sha256(data).hexdigest()
                return len(data), page
        meta = frontmatter.parse(block, source, block_digest)
    except PipelineError as exc:
        report.pages_failed.append(Problem(source, reason(exc)))
        return None
    except Exception as exc:  # e.g. RecursionError: this page alone fails
        report.pages_failed.append(Problem(source, describe(exc, "front matter")))
        return None
    if meta.draft:
        return len(data), None
    page = Page(
        source=source,
        title=meta.title or "",
        date=meta.date,
        tags=meta.tags,
        template=meta.template,
        out_path=output_path(source, meta.slug),
        summary=meta.summary or "",
        meta=meta.extra,
        meta_digest=meta.digest,
        body_start=body_start,
        digest=hashlib.sha256(data).hexdigest(),
    )
    return len(data), page


def read_bytes(path: Path, source: str, root: str) -> bytes:
    """The page's bytes, if the file really is content under ``root`` (the content
    folder's real path; see ``pipeline.confine``), checked on the open file."""
    try:
        data = confine.read_content(path, root, source, MAX_PAGE_BYTES)
    except OSError as exc:
        raise PipelineError(source, f"cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise PipelineError(source, "empty file")
    for mark, encoding in _WIDE_BOMS:  # their text has NULs: named, not called binary
        if data.startswith(mark):
            raise PipelineError(source, f"{encoding} text (it starts with a {encoding} "
                                        "byte-order mark): save it as UTF-8")  # fmt: skip
    if b"\0" in data[:8192]:
        raise PipelineError(source, "binary file, not Markdown text")
    return data


# Byte-order marks of the encodings an editor may save Markdown in besides UTF-8; UTF-32
# first (its little-endian mark begins with UTF-16's).
_WIDE_BOMS = (
    (b"\xff\xfe\0\0", "UTF-32"),
    (b"\0\0\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PipelineError(source, f"invalid UTF-8 at byte {exc.start}", line=line) from None


def reason(exc: PipelineError) -> str:
    """The error text without the path, which the report already names."""
    return exc.message if exc.line is None else f"line {exc.line}: {exc.message}"
