"""A parsed page file (``entries.SourceEntry``) as manifest JSON, and back.

Front-matter values beyond the known keys go through ``values``, which keeps every type
YAML's safe loader gives; anything else that does not have the shape written here raises
CacheError, so a damaged manifest is never trusted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.cache import values
from pipeline.cache.entries import SourceEntry
from pipeline.cache.errors import CacheError
from pipeline.page import Page

# The Page fields parsing sets that are text, in their stored order; then date, tags, meta
# and body_start. A flat list: 10,000 of them are read on every build.
_TEXT = ("title", "summary", "template", "out_path", "meta_digest", "digest")
_STR = {str}


def to_json(entry: SourceEntry) -> list[Any]:
    """[size, mtime_ns, ctime_ns, null] for a draft, else [size, mtime_ns, ctime_ns, title,
    summary, template, out_path, meta_digest, digest, date, tags, meta, body_start]; only
    entries with a signature are stored."""
    page = entry.page
    if page is None:
        return [*entry.signature, None]
    date = page.date.isoformat() if page.date is not None else None
    meta = values.encode(page.meta) if page.meta else None
    return [
        *entry.signature,
        entry.title,
        entry.summary,
        page.template,
        page.out_path,
        page.meta_digest,
        page.digest,
        date,
        list(page.tags),
        meta,
        page.body_start,
    ]


def from_json(source: str, value: Any) -> SourceEntry:
    try:
        if type(value) is not list or not set(map(type, value[:3])) <= {int}:
            raise TypeError("not a source entry")
        signature = (value[0], value[1], value[2])
        if len(value) == 4 and value[3] is None:
            return SourceEntry(signature, signature[0], None)
        page = _page(source, value[3:])
        return SourceEntry(signature, signature[0], page, page.title, page.summary)
    except (TypeError, ValueError, values.StoredValueError) as exc:
        raise CacheError(f"corrupt (bad source entry for {source}: {exc})") from None


def _page(source: str, fields: list[Any]) -> Page:
    title, summary, template, out, meta_digest, digest, date, tags, meta, body_start = fields
    if not (
        set(map(type, (title, summary, template, out, meta_digest, digest))) <= _STR
        and (date is None or type(date) is str)
        and type(tags) is list
        and set(map(type, tags)) <= _STR
        and type(body_start) is int
    ):
        raise TypeError("a field of the wrong type")
    meta = values.decode(meta) if meta is not None else {}
    if type(meta) is not dict:
        raise TypeError("meta is not a mapping")
    return Page(
        source,
        title,
        dt.datetime.fromisoformat(date) if date is not None else None,
        tuple(tags),
        template,
        out,
        summary,
        meta,
        meta_digest,
        body_start=body_start,
        digest=digest,
    )
