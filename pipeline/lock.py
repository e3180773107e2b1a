"""One build at a time per folder: an exclusive ``flock`` on the folder itself.

A build holds the lock of its output folder and of its cache folder from start to end,
so a second build of either waits or refuses instead of interleaving its files with the
first's. ``flock`` works on a directory's descriptor, needs no lock file that a killed
build could leave behind, and the kernel drops it when the holder dies, even by SIGKILL.
Render workers forked by the build inherit the descriptor and so hold the lock until
they exit too: no new build starts while an old build's worker still runs.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterable
from types import TracebackType

from pipeline.errors import PipelineError

POLL = 0.1  # seconds between attempts while waiting for another build
_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class FolderBusyError(PipelineError):
    """Another build holds the folder's lock."""


class FolderLocks:
    """Exclusive locks on several folders, taken in one fixed order, released together.

    ``folders`` maps each folder to what it is, for the message ("output folder"). Each
    must exist. ``wait``: seconds to wait for another build before refusing (0: refuse
    at once).
    """

    def __init__(self, folders: dict[str, str], wait: float = 0.0) -> None:
        self.folders = folders
        self.wait = wait
        self._fds: list[int] = []

    def __enter__(self) -> FolderLocks:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Lock every folder or none; raises FolderBusyError or PipelineError."""
        deadline = time.monotonic() + max(0.0, self.wait)
        try:
            # One global order (by inode), so two builds that share both folders can
            # never each hold one and wait for the other.
            for path, what in _in_lock_order(self.folders.items()):
                self._fds.append(_lock(path, what, deadline))
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        while self._fds:
            os.close(self._fds.pop())  # closing the last descriptor drops the lock


def _in_lock_order(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    def key(item: tuple[str, str]) -> tuple[int, int, str]:
        try:
            st = os.stat(item[0])
        except OSError:
            return (0, 0, item[0])  # _lock reports it
        return (st.st_dev, st.st_ino, item[0])

    return sorted(items, key=key)


def _lock(path: str, what: str, deadline: float) -> int:
    try:
        fd = os.open(path, _OPEN)
    except OSError as exc:
        raise PipelineError(path, f"cannot open the {what} to lock it: {exc.strerror}") from None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderBusyError(path, _busy_message(fd, what)) from None
                time.sleep(POLL)
            except OSError as exc:
                raise PipelineError(path, f"cannot lock the {what}: {exc.strerror}") from None
    except BaseException:
        os.close(fd)
        raise


def _busy_message(fd: int, what: str) -> str:
    holder = holder_pid(fd)
    by = "another build" if holder is None else f"another build (pid {holder})"
    return f"the {what} is in use by {by}; try again when it ends, or pass --wait SECONDS"


def holder_pid(fd: int) -> int | None:
    """The process holding the flock on ``fd``'s file, from /proc/locks (Linux), if known.

    The kernel lists every lock with its holder's pid and its file's device and inode;
    elsewhere, or when the holder is in another pid namespace (pid 0 or -1), None.
    """
    st = os.fstat(fd)
    want = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            lines = locks.readlines()
    except OSError:
        return None
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 4242 00:2a:1234 0 EOF"; blocked waiters start "->".
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            found = (int(major, 16), int(minor, 16), int(inode))
            pid = int(fields[4])
        except ValueError:
            continue
        if found == want and pid > 0:
            return pid
    return None
