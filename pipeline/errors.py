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


class SourceReadError(OSError):
    """A content file could not be read while the sink copied it (a large media file, from
    its descriptor): a problem of that file, which the build reports, not of the site's
    writing. The sinks let it through as it is."""


class OutsideContentError(PipelineError):
    """A content file that really lives where the build must not read: a link out of the
    content folder, or into a folder of it that is never published (``.git``, ``_x``)."""

    def __init__(self, path: str, target: str, where: str) -> None:
        super().__init__(path, f"{path} is a link to {target}, {where}")
        self.target = target


def describe(exc: BaseException, subject: str) -> str:
    """One line, no traceback, for an unexpected failure while processing ``subject``
    (e.g. "Markdown", "front matter") of one input."""
    if isinstance(exc, RecursionError):
        return f"{subject} nested too deeply (more than Python's recursion limit allows)"
    if isinstance(exc, MemoryError):
        return f"{subject} too large to process (out of memory)"
    text = " ".join(str(exc).split())  # one line, whatever the message holds
    if len(text) > 200:
        text = text[:200] + "…"
    kind = type(exc).__name__
    return f"{subject}: unexpected {kind}: {text}" if text else f"{subject}: unexpected {kind}"
