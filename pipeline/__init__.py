"""pipeline: build a folder of Markdown pages into a static HTML site."""

__version__ = "0.1.0"

from pipeline.errors import PipelineError  # noqa: E402
from pipeline.report import BuildReport  # noqa: E402
from pipeline.runner import PipelineRunner  # noqa: E402
from pipeline.sink import DirectSink, OutputSink, SinkStats  # noqa: E402

__all__ = [
    "BuildReport",
    "DirectSink",
    "OutputSink",
    "PipelineError",
    "PipelineRunner",
    "SinkStats",
    "__version__",
]
