"""The build cache: what a build needs to skip work whose inputs did not change.

This module owns the manifest format; nothing else reads or writes it. One manifest file
per cache folder. Its first line is the sha256 of the rest, which is JSON: a format
number, the site key (what every page depends on: package, Markdown and Jinja2 versions,
extension set, site title and URL, stage implementations), and

- ``pages``: per source, a ``PageEntry``: its key (source bytes, path and the digests of
  its templates), its output's path, digest and size, and what the site-level files need
  from it (title, summary, references; HTML for feed candidates);
- ``outputs``: per site-level file, an ``Output`` (digest and size of what was written);
- ``media``: per copied content file, a ``MediaEntry`` (the source's size and mtime);
- ``site``: a ``SiteEntry``, the digest of everything the site-level files were made from
  and their paths, so that an unchanged site skips rendering them.

A manifest that fails any check is reported and ignored, never trusted. It is removed
when a build starts and written when it ends, so a build that stops half way leaves no
cache that describes files it did not write.
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


class CacheError(Exception):
    """The manifest is unreadable or not one this build wrote."""


@dataclass(slots=True, frozen=True)
class Output:
    """A file the previous build wrote: the digest and size of its bytes."""

    digest: str
    size: int

    def present(self, root: str | None, path: str) -> bool:
        """True when a file of this size is still at ``path`` under ``root``.

        Without a root folder (a sink that is not a folder), the previous output is trusted.
        """
        if root is None:
            return True
        try:
            return os.stat(os.path.join(root, path)).st_size == self.size
        except OSError:
            return False


@dataclass(slots=True, frozen=True)
class PageEntry:
    key: str  # page_key(): changes with its source, its templates and the site key
    out: str  # output path
    output: Output
    title: str
    summary: str
    refs: tuple[str, ...]  # href/src values of its HTML, in document order
    html: str | None = None  # kept only for feed candidates


@dataclass(slots=True, frozen=True)
class MediaEntry:
    """A copied content file, by its source's size and modification time."""

    size: int
    mtime_ns: int


@dataclass(slots=True, frozen=True)
class SiteEntry:
    inputs: str  # BuildCache.site_inputs() of the build that wrote them
    paths: tuple[str, ...]


@dataclass(slots=True)
class BuildCache:
    """The previous build's entries (read) and this build's (recorded, then saved)."""

    folder: Path | None  # None: caching is off
    site_key: str
    pages: dict[str, PageEntry] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    media: dict[str, MediaEntry] = field(default_factory=dict)
    site: SiteEntry | None = None
    new_pages: dict[str, PageEntry] = field(default_factory=dict)
    new_outputs: dict[str, Output] = field(default_factory=dict)
    new_media: dict[str, MediaEntry] = field(default_factory=dict)
    new_site: SiteEntry | None = None
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
            cache.pages, cache.outputs, cache.media, cache.site = _load(path, site_key)
        except CacheError as exc:
            warnings.append(f"build cache {path} ignored, everything is rebuilt: {exc}")
        _unlink(path)  # rewritten at the end of a build that completes
        return cache

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    # --- pages ---

    def hit(self, page: Page, key: str, root: str | None, needs_html: bool) -> PageEntry | None:
        """The previous entry of ``page`` if it can stand for rendering it again."""
        old = self.pages.get(page.source)
        if (
            old is None
            or old.key != key
            or old.out != page.out_path
            or (needs_html and old.html is None)
            or not old.output.present(root, old.out)
        ):
            return None
        return old

    def page_unchanged(self, page: Page, output: Output, root: str | None) -> bool:
        """True when the previous build wrote exactly these bytes for ``page``, still there."""
        old = self.pages.get(page.source)
        if old is None or old.out != page.out_path:
            return False
        return _same(old.output, output, root, old.out)

    def record_page(self, source: str, entry: PageEntry) -> None:
        self.new_pages[source] = entry

    # --- site-level files and media ---

    def output_unchanged(self, path: str, output: Output, root: str | None) -> bool:
        """Record ``output`` for ``path``; True when the previous build left the same there."""
        self.new_outputs[path] = output
        return _same(self.outputs.get(path), output, root, path)

    def site_unchanged(self, inputs: str | None, root: str | None) -> bool:
        """True, and the site files carried over, when they were made from ``inputs``."""
        old = self.site
        if inputs is None or old is None or old.inputs != inputs:
            return False
        outputs = {path: self.outputs.get(path) for path in old.paths}
        if any(o is None or not o.present(root, path) for path, o in outputs.items()):
            return False
        self.new_outputs.update(outputs)
        self.new_site = old
        return True

    def record_site(self, inputs: str, paths: list[str]) -> None:
        self.new_site = SiteEntry(inputs, tuple(paths))

    def media_unchanged(self, target: str, st: os.stat_result, root: str | None) -> bool:
        """Record the source's signature; True when it and the copy in the site did not change."""
        entry = MediaEntry(st.st_size, st.st_mtime_ns)
        self.new_media[target] = entry
        return self.media.get(target) == entry and Output("", st.st_size).present(root, target)

    def forget_media(self, target: str) -> None:
        self.new_media.pop(target, None)

    # --- keys ---

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

    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "format": FORMAT,
                "site_key": self.site_key,
                "made_by": f"pipeline {__version__}",
                "pages": {source: _page_json(e) for source, e in self.new_pages.items()},
                "outputs": {path: [o.digest, o.size] for path, o in self.new_outputs.items()},
                "media": {path: [m.size, m.mtime_ns] for path, m in self.new_media.items()},
                "site": {}
                if self.new_site is None
                else {"inputs": self.new_site.inputs, "paths": list(self.new_site.paths)},
            },
            separators=(",", ":"),
        ).encode()
        path = self.folder / MANIFEST
        tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(tmp, path)


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


