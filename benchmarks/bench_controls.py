"""Controls: benchmarks that measure the machine, not the code.

A control imports nothing from ``pipeline``, so between two commits it can move only when
the machine did (another host, a busy neighbour, a throttled CPU). ``perftools.controls``
lists the controls (this module and ``bench_sink.SinkFloor``); a pair of commits in which a
control moved is reported as "the machine changed" and its timing steps are not counted.
"""

# Iterations of the loop per sample. Never change it: it would cut the control's history.
LOOP_ITERATIONS = 200_000


def cpu_loop(iterations: int = LOOP_ITERATIONS) -> int:
    """A fixed pure-Python integer loop (no allocation beyond small ints, no I/O, no numpy).

    ``perftools.hostid`` times the same function as the host's calibration figure.
    """
    total = 0
    for i in range(iterations):
        total = (total + i * i) % 1_000_003
    return total


class CpuLoop:
    """The fixed CPU loop: the interpreter's and the CPU's speed, whatever the commit."""

    version = 1
    timeout = 60
    # About 10 ms a call; many short samples, so a paired session has enough of them.
    number = 1
    repeat = (10, 20, 2.0)
    warmup_time = 0.1

    def time_cpu_loop(self):
        """Wall time of 200,000 iterations of a pure-Python loop: moves only with the machine."""
        cpu_loop()
