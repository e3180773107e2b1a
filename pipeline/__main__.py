import gc
import os
import sys

# Most of what a build's process makes lives until it exits: its imports' modules,
# functions and classes, its manifest. With the default thresholds a one-page edit of
# 1000 pages made six generation-1 collections, each walking all of that again (8-9 ms of
# its 0.3 s); one per 100 young-generation collections instead of 10 leaves it none, and
# a long build still collects its reference cycles.
gc.set_threshold(700, 100, 10)

from pipeline import server  # noqa: E402


def _exit(code: int) -> None:
    """Exit without the interpreter's teardown, which frees every object the build made
    (its manifest, pages, templates, Markdown): 30 ms of a 0.3 s one-page rebuild of
    1000 pages. By now every file the build wrote is closed and its workers joined; only
    the standard streams are left to flush. A stream that cannot be flushed (a reader that
    stopped early) exits 120, whatever the build's code, as Python does: so the code does
    not depend on whether the summary was still in the buffer (PYTHONUNBUFFERED)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    os._exit(code)


# A build server, when one runs (python -m pipeline server start), takes the build; else
# this process does it.
try:
    code = server.delegate(sys.argv[1:])
    if code is None:
        from pipeline.cli import main

        code = main()
except BrokenPipeError:  # a reader that stopped early (``| head -1``): no traceback
    code = 120
_exit(code)
