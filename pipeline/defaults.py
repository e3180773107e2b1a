"""What the CLI's options accept and default to, apart from the modules behind them.

The CLI reads these before it knows whether a build has anything to do
(pipeline/stamp.py): importing the render stage, the card code or the sinks only to
learn them would be most of what a rebuild with nothing to do costs.
"""

from __future__ import annotations

import os

# Seconds one page may take to render: far beyond any real page (the slowest page of
# the synthetic corpus takes milliseconds), short enough that a hostile one is noticed.
PAGE_TIMEOUT = 60.0
# Bytes a page file may have. Python-Markdown takes about 17 s and 650 MB for 20 MB of
# ordinary text here, so a page far past this limit could not render in the time a page
# has, and files are read whole: a 1 GB file cost the build's process 1 GB before it was
# turned down. Real pages are far smaller (the largest of 624 from this machine's
# documentation: 956 KB).
MAX_PAGE_BYTES = 64 << 20
CARD_MODES = ("off", "standard", "high")  # --cards: none, or a key of cards.style.SIZES
SINKS = ("batch", "direct")  # --sink: the keys of sink.SINKS; direct stays as the baseline
DEFAULT_SINK = "batch"  # the fastest correct sink (docs/profiling-report.md, "Sink")


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
