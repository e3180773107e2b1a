"""A time limit on one piece of work, enforced by SIGALRM in the process doing it.

The alarm interrupts Python code (and C code that checks for signals, such as the
regular expression engine) by raising ``TimeLimitExceeded`` where it is, so one page
that takes too long fails alone and the process goes on with the next. Code that never
returns to the interpreter cannot be interrupted this way: the render stage's parent
watches its workers for that (``pipeline.workers``).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class TimeLimitExceeded(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than {seconds:g} s")
        self.seconds = seconds


def available() -> bool:
    """True when ``time_limit`` can enforce a limit here (main thread, POSIX signals)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


_armed: list[float] = []  # the limits in force in this process, innermost last


def _on_alarm(signum: int, frame: object) -> None:
    if _armed:  # a late alarm, after the limited work finished, is ignored
        raise TimeLimitExceeded(_armed[-1])


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TimeLimitExceeded in the body once ``seconds`` of wall time have passed.

    None, or a thread other than the main one (where no signal handler can be set),
    means no limit. Limits nest. A timer set by other code is restored afterwards, less
    the time spent here, and so is its handler; without one, this module's handler stays
    installed (it ignores an alarm outside a limit), since setting a handler costs more
    than the rest of this together.
    """
    if seconds is None or not available():
        yield
        return
    previous = signal.getsignal(signal.SIGALRM)
    if previous is not _on_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    started = time.monotonic()
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    if 0 < outer < seconds:  # an enclosing limit ends first: keep it
        signal.setitimer(signal.ITIMER_REAL, outer, interval)
    _armed.append(seconds)
    try:
        yield
    finally:
        _armed.pop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        if callable(previous) and previous is not _on_alarm:
            signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), interval)
