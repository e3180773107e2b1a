"""The controls: benchmarks that measure the machine, never the code under measurement.

They import nothing from ``pipeline`` (``benchmarks/bench_controls.py``, and the bare write
loop ``bench_sink.SinkFloor``), so when one of them moves between two commits measured side
by side, the machine changed, not the code: that pair's timing steps are not regressions.
"""

from __future__ import annotations

# Control (asv name prefix) -> the benchmark families whose timing steps it vouches for
# (perftools/stats.py; None: all). The CPU loop moves with the CPU and the load on it, which
# every timing feels; the bare write loop moves with the disk and the kernel's file
# creation, which only the families that create files feel: when only it moved, a
# Markdown page's step still stands.
GUARDS: dict[str, tuple[str, ...] | None] = {
    "bench_controls.": None,
    "bench_sink.SinkFloor.": ("sink", "build", "cli", "control"),
}
CONTROL_PREFIXES = tuple(GUARDS)


def is_control(benchmark: str) -> bool:
    """True when ``benchmark`` (asv's full name) is a control."""
    return benchmark.startswith(CONTROL_PREFIXES)


def guards(control: str, family: str) -> bool:
    """True when a move of ``control`` makes a step of ``family`` the machine's."""
    for prefix, families in GUARDS.items():
        if control.startswith(prefix):
            return families is None or family in families
    return False
