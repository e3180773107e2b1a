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
  bytes (size, then contents): then nothing is written at all.

A killed build leaves at most hidden ``.*.tmp`` files or a ``.sink-staging-*`` folder.
"""

from __future__ import annotations

import mmap
import os
import posixpath
import queue
import tempfile
import threading
import time
from dataclasses import dataclass

from pipeline.errors import SinkWriteError
from pipeline.sink import Folders, SinkStats, check_relpath, make_root, remove_quietly

WORKERS = 3
BATCH_FILES = 64
BATCH_BYTES = 1 << 20
QUEUE_BATCHES = 2  # per worker: batches waiting beyond the ones being written
# Files at least this large are copied into the page cache through mmap: 1.8x faster than
# one write() at 64 MiB here, 2-3x slower from 256 KiB to 16 MiB (docs/profiling-report.md).
MMAP_MIN = 32 << 20
COMPARE_CHUNK = 8 << 20
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
_STOP = None


@dataclass(slots=True)
class _Counts:
    """One writer thread's share of the statistics, merged at close."""

    write_calls: int = 0
    skipped_identical: int = 0
    bytes_skipped: int = 0
    mmap_writes: int = 0


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
        if staging is None:
            with os.scandir(self.root) as entries:
                staging = next(entries, None) is None
        self.staging: str | None = None
        if staging:
            try:
                self.staging = tempfile.mkdtemp(prefix=".sink-staging-", dir=self.root)
            except OSError as exc:
                raise SinkWriteError(self.root, f"cannot create staging folder: {exc}") from exc
        # In staging mode no target can exist yet, so nothing is compared or renamed.
        self._base = self.staging or self.root
        self._folders = Folders(self._base)
        self._batch_files = batch_files
        self._batch_bytes = batch_bytes
        self._mmap_min = mmap_min
        self._stats = SinkStats()
        self._batch: list[tuple[str, bytes, bool]] = []  # (relpath, data, may exist)
        self._batch_size = 0
        self._seen: set[str] = set()
        self._queue: queue.Queue[list[tuple[str, bytes, bool]] | None] = queue.Queue(
            maxsize=max(1, workers * queue_batches)
        )
        self._error: SinkWriteError | None = None
        self._raised = False  # the error already reached the caller once
        self._closed = False
        self._counts = [_Counts() for _ in range(workers)]
        self._threads = [
            threading.Thread(target=self._work, args=(c,), name=f"sink-writer-{i}", daemon=True)
            for i, c in enumerate(self._counts)
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
        if self._error is not None:
            self._raise()
        if self._closed:
            raise SinkWriteError(relpath, "the sink is closed")
        rel = check_relpath(relpath)
        folder = posixpath.dirname(rel)
        new_folder = self._folders.ensure(folder) if folder else self.staging is not None
        if rel in self._seen:
            # Written before: let that write land first, so the last bytes given win.
            self._flush()
            self._queue.join()
        self._seen.add(rel)
        data = bytes(data)  # the caller may reuse a bytearray or memoryview
        self._batch.append((rel, data, not new_folder))
        self._batch_size += len(data)
        stats = self._stats
        stats.files += 1
        stats.bytes += len(data)
        if len(self._batch) >= self._batch_files or self._batch_size >= self._batch_bytes:
            self._flush()
        stats.seconds += time.perf_counter() - start

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
            for c in self._counts:
                stats.write_calls += c.write_calls
                stats.skipped_identical += c.skipped_identical
                stats.bytes_skipped += c.bytes_skipped
                stats.mmap_writes += c.mmap_writes
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
        assert self.staging is not None
        try:
            for name in sorted(os.listdir(self.staging)):
                os.rename(os.path.join(self.staging, name), os.path.join(self.root, name))
            os.rmdir(self.staging)
        except OSError as exc:
            if self._error is None:
                where = os.path.relpath(exc.filename or self.staging, self.staging)
                self._error = SinkWriteError(where, f"cannot move into place: {exc.strerror}")

    # The writer threads' side.

    def _work(self, counts: _Counts) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is _STOP:
                    return
                if self._error is None:
                    self._write_batch(batch, counts)
            except BaseException as exc:  # noqa: BLE001 - must reach the caller's thread
                if self._error is None:
                    self._error = SinkWriteError("?", f"writer thread failed: {exc!r}")
            finally:
                self._queue.task_done()

    def _write_batch(self, batch: list[tuple[str, bytes, bool]], counts: _Counts) -> None:
        base = self._base
        staged = self.staging is not None
        for rel, data, may_exist in batch:
            if self._error is not None:
                return  # stop at a file boundary: every file written so far is complete
            final = os.path.join(base, rel)
            if may_exist and _holds(final, data):
                counts.skipped_identical += 1
                counts.bytes_skipped += len(data)
                continue
            if staged:
                path = final  # not visible at the final path until close() publishes it
            else:
                folder, name = posixpath.split(final)
                path = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
            try:
                if len(data) >= self._mmap_min:
                    _write_mmap(path, data)
                    counts.mmap_writes += 1
                else:
                    counts.write_calls += _write_plain(path, data)
                if not staged:
                    os.replace(path, final)
            except OSError as exc:
                remove_quietly(path)
                if self._error is None:
                    self._error = SinkWriteError(rel, f"cannot write: {exc.strerror or exc}")
                return


def _write_plain(path: str, data: bytes) -> int:
    """Write ``data`` to a new file at ``path``; returns the write() calls it took."""
    fd = os.open(path, _CREATE, 0o666)
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


def _write_mmap(path: str, data: bytes) -> None:
    """Copy ``data`` into a new file through a shared mapping (no write() calls).

    The blocks are reserved first: a full disk then fails here with ENOSPC, where a
    store into the mapping would kill the process with SIGBUS.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        os.posix_fallocate(fd, 0, len(data))
        with mmap.mmap(fd, len(data)) as mapped:
            mapped[:] = data
    finally:
        os.close(fd)


def _holds(path: str, data: bytes) -> bool:
    """Whether the file at ``path`` already holds exactly ``data`` (size first)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_size != len(data):
            return False
        if len(data) <= COMPARE_CHUNK:
            return os.read(fd, len(data) + 1) == data
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
