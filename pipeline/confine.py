"""Confinement: the build reads only files that really are published content.

A content folder may come from a pull request, and a symbolic link in it can lead
anywhere (``secret.png -> /etc/passwd``) or into a part of the folder that is never
published (``.git/config``, ``_drafts/``). Discovery refuses such links by where they
resolve; every read checks again where the file it *opened* really is, so a link
swapped between discovery and the read changes nothing.
"""

from __future__ import annotations

import os
import stat

from pipeline.errors import OutsideContentError, PipelineError, SourceReadError

OUTSIDE = "outside the content folder"
UNPUBLISHED = "inside a folder of the content that is never published"
# Linux names every open file's real path here; elsewhere a slower stat check is used.
_PROC_FD = "/proc/self/fd"
_HAVE_PROC = os.path.isdir(_PROC_FD)
# O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused right after).
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def root_of(content: str | os.PathLike[str]) -> str:
    """The content folder's real path, against which every real path is checked."""
    return os.path.realpath(content)


def inside(real: str, folder: str) -> bool:
    """True when the real path ``real`` is ``folder`` or below it (both real paths)."""
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


def refusal(root: str, real: str, folder: bool = False) -> str | None:
    """Why the file (or ``folder``) really at ``real`` is not published content, or None.

    Content is what discovery walks: below ``root``, in no folder whose name starts
    with '.' or '_'.
    """
    if real == root:
        return None
    if not inside(real, root):
        return OUTSIDE
    folders = real[len(root.rstrip(os.sep)) + 1 :].split(os.sep)
    if any(name.startswith((".", "_")) for name in (folders if folder else folders[:-1])):
        return UNPUBLISHED
    return None


def read_content(
    path: str | os.PathLike[str], root: str, name: str, limit: int | None = None
) -> bytes:
    """The bytes of the regular file at ``path`` (``name`` in errors), if it really is
    content under ``root`` (see ``refusal``), checked on the file once open.

    Raises OutsideContentError when it is not content, PipelineError when it is not a
    regular file or has more than ``limit`` bytes (checked before it is read, and again
    after), and OSError when it cannot be read.
    """
    fd, size = open_content(path, root, name)
    try:
        if limit is not None and size > limit:
            raise PipelineError(name, too_large(size, limit))
        data = read_open(fd, size)
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:  # it grew while it was read
        raise PipelineError(name, too_large(len(data), limit))
    return data


def too_large(size: int, limit: int) -> str:
    """Why a page file of ``size`` bytes is refused."""
    mib = size / 2**20
    return f"too large for a page: {mib:.1f} MiB, over the {limit >> 20} MiB a page may have"


def read_open(fd: int, size: int) -> bytes:
    """The rest of the open file ``fd``, ``size`` bytes long when it was opened."""
    # One read of the known size (plus one byte to see the end): what open().read()
    # does, without the file object around it (6 us a page instead of 30).
    data = os.read(fd, size + 1)
    if len(data) != size:  # it changed size, or a short read: read to the end
        data += read_rest(fd)
    return data


def read_rest(fd: int, chunk: int = 1 << 20) -> bytes:
    """The rest of the open content file ``fd``, however long it has grown."""
    return b"".join(iter(lambda: read_source(fd, chunk), b""))


def read_source(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of the content file open at ``fd``; SourceReadError when it
    cannot be read (its own problem, not one of writing the site)."""
    try:
        return os.read(fd, size)
    except OSError as exc:
        raise SourceReadError(exc.errno, exc.strerror) from exc


def open_content(path: str | os.PathLike[str], root: str, name: str) -> tuple[int, int]:
    """A descriptor of the regular file at ``path`` and its size, if it really is content
    under ``root``; the caller closes it. Raises as ``read_content`` does."""
    fd = os.open(path, OPEN_FLAGS)
    try:
        real = real_path(fd, path)
        if real is None:
            raise PipelineError(name, "changed while it was being opened")
        why = refusal(root, real)
        if why is not None:
            raise OutsideContentError(name, real, why)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PipelineError(name, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def real_path(fd: int, path: str | os.PathLike[str]) -> str | None:
    """Where the open file ``fd`` (opened as ``path``) really is; None if that cannot be
    known because ``path`` no longer leads to it.

    Checked on the open file itself: a link changed after the open cannot redirect it.
    """
    if _HAVE_PROC:
        try:
            return os.readlink(f"{_PROC_FD}/{fd}")
        except OSError:
            pass
    real = os.path.realpath(path)
    opened, there = os.fstat(fd), _stat_or_none(real)
    if there is None or (there.st_dev, there.st_ino) != (opened.st_dev, opened.st_ino):
        return None
    return real


def _stat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None
