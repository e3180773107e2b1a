"""Parse: read each page, split its front matter, and give each page its output path."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline import confine, frontmatter
from pipeline.errors import PipelineError, describe
from pipeline.page import Page, output_path
from pipeline.report import BuildReport, Problem

# Output paths the site itself needs; a page mapped onto one of these fails.
RESERVED = ("index.html", "feed.xml", "sitemap.xml")
RESERVED_FOLDERS = ("page", "tags", "assets")


def parse(content: Path, sources: list[str], report: BuildReport) -> list[Page]:
    """The pages to build, in source order; failures and drafts go to ``report``.

    A Page keeps no Markdown body (``body_start`` says where it starts in the file), so
    a large site is not held in memory: the render stage reads it again. Whatever goes
    wrong with one page fails that page alone, with a one-line reason.
    """
    pages: list[Page] = []
    claimed: dict[str, str] = {}
    root = confine.root_of(content)
    for source in sources:
        try:
            data = read_bytes(content / source, source, root)
            text = decode(data, source)
            meta, body = frontmatter.split(text, source)
        except PipelineError as exc:
            report.pages_failed.append(Problem(source, reason(exc)))
            continue
        except Exception as exc:  # e.g. RecursionError: this page alone fails
            report.pages_failed.append(Problem(source, describe(exc, "front matter")))
            continue
        report.sources += 1
        report.source_bytes += len(data)
        if meta.draft:
            report.drafts += 1
            continue
        out = output_path(source, meta.slug)
        problem = _unwritable(source, out)
        if problem is not None:
            report.pages_failed.append(Problem(source, problem))
            continue
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
                meta_digest=meta.digest,
                body_start=len(text) - len(body),
                digest=hashlib.sha256(data).hexdigest(),
            )
        )
    return pages


# A file name's limit on Linux file systems, less what a sink adds for its temporary name
# (".NAME.PID.tmp"): a longer output name would stop the whole build at write time.
NAME_MAX = 255 - len(".") - len(".4194304.tmp")


def _unwritable(source: str, out: str) -> str | None:
    """Why no file system could hold ``out``, or None."""
    try:
        names = [name.encode() for name in out.split("/")]
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8; rename the file"
    if len(names[-1]) > NAME_MAX:
        return (
            f"output file name is {len(names[-1])} bytes, more than {NAME_MAX}; "
            "set a shorter slug or rename the file"
        )
    return None


def read_bytes(path: Path, source: str, root: str) -> bytes:
    """The page's bytes, if the file really is content under ``root`` (the content
    folder's real path; see ``pipeline.confine``), checked on the open file."""
    try:
        data = confine.read_content(path, root, source)
    except OSError as exc:
        raise PipelineError(source, f"cannot read: {exc.strerror or exc}") from None
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
