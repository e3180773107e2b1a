"""The build stamp: a rebuild with nothing to do stops after a look at the folders.

A build that ends with no page failed and no warning leaves a stamp in its cache folder
(``write``). It holds the settings its output depends on (``settings``: the site key's
parts, the library versions, the content and site folders), what it read as it found
it when it started (``inputs``: every file and folder of the content folder and of the
installed ``pipeline`` package, with type, size, modification and change times and
inode), what it left (each site folder's modification time, each site file's size,
the cache folder's files) and the counts its summary gave.

A later build with the same settings has nothing to do if every path the stamp names
still looks as it did (``unchanged``). That takes one ``stat`` per path and no listing:
a folder whose modification time did not change holds the same names, so a file added
or removed shows on its folder. Social cards and sidecars are checked by their folders
alone, as the build cache checks them (by name). The CLI asks before it imports the rest of the
pipeline, so such a rebuild costs little more than starting Python. Every build that
may write removes the stamp first (``discard``), so a build killed half way leaves none.

No stamp is written or trusted for a content folder with a symbolic link in it (its
target may change while the link does not), nor with ``--verify``, ``--clean`` or
``--trace``. Only os, stat and json here: the CLI imports this module first.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Collection

from pipeline import __version__
from pipeline.extensions import EXTENSIONS
from pipeline.versions import installed_version

STAMP = "stamp"
_HEADER = b"pipeline build stamp 2\n"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_CARDS = "assets/cards"  # the site folder of the social cards: checked by its folders


def settings(
    content: str, out: str, title: str | None, base_url: str, cards: str, sidecars: bool,
    search: bool,
) -> list[str] | None:  # fmt: skip
    """What a build's output depends on besides its files: the site key's parts (title and
    base URL as the runner completes them), the library versions (without importing the
    libraries) and the folders; None if they cannot be found out (the build then says why)."""
    try:
        parts = [
            f"pipeline={__version__}",
            f"markdown={installed_version('markdown')}",
            f"jinja2={installed_version('jinja2')}",
            "extensions=" + ",".join(EXTENSIONS),
            f"content={os.path.realpath(content)}",
            f"site={os.path.realpath(out)}",
            f"title={title or os.path.basename(os.path.realpath(content)) or 'Site'}",
            f"base_url={base_url if base_url.endswith('/') else base_url + '/'}",
            f"cards={cards}",
            f"sidecars={sidecars}",
            f"search={search}",
        ]
        if cards != "off":
            parts.append(f"pillow={installed_version('PIL', 'pillow')}")
    except OSError:
        return None
    return parts


# How each kind of path is looked at: whether a link is followed (roots may be links).
_FOLLOW = {
    "r": True,  # an input root: the content folder, the package
    "i": False,  # an input: every field that changes when a file is written or replaced
    "o": True,  # the site folder
    "d": False,  # a site folder: its modification time says its names are the same
    "f": False,  # a site file: its size, what the build cache checks
}


def _seen(kind: str, st: os.stat_result) -> str:
    """What is kept of ``st`` for a path of ``kind`` (one f-string each: a rebuild with
    nothing to do makes thousands)."""
    if kind in "ri":
        return f"{st.st_mode}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
    if kind == "f":
        return f"{st.st_mode}:{st.st_size}"
    return f"{st.st_mode}:{st.st_mtime_ns}"


def inputs(content: str, seen: dict[str, os.stat_result] | None = None) -> bytes | None:
    """What a build reads, as it is now; None if the content folder holds a link or
    cannot be read (the build then says why, and leaves no stamp). ``seen``, when given,
    gets each content file's ``lstat`` by its path in the content folder (left empty
    with None): the build's look at its files, taken once (``BuildCache.seen``)."""
    entries: list[str] = []
    try:
        if _record(content, entries, ("r", "i", "i"), None, seen=seen) and _record(
            _PACKAGE, entries, ("r", "i", "i"), None
        ):
            return _join(entries)
    except OSError:
        pass
    if seen is not None:
        seen.clear()
    return None


def site(out: str, by_name: Collection[str] = ()) -> bytes:
    """What a build left in the site folder ``out``, as it is now; the files at the site
    paths ``by_name`` (sidecars) by their folders alone."""
    entries: list[str] = []
    root = os.path.abspath(out)
    names = {os.path.join(root, path) for path in by_name}
    _record(root, entries, ("o", "d", "f"), _CARDS, names)
    return _join(entries)


def _join(entries: list[str]) -> bytes:
    return "\0".join(entries).encode("utf-8", "surrogateescape")


def _record(
    root: str,
    entries: list[str],
    kinds: tuple[str, str, str],
    by_folder: str | None,
    by_name: Collection[str] = (),
    seen: dict[str, os.stat_result] | None = None,
) -> bool:
    """Append (kind, absolute path, what is seen) for ``root``, then each folder and file
    under it (``kinds``), hidden folders and ``__pycache__`` left out; False at an input
    that is a link (its target could change unseen). In ``by_folder`` (relative to
    ``root``) and under it, folders only; files whose absolute paths are in ``by_name``
    are left out too. ``seen`` gets each file's stat by its path under ``root``. The
    garbage collector is off meanwhile: thousands of entries, no cycle among them, and
    its passes cost a tenth of a no-change rebuild's instructions."""
    top, folder_kind, file_kind = kinds
    root = os.path.abspath(root)
    prefix = len(os.path.join(root, ""))  # of each path under root
    names_only = None if by_folder is None else os.path.join(root, by_folder)
    enabled = gc.isenabled()
    gc.disable()
    try:
        todo = [(root, top)]
        while todo:
            folder, kind = todo.pop()
            entries += (kind, folder, _seen(kind, os.stat(folder)))
            with os.scandir(folder) as scan:
                listed = list(scan)
            files = names_only is None or not (folder + "/").startswith(names_only + "/")
            for entry in listed:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name != "__pycache__":
                        todo.append((entry.path, folder_kind))
                elif file_kind == "i" and entry.is_symlink():
                    return False
                elif files and entry.path not in by_name:
                    st = entry.stat(follow_symlinks=False)
                    entries += (file_kind, entry.path, _seen(file_kind, st))
                    if seen is not None:
                        seen[entry.path[prefix:]] = st
    finally:
        if enabled:
            gc.enable()
    return True


