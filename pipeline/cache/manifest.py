"""The build cache's manifest file: the only code that reads or writes its format.

Its first line is the sha256 of the rest, which is JSON: the format number, the site
key, and the sections of ``Manifest``. Anything that fails a check raises CacheError, so
a damaged or foreign manifest is never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.cache.entries import MediaEntry, Output, PageEntry, SiteEntry, TemplateEntry

FORMAT = 3  # 3: resolved links and a site digest per page, template digests
MANIFEST = "manifest.json"


class CacheError(Exception):
    """The manifest is unreadable or not one this build wrote."""


@dataclass(slots=True)
class Manifest:
    pages: dict[str, PageEntry] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)  # site-level files
    media: dict[str, MediaEntry] = field(default_factory=dict)
    site: SiteEntry | None = None
    templates: TemplateEntry | None = None


def load(path: Path, site_key: str) -> Manifest:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CacheError(f"cannot read it: {exc.strerror}") from None
    check, _, body = raw.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != check:
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
    if not (isinstance(pages, dict) and isinstance(outputs, dict) and isinstance(media, dict)):
        raise CacheError("corrupt (missing sections)")
    return Manifest(
        pages={source: _page(source, entry) for source, entry in pages.items()},
        outputs={path: Output(*_pair(value, str, path)) for path, value in outputs.items()},
        media={path: MediaEntry(*_pair(value, int, path)) for path, value in media.items()},
        site=_site(data.get("site")),
        templates=_templates(data.get("templates")),
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
        },
        separators=(",", ":"),
    ).encode()
    path = folder / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    tmp.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    os.replace(tmp, path)


_PAGE_FIELDS = {
    "key": str, "out": str, "digest": str, "size": int, "title": str, "summary": str,
    "site": str, "links": list,
}  # fmt: skip


def _page(source: str, entry: Any) -> PageEntry:
    if not isinstance(entry, dict) or any(
        not isinstance(entry.get(k), t) for k, t in _PAGE_FIELDS.items()
    ):
        raise CacheError(f"corrupt (bad entry for {source})")
    links, html = entry["links"], entry.get("html")
    if not all(
        isinstance(link, list) and len(link) == 2 and all(isinstance(s, str) for s in link)
        for link in links
    ):
        raise CacheError(f"corrupt (bad links for {source})")
    if html is not None and not isinstance(html, str):
        raise CacheError(f"corrupt (bad HTML for {source})")
    return PageEntry(
        key=entry["key"],
        out=entry["out"],
        output=Output(entry["digest"], entry["size"]),
        title=entry["title"],
        summary=entry["summary"],
        links=tuple((url, target) for url, target in links),
        site_digest=entry["site"],
        html=html,
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
    return data


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
