"""WatchedPool's second pass (``then``): after its chunk's first pass, watched as it is."""

import os
import time

from pipeline.workers import WatchedPool

_calls: list[tuple[str, int]] = []  # per worker process: the steps it ran, in order


def _init() -> None:
    _calls.clear()


def _first(item: int) -> int:
    _calls.append(("first", item))
    return item * 10


def _then(item: int, result: int) -> tuple[int, int, list[tuple[str, int]]]:
    _calls.append(("then", item))
    return result, os.getpid(), list(_calls)


def _then_stuck_on_5(item: int, result: int) -> int:
    if item == 5:
        time.sleep(60)  # no alarm in this process: only the parent can end it
    return result + 1


def _lost(item: int, reason: str) -> str:
    return f"lost {item}: {reason}"


def test_then_runs_after_the_first_pass_of_its_whole_chunk_and_results_keep_their_order():
    pool = WatchedPool(2, None, _init)
    try:
        results = list(pool.map(_first, range(12), 4, _lost, _then))
    finally:
        pool.close()
    assert [r[0] for r in results] == [i * 10 for i in range(12)]
    for start in range(0, 12, 4):
        chunk = range(start, start + 4)
        for item in chunk:
            _, _, calls = results[item]
            assert calls[-1] == ("then", item)
            # Every item of the chunk went through the first pass before this one's then.
            assert {("first", i) for i in chunk} <= set(calls)
            assert calls.index(("first", chunk[-1])) < calls.index(("then", chunk[0]))


def test_a_then_that_never_returns_fails_its_item_alone():
    pool = WatchedPool(2, 0.5, _init, stuck="stuck")
    started = time.monotonic()
    try:
        results = list(pool.map(_first, range(8), 4, _lost, _then_stuck_on_5))
    finally:
        pool.terminate()
    assert time.monotonic() - started < 30
    assert results == [i * 10 + 1 for i in range(5)] + ["lost 5: stuck"] + [61, 71]
