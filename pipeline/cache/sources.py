"""A parsed page file as the build cache keeps it, and the Page it gives again.

``Stored`` is the flat list the manifest holds for each page file, and the build keeps
it in that form: msgspec checks its types while it decodes the manifest (a damaged or
foreign entry raises there, and the manifest says which), and a Page is made from it
only when the parse stage recalls it. Front-matter values beyond the known keys go
through ``values``, which keeps every type YAML's safe loader gives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from pipeline.cache import values
from pipeline.cache.entries import Signature
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

    @property
    def signature(self) -> Signature:
        return (self.size, self.mtime_ns, self.ctime_ns)


def to_stored(signature: Signature, page: Page | None) -> Stored:
    """A page file as parsed, stored: its signature and ``page`` (None: a draft) as its front
    matter gave it, before the build fills in a title or summary from the rendered page.
    TypeError for a front-matter value ``values`` cannot store."""
    size, mtime_ns, ctime_ns = signature
    if page is None:
        return Stored(size, mtime_ns, ctime_ns)
    return Stored(
        size,
        mtime_ns,
        ctime_ns,
        page.title,
        page.summary,
        page.template,
        page.out_path,
        page.meta_digest,
        page.digest,
        page.date,
        page.tags,
        values.encode(page.meta) if page.meta else None,
        page.body_start,
    )


def check(source: str, s: Stored) -> None:
    """CacheError if the entry's front matter is not what ``values`` writes (the manifest
    checks every entry when it loads, so that ``page_of`` never fails)."""
    if s.meta is not None:
        _meta(source, s.meta)


def page_of(source: str, s: Stored) -> Page | None:
    """A fresh Page of the entry (the build fills it in); None for a draft."""
    if s.title is None:
        return None
    return Page(
        source,
        s.title,
        s.date,
        s.tags,
        s.template,
        s.out_path,
        s.summary,
        {} if s.meta is None else _meta(source, s.meta),
        s.meta_digest,
        body_start=s.body_start,
        digest=s.digest,
    )


def _meta(source: str, stored: Any) -> dict[Any, Any]:
    try:
        meta = values.decode(stored)
    except values.StoredValueError as exc:
        raise CacheError(f"corrupt (bad source entry for {source}: {exc})") from None
    if type(meta) is not dict:
        raise CacheError(f"corrupt (bad source entry for {source}: meta is not a mapping)")
    return meta
