"""A memory limit on one piece of work done in this process: what a template from the
content may allocate while it renders.

Jinja2's sandbox keeps a template from Python's internals, not from memory: ``|center``,
``str.ljust``, ``"%*d"`` with a huge width, or a string doubled in a loop through a
``namespace`` or a recursive macro make gigabytes from a few bytes of template, and the
machine, not the page, goes down. Checking each such operation is a list that is never
complete. Instead the process's address space is capped (``RLIMIT_AS``) at what it holds
now plus ``headroom`` while the work runs: an allocation past that raises MemoryError
there, which fails that page alone, and the limit is put back afterwards. Where the
limit cannot be read or set (not Linux), the work runs without one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import resource
except ImportError:  # not POSIX
    resource = None  # type: ignore[assignment]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _address_space() -> int | None:
    """Bytes of address space this process maps now (None where /proc cannot tell)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def memory_cap(headroom: int) -> Iterator[None]:
    """Allocations past the address space mapped now plus ``headroom`` bytes raise
    MemoryError in the body. A lower limit already set stays as it is."""
    size = _address_space() if resource is not None else None
    if size is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + headroom
    if (soft != resource.RLIM_INFINITY and soft <= cap) or (
        hard != resource.RLIM_INFINITY and hard < cap
    ):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