def _holds(data: bytes) -> bool:
    """Whether every path in ``data`` (from ``inputs`` or ``site``) looks as it did."""
    fields = data.decode("utf-8", "surrogateescape").split("\0")
    if len(fields) % 3:
        return False
    each = iter(fields)
    for kind, path, seen in zip(each, each, each, strict=True):
        try:
            st = os.stat(path) if _FOLLOW[kind] else os.lstat(path)
        except (KeyError, OSError):
            return False
        if _seen(kind, st) != seen:
            return False
    return True


def _cache_files(cache_dir: str) -> list[list[object]]:
    """The cache folder's files (the manifest, search fragments), but the stamp: a file
    changed, added or left there since is the build cache's to read or remove."""
    with os.scandir(cache_dir) as scan:
        listed = sorted(scan, key=lambda e: e.name)
    return [
        [e.name, _seen("i", e.stat(follow_symlinks=False))]
        for e in listed
        if e.name != STAMP and not e.name.startswith(".")
    ]


class Summary:
    """What the build that wrote a stamp did, as a rebuild with nothing to do reports it:
    the fields of a BuildReport that the CLI's summary reads (pipeline/report.py)."""

    __slots__ = ("pages_built", "drafts", "left_out", "unpublished", "media_files",
                 "files_unchanged", "cards_kept", "sources", "source_bytes", "problems", "jobs",
                 "elapsed", "cpu")  # fmt: skip
    files_written = bytes_written = pages_rendered = cards_drawn = cards_failed = 0
    ok, fatal, warnings, pages_failed = True, None, (), ()

    def __init__(
        self, counts: dict[str, int], unused: dict[str, list[str]], problems: list[list[str]],
        jobs: int,
    ) -> None:  # fmt: skip
        self.pages_built = counts["pages"]
        self.drafts = counts["drafts"]
        self.left_out, self.unpublished = unused["left_out"], unused["unpublished"]
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


def write(cache_dir: str, out: str, settings: list[str], inputs: bytes, report,  # type: ignore[no-untyped-def]
          by_name: Collection[str] = ()) -> None:  # fmt: skip
    """Stamp a build that is over: its ``settings``, its ``inputs`` (taken when it
    started), the site in ``out`` and the cache folder as they are now, and ``report``'s
    counts. Only a build with no page failed and no warning is stamped: those must be said
    again. A stamp that cannot be written is a warning (the next build does all its checks)."""
    if not report.ok or report.warnings:
        return
    try:
        _write(cache_dir, out, settings, inputs, report, by_name)
    except OSError as exc:
        report.warnings.append(f"build stamp {cache_dir} not saved: {exc.strerror}")


def _write(cache_dir: str, out: str, settings: list[str], inputs: bytes, report,  # type: ignore[no-untyped-def]
           by_name: Collection[str]) -> None:  # fmt: skip
    counts = {
        "pages": report.pages_built,
        "drafts": report.drafts,
        "media": report.media_files,
        "files": report.files_written + report.files_unchanged,
        "cards": report.cards_drawn + report.cards_kept,
        "sources": report.sources,
        "source_bytes": report.source_bytes,
    }
    head = {
        "settings": settings,
        "cache": _cache_files(cache_dir),
        "counts": counts,
        "unused": {"left_out": report.left_out, "unpublished": report.unpublished},
        "unresolved": [[p.path, p.message] for p in report.unresolved],
    }
    body = b"%s\n%d\n%s%s" % (json.dumps(head).encode(), len(inputs), inputs, site(out, by_name))
    tmp = os.path.join(cache_dir, f".{STAMP}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(_HEADER + body)
    os.replace(tmp, os.path.join(cache_dir, STAMP))


def unchanged(cache_dir: str, settings: list[str] | None, jobs: int) -> Summary | None:
    """The stamped build's summary if it had these ``settings`` and every path it names
    looks as it did; None when this build has work to do."""
    if settings is None:
        return None
    try:
        with open(os.path.join(cache_dir, STAMP), "rb") as f:
            data = f.read()
        if not data.startswith(_HEADER):
            return None
        head, _, rest = data[len(_HEADER) :].partition(b"\n")
        size, _, rest = rest.partition(b"\n")
        stored = json.loads(head)
        if stored["settings"] != settings or stored["cache"] != _cache_files(cache_dir):
            return None
        if not (size.isdigit() and _holds(rest[: int(size)]) and _holds(rest[int(size) :])):
            return None
        return Summary(stored["counts"], stored["unused"], stored["unresolved"], jobs)
    except OSError:  # no stamp, or a folder gone: something changed
        return None
    except (ValueError, KeyError, TypeError):  # not a stamp this version wrote
        return None


def discard(cache_dir: str) -> None:
    """Remove the stamp before a build writes anything."""
    try:
        os.unlink(os.path.join(cache_dir, STAMP))
    except FileNotFoundError:
        pass
