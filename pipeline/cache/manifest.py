"""The build cache's manifest file: the only code that reads or writes its format.

Its first line is the CRC-32 of the rest (``checksum``), which is JSON: the format number,
the site key, and the sections of ``Manifest``. Anything that fails a check raises
CacheError, so a damaged or foreign manifest is never trusted. (The checksum catches a
damaged file, as in gzip or PNG; the folder is the user's own, not content, and a
cryptographic digest of 2 MB would cost a no-change rebuild more than its page checks.)
"""

from __future__ import annotations

import itertools
import json
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.cache import sources
from pipeline.cache.entries import (
    CardEntry,
    MediaEntry,
    Output,
    PageEntry,
    SiteEntry,
    SourceEntry,
    TemplateEntry,
)
from pipeline.cache.errors import CacheError
from pipeline.page import CardRef, card_path

FORMAT = 5  # 4: each page file's front matter, by its signature; 5: sidecar, search
MANIFEST = "manifest.json"


@dataclass(slots=True)
class Manifest:
    pages: dict[str, PageEntry] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)  # site-level files
    media: dict[str, MediaEntry] = field(default_factory=dict)
    site: SiteEntry | None = None
    templates: TemplateEntry | None = None
    sources: dict[str, SourceEntry] = field(default_factory=dict)  # page files, as parsed


def checksum(body: bytes) -> bytes:
    return b"%08x" % zlib.crc32(body)


def load(path: Path, site_key: str) -> Manifest:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CacheError(f"cannot read it: {exc.strerror}") from None
    check, _, body = raw.partition(b"\n")
    if checksum(body) != check:
        raise CacheError("corrupt (checksum mismatch)")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise CacheError(f"corrupt ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise CacheError(f"foreign (format {found!r}, expected {FORMAT})")
    if data.get("site_key") != site_key:
        raise CacheError(
            "foreign (made by another version, extension set or site settings: "
            f"{data.get('made_by')!r})"
        )
    pages, outputs, media = data.get("pages"), data.get("outputs"), data.get("media")
    files = data.get("sources")
    if not all(isinstance(section, dict) for section in (pages, outputs, media, files)):
        raise CacheError("corrupt (missing sections)")
    return Manifest(
        pages={source: _page(source, entry) for source, entry in pages.items()},
        outputs={path: Output(*_pair(value, str, path)) for path, value in outputs.items()},
        media={path: MediaEntry(*_pair(value, int, path)) for path, value in media.items()},
        site=_site(data.get("site")),
        templates=_templates(data.get("templates")),
        sources={source: sources.from_json(source, value) for source, value in files.items()},
    )


def save(folder: Path, site_key: str, manifest: Manifest) -> None:
    """Write the manifest atomically (a killed build leaves the old one or none)."""
    folder.mkdir(parents=True, exist_ok=True)
    site, templates = manifest.site, manifest.templates
    body = json.dumps(
        {
            "format": FORMAT,
            "site_key": site_key,
            "made_by": f"pipeline {__version__}",
            "pages": {source: _page_json(e) for source, e in manifest.pages.items()},
            "outputs": {path: [o.digest, o.size] for path, o in manifest.outputs.items()},
            "media": {path: [m.size, m.mtime_ns] for path, m in manifest.media.items()},
            "site": {} if site is None else {"inputs": site.inputs, "paths": list(site.paths)},
            "templates": {}
            if templates is None
            else {"fingerprint": templates.fingerprint, "digests": templates.digests},
            "sources": {
                source: sources.to_json(entry)
                for source, entry in manifest.sources.items()
                if entry.signature is not None
            },
        },
        separators=(",", ":"),
    ).encode()
    path = folder / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    tmp.write_bytes(checksum(body) + b"\n" + body)
    os.replace(tmp, path)


_PAGE_TEXT = ("key", "out", "digest", "title", "summary", "site")
_STR, _LIST = {str}, {list}


def _page(source: str, entry: Any) -> PageEntry:
    # Checked with map() and sets: a manifest of 10,000 pages is checked on every build.
    try:
        text = [entry[name] for name in _PAGE_TEXT]
        size, links, html = entry["size"], entry["links"], entry.get("html")
    except (KeyError, TypeError):
        raise CacheError(f"corrupt (bad entry for {source})") from None
    if not (
        set(map(type, text)) <= _STR
        and type(size) is int
        and type(links) is list
        and set(map(type, links)) <= _LIST
        and set(map(len, links)) <= {2}
        and set(map(type, itertools.chain.from_iterable(links))) <= _STR
        and (html is None or type(html) is str)
    ):
        raise CacheError(f"corrupt (bad entry for {source})")
    sidecar, search = entry.get("sidecar"), entry.get("search")
    if search is not None and type(search) is not str:
        raise CacheError(f"corrupt (bad search entry for {source})")
    key, out, digest, title, summary, site = text
    return PageEntry(
        key=key,
        out=out,
        output=Output(digest, size),
        title=title,
        summary=summary,
        links=tuple(map(tuple, links)),
        site_digest=site,
        html=html,
        sidecar=None if sidecar is None else Output(*_pair(sidecar, str, source)),
        search=search,
        card=_card(source, entry["out"], entry.get("card")),
    )


def _page_json(entry: PageEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": entry.key,
        "out": entry.out,
        "digest": entry.output.digest,
        "size": entry.output.size,
        "title": entry.title,
        "summary": entry.summary,
        "links": [list(link) for link in entry.links],
        "site": entry.site_digest,
    }
    if entry.html is not None:
        data["html"] = entry.html
    if entry.sidecar is not None:
        data["sidecar"] = [entry.sidecar.digest, entry.sidecar.size]
    if entry.search is not None:
        data["search"] = entry.search
    card = entry.card
    if card is not None:  # its path is the page's (page.card_path): not stored, read 1000 times
        data["card"] = [card.key, card.ref.width, card.ref.height, card.size]
    return data


def _card(source: str, out: str, card: Any) -> CardEntry | None:
    """A page's card: [key, width, height, file size]; absent without cards."""
    if card is None:
        return None
    # type() is: the four checks of every page are on a no-change rebuild's path
    if type(card) is not list or len(card) != 4 or type(card[0]) is not str:
        raise CacheError(f"corrupt (bad card for {source})")
    key, width, height, size = card
    if type(width) is not int or type(height) is not int or type(size) is not int:
        raise CacheError(f"corrupt (bad card for {source})")
    return CardEntry(key, CardRef(card_path(out), width, height), size)


def _pair(value: Any, first: type, path: str) -> tuple[Any, int]:
    """An output's [digest, size] or a media file's [size, mtime]."""
    if not (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], first)
        and isinstance(value[1], int)
    ):
        raise CacheError(f"corrupt (bad entry for {path})")
    return value[0], value[1]


def _site(site: Any) -> SiteEntry | None:
    if site == {} or site is None:
        return None
    if not (
        isinstance(site, dict)
        and isinstance(site.get("inputs"), str)
        and isinstance(site.get("paths"), list)
        and all(isinstance(p, str) for p in site["paths"])
    ):
        raise CacheError("corrupt (bad site entry)")
    return SiteEntry(site["inputs"], tuple(site["paths"]))


def _templates(templates: Any) -> TemplateEntry | None:
    if templates == {} or templates is None:
        return None
    digests = templates.get("digests") if isinstance(templates, dict) else None
    if not (
        isinstance(digests, dict)
        and isinstance(templates.get("fingerprint"), str)
        and all(d is None or isinstance(d, str) for d in digests.values())
    ):
        raise CacheError("corrupt (bad template entry)")
    return TemplateEntry(templates["fingerprint"], digests)