def output_of(data: bytes) -> Output:
    return Output(hashlib.sha256(data).hexdigest(), len(data))


def _same(old: Output | None, new: Output, root: str | None, path: str) -> bool:
    return old is not None and old == new and old.present(root, path)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


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


def _load(
    path: Path, site_key: str
) -> tuple[dict[str, PageEntry], dict[str, Output], dict[str, MediaEntry], SiteEntry | None]:
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
    return (
        {source: _page_entry(source, entry) for source, entry in pages.items()},
        {path: Output(*_pair(value, str, path)) for path, value in outputs.items()},
        {path: MediaEntry(*_pair(value, int, path)) for path, value in media.items()},
        _site_entry(data.get("site")),
    )


_PAGE_FIELDS = {"key": str, "out": str, "digest": str, "size": int, "title": str, "summary": str}


def _page_entry(source: str, entry: Any) -> PageEntry:
    if not isinstance(entry, dict) or any(
        not isinstance(entry.get(k), t) for k, t in _PAGE_FIELDS.items()
    ):
        raise CacheError(f"corrupt (bad entry for {source})")
    refs, html = entry.get("refs"), entry.get("html")
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise CacheError(f"corrupt (bad references for {source})")
    if html is not None and not isinstance(html, str):
        raise CacheError(f"corrupt (bad HTML for {source})")
    output = Output(entry["digest"], entry["size"])
    return PageEntry(
        entry["key"], entry["out"], output, entry["title"], entry["summary"], tuple(refs), html
    )


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


def _site_entry(site: Any) -> SiteEntry | None:
    if site == {}:
        return None
    if not (
        isinstance(site, dict)
        and isinstance(site.get("inputs"), str)
        and isinstance(site.get("paths"), list)
        and all(isinstance(p, str) for p in site["paths"])
    ):
        raise CacheError("corrupt (bad site entry)")
    return SiteEntry(site["inputs"], tuple(site["paths"]))


def _page_json(entry: PageEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": entry.key,
        "out": entry.out,
        "digest": entry.output.digest,
        "size": entry.output.size,
        "title": entry.title,
        "summary": entry.summary,
        "refs": list(entry.refs),
    }
    if entry.html is not None:
        data["html"] = entry.html
    return data
