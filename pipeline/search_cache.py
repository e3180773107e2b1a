"""The search fragments of a build, kept in the build cache beside (not in) its manifest.

Measured (``python -m perftools serialize-goals``): with every page's fragment inside the
manifest, a 1000-page manifest grew to 13 MB and stdlib json took 240 ms to save it and
90 ms to load it, so a no-change rebuild paid for the whole site's text twice. The
manifest keeps each page's fragment digest instead; the fragments live in one file named
by the digest of all of them (``search-<inputs>.json``), read only when the index must be
assembled again, and written only when it changed. A build with nothing new to index
looks for that name and stops there.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

PREFIX, SUFFIX = "search-", ".json"
VERSION = "1"  # of the index's format: a new one assembles the index again


def fragment_digest(fragment: str) -> str:
    return hashlib.sha256(fragment.encode()).hexdigest()


def inputs_digest(digests: dict[str, str]) -> str:
    """One digest of every page's fragment digest, in source order."""
    digest = hashlib.sha256(VERSION.encode())
    for source in sorted(digests):
        digest.update(f"\0{source}\0{digests[source]}".encode())
    return digest.hexdigest()


def path_of(folder: Path, inputs: str) -> Path:
    return folder / f"{PREFIX}{inputs}{SUFFIX}"


def load_any(folder: Path) -> dict[str, str]:
    """The fragments of the last build that wrote them; {} when there are none or they are
    damaged (each fragment is checked against its digest by the caller)."""
    for path in sorted(folder.glob(f"{PREFIX}*{SUFFIX}")):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
            return data
    return {}


def save(folder: Path, inputs: str, fragments: dict[str, str]) -> None:
    """Write the fragments atomically under their name; remove older ones."""
    folder.mkdir(parents=True, exist_ok=True)
    path = path_of(folder, inputs)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    tmp.write_bytes(json.dumps(fragments, sort_keys=True, ensure_ascii=False).encode())
    os.replace(tmp, path)
    remove_others(folder, inputs)


def remove_others(folder: Path, inputs: str) -> None:
    """Remove fragment files but the current one (a killed build may have left one)."""
    keep = path_of(folder, inputs)
    for old in folder.glob(f"{PREFIX}*{SUFFIX}"):
        if old != keep:
            old.unlink(missing_ok=True)
