"""The render stage's worker processes, watched so that one page cannot stop the build.

A plain multiprocessing.Pool waits forever for a task whose worker is stuck in code no
signal reaches, or has died (a crash, the out-of-memory killer). Here each worker notes
in a table shared with the parent which item it is working on and since when. The
parent, waiting for results in order, reads that table: an item whose worker died, or
which has run past the limit without the worker's own alarm stopping it, fails alone
(``lost(item, reason)`` stands in for its result); the pool is replaced by a fresh one
and the remaining items go on, results still in the order of the items.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pipeline.errors import describe

T = TypeVar("T")
R = TypeVar("R")

SLOTS_PER_JOB = 4  # table rows: a worker that replaces a dead one takes a fresh row
_ROW = 3  # per row: worker pid, index of the item it works on (-1: none), monotonic start
_POLL = 1.0  # seconds between looks at the table while waiting (a dead worker is seen)
DIED = "its rendering process died while rendering it (crashed or killed)"


class _Lost(Exception):
    """Items the current pool will never finish: failed ones, and ones to send alone."""

    def __init__(self, failed: dict[int, str], alone: Sequence[int] = ()) -> None:
        super().__init__(failed, alone)
        self.failed = failed
        self.alone = alone


class WatchedPool:
    """``jobs`` processes; an item running ``patience`` seconds (None: no limit) is lost,
    with the reason ``stuck``."""

    def __init__(
        self,
        jobs: int,
        patience: float | None,
        initializer: Callable[..., None],
        initargs: tuple[Any, ...] = (),
        stuck: str = "took too long and its process did not respond; it was killed",
    ) -> None:
        self.jobs = jobs
        self.patience = patience
        self.stuck = stuck
        self._initializer, self._initargs = initializer, initargs
        self._pool: Any = None
        self._table: Any = None

    def start(self) -> None:
        if self._pool is not None:
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._table = context.RawArray("d", _ROW * SLOTS_PER_JOB * self.jobs)
        lock = context.Lock()
        initargs = (self._table, lock, self._initializer, self._initargs)
        self._pool = context.Pool(self.jobs, initializer=_init_worker, initargs=initargs)

    def map(
        self,
        func: Callable[[T], R],
        items: Sequence[T],
        chunk_size: int,
        lost: Callable[[T, str], R],
        then: Callable[[T, R], R] | None = None,
    ) -> Iterator[R]:
        """``func(item)`` for every item in worker processes, in the order of ``items``;
        and ``then(item, result)`` for its result, once ``func`` has run for every item of
        its chunk (work unlike ``func``'s runs faster in a pass of its own: its code and
        data stay in the caches, and so do ``func``'s).

        ``func`` and ``then`` must be module-level functions and must not raise.
        """
        failed: dict[int, R] = {}  # stand-in results, by index
        alone: set[int] = set()  # items whose whole chunk failed: sent one per chunk
        done = 0  # results yielded so far
        while done < len(items):
            chunks = _chunks(range(done, len(items)), chunk_size, failed, alone)
            results = None
            if chunks:
                self.start()
                work = [[(i, items[i]) for i in chunk] for chunk in chunks]
                results = self._pool.imap(functools.partial(_run_chunk, func, then), work)
            try:
                for chunk in chunks:
                    for i, result in zip(chunk, self._next(results, chunk), strict=True):
                        while done < i:  # the items in between failed in this process
                            yield failed.pop(done)
                            done += 1
                        yield result
                        done += 1
                while done < len(items):
                    yield failed.pop(done)
                    done += 1
            except _Lost as gone:
                for i, reason in gone.failed.items():
                    failed[i] = lost(items[i], reason)
                alone.update(gone.alone)
                self.terminate()  # a fresh pool goes on from the first result not yielded

    def _next(self, results: Any, chunk: list[int]) -> list[Any]:
        """The next chunk's results; raises _Lost when they will never come."""
        while True:
            try:
                return results.next(timeout=self._poll())
            except multiprocessing.TimeoutError:
                failed = self._overdue()
                if failed:
                    raise _Lost(failed) from None
            except Exception as exc:  # the chunk failed as a whole, e.g. sending its results
                if len(chunk) == 1:
                    raise _Lost({chunk[0]: describe(exc, "the rendered page")}) from None
                raise _Lost({}, chunk) from None

    def _busy(self) -> Iterator[tuple[int, int, float]]:
        """(pid, item index, start) of each worker that is working on an item."""
        table = self._table
        for row in range(0, len(table), _ROW):
            pid, started = int(table[row]), table[row + 2]
            index = int(table[row + 1])
            if pid and started and index >= 0 and table[row + 2] == started:
                yield pid, index, started

    def _poll(self) -> float:
        if self.patience is None:
            return _POLL
        now = time.monotonic()
        due = min((started + self.patience for _, _, started in self._busy()), default=now + _POLL)
        return min(max(due - now, 0.01), _POLL)

    def _overdue(self) -> dict[int, str]:
        failed, now = {}, time.monotonic()
        for pid, index, started in self._busy():
            if not _alive(pid):
                failed[index] = DIED
            elif self.patience is not None and now - started > self.patience:
                os.kill(pid, signal.SIGKILL)  # stuck where even SIGTERM may not reach
                failed[index] = self.stuck
        return failed

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def terminate(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _chunks(indices: range, size: int, failed: dict[int, Any], alone: set[int]) -> list[list[int]]:
    chunks: list[list[int]] = []
    current: list[int] = []
    for i in indices:
        if i in failed:
            continue
        if i in alone:
            if current:
                chunks.append(current)
                current = []
            chunks.append([i])
            continue
        current.append(i)
        if len(current) == size:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


class _Worker:
    table: Any = None  # the shared table
    row: int | None = None  # this worker's row in it, if it got one


def _init_worker(
    table: Any, lock: Any, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> None:
    with lock:
        for row in range(0, len(table), _ROW):
            if table[row] == 0:
                table[row], table[row + 1], table[row + 2] = os.getpid(), -1, 0
                _Worker.table, _Worker.row = table, row
                break
    initializer(*initargs)


def _run_chunk(
    func: Callable[..., Any], then: Callable[..., Any] | None, chunk: list[tuple[int, Any]]
) -> list[Any]:
    results = [_watched(index, func, item) for index, item in chunk]
    if then is not None:
        results = [
            _watched(index, then, item, result)
            for (index, item), result in zip(chunk, results, strict=True)
        ]
    if _Worker.row is not None:
        _Worker.table[_Worker.row + 1] = -1
    return results


def _watched(index: int, func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)``, noted in the table as work on item ``index`` from now."""
    table, row = _Worker.table, _Worker.row
    if row is not None:
        table[row + 2] = 0  # the parent ignores a row while it changes
        table[row + 1] = index
        table[row + 2] = time.monotonic()
    return func(*args)
