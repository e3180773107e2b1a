"""The search fragments of a build, kept in the build cache beside (not in) its manifest.

Measured (``python -m perftools serialize-goals``): with every page's fragment inside the
manifest, a 1000-page manifest grew to 13 MB and stdlib json took 240 ms to save it and
90 ms to load it, so a no-change rebuild paid for the whole site's text twice. The
manifest keeps each page's fragment digest instead; the fragments live in one file named
by the digest of all of them (``search-<inputs>.json``), read only when the index must be
assembled again, and written only when it changed. A build with nothing new to index
looks for that name and stops there.

The file is a CRC-32 line, as the manifest's, then JSON: each page's fragment with its
digest, so that a build that edits one page takes the others' fragments by comparing
digests, not by hashing 6 MB of text again. Each fragment is JSON already and is stored
as it is (``msgspec.Raw``): neither escaped into a string when saved nor decoded when
loaded. A one-page edit of 1000 pages spent 190 ms saving and loading this file with
stdlib json, fragments as strings.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import msgspec

from pipeline.cache.crc import crc32_of

PREFIX, SUFFIX = "search-", ".json"
VERSION = "3"  # of the index's format and this file's: a new one assembles the index again

# source -> (the fragment's digest, the fragment: JSON kept as it is, neither escaped as a
# string nor decoded)
Fragments = dict[str, tuple[str, msgspec.Raw]]
_DECODER = msgspec.json.Decoder(Fragments)
_ENCODER = msgspec.json.Encoder(order="sorted")


def fragment_digest(fragment: msgspec.Raw) -> str:
    return hashlib.sha256(fragment).hexdigest()


def inputs_digest(digests: dict[str, str]) -> str:
    """One digest of every page's fragment digest, in source order."""
    digest = hashlib.sha256(VERSION.encode())
    for source in sorted(digests):
        digest.update(f"\0{source}\0{digests[source]}".encode())
    return digest.hexdigest()


def path_of(folder: Path, inputs: str) -> Path:
    return folder / f"{PREFIX}{inputs}{SUFFIX}"


def _checksum(pieces: Sequence[bytes | memoryview]) -> bytes:
    return b"%08x\n" % crc32_of(pieces)


def load_any(folder: Path) -> Fragments:
    """The fragments of the last build that wrote them, with their digests; {} when there
    are none or the file is damaged (the caller compares each digest with its page's)."""
    for path in sorted(folder.glob(f"{PREFIX}*{SUFFIX}")):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        body = memoryview(raw)[9:]
        if raw[:9] != _checksum((body,)):
            continue
        try:
            return _DECODER.decode(body)
        except msgspec.MsgspecError:
            continue
    return {}


def save(folder: Path, inputs: str, fragments: Fragments) -> None:
    """Write the fragments atomically under their name; remove older ones.

    The file is written in pieces, never joined: the whole (10 MB at 1000 pages) as one
    bytes object cost 2,500 page faults, most of the time this took. The pieces are what
    ``_ENCODER`` would make of ``fragments`` (tested)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = path_of(folder, inputs)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    pieces = _pieces(fragments)
    with open(tmp, "wb") as file:
        file.write(_checksum(pieces))
        file.writelines(pieces)
    os.replace(tmp, path)
    remove_others(folder, inputs)


def _pieces(fragments: Fragments) -> list[bytes | memoryview]:
    """``_ENCODER.encode(fragments)`` in pieces: keys sorted, each fragment as it is."""
    pieces: list[bytes | memoryview] = [b"{"]
    for source in sorted(fragments):
        digest, fragment = fragments[source]
        pieces += (_ENCODER.encode(source), b":[", _ENCODER.encode(digest), b",")
        pieces += (memoryview(fragment), b"],")
    if len(pieces) > 1:
        pieces[-1] = b"]"
    pieces.append(b"}")
    return pieces


def remove_others(folder: Path, inputs: str) -> None:
    """Remove fragment files but the current one (a killed build may have left one)."""
    keep = path_of(folder, inputs)
    for old in folder.glob(f"{PREFIX}*{SUFFIX}"):
        if old != keep:
            old.unlink(missing_ok=True)
