"""Sidecars: ``<page>.json`` beside each ``<page>.html``, the page for programs to read.

The fields and their types are the versioned schema in ``pipeline/schemas/sidecar-1.json``
(documented in docs/sidecars.md). Bytes are stable across runs and machines: sorted keys,
no floats, UTF-8 as is (the build cache compares them by digest).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import msgspec

from pipeline.page import Page, url_of
from pipeline.pagetext import plain, reading_minutes

SCHEMA = 1
SUFFIX = ".json"
# msgspec, not stdlib json: a third of the time for the same bytes (serialize-goals).
_ENCODER = msgspec.json.Encoder(order="sorted")


def path_of(out_path: str) -> str:
    """The sidecar's site path: ``dir/page.html`` -> ``dir/page.json``."""
    stem = out_path[: -len(".html")] if out_path.endswith(".html") else out_path
    return stem + SUFFIX


def build(
    page: Page,
    words: int,
    references: Iterable[str],
    links: Iterable[tuple[str, str]],
    base_url: str,
) -> dict[str, Any]:
    """The sidecar of a rendered page (``page.html`` and ``page.toc_tokens`` still set).

    ``words``: the page's plain text's word count (pagetext); ``references``: every href/src in
    document order; ``links``: those that resolved to a site path, as (URL, site path).
    """
    outgoing, media = _outgoing(references, dict(links))
    card = getattr(page, "card", None)  # social cards, where the build makes them
    return {
        "schema": SCHEMA,
        "title": page.title,
        "date": page.date.isoformat() if page.date is not None else None,
        "tags": list(page.tags),
        "summary": page.summary,
        "path": page.out_path,
        "url": base_url + url_of(page.out_path),
        "toc": _toc(page.toc_tokens),
        "words": words,
        "reading_minutes": reading_minutes(words),
        "links": outgoing,
        "media": media,
        "card": None if card is None else str(getattr(card, "url", card)),
    }


def encode(sidecar: dict[str, Any]) -> bytes:
    """Stable bytes: sorted keys, compact, UTF-8 as is, one line."""
    return _ENCODER.encode(sidecar) + b"\n"


def _toc(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Python-Markdown's toc_tokens with only the schema's keys; names as plain text."""
    return [
        {
            "level": token["level"],
            "id": token["id"],
            "name": plain(token["name"]),
            "children": _toc(token.get("children", [])),
        }
        for token in tokens
    ]


def _outgoing(urls: Iterable[str], local: dict[str, str]) -> tuple[list[str], list[str]]:
    """Links (pages of the site and external URLs, as written) and media (site paths of
    the other local files), each once, in document order."""
    links: dict[str, None] = {}
    media: dict[str, None] = {}
    for url in urls:
        target = local.get(url)
        if target is None:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:  # in-page anchors are not outgoing
                links[url] = None
        elif target.endswith(".html"):
            links[url] = None
        else:
            media[target] = None
    return list(links), list(media)
