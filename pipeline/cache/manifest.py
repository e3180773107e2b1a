"""The build cache's manifest file: the only code that reads or writes its format.

Its first line is the CRC-32 of the rest (``checksum``), which is JSON: the format number,
the site key, and the sections of ``Manifest``. msgspec decodes it straight into the typed
entries (``_File``), checking every type in C as it goes; anything that fails a check
raises CacheError, so a damaged or foreign manifest is never trusted, and the slow path
that says which entry is bad runs only then. (The checksum catches a damaged file, as in
gzip or PNG; the folder is the user's own, not content, and a cryptographic digest of
2 MB would cost a no-change rebuild more than its page checks.)

Measured (python -m perftools serialize-goals, docs/profiling-report.md): at 10,000 pages
on a loaded machine stdlib json plus hand-written checks took ~0.8 s to load and ~0.5 s
to save; msgspec into Structs 0.33 s and 0.13 s (json.loads alone: 1.2 s). JSON, not
msgpack: msgspec decodes both at the same speed here (the entries' strings are the
cost), and JSON stays readable. Each page's links are kept as they are in the file
(``msgspec.Raw``) until asked for: load 143 -> 67 ms, save 58 -> 41 ms (10,000 pages).
The checksum is summed in a thread while the body is decoded, or written.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
from msgspec import Struct, field

from pipeline import __version__
from pipeline.cache import sources
from pipeline.cache.crc import crc32
from pipeline.cache.entries import (
    MediaEntry,
    Output,
    PageEntry,
    SiteEntry,
    TemplateEntry,
)
from pipeline.cache.errors import CacheError, ForeignCache

# 4: each page file's front matter, by its signature; 5: sidecar, search; 6: msgspec, the
# entries as lists (dates as RFC 3339); 7: links decoded on demand, counted in ``refs``
FORMAT = 7
MANIFEST = "manifest.json"


class Manifest(Struct):
    """Everything the build cache remembers of one build."""

    pages: dict[str, PageEntry] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)  # site-level files
    media: dict[str, MediaEntry] = field(default_factory=dict)
    site: SiteEntry | None = None
    templates: TemplateEntry | None = None
    sources: dict[str, sources.Stored] = field(default_factory=dict)  # page files, as parsed
    # Site path -> how many links of ``pages`` point at it: a build checks what its kept
    # pages refer to without decoding their links (BuildCache.kept_refs).
    refs: dict[str, int] = field(default_factory=dict)


def checksum(body: bytes | memoryview) -> bytes:
    return b"%08x" % crc32(body)


def _head(body: bytes | memoryview) -> bytes:
    """The manifest's first line: the checksum of the rest."""
    return checksum(body) + b"\n"


_HEAD = len(_head(b""))


class _File(msgspec.Struct, frozen=True):
    """The manifest as stored (an object: its sections by name)."""

    format: int
    site_key: str
    made_by: str
    pages: dict[str, PageEntry]
    outputs: dict[str, Output]
    media: dict[str, MediaEntry]
    site: SiteEntry | None
    templates: TemplateEntry | None
    sources: dict[str, sources.Stored]
    refs: dict[str, int]


class _Header(msgspec.Struct):
    """What a manifest of any format has, for saying why one is not ours."""

    format: Any = None
    site_key: Any = None
    made_by: Any = None


_DECODER = msgspec.json.Decoder(_File)
_ENCODER = msgspec.json.Encoder()
_SECTIONS = {"pages": PageEntry, "outputs": Output, "media": MediaEntry, "sources": sources.Stored}


def load(path: Path, site_key: str) -> Manifest:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CacheError(f"cannot read it: {exc.strerror}") from None
    body = memoryview(raw)[_HEAD:]  # a view, not a copy of 10s of MB
    head = _Checksum(body)  # beside the decoding: nothing decoded is used unless it matches
    with _no_gc():  # 10,000s of entries: nothing to collect while they are made
        try:
            data = _DECODER.decode(body)
        except msgspec.ValidationError as exc:  # JSON, not of our shape
            _check(raw, head)
            raise _explain(body, exc) from None
        except msgspec.DecodeError as exc:  # not JSON
            _check(raw, head)
            raise CacheError(f"corrupt ({exc})") from None
        _check(raw, head)
        if data.format != FORMAT:
            raise CacheError(f"foreign (format {data.format!r}, expected {FORMAT})")
        if data.site_key != site_key:
            raise ForeignCache(
                "foreign (made by another version, extension set or site settings: "
                f"{data.made_by!r})",
                Manifest(data.pages, data.outputs, data.media),
            )
        for source, stored in data.sources.items():
            sources.check(source, stored)
    return Manifest(
        data.pages, data.outputs, data.media, data.site, data.templates, data.sources, data.refs
    )


def save(folder: Path, site_key: str, manifest: Manifest) -> None:
    """Write the manifest atomically (a killed build leaves the old one or none)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = _File(
        format=FORMAT,
        site_key=site_key,
        made_by=f"pipeline {__version__}",
        pages=manifest.pages,
        outputs=manifest.outputs,
        media=manifest.media,
        site=manifest.site,
        templates=manifest.templates,
        sources=manifest.sources,
        refs=manifest.refs,
    )
    body = _ENCODER.encode(data)
    path = folder / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    head = _Checksum(body)  # while the body is written
    with open(tmp, "wb") as file:  # two writes: not a copy of 10s of MB
        file.seek(_HEAD)
        file.write(body)
        file.seek(0)
        file.write(head.value())
    os.replace(tmp, path)


class _Checksum:
    """``_head(body)``, computed in a thread beside this one's work when ``body`` is large:
    zlib and ISA-L let go of the GIL while they sum (18 MB: 9 and 1 ms here), msgspec does not."""

    def __init__(self, body: bytes | memoryview) -> None:
        self._head = b""
        self._thread = None
        if len(body) < _THREAD_MIN:
            self._head = _head(body)
            return
        import threading

        self._thread = threading.Thread(target=self._sum, args=(body,), daemon=True)
        self._thread.start()

    def _sum(self, body: bytes | memoryview) -> None:
        self._head = _head(body)

    def value(self) -> bytes:
        if self._thread is not None:
            self._thread.join()
        return self._head


_THREAD_MIN = 1 << 20  # below, a thread's start costs more than summing here


def _check(raw: bytes, head: _Checksum) -> None:
    if raw[:_HEAD] != head.value():
        raise CacheError("corrupt (checksum mismatch)")


@contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _explain(body: memoryview, exc: msgspec.ValidationError) -> CacheError:
    """Why a manifest that is JSON is not ours: another format, or which entry is bad
    (msgspec's path does not name a dict's key). Runs only for a rejected manifest."""
    try:
        header = msgspec.json.decode(body, type=_Header)
    except msgspec.MsgspecError:
        return CacheError(f"corrupt ({exc})")
    if header.format != FORMAT:
        return CacheError(f"foreign (format {header.format!r}, expected {FORMAT})")
    data = msgspec.json.decode(body)
    for section, kind in _SECTIONS.items():
        entries = data.get(section)
        for name, value in entries.items() if isinstance(entries, dict) else ():
            try:  # decoded, not converted: convert() cannot make a Raw
                msgspec.json.decode(_ENCODER.encode(value), type=kind)
            except msgspec.ValidationError as bad:
                what = "source entry" if section == "sources" else "entry"
                return CacheError(f"corrupt (bad {what} for {name}: {bad})")
    return CacheError(f"corrupt ({exc})")
