"""Output sinks: the one place where the site's bytes leave the process.

Every sink takes ``write(relpath, data)`` calls and returns its statistics from
``close()``. Every sink refuses paths that escape its root and never leaves a torn
file at a final path: a build killed mid-write leaves at most a hidden ``.*.tmp``
file beside the target (the guarantee is against a killed process, not a power cut,
so there is no fsync).
"""

from __future__ import annotations

import os
import posixpath
import time
from dataclasses import dataclass
from typing import Protocol

from pipeline.errors import SinkWriteError, UnsafePathError


@dataclass(slots=True)
class SinkStats:
    files: int = 0
    bytes: int = 0
    write_calls: int = 0  # write() system calls issued for file data
    dirs_created: int = 0
    seconds: float = 0.0  # wall time spent inside the sink


class OutputSink(Protocol):
    def write(self, relpath: str, data: bytes) -> None: ...

    def close(self) -> SinkStats: ...


def check_relpath(relpath: str) -> str:
    """Return ``relpath`` normalised, or raise if it could land outside the root."""
    if not relpath or "\0" in relpath:
        raise UnsafePathError(repr(relpath), "empty or NUL-containing output path")
    if relpath.startswith("/"):
        raise UnsafePathError(relpath, "absolute output path refused")
    parts = [p for p in relpath.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise UnsafePathError(relpath, "output path escapes the output folder")
    return "/".join(parts)


class DirectSink:
    """The naive baseline: open, write, close and rename, one file at a time.

    Kept for good as the reference that every faster sink is measured against.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)
        self._stats = SinkStats()
        self._dirs: set[str] = set()  # relative folders already checked or made
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise SinkWriteError(self.root, f"cannot create output folder: {exc.strerror}") from exc

    def __enter__(self) -> DirectSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, relpath: str, data: bytes) -> None:
        start = time.perf_counter()
        rel = check_relpath(relpath)
        folder, name = posixpath.split(rel)
        self._ensure_folder(folder)
        final = os.path.join(self.root, rel)
        # Write beside the target and rename over it, so a killed build leaves
        # either the old file or the new one at the final path, never half of one.
        tmp = os.path.join(self.root, folder, f".{name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, final)
        except OSError as exc:
            _remove_quietly(tmp)
            raise SinkWriteError(rel, f"cannot write: {exc.strerror or exc}") from exc
        stats = self._stats
        stats.files += 1
        stats.bytes += len(data)
        stats.write_calls += 1
        stats.seconds += time.perf_counter() - start

    def close(self) -> SinkStats:
        return self._stats

    def _ensure_folder(self, folder: str) -> None:
        """Create ``folder`` and its parents once, refusing any symlinked component."""
        if folder in self._dirs or not folder:
            return
        parent = posixpath.dirname(folder)
        self._ensure_folder(parent)
        path = os.path.join(self.root, folder)
        try:
            os.mkdir(path)
            self._stats.dirs_created += 1
        except FileExistsError:
            if os.path.islink(path):
                raise UnsafePathError(folder, "output folder is a symlink; refused") from None
            if not os.path.isdir(path):
                raise SinkWriteError(folder, "exists and is not a folder") from None
        except OSError as exc:
            raise SinkWriteError(folder, f"cannot create folder: {exc.strerror}") from exc
        self._dirs.add(folder)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
