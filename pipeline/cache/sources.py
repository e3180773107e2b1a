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

# The Page fields parsing sets, with their JSON types (date and meta are decoded apart).
_TEXT_FIELDS = ("title", "template", "out_path", "summary", "meta_digest", "digest")


def to_json(entry: SourceEntry) -> list[Any]:
    """[size, mtime_ns, ctime_ns, page or null]: only entries with a signature are stored."""
    page = entry.page
    if page is None:
        return [*entry.signature, None]
    data: dict[str, Any] = {name: getattr(page, name) for name in _TEXT_FIELDS}
    data["date"] = page.date.isoformat() if page.date is not None else None
    data["tags"] = list(page.tags)
    data["meta"] = values.encode(page.meta) if page.meta else None
    data["body_start"] = page.body_start
    return [*entry.signature, data]


def from_json(source: str, value: Any) -> SourceEntry:
    if not (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value[:3])
    ):
        raise CacheError(f"corrupt (bad source entry for {source})")
    signature = (value[0], value[1], value[2])
    data = value[3]
    if data is None:
        return SourceEntry(signature, signature[0], None)
    try:
        return SourceEntry(signature, signature[0], _page(source, data))
    except (TypeError, ValueError, values.StoredValueError) as exc:
        raise CacheError(f"corrupt (bad source entry for {source}: {exc})") from None


def _page(source: str, data: Any) -> Page:
    if not isinstance(data, dict) or any(not isinstance(data.get(k), str) for k in _TEXT_FIELDS):
        raise TypeError("missing fields")
    tags, date, body_start = data.get("tags"), data.get("date"), data.get("body_start")
    if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise TypeError("bad tags")
    if not isinstance(body_start, int) or isinstance(body_start, bool):
        raise TypeError("bad body start")
    meta = values.decode(data.get("meta")) if data.get("meta") is not None else {}
    if not isinstance(meta, dict):
        raise TypeError("bad meta")
    return Page(
        source=source,
        date=dt.datetime.fromisoformat(date) if date is not None else None,
        tags=tuple(tags),
        meta=meta,
        body_start=body_start,
        **{name: data[name] for name in _TEXT_FIELDS},
    )
