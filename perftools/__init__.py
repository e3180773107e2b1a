"""perftools: the tools around the benchmark suite, as one package.

Run ``python -m perftools --help`` from the repository root for the commands; the
Makefile's targets call them. Each command is one module (``perftools/<command>.py``,
the profiler a package of its own, ``perftools/profiling/``) with ``add_arguments`` and
``run``; helpers they share live in ``perftools/common.py``.

Not part of the asv suite: asv imports everything under ``benchmarks/`` at every commit
it measures, and these tools measure the working tree only.
"""
