"""The build stamp: a rebuild with nothing to do stops after a look at the folders.

A build that ends with no page failed and no warning leaves a stamp in its cache folder
(``write``). It holds the signature of everything the build read, as the build found it
when it started (every file and folder of the content folder and of the installed
``pipeline`` package: type, size, modification and change times, inode; the library
versions and settings that the site key holds), the site folder as the build left it
(each folder's modification time, each file's size; social cards only by their folder,
as the build cache checks them), and the counts its summary gave. A later build whose
inputs and site match the stamp has nothing to do (``unchanged``). The CLI asks before
it imports the rest of the pipeline, so that such a rebuild costs little more than
starting Python; every build that may write removes the stamp first (``discard``), so
a build killed half way leaves none.

No stamp is written or trusted for a content folder with a symbolic link in it (its
target may change while the link does not), nor with ``--verify`` or ``--clean``.
Only os, stat and json here: the CLI imports this module before anything else.
"""

from __future__ import annotations

import gc
import json
import os
import stat
from collections.abc import Sequence

from pipeline import __version__
from pipeline.extensions import EXTENSIONS
from pipeline.versions import installed_version

STAMP = "stamp"
_HEADER = b"pipeline build stamp 1\n"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_CARDS = "assets/cards"  # site folder of the social cards: checked by its folders alone


def signature(
    content: str, title: str | None, base_url: str, cards: str, sidecars: bool, search: bool
) -> bytes | None:
    """The signature of a build's inputs; None when no stamp may stand for them (a link in
    the content folder) or they cannot be looked at (the full build then says why)."""
    try:
        return inputs(content, settings(content, title, base_url, cards, sidecars, search))
    except OSError:
        return None


def settings(
    content: str, title: str | None, base_url: str, cards: str, sidecars: bool, search: bool
) -> list[str]:
    """What else a build's output depends on: the site key's parts (title and base URL as
    the runner completes them) and the library versions, without importing the libraries."""
    parts = [
        f"pipeline={__version__}",
        f"markdown={installed_version('markdown')}",
        f"jinja2={installed_version('jinja2')}",
        "extensions=" + ",".join(EXTENSIONS),
        f"title={title or os.path.basename(os.path.realpath(content)) or 'Site'}",
        f"base_url={base_url if base_url.endswith('/') else base_url + '/'}",
        f"cards={cards}",
        f"sidecars={sidecars}",
        f"search={search}",
    ]
    if cards != "off":
        parts.append(f"pillow={installed_version('PIL', 'pillow')}")
    return parts


def inputs(content: str, settings: Sequence[str]) -> bytes | None:
    """The content folder, the package and ``settings``; None if the content holds a link."""
    lines = ["\0".join(settings)]
    for label, root in (("content", content), ("package", _PACKAGE)):
        lines.append(label)
        if not _walk(root, lines, _input_line):
            return None
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def site(out: str, cache_dir: str) -> bytes:
    """The signature of what a build leaves: what it checks of its outputs and more, and
    the cache folder's files (a manifest or search fragments changed since are the
    build's to read, or to find damaged)."""
    lines: list[str] = []
    _walk(out, lines, _site_line)
    lines.append("cache")
    try:
        with os.scandir(cache_dir) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        entries, lines[-1] = [], f"cache\0unreadable\0{exc.errno}"
    for entry in entries:
        if entry.name != STAMP and not entry.name.startswith("."):  # not this, nor temporary
            st = entry.stat(follow_symlinks=False)
            lines.append(f"{entry.name}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}")
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def _input_line(rel: str, st: os.stat_result) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return None
    return f"{rel}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"


def _site_line(rel: str, st: os.stat_result) -> str:
    if stat.S_ISDIR(st.st_mode):  # its modification time: a file added, removed, renamed
        return f"{rel}/\0{st.st_mtime_ns}"
    if rel.startswith(_CARDS):  # kept by name, and its folder says the names are there
        return ""
    return f"{rel}\0{st.st_mode}\0{st.st_size}"


