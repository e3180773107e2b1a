"""What the build cache remembers, as typed values (pipeline/cache/manifest.py stores them).

The entries the manifest stores as they are are msgspec Structs: frozen (hashable values
that compare by their fields, as the frozen dataclasses they replace did), ``array_like``
(a list in the file, not an object: no field names repeated 10,000 times), and decoded
straight from the manifest's JSON with their types checked in C (python -m perftools
serialize-goals). ``gc=False`` where a cycle is impossible (strings, numbers and other
such entries only): the garbage collector need not walk 10,000 of them.

A page's links stay the manifest's bytes (``msgspec.Raw``) until a build asks for them
(``unpack_links``): they were half the strings a manifest load made, and a build needs
them only for the pages it renders again or when a reference breaks (pipeline/media.py
checks the others by the counts in ``Manifest.refs``).
"""

from __future__ import annotations

import hashlib
import os
import stat

import msgspec

from pipeline.cache.errors import CacheError
from pipeline.page import CardRef, Links, Page

# What says a source file is unchanged without reading it: size, modification time and
# inode change time (which no tool that copies or touches a file can set back).
Signature = tuple[int, int, int]

_LINKS_ENCODER = msgspec.json.Encoder()  # the manifest's format: a Raw goes in as it is
_LINKS_DECODER = msgspec.json.Decoder(Links)

# A page file parsed, or recalled from the cache: the bytes it had, and its Page (None: a
# draft).
Parsed = tuple[int, Page | None]


def signature(path: str) -> Signature | None:
    """The signature of a regular file; None for anything else (a link is always re-read,
    through ``pipeline.confine``, which decides whether it may be)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return signature_of(st)


def signature_of(st: os.stat_result) -> Signature | None:
    """``signature`` of a file whose ``lstat`` is ``st``."""
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Output(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A file the previous build wrote: the digest of its bytes (or of what they are made
    from: ``made_from``) and their size."""

    digest: str
    size: int

    @classmethod
    def of(cls, data: bytes) -> Output:
        return cls(hashlib.sha256(data).hexdigest(), len(data))

    @classmethod
    def made_from(cls, inputs: str, data: bytes) -> Output:
        """For bytes that ``inputs`` (a digest) determines: equal inputs, equal outputs."""
        return cls(hashlib.sha256(f"made from {inputs}".encode()).hexdigest(), len(data))

    def present(self, root: str | None, path: str) -> bool:
        return present(root, path, self.size)


def present(root: str | None, path: str, size: int) -> bool:
    """True when a file of ``size`` bytes is at ``path`` under ``root``.

    Without a root folder (a sink that is not a folder), the previous output is trusted.
    """
    if root is None:
        return True
    try:
        return os.stat(os.path.join(root, path)).st_size == size
    except OSError:
        return False


class CardEntry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A page's social card: what it was drawn from, and the size of the file written.

    No digest of its bytes: a card is drawn again only when its key changed, and then
    its bytes did too, so they are written without comparing (and hashing them would
    cost every clean build).
    """

    key: str  # pipeline.cards.job.CardSetup.key(): equal keys, equal cards
    path: str  # site path of the PNG
    width: int
    height: int
    size: int

    @property
    def ref(self) -> CardRef:
        return CardRef(self.path, self.width, self.height)

    def present(self, root: str | None) -> bool:
        return present(root, self.path, self.size)


class PageEntry(msgspec.Struct, frozen=True, array_like=True, gc=False, omit_defaults=True):
    key: str  # keys.page_key(): changes with its source, its templates and the site key
    out: str  # output path
    output: Output
    title: str
    summary: str
    links: msgspec.Raw  # pack_links() of its references into the site
    site_digest: str  # keys.page_digest(): the page as the site-level templates see it
    html: str | None = None  # kept only for feed candidates
    sidecar: Output | None = None  # its sidecar file, when the build wrote one
    search: str | None = None  # digest of its search entries (pipeline/search_cache.py)
    card: CardEntry | None = None  # when the build drew cards


class MediaEntry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A copied content file, by its source's size and modification time."""

    size: int
    mtime_ns: int


class SiteEntry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    inputs: str  # keys.site_inputs() of the build that wrote them
    paths: tuple[str, ...]


class TemplateEntry(msgspec.Struct, frozen=True, array_like=True):
    """Template digests, valid while the template folders' listing is unchanged."""

    fingerprint: str  # template_files.fingerprint(): names, sizes and mtimes of every template
    digests: dict[str, str | None]  # name -> keys.template_digest() (None: it fails)


def pack_links(links: Links) -> msgspec.Raw:
    """``links`` as a PageEntry holds them: already in the manifest's format."""
    return msgspec.Raw(_LINKS_ENCODER.encode(links))


def unpack_links(raw: msgspec.Raw) -> Links:
    """A PageEntry's links. CacheError if they are not links: the manifest's checksum held,
    so only a defect of the build that wrote it can get here."""
    try:
        return _LINKS_DECODER.decode(raw)
    except msgspec.MsgspecError as exc:
        raise CacheError(f"corrupt (bad links in a page entry: {exc})") from None


def count_targets(counts: dict[str, int], links: Links, step: int) -> None:
    """Add ``step`` (1 or -1) to the count of each link's site path; drop counts of 0."""
    for _, target in links:
        count = counts.get(target, 0) + step
        if count:
            counts[target] = count
        else:
            del counts[target]
