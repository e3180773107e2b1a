"""A parsed page file (``entries.SourceEntry``) as the manifest stores it, and back.

``Stored`` is the flat list the manifest holds for each page file; msgspec checks its
types while it decodes the manifest (a damaged or foreign entry raises there, and the
manifest says which). Front-matter values beyond the known keys go through ``values``,
which keeps every type YAML's safe loader gives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from pipeline.cache import values
from pipeline.cache.entries import SourceEntry
from pipeline.cache.errors import CacheError
from pipeline.page import Page


class Stored(msgspec.Struct, frozen=True, array_like=True, omit_defaults=True, gc=False):
    """[size, mtime_ns, ctime_ns] for a draft, else [size, mtime_ns, ctime_ns, title,
    summary, template, out_path, meta_digest, digest, date, tags, meta, body_start]
    (trailing defaults left out). A flat list: 10,000 of them are read on every build.
    No cycle can pass through one (its ``meta`` is a tree decoded from JSON)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    title: str | None = None  # None: a draft
    summary: str = ""
    template: str = ""
    out_path: str = ""
    meta_digest: str = ""
    digest: str = ""
    date: dt.datetime | None = None
    tags: tuple[str, ...] = ()
    meta: Any = None  # values.encode(front matter beyond the known keys); None: none
    body_start: int = 0


def to_stored(entry: SourceEntry) -> Stored:
    """``entry`` as stored: what the manifest gave, else made from its page as parsed (the
    title and summary as the front matter had them). Only entries with a signature."""
    if entry.stored is not None:
        return entry.stored
    size, mtime_ns, ctime_ns = entry.signature  # type: ignore[misc]
    page = entry.page
    if page is None:
        return Stored(size, mtime_ns, ctime_ns)
    return Stored(
        size,
        mtime_ns,
        ctime_ns,
        entry.title,
        entry.summary,
        page.template,
        page.out_path,
        page.meta_digest,
        page.digest,
        page.date,
        page.tags,
        values.encode(page.meta) if page.meta else None,
        page.body_start,
    )


def from_stored(source: str, s: Stored) -> SourceEntry:
    """The entry, with a fresh Page (the build fills it in); CacheError if its front matter
    is not what ``values`` writes."""
    signature = (s.size, s.mtime_ns, s.ctime_ns)
    if s.title is None:
        return SourceEntry(signature, s.size, None, stored=s)
    meta: dict[Any, Any] = {}
    if s.meta is not None:
        try:
            meta = values.decode(s.meta)
        except values.StoredValueError as exc:
            raise CacheError(f"corrupt (bad source entry for {source}: {exc})") from None
        if type(meta) is not dict:
            raise CacheError(f"corrupt (bad source entry for {source}: meta is not a mapping)")
    page = Page(
        source,
        s.title,
        s.date,
        s.tags,
        s.template,
        s.out_path,
        s.summary,
        meta,
        s.meta_digest,
        body_start=s.body_start,
        digest=s.digest,
    )
    return SourceEntry(signature, s.size, page, s.title, s.summary, stored=s)