def _walk(root: str, lines: list[str], line_of) -> bool:  # type: ignore[no-untyped-def]
    """Append ``line_of(relpath, lstat)`` for ``root`` and everything under it, in name
    order, hidden folders and ``__pycache__`` left out; False if a line is None.

    The garbage collector is off meanwhile: thousands of entries, no cycle among them,
    and its passes were a tenth of a whole no-change rebuild's instructions.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _walk_all(root, lines, line_of)
    finally:
        if enabled:
            gc.enable()


def _walk_all(root: str, lines: list[str], line_of) -> bool:  # type: ignore[no-untyped-def]
    todo = [(root, "")]
    while todo:
        folder, rel = todo.pop()
        try:
            line = line_of(rel, os.stat(folder))  # a root may be a link; the rest are not
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            lines.append(f"{rel}\0unreadable\0{exc.errno}")
            continue
        if line is None:
            return False
        lines.append(line)
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith(".") and entry.name != "__pycache__":
                    todo.append((entry.path, path))
                continue
            line = line_of(path, entry.stat(follow_symlinks=False))
            if line is None:
                return False
            if line:
                lines.append(line)
    return True


class Summary:
    """What the build that wrote a stamp did, as a rebuild with nothing to do reports it:
    the fields of a BuildReport that the CLI's summary reads (pipeline/report.py)."""

    __slots__ = ("pages_built", "drafts", "media_files", "files_unchanged", "cards_kept",
                 "sources", "source_bytes", "problems", "jobs", "elapsed", "cpu")  # fmt: skip
    files_written = bytes_written = pages_rendered = cards_drawn = cards_failed = 0
    ok, fatal, warnings, pages_failed = True, None, (), ()

    def __init__(self, counts: dict[str, int], problems: list[list[str]], jobs: int) -> None:
        self.pages_built = counts["pages"]
        self.drafts = counts["drafts"]
        self.media_files = counts["media"]
        self.files_unchanged = counts["files"]
        self.cards_kept = counts["cards"]
        self.sources = counts["sources"]
        self.source_bytes = counts["source_bytes"]
        self.problems = [(path, message) for path, message in problems]  # unresolved
        self.jobs = jobs
        self.elapsed = self.cpu = 0.0  # the check's own, set by whoever timed it

    @property
    def cache_hits(self) -> int:
        return self.pages_built

    @property
    def media_unchanged(self) -> int:
        return self.media_files

    @property
    def unresolved(self) -> list[str]:
        return [f"{path}: {message}" for path, message in self.problems]


def write(cache_dir: str, out: str, signature: bytes, report) -> None:  # type: ignore[no-untyped-def]
    """Stamp a build that is over: ``signature`` of its inputs (taken when it started),
    the site in ``out`` as it is now, and ``report``'s counts. Only for a build with no
    page failed and no warning: every such build must say so again."""
    counts = {
        "pages": report.pages_built,
        "drafts": report.drafts,
        "media": report.media_files,
        "files": report.files_written + report.files_unchanged,
        "cards": report.cards_drawn + report.cards_kept,
        "sources": report.sources,
        "source_bytes": report.source_bytes,
    }
    problems = [[p.path, p.message] for p in report.unresolved]
    head = json.dumps({"counts": counts, "unresolved": problems})
    body = b"%s\n%d\n%s%s" % (head.encode(), len(signature), signature, site(out, cache_dir))
    tmp = os.path.join(cache_dir, f".{STAMP}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(_HEADER + body)
    os.replace(tmp, os.path.join(cache_dir, STAMP))


def unchanged(cache_dir: str, out: str, signature: bytes | None, jobs: int) -> Summary | None:
    """The stamped build's summary if ``signature`` (of this build's inputs) and the site
    in ``out`` are what it left; None when this build has work to do."""
    if signature is None:
        return None
    try:
        with open(os.path.join(cache_dir, STAMP), "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not data.startswith(_HEADER):
        return None
    head, _, rest = data[len(_HEADER) :].partition(b"\n")
    size, _, rest = rest.partition(b"\n")
    if not size.isdigit() or rest[: int(size)] != signature:
        return None
    try:
        if rest[int(size) :] != site(out, cache_dir):
            return None
        stored = json.loads(head)
        return Summary(stored["counts"], stored["unresolved"], jobs)
    except OSError:  # a file gone while it was looked at: something changed
        return None
    except (ValueError, KeyError, TypeError):  # not a stamp this version wrote
        return None


def discard(cache_dir: str) -> None:
    """Remove the stamp before a build writes anything."""
    try:
        os.unlink(os.path.join(cache_dir, STAMP))
    except FileNotFoundError:
        pass
