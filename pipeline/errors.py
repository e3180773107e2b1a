"""The one exception family: every error names the input it is about."""

from __future__ import annotations


class PipelineError(Exception):
    """A problem with one input or output, named by its path (and line, where known)."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(path, message, line)
        self.path = path
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class UnsafePathError(PipelineError):
    """An output path that would land outside the output root."""


class SinkWriteError(PipelineError):
    """The sink could not write a file; the build stops here."""
