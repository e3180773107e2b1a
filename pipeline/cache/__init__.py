"""The build cache: what a build needs to skip work whose inputs did not change.

``BuildCache`` holds the previous build's entries (read from the manifest) and records
this build's, and answers the questions a build asks: is this page a hit, are these bytes
already there, can the site-level files and the media stay as they are. What it stores
is in ``entries``, how in ``manifest`` (its only reader and writer), the digests it
compares in ``keys``. The manifest is set aside when a build starts and written when it
ends (or, when nothing in it changed, put back), so a build that stops half way leaves
no cache that describes files it did not write.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from pipeline import stamp
from pipeline.cache import keys, manifest, sources
from pipeline.cache.entries import (
    CardEntry,
    MediaEntry,
    Output,
    PageEntry,
    Parsed,
    Signature,
    SiteEntry,
    TemplateEntry,
    count_targets,
    present,
    signature,
    signature_of,
    unpack_links,
)
from pipeline.cache.errors import CacheError, ForeignCache
from pipeline.cache.manifest import Manifest
from pipeline.page import Links, Page

if TYPE_CHECKING:
    import jinja2


class BuildCache(Struct):
    """The previous build's manifest, this build's, and the questions a build asks of them."""

    folder: Path | None  # None: caching is off
    site_key: str
    old: Manifest = field(default_factory=Manifest)  # the previous build's
    # What the previous build wrote, even when its manifest cannot stand for this build
    # (other settings, --clean): the files pipeline/stale.py may remove.
    earlier: Manifest = field(default_factory=Manifest)
    new: Manifest = field(default_factory=Manifest)  # this build's, saved at the end
    template_fingerprint: str | None = None  # None: recompute every template digest
    verify: bool = False  # trust no file's signature: read every page file again
    _digests: dict[str, str | None] = field(default_factory=dict)  # template name -> digest
    _listed: dict[str, frozenset[str]] = field(default_factory=dict)  # folder -> its files
    _kept_refs: dict[str, int] | None = None  # kept_refs(), once the pages are recorded
    # Each content file's lstat by its path in the content folder, as the look the build
    # stamp takes at it found them when the build started (stamp.inputs); each taken once.
    seen: dict[str, os.stat_result] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str] | None,
        site_key: str,
        clean: bool,
        warnings: list[str],
        template_fingerprint: str | None = None,
        verify: bool = False,
    ) -> BuildCache:
        cache = cls(Path(folder) if folder is not None else None, site_key, verify=verify)
        if cache.folder is None:
            return cache
        cache.template_fingerprint = template_fingerprint
        path = cache.folder / manifest.MANIFEST
        if path.exists():
            cache.old, cache.earlier = _read(path, site_key, clean, warnings)
        elif _held(path).exists():  # the last build stopped: what it kept still says what
            cache.earlier = _read(_held(path), site_key, True, warnings)[1]  # was written
        try:
            _set_aside(path, cache.old)  # written or put back when the build completes
            stamp.discard(os.fspath(cache.folder))  # this build may write: no stamp holds now
        except OSError as exc:
            warnings.append(f"build cache {cache.folder} cannot be used: {exc.strerror}")
            cache.folder, cache.old = None, Manifest()
            return cache
        old = cache.old.templates
        if template_fingerprint is not None and old and old.fingerprint == template_fingerprint:
            cache._digests = dict(old.digests)
        return cache

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def save(self, warnings: list[str]) -> None:
        """Write the manifest; a failure only costs the next build its shortcuts."""
        if self.folder is None:
            return
        if self.template_fingerprint is not None:
            self.new.templates = TemplateEntry(self.template_fingerprint, self._digests)
        try:
            self.new.refs = self._refs()
            unchanged = self.new == self.old and self.old != Manifest()
            path = self.folder / manifest.MANIFEST
            if not (unchanged and _put_back(path)):
                manifest.save(self.folder, self.site_key, self.new)
                _held(path).unlink(missing_ok=True)  # also one a killed build set aside
        except OSError as exc:
            warnings.append(f"build cache {self.folder} not saved: {exc.strerror}")
        except ValueError as exc:  # a value the manifest cannot hold: never the build's end
            warnings.append(f"build cache {self.folder} not saved: {exc}")

    # --- page files ---

    def signature(self, source: str, path: str) -> Signature | None:
        """The page file's signature (``entries.signature`` of ``path``), from ``seen`` if
        the build looked at it there: each file is looked at once a build (a second lstat
        per page file was a twentieth of a one-page edit's own work)."""
        st = self.seen.pop(source, None)
        return signature(path) if st is None else signature_of(st)

    def recall_source(self, source: str, signature: Signature) -> Parsed | None:
        """The page file as parsed last time, if its signature says it did not change."""
        old = self.old.sources.get(source)
        if self.verify or old is None or old.signature != signature:
            return None
        self.new.sources[source] = old
        return old.size, sources.page_of(source, old)

    def recall_front_matter(self, source: str, digest: str) -> Page | None:
        """A fresh Page of the page file as parsed last time, if its front matter was this
        same text (``digest``, frontmatter.digest()): the build fills in its body's fields."""
        old = self.old.sources.get(source)
        if old is None or old.title is None or old.meta_digest != digest:
            return None
        return sources.page_of(source, old)

    def remember_source(self, source: str, signature: Signature, page: Page | None) -> None:
        """The page file as parsed (``page`` None: a draft), before the build fills it in.

        Not remembered, so read again next time: a name that is not UTF-8, and front
        matter that ``sources.values`` cannot store."""
        if not _utf8(source):
            return
        try:
            self.new.sources[source] = sources.to_stored(signature, page)
        except TypeError:
            pass

    # --- pages ---

    def hit(self, page: Page, key: str, root: str | None, needs_html: bool) -> PageEntry | None:
        """The previous entry of ``page`` if it can stand for rendering it again."""
        old = self.old.pages.get(page.source)
        if (
            old is None
            or old.key != key
            or old.out != page.out_path
            or (needs_html and old.html is None)
            or not old.output.present(root, old.out)
            or (old.card is not None and not self.card_present(old.card, root))
        ):
            return None
        return old

    def previous(self, source: str, root: str | None) -> tuple[Page, PageEntry] | None:
        """The page as the previous build left it in the site (a fresh Page, and its entry),
        for one that failed this time; None if there is none, or its files are gone."""
        entry, stored = self.old.pages.get(source), self.old.sources.get(source)
        if entry is None or stored is None:
            return None
        page = sources.page_of(source, stored)
        if page is None or page.out_path != entry.out or not entry.output.present(root, entry.out):
            return None
        if entry.card is not None and not self.card_present(entry.card, root):
            return None
        return page, entry

    def keep_source(self, source: str) -> None:
        """Remember the page file as the previous build parsed it, when its previous version
        is kept: the next build reads the file again, and still finds that version."""
        self.new.sources[source] = self.old.sources[source]

    def old_card(self, page: Page, root: str | None) -> CardEntry | None:
        """The card the previous build wrote for ``page``, if it is still in the site."""
        old = self.old.pages.get(page.source)
        card = None if old is None or old.out != page.out_path else old.card
        if card is None or not self.card_present(card, root):
            return None
        return card

    def card_present(self, card: CardEntry, root: str | None) -> bool:
        return self.present_by_name(root, card.path, card.size)

    def present_by_name(self, root: str | None, path: str, size: int) -> bool:
        """Whether a card or sidecar is still at ``path`` in the site, by its folder's
        listing (read once a build).

        A stat per card cost a no-change rebuild of 1000 pages 11 ms here, a listing per
        folder about 1 ms. Its size is left unchecked: such a file is written whole, by a
        sink or not at all, and again whenever its page's inputs change; ``--verify``
        checks it.
        """
        if root is None or self.verify:
            return present(root, path, size)
        folder, _, name = path.rpartition("/")  # a site path: '/'-separated
        names = self._listed.get(folder)
        if names is None:
            names = self._listed[folder] = _files_in(os.path.join(root, folder))
        return name in names

    def page_unchanged(self, page: Page, output: Output, root: str | None) -> bool:
        """True when the previous build wrote exactly these bytes for ``page``, still there."""
        old = self.old.pages.get(page.source)
        if old is None or old.out != page.out_path:
            return False
        return old.output == output and output.present(root, old.out)

    def record_page(self, source: str, entry: PageEntry) -> None:
        """This build's entry for ``source``: a new one, or the previous one, kept."""
        self.new.pages[source] = entry

    def links_of(self, source: str) -> Links:
        """The links of the previous build's entry for ``source`` (CacheError: damaged)."""
        return unpack_links(self.old.pages[source].links)

    def kept_refs(self) -> dict[str, int] | None:
        """Site path -> how many links of the kept pages (entries recorded as they were)
        point at it, from the previous build's counts: only the links of the entries not
        kept are decoded. Asked once every page is recorded; None when the counts do not
        add up (a page's references must then be checked from its links)."""
        if self._kept_refs is None:
            refs = dict(self.old.refs)
            for source, entry in self.old.pages.items():
                if self.new.pages.get(source) is not entry:
                    count_targets(refs, unpack_links(entry.links), -1)
            self._kept_refs = refs
        if any(count < 0 for count in self._kept_refs.values()):
            return None
        return self._kept_refs

    def _refs(self) -> dict[str, int]:
        """``Manifest.refs`` of this build's pages: the kept ones' counts, plus the links of
        each new entry."""
        kept = self.kept_refs()
        refs = dict(kept) if kept is not None else {}
        for source, entry in self.new.pages.items():
            if kept is None or self.old.pages.get(source) is not entry:
                count_targets(refs, unpack_links(entry.links), 1)
        return refs

    # --- site-level files and media ---

    def output_unchanged(self, path: str, output: Output, root: str | None) -> bool:
        """Record ``output`` for ``path``; True when the previous build left the same there."""
        self.new.outputs[path] = output
        return self.old.outputs.get(path) == output and output.present(root, path)

    def site_unchanged(self, inputs: str | None, root: str | None) -> SiteEntry | None:
        """The previous site files, carried over, when they were made from ``inputs``."""
        old = self.old.site
        if inputs is None or old is None or old.inputs != inputs:
            return None
        outputs = {path: self.old.outputs.get(path) for path in old.paths}
        for path, output in outputs.items():
            if output is None or not output.present(root, path):
                return None
            self.new.outputs[path] = output
        self.new.site = old
        return old

    def record_site(self, inputs: str, paths: list[str]) -> None:
        self.new.site = SiteEntry(inputs, tuple(paths))

    def media_stat(self, target: str, path: str) -> os.stat_result:
        """``os.stat(path)`` of the media file ``target``, from ``seen`` as ``signature``
        (``seen`` is empty for a content folder with links: stat and lstat agree there)."""
        st = self.seen.pop(target, None)
        return os.stat(path) if st is None else st

    def media_unchanged(self, target: str, st: os.stat_result, root: str | None) -> bool:
        """Record the source's signature; True when it and the copy in the site did not change."""
        entry = MediaEntry(st.st_size, st.st_mtime_ns)
        self.new.media[target] = entry
        return self.old.media.get(target) == entry and present(root, target, st.st_size)

    def forget_media(self, target: str) -> None:
        """``target`` could not be copied: its previous copy, if any, stays and stays known."""
        previous = self.old.media.get(target)
        if previous is None:
            self.new.media.pop(target, None)
        else:
            self.new.media[target] = previous

    # --- templates ---

    def template_digest(self, env: Callable[[], jinja2.Environment], name: str) -> str | None:
        """``keys.template_digest``, remembered while the template folders are unchanged;
        ``env`` is called only when the digest must be computed."""
        if name not in self._digests:
            self._digests[name] = keys.template_digest(env(), name)
        return self._digests[name]


def _utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _read(path: Path, site_key: str, clean: bool, warnings: list[str]) -> tuple[Manifest, Manifest]:
    """(the manifest if this build may use it, what it says the previous build wrote)."""
    try:
        loaded = manifest.load(path, site_key)
    except CacheError as exc:
        if not clean:
            warnings.append(f"build cache {path} ignored, everything is rebuilt: {exc}")
        return Manifest(), exc.earlier if isinstance(exc, ForeignCache) else Manifest()
    return (Manifest() if clean else loaded), loaded


def _held(path: Path) -> Path:
    return path.with_name(f".{path.name}.held")


def _set_aside(path: Path, loaded: Manifest) -> None:
    """Move the manifest where no build reads it, keeping it only if it was loaded."""
    try:
        if loaded != Manifest():
            os.replace(path, _held(path))
        else:
            path.unlink()
    except FileNotFoundError:
        pass


def _put_back(path: Path) -> bool:
    """The set-aside manifest in its place again (it holds what would be written)."""
    try:
        os.replace(_held(path), path)
    except FileNotFoundError:
        return False
    return True


def _files_in(folder: str) -> frozenset[str]:
    """The names of the regular files in ``folder`` (none if it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.is_file(follow_symlinks=False))
    except OSError:
        return frozenset()
