"""The build cache: what a build needs to skip pages whose inputs did not change.

One manifest file per cache folder. Its first line is the sha256 of the rest, which is
JSON: a format number, what every page depends on (package, Markdown and Jinja2
versions, extension set, site title and URL), and per page a key (sha256 of its source
bytes, its path and the digests of the templates it uses) with what the site-level
files need from it (title, summary, references; HTML for feed candidates) and its
output's digest and size; and the digest of everything the site-level files were made
from, so that an unchanged site skips rendering them. A manifest that fails any check is
reported and ignored, never trusted. It is removed when a build starts and written when
it ends, so a build that stops half way leaves no cache that describes files it did not
write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import markdown

from pipeline import __version__, markup
from pipeline.page import Page

FORMAT = 2
MANIFEST = "manifest.json"
_SOURCE_FIELDS = {"digest", "body_start"}  # not shown by site-level templates
_PAGE_FIELDS = {"key": str, "out": str, "digest": str, "size": int, "title": str, "summary": str}


class CacheError(Exception):
    """The manifest is unreadable or not one this build wrote."""


@dataclass(slots=True)
class BuildCache:
    folder: Path | None  # None: caching is off
    site_key: str
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # previous build's entries
    outputs: dict[str, list[Any]] = field(default_factory=dict)  # site file -> [digest, size]
    media: dict[str, list[int]] = field(default_factory=dict)  # target -> [src size, mtime, size]
    site: dict[str, Any] = field(default_factory=dict)  # {"inputs": digest, "paths": [...]}
    new_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_outputs: dict[str, list[Any]] = field(default_factory=dict)
    new_media: dict[str, list[int]] = field(default_factory=dict)
    new_site: dict[str, Any] = field(default_factory=dict)
    _templates: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def open(
        cls, folder: str | os.PathLike[str] | None, site_key: str, clean: bool, warnings: list[str]
    ) -> BuildCache:
        cache = cls(Path(folder) if folder is not None else None, site_key)
        if cache.folder is None:
            return cache
        path = cache.folder / MANIFEST
        if clean or not path.exists():
            _unlink(path)
            return cache
        try:
            cache._load(path)
        except CacheError as exc:
            warnings.append(f"build cache {path} ignored, everything is rebuilt: {exc}")
            cache.pages, cache.outputs, cache.media, cache.site = {}, {}, {}, {}
        _unlink(path)  # rewritten at the end of a build that completes
        return cache

    def _load(self, path: Path) -> None:
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
            raise CacheError(f"foreign (format {data.get('format')!r}, expected {FORMAT})")
        if data.get("site_key") != self.site_key:
            raise CacheError(
                "foreign (made by another version, extension set or site settings: "
                f"{data.get('made_by')!r})"
            )
        pages, outputs, media = data.get("pages"), data.get("outputs"), data.get("media")
        if not (isinstance(pages, dict) and isinstance(outputs, dict) and isinstance(media, dict)):
            raise CacheError("corrupt (missing sections)")
        for source, entry in pages.items():
            if not isinstance(entry, dict) or any(
                not isinstance(entry.get(k), t) for k, t in _PAGE_FIELDS.items()
            ):
                raise CacheError(f"corrupt (bad entry for {source})")
            refs = entry.get("refs")
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                raise CacheError(f"corrupt (bad references for {source})")
        site = data.get("site")
        if not isinstance(site, dict) or (
            site
            and not (
                isinstance(site.get("inputs"), str)
                and isinstance(site.get("paths"), list)
                and all(isinstance(p, str) for p in site["paths"])
            )
        ):
            raise CacheError("corrupt (bad site entry)")
        self.pages, self.outputs, self.media, self.site = pages, outputs, media, site

    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "format": FORMAT,
                "site_key": self.site_key,
                "made_by": f"pipeline {__version__}",
                "pages": self.new_pages,
                "outputs": self.new_outputs,
                "media": self.new_media,
                "site": self.new_site,
            },
            separators=(",", ":"),
        ).encode()
        path = self.folder / MANIFEST
        tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(tmp, path)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def template_digest(self, env: jinja2.Environment, name: str) -> str | None:
        """Digest of a template and every template it extends, imports or includes."""
        if name not in self._templates:
            self._templates[name] = _template_digest(env, name)
        return self._templates[name]

    def site_inputs(
        self, env: jinja2.Environment, templates: tuple[str, ...], pages: list[Page], site: Any
    ) -> str | None:
        """Digest of all the site-level files are made from, or None if a template fails.

        Their templates, the site settings and, in site order, every field of every page
        but the two that describe its source file rather than the page (``digest`` and
        ``body_start``): an edit that leaves a page's metadata, summary and feed HTML
        alone then re-renders no site-level file. A value whose repr is not stable
        between runs (a YAML set) only makes the digest miss.
        """
        digest = hashlib.sha256(self.site_key.encode())
        for name in templates:
            template = self.template_digest(env, name)
            if template is None:
                return None
            digest.update(f"\0{name}\0{template}".encode())
        digest.update(repr(site).encode())
        names = [f.name for f in dataclasses.fields(Page) if f.name not in _SOURCE_FIELDS]
        for page in pages:
            digest.update(repr([getattr(page, name) for name in names]).encode())
        return digest.hexdigest()


def site_key(title: str, base_url: str, stages: str = "") -> str:
    """What every page's output depends on, beyond its source and its templates.

    ``stages``: which implementation of each stage built it (a swapped-in renderer must
    not reuse the default one's HTML).
    """
    parts = (
        f"format={FORMAT}",
        f"pipeline={__version__}",
        f"markdown={markdown.__version__}",
        f"jinja2={jinja2.__version__}",
        "extensions=" + ",".join(markup.EXTENSIONS),
        f"title={title}",
        f"base_url={base_url}",
        f"stages={stages}",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def page_key(site: str, source: str, source_digest: str, template_digest: str) -> str:
    parts = (site, source, source_digest, template_digest)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _template_digest(env: jinja2.Environment, name: str) -> str | None:
    digest = hashlib.sha256()
    seen: set[str] = set()
    todo = [name]
    try:
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            assert env.loader is not None
            source, filename, _ = env.loader.get_source(env, current)
            digest.update(f"{current}\0{filename}\0{source}\0".encode())
            for ref in jinja2.meta.find_referenced_templates(env.parse(source)):
                if ref is None:  # a computed name: depend on every template there is
                    todo.extend(env.list_templates())
                else:
                    todo.append(ref)
    except jinja2.TemplateError:
        return None  # the page fails to render; it is never cached
    return digest.hexdigest()


def output_unchanged(root: str | None, path: str, digest: str, size: int, known: Any) -> bool:
    """True when the previous build wrote exactly these bytes to ``path`` and they are there."""
    if not isinstance(known, list | tuple) or len(known) != 2 or known[0] != digest:
        return False
    return known[1] == size and output_present(root, path, size)


def output_present(root: str | None, path: str, size: int) -> bool:
    """True when a file of ``size`` bytes is at ``path`` under ``root``.

    Without a root folder (a sink that is not a folder), the previous output is trusted.
    """
    if root is None:
        return True
    try:
        return os.stat(os.path.join(root, path)).st_size == size
    except OSError:
        return False


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
