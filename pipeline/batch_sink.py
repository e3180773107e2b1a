"""BatchSink: writing off the build's thread, in batches, by a small pool of writer threads.

``write()`` checks the path and makes its folder in the caller's thread (so a bad path
fails at once), then appends the bytes to a batch; full batches go through a bounded
queue to the writer threads, whose syscalls release the GIL and so overlap rendering
and each other. A full queue blocks the caller: memory stays bounded however fast pages
arrive. ``close()`` drains the queue and returns the statistics, or raises the first
writer error as ``SinkWriteError`` naming the file.

How files reach their final path without ever being torn (measured in
docs/profiling-report.md, "Sink"):

- into an empty output folder, files are written under their own names into a hidden
  staging folder inside it, and ``close()`` renames its top-level entries into place: one
  rename per top-level entry instead of one per file;
- into a folder that already holds a site, each file is written beside its target and
  renamed over it, as DirectSink does, unless the target already holds exactly these
  bytes: then nothing is written at all. That check runs in the caller's thread: one
  open and one read cost less than handing the file to a writer thread and back.

A killed build leaves at most hidden ``.*.tmp`` files or a ``.sink-staging-*`` folder;
the next BatchSink on that folder removes such a staging folder once no live sink holds
its lock.
"""

from __future__ import annotations

import mmap
import os
import posixpath
import queue
import threading
import time

from pipeline import staging as staging_folders
from pipeline.errors import SinkWriteError, SourceReadError
from pipeline.sink import (
    Folders,
    SinkStats,
    check_relpath,
    copy_into,
    create_new,
    make_root,
    remove_quietly,
    temp_name,
)

WORKERS = 3
BATCH_FILES = 64
# With the queue full, (QUEUE_BATCHES + 1) x WORKERS + 1 batches are in memory: at 1 MiB
# a batch that was 7.5 MiB of a 10,000-page build's peak RSS (its site-level files come
# faster than the disk takes them). 256 KiB wrote 2000 x 8 KiB and 300 x 64 KiB no slower
# (0.98x, 0.97x).
BATCH_BYTES = 256 << 10
QUEUE_BATCHES = 2  # per worker: batches waiting beyond the ones being written
# Files at least this large are copied into the page cache through mmap. When earlier
# writes have left a few hundred MiB dirty, the kernel throttles write() to the disk's
# pace and an mmap copy of 64 MiB took half the time (76 against 153 ms); with nothing
# dirty it costs 11 ms more (27 against 16 ms). Below 1 MiB it always loses
# (docs/profiling-report.md, "Sink").
MMAP_MIN = 32 << 20
# Comparing reads the old file in chunks: mmap lost there (114 against 17 ms at 64 MiB).
COMPARE_CHUNK = 8 << 20
_READ = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
_STOP = None


