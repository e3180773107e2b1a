"""pipeline: build a folder of Markdown pages into a static HTML site.

The names below load on first use (PEP 562): ``python -m pipeline`` imports this
package first, and a rebuild with nothing to do (pipeline/stamp.py) must not pay for
the runner, the report and the sinks it never uses.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a tenth of start-up)

if TYPE_CHECKING:
    from pipeline.errors import PipelineError
    from pipeline.report import BuildReport
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink, OutputSink, SinkStats

# Each public name, by the module that defines it.
_LAZY = {
    "BuildReport": "pipeline.report",
    "DirectSink": "pipeline.sink",
    "OutputSink": "pipeline.sink",
    "PipelineError": "pipeline.errors",
    "PipelineRunner": "pipeline.runner",
    "SinkStats": "pipeline.sink",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BuildReport",
    "DirectSink",
    "OutputSink",
    "PipelineError",
    "PipelineRunner",
    "SinkStats",
    "__version__",
]
