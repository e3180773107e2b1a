"""The profiler of ``python -m perftools profile``: flame graphs, stage shares, hot
functions and scaling of one build.

- ``cli``: the command: arguments, and the order things are measured in.
- ``worker``: one build in a fresh interpreter, its figures as JSON.
- ``profilers``: py-spy (found, probed, run) and the cProfile fallback.
- ``stacks``: cProfile's call graph collapsed into approximate stacks.
- ``flamegraph_svg`` and ``speedscope``: those stacks drawn, or written for speedscope.app.
- ``breakdown``: the stage breakdown table's rows, from the builds' own BuildReports.
- ``report``: the Markdown tables and the summary.
"""