class BatchSink:
    """Batches writes and hands them to a bounded pool of writer threads."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        workers: int = WORKERS,
        batch_files: int = BATCH_FILES,
        batch_bytes: int = BATCH_BYTES,
        queue_batches: int = QUEUE_BATCHES,
        mmap_min: int = MMAP_MIN,
        staging: bool | None = None,
    ) -> None:
        """``staging``: None picks it when the output folder is empty, as measured."""
        start = time.perf_counter()
        self.root = os.fspath(root)
        make_root(self.root)
        try:
            empty = staging_folders.remove_stale(self.root)
        except OSError as exc:  # EMFILE, EIO: a clear error, not a traceback
            raise SinkWriteError(self.root, f"cannot list output folder: {exc.strerror}") from exc
        self.staging: str | None = None
        self._staging_lock: int | None = None
        if staging if staging is not None else empty:
            self.staging, self._staging_lock = staging_folders.new(self.root)
        # In staging mode no target can exist yet, so nothing is compared or renamed.
        self._base = self.staging or self.root
        self._folders = Folders(self._base)
        self._batch_files = batch_files
        self._batch_bytes = batch_bytes
        self._mmap_min = mmap_min
        self._stats = SinkStats()
        self._batch: list[tuple[str, bytes]] = []
        self._batch_size = 0
        self._seen: set[str] = set()
        self._queue: queue.Queue[list[tuple[str, bytes]] | None] = queue.Queue(
            maxsize=max(1, workers * queue_batches)
        )
        self._error: SinkWriteError | None = None
        self._raised = False  # the error already reached the caller once
        self._closed = False
        # One slot per writer thread, summed at close: write() calls and mmap copies.
        self._write_calls = [0] * workers
        self._mmap_writes = [0] * workers
        self._threads = [
            threading.Thread(target=self._work, args=(i,), name=f"sink-writer-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()
        self._stats.seconds += time.perf_counter() - start

    def __enter__(self) -> BatchSink:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        try:
            self.close()
        except SinkWriteError:
            if exc_type is None:
                raise  # else the exception already on its way out says more

    # The caller's side.

    def write(self, relpath: str, data: bytes) -> None:
        start = time.perf_counter()
        rel, new_folder = self._admit(relpath)
        data = bytes(data)  # the caller may reuse a bytearray or memoryview
        stats = self._stats
        stats.files += 1
        stats.bytes += len(data)
        if not new_folder and _holds(os.path.join(self._base, rel), data):
            stats.skipped_identical += 1
            stats.bytes_skipped += len(data)
        else:
            self._batch.append((rel, data))
            self._batch_size += len(data)
            if len(self._batch) >= self._batch_files or self._batch_size >= self._batch_bytes:
                self._flush()
        stats.seconds += time.perf_counter() - start

    def copy_file(self, relpath: str, source: int) -> None:
        """Write the open file ``source``'s bytes at ``relpath`` here, without holding them
        (a large media file): after what is queued for that path, if anything is."""
        start = time.perf_counter()
        if self._error is not None:
            self._raise()
        if self._closed:
            raise SinkWriteError(relpath, "the sink is closed")
        rel = check_relpath(relpath)
        folder, name = posixpath.split(rel)
        if folder:
            self._folders.ensure(folder)
        if rel in self._seen:
            self._flush()
            self._queue.join()
        self._seen.add(rel)
        final = os.path.join(self._base, rel)
        path = (
            final if self.staging is not None else os.path.join(self._base, folder, temp_name(name))
        )
        try:
            copied = copy_into(source, path)
            if path != final:
                os.replace(path, final)
        except SourceReadError:
            remove_quietly(path)
            raise
        except OSError as exc:
            remove_quietly(path)
            raise SinkWriteError(rel, f"cannot write: {exc.strerror or exc}") from exc
        self._stats.files += 1
        self._stats.bytes += copied
        self._stats.seconds += time.perf_counter() - start

    def _admit(self, relpath: str) -> tuple[str, bool]:
        """(the checked path, whether this sink just made its folder) of a file to write,
        once the sink is known to be open, and once an earlier write of the same path has
        landed (the last bytes given win)."""
        if self._error is not None:
            self._raise()
        if self._closed:
            raise SinkWriteError(relpath, "the sink is closed")
        rel = check_relpath(relpath)
        folder = posixpath.dirname(rel)
        new_folder = self._folders.ensure(folder) if folder else self.staging is not None
        if rel in self._seen:
            self._flush()
            self._queue.join()
        self._seen.add(rel)
        return rel, new_folder

    def close(self) -> SinkStats:
        """Write everything still queued, put it in place, and return the statistics."""
        if not self._closed:
            start = time.perf_counter()
            self._closed = True
            self._flush()
            for _ in self._threads:
                self._queue.put(_STOP)
            for thread in self._threads:
                thread.join()
            self._stats.wait_seconds += time.perf_counter() - start
            if self.staging is not None:
                self._publish()  # complete files only, even after an error
            stats = self._stats
            stats.write_calls = sum(self._write_calls)
            stats.mmap_writes = sum(self._mmap_writes)
            stats.dirs_created = self._folders.created
            stats.seconds += time.perf_counter() - start
        if self._error is not None and not self._raised:
            self._raise()
        return self._stats

    def _flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch, self._batch_size = self._batch, [], 0
        self._stats.batches += 1
        start = time.perf_counter()
        self._queue.put(batch)  # blocks while the writers are behind: back-pressure
        self._stats.wait_seconds += time.perf_counter() - start

    def _raise(self) -> None:
        self._raised = True
        assert self._error is not None
        raise self._error

    def _publish(self) -> None:
        """Rename the staging folder's top-level entries into the output folder."""
        assert self.staging is not None and self._staging_lock is not None
        try:
            for name in sorted(os.listdir(self.staging)):
                os.rename(os.path.join(self.staging, name), os.path.join(self.root, name))
            os.rmdir(self.staging)
        except OSError as exc:
            if self._error is None:
                where = os.path.relpath(exc.filename or self.staging, self.staging)
                self._error = SinkWriteError(where, f"cannot move into place: {exc.strerror}")
        finally:
            os.close(self._staging_lock)

    # The writer threads' side.

    def _work(self, slot: int) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is _STOP:
                    return
                if self._error is None:
                    self._write_batch(batch, slot)
            except BaseException as exc:  # noqa: BLE001 - must reach the caller's thread
                if self._error is None:
                    self._error = SinkWriteError("?", f"writer thread failed: {exc!r}")
            finally:
                self._queue.task_done()

    def _paths(self, rel: str) -> tuple[str, str]:
        """(where ``rel`` is written, where it ends up): the same path while staging (not
        visible until close() publishes it), else a temporary name beside it."""
        final = os.path.join(self._base, rel)
        if self.staging is not None:
            return final, final
        folder, name = posixpath.split(final)
        return os.path.join(folder, temp_name(name)), final

    def _write_batch(self, batch: list[tuple[str, bytes]], slot: int) -> None:
        for rel, data in batch:
            if self._error is not None:
                return  # stop at a file boundary: every file written so far is complete
            path, final = self._paths(rel)
            try:
                if len(data) >= self._mmap_min:
                    write_mmap(path, data)
                    self._mmap_writes[slot] += 1
                else:
                    self._write_calls[slot] += _write_file(path, data)
                if path != final:
                    os.replace(path, final)
            except OSError as exc:
                remove_quietly(path)
                if self._error is None:
                    self._error = SinkWriteError(rel, f"cannot write: {exc.strerror or exc}")
                return


