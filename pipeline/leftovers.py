"""What a killed build leaves in a folder, removed before the next build writes to it.

A sink killed mid-write leaves at most hidden temporary files beside their targets
(``sink.TEMP_NAME``) and BatchSink staging folders at the top of the output folder; the
build cache leaves a temporary manifest. None of them is a final path, but each would be
published with the site. Only a caller that holds the folder's build lock
(pipeline/lock.py) may call ``remove_leftovers``: then no other build is writing there,
so every such file is a leftover. A staging folder whose flock some sink still holds
(a library user writing there without the build lock) is left alone all the same; only
the build lock rules out one that such a sink made an instant ago and has not locked yet.
"""

from __future__ import annotations

import fcntl
import os
import shutil

from msgspec import Struct, field

from pipeline.sink import TEMP_NAME
from pipeline.staging import NEW_STAGING_PREFIX, STAGING_PREFIX

# A site folder may be a repository (GitHub Pages): no build writes into these.
VCS_FOLDERS = frozenset({".git", ".hg", ".svn"})


class Leftovers(Struct):
    """What a killed build left in the output folder."""

    removed: int = 0  # temporary files and staging folders removed
    kept: list[str] = field(default_factory=list)  # ones that could not be removed, and why


def remove_leftovers(root: str, *, recursive: bool = True) -> Leftovers:
    """Remove a killed build's temporary files and staging folders under ``root``.

    Symlinks are never followed. ``recursive``: look into sub-folders too (an output
    folder; not a version control system's, whose temporary files, such as git's
    ``.pack.1.tmp``, are its own), or only at ``root``'s own entries (a cache folder).
    """
    found = Leftovers()
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as exc:
            found.kept.append(f"{folder}: cannot list: {exc.strerror}")
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if folder == root and entry.name.startswith((STAGING_PREFIX, NEW_STAGING_PREFIX)):
                    _remove_staging(entry.path, found)
                elif recursive and entry.name not in VCS_FOLDERS:
                    todo.append(entry.path)
            elif _is_temp(entry.name) and not entry.is_symlink():
                try:
                    os.unlink(entry.path)
                    found.removed += 1
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    found.kept.append(f"{entry.path}: cannot remove: {exc.strerror}")
    return found


def _is_temp(name: str) -> bool:
    # Temporary names are hidden: the prefix test spares most files the regex.
    return name[0] == "." and TEMP_NAME.fullmatch(name) is not None


def _remove_staging(path: str, found: Leftovers) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        found.kept.append(f"{path}: cannot open: {exc.strerror}")
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # a live sink writes into it
    finally:
        os.close(fd)
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        found.kept.append(f"{path}: cannot remove this staging folder of a killed build")
    else:
        found.removed += 1
