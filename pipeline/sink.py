"""Output sinks: the one place where the site's bytes leave the process.

Every sink takes ``write(relpath, data)`` calls and returns its statistics from
``close()``. Every sink refuses paths that escape its root and never leaves a torn
file at a final path: a build killed mid-write leaves at most a hidden temporary file
beside the target, named by ``temp_name`` (the guarantee is against a killed process,
not a power cut, so there is no fsync). pipeline/leftovers.py removes such files
before the next build writes anything.
"""

from __future__ import annotations

import os
import posixpath
import re
import time
from collections.abc import Callable
from typing import Protocol

from msgspec import Struct

from pipeline.confine import read_source
from pipeline.errors import SinkWriteError, SourceReadError, UnsafePathError

# A temporary file: ".<final name>.<writer's pid>.tmp", beside its final path.
TEMP_NAME = re.compile(r"\..+\.[0-9]+\.tmp", re.DOTALL)


COPY_CHUNK = 8 << 20


def create_new(path: str, access: int = os.O_WRONLY) -> int:
    """A descriptor of a new, empty file at ``path``. What is there already (a temporary
    file a killed build left, or a link someone put at that name) is removed, never
    opened: O_EXCL opens no existing file and follows no link, so no write through a name
    in the site can land outside it (a hard link's inode is never truncated either)."""
    flags = access | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o666)
    except FileExistsError:
        os.unlink(path)
        return os.open(path, flags, 0o666)


def copy_into(source: int, path: str) -> int:
    """Copy the open file ``source`` from where it is to its end into a new file at
    ``path``, in the kernel where it can (``copy_file_range``), else 8 MiB at a time: a
    large media file never passes through the build's memory. The bytes copied."""
    fd = create_new(path)
    try:
        copied = 0
        kernel = hasattr(os, "copy_file_range")
        while True:
            if kernel:
                try:
                    done = os.copy_file_range(source, fd, COPY_CHUNK)
                except OSError:  # no copy in the kernel here, or a side failed: the loop
                    kernel = False  # below says which (it copies nothing on a failure)
                    continue
            else:
                done = len(chunk := read_source(source, COPY_CHUNK))
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            if not done:
                return copied
            copied += done
    finally:
        os.close(fd)


def _write_new(path: str, data: bytes) -> int:
    with open(create_new(path), "wb") as f:
        f.write(data)
    return len(data)


def temp_name(name: str) -> str:
    """The hidden name a file called ``name`` is written under before its rename."""
    return f".{name}.{os.getpid()}.tmp"


class SinkStats(Struct):
    """What a sink wrote, and what it cost."""

    files: int = 0  # files whose final bytes are as given, identical ones left alone included
    bytes: int = 0  # their bytes
    write_calls: int = 0  # write() system calls issued for file data (a mmap copy counts 0)
    dirs_created: int = 0
    seconds: float = 0.0  # wall time the caller spent inside the sink (write and close)
    skipped_identical: int = 0  # files already holding exactly these bytes: not rewritten
    bytes_skipped: int = 0  # their bytes
    batches: int = 0  # batches handed to writer threads
    wait_seconds: float = 0.0  # time the caller was blocked: back-pressure, then close
    mmap_writes: int = 0  # files written through mmap instead of write()


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
        make_root(self.root)
        self._folders = Folders(self.root)

    def __enter__(self) -> DirectSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, relpath: str, data: bytes) -> None:
        self._place(relpath, lambda tmp: _write_new(tmp, data))
        self._stats.write_calls += 1

    def copy_file(self, relpath: str, source: int) -> None:
        """Write the open file ``source``'s bytes at ``relpath`` without holding them."""
        self._place(relpath, lambda tmp: copy_into(source, tmp))

    def _place(self, relpath: str, make: Callable[[str], int]) -> None:
        """Have ``make`` write a new file (returning its size) beside ``relpath``'s target,
        then rename it over the target: a killed build leaves either the old file or the
        new one at the final path, never half of one."""
        start = time.perf_counter()
        rel = check_relpath(relpath)
        folder, name = posixpath.split(rel)
        if folder:
            self._folders.ensure(folder)
        tmp = os.path.join(self.root, folder, temp_name(name))
        try:
            size = make(tmp)
            os.replace(tmp, os.path.join(self.root, rel))
        except SourceReadError:
            remove_quietly(tmp)
            raise
        except OSError as exc:
            remove_quietly(tmp)
            raise SinkWriteError(rel, f"cannot write: {exc.strerror or exc}") from exc
        stats = self._stats
        stats.files += 1
        stats.bytes += size
        stats.seconds += time.perf_counter() - start

    def close(self) -> SinkStats:
        self._stats.dirs_created = self._folders.created
        return self._stats


class Folders:
    """Creates folders under ``root`` once each, refusing any symlinked component.

    Every sink shares it, so the symlink rule lives in one place. ``ensure`` returns
    True when the folder was made by this object, so it held nothing before.
    """

    __slots__ = ("root", "created", "_known")

    def __init__(self, root: str) -> None:
        self.root = root
        self.created = 0
        self._known: dict[str, bool] = {"": False}  # folder -> made by us

    def ensure(self, folder: str) -> bool:
        known = self._known.get(folder)
        if known is not None:
            return known
        self.ensure(posixpath.dirname(folder))
        path = os.path.join(self.root, folder)
        try:
            os.mkdir(path)
            self.created += 1
            made = True
        except FileExistsError:
            if os.path.islink(path):
                raise UnsafePathError(folder, "output folder is a symlink; refused") from None
            if not os.path.isdir(path):
                raise SinkWriteError(folder, "exists and is not a folder") from None
            made = False
        except OSError as exc:
            raise SinkWriteError(folder, f"cannot create folder: {exc.strerror}") from exc
        self._known[folder] = made
        return made


def make_root(root: str) -> None:
    """Create the output folder (and its parents) if needed."""
    try:
        os.makedirs(root, exist_ok=True)
    except OSError as exc:
        raise SinkWriteError(root, f"cannot create output folder: {exc.strerror}") from exc


def _batch_sink(root: str | os.PathLike[str]) -> OutputSink:
    from pipeline.batch_sink import BatchSink  # it imports this module

    return BatchSink(root)


# Sinks by the name the CLI's --sink takes. "direct" stays for good as the baseline.
SINKS: dict[str, Callable[[str | os.PathLike[str]], OutputSink]] = {
    "direct": DirectSink,
    "batch": _batch_sink,
}


def open_sink(name: str, root: str | os.PathLike[str]) -> OutputSink:
    """A new sink of kind ``name`` (a key of SINKS) writing under ``root``."""
    try:
        factory = SINKS[name]
    except KeyError:
        raise ValueError(f"unknown sink {name!r}; choose from {', '.join(SINKS)}") from None
    return factory(root)


def remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