def _write_file(path: str, data: bytes) -> int:
    """Write ``data`` to a new file at ``path``; returns the write() calls it took."""
    fd = create_new(path)
    try:
        calls = 1
        done = os.write(fd, data)
        if done < len(data):
            view = memoryview(data)
            while done < len(data):
                done += os.write(fd, view[done:])
                calls += 1
        return calls
    finally:
        os.close(fd)


def write_mmap(path: str, data: bytes) -> None:
    """Copy ``data`` into a new file through a shared mapping (no write() calls).

    The blocks are reserved first: a full disk then fails here with ENOSPC, where a
    store into the mapping would kill the process with SIGBUS.
    """
    fd = create_new(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, len(data))
        with mmap.mmap(fd, len(data)) as mapped:
            mapped[:] = data
    finally:
        os.close(fd)


def _holds(path: str, data: bytes) -> bool:
    """Whether the file at ``path`` already holds exactly ``data``.

    Reading one byte more than ``data`` settles size and contents in one read, cheaper
    than a size check first (an fstat cost a fifth of the check); only a file too large
    to read whole is checked for its size first and then compared in chunks.
    """
    try:
        fd = os.open(path, _READ)
    except OSError:
        return False
    try:
        if len(data) <= COMPARE_CHUNK:
            return os.read(fd, len(data) + 1) == data
        if os.fstat(fd).st_size != len(data):
            return False
        offset = 0
        while chunk := os.read(fd, COMPARE_CHUNK):
            # startswith at an offset compares in place, without slicing data.
            if not data.startswith(chunk, offset):
                return False
            offset += len(chunk)
        return offset == len(data)
    except OSError:
        return False
    finally:
        os.close(fd)
