"""BatchSink's staging folders: a new site is written into a hidden folder and renamed
into place when the sink closes, so that a killed build leaves nothing half-published.

A live sink holds its staging folder's lock (``flock``) until it has published it, so
the kernel marks a killed sink's folder: unlocked, it is a leftover, removed by the next
sink (``remove_stale``) or build (pipeline/leftovers.py).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile

from pipeline.errors import SinkWriteError

STAGING_PREFIX = ".sink-staging-"
NEW_STAGING_PREFIX = ".sink-new-"  # a staging folder before it is locked and renamed


def new(root: str) -> tuple[str, int]:
    """A new staging folder in ``root``, and the descriptor that holds its lock.

    It is made and locked under another name first, so that no other sink can ever see
    it under the staging prefix unlocked and take it for a killed build's leftover.
    """
    fresh, lock = "", -1
    try:
        fresh = tempfile.mkdtemp(prefix=NEW_STAGING_PREFIX, dir=root)
        lock = os.open(fresh, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(lock, fcntl.LOCK_EX)
        suffix = os.path.basename(fresh)[len(NEW_STAGING_PREFIX) :]
        staging = os.path.join(root, STAGING_PREFIX + suffix)
        os.rename(fresh, staging)
    except OSError as exc:
        if lock >= 0:
            os.close(lock)
        if fresh:
            _rmdir_quietly(fresh)  # still empty, and still under its unlocked name
        raise SinkWriteError(root, f"cannot create staging folder: {exc.strerror}") from exc
    return staging, lock


def _rmdir_quietly(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:
        pass


def remove_stale(root: str) -> bool:
    """Remove staging folders whose sink was killed; whether ``root`` is then empty.

    A live sink holds its staging folder's lock until it has published it; the kernel
    drops the lock when the process dies, so an unlocked one is a leftover.
    """
    empty = True
    with os.scandir(root) as entries:
        for entry in entries:
            if not (entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False)):
                empty = False
                continue
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                empty = False
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                empty = False  # another sink is writing into this folder right now
                continue
            finally:
                os.close(fd)
            shutil.rmtree(entry.path, ignore_errors=True)
            empty = empty and not os.path.lexists(entry.path)
    return empty
