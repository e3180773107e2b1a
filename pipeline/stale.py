"""Stale files: what the previous build wrote into the site and this build did not.

An incremental build writes only what changed, so without this step a page deleted,
renamed, given a new slug or turned into a draft would stay in the site, published with
whatever it said, and so would its sidecar and card, a tag page no page uses any more, a
media file whose source is gone, and the search files once search is switched off. After
a build whose files are all in place, each file that the previous build's manifest
records and that this build neither wrote nor kept is removed, so an incremental build
leaves the files a clean build would.

What is removed is only ever what the manifest proves the build wrote: a file that no
longer has the recorded size (someone put their own there since) stays, and so does
anything the manifest does not name. A page that failed keeps its previous files (so
does everything under a folder that could not be read, and a media file that could not
be read this time): the site loses nothing that was good (and the page stays listed:
``Build.keep_previous``). A manifest made with other
settings, or set aside by ``--clean``, still says what was written; without one (a first
build, ``--no-cache``, a damaged manifest) nothing is removed. Paths are taken one folder
at a time without following links, so a removal never leaves the site folder.
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
from collections.abc import Container, Iterable

from pipeline import claims, sidecar
from pipeline.cache.entries import PageEntry
from pipeline.cache.manifest import Manifest
from pipeline.errors import UnsafePathError
from pipeline.page import Page
from pipeline.report import BuildReport, Problem
from pipeline.sink import check_relpath

_GONE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)  # not there, or behind a link: not ours
_FILE_SUFFIXES = (".html", ".json", ".png")  # what a page writes: HTML, sidecar, card


def page_files(entry: PageEntry) -> Iterable[tuple[str, int]]:
    """(site path, size) of each file a page's entry records: its HTML, sidecar, card."""
    yield entry.out, entry.output.size
    if entry.sidecar is not None:
        yield sidecar.path_of(entry.out), entry.sidecar.size
    if entry.card is not None:
        yield entry.card.path, entry.card.size


def clear_way(
    earlier: Manifest,
    pages: list[Page],
    root: str,
    report: BuildReport,
    sidecars: bool,
    cards: bool,
) -> list[Page]:
    """``pages``, once what an earlier build wrote inside a folder that one of them writes
    as a file is removed: a page moved from ``x.html/a.md`` to ``x.md`` in one edit. Stale
    files are otherwise removed once the build's files are in place, too late for this
    one: the new ``x.html`` met the old folder and the build stopped. A page whose folder
    cannot go (a failed page's files are kept there) fails alone. Cheap when no earlier
    path has a folder named like a page's file (a few substring scans)."""
    earlier_paths = "\n".join(itertools.chain(earlier.pages, earlier.media))
    if not any(suffix + "/" in earlier_paths for suffix in _FILE_SUFFIXES):
        return pages
    planned = {
        path: page for page in pages for _, path in claims.files_of(page.out_path, sidecars, cards)
    }
    failed = {problem.path for problem in report.pages_failed}  # their files stay
    files: dict[str, int] = {}
    folders: set[str] = set()
    for source, entry in earlier.pages.items():
        if folder := _under(source, planned):
            folders.add(folder)
            if source not in failed:
                files.update(page_files(entry))
    for path, media in earlier.media.items():
        if folder := _under(path, planned):
            folders.add(folder)
            files[path] = media.size
    report.files_removed += remove(root, files)[0]
    blocked = {planned[f].source: f for f in folders if os.path.isdir(os.path.join(root, f))}
    for source, folder in blocked.items():
        problem = f"output path {folder} is a folder in the site that still holds files"
        report.pages_failed.append(Problem(source, problem))
    return [page for page in pages if page.source not in blocked]


def _under(path: str, planned: Container[str]) -> str:
    """The folder of ``path`` that is one of the ``planned`` files, or ""."""
    folder = path.rpartition("/")[0]
    while folder:
        if folder in planned:
            return folder
        folder = folder.rpartition("/")[0]
    return ""


def find(old: Manifest, new: Manifest, claimed: set[str]) -> dict[str, int]:
    """The site paths to remove, with the size each had when written.

    ``claimed``: the paths this build wrote or wants left as they are. What failed is in
    ``new`` already (``keep_failed``). Cheap when nothing is stale: a page taken from the
    cache records the very entry it had."""
    candidates: dict[str, int] = {}
    for source, entry in old.pages.items():
        now = new.pages.get(source)
        if now is entry:
            continue
        kept = {} if now is None else dict(page_files(now))
        candidates.update((p, size) for p, size in page_files(entry) if p not in kept)
    for path in old.outputs.keys() - new.outputs.keys():
        candidates[path] = old.outputs[path].size
    for path in old.media.keys() - new.media.keys():
        candidates[path] = old.media[path].size
    if not candidates:
        return candidates
    recorded = set(new.outputs) | set(new.media)
    for entry in new.pages.values():
        recorded.update(p for p, _ in page_files(entry))
    return {
        path: size
        for path, size in candidates.items()
        if path not in claimed and path not in recorded
    }


def _covered(path: str, failed: list[str]) -> bool:
    """Whether ``path`` is a failed page or site file, or lies in a folder that failed."""
    return any(path == f or path.startswith(f + "/") or f in ("", ".") for f in failed)


def remove(root: str, files: dict[str, int]) -> tuple[int, dict[str, int]]:
    """Remove each file under ``root`` that still has its recorded size, then the folders
    that this left empty; (files removed, the files that could not be, with their sizes)."""
    removed = 0
    failed: dict[str, int] = {}
    emptied: set[str] = set()
    for path in sorted(files):
        try:
            if _remove(root, path, files[path]):
                removed += 1
                emptied.add(path.rpartition("/")[0])
        except OSError:
            failed[path] = files[path]
    for folder in sorted(emptied, key=lambda f: f.count("/"), reverse=True):
        _remove_empty(root, folder)
    return removed, failed


def _remove(root: str, path: str, size: int) -> bool:
    """Unlink ``root/path`` if it is a regular file of ``size`` bytes reached without a link."""
    try:
        folders, _, name = check_relpath(path).rpartition("/")
    except UnsafePathError:
        return False  # never written by a sink, so not ours
    try:
        fd = _open_folder(root, folders)
    except OSError as exc:
        if exc.errno in _GONE:
            return False
        raise
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return False
        os.unlink(name, dir_fd=fd)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(fd)


def _open_folder(root: str, folders: str) -> int:
    """A descriptor of ``root/folders``, each step taken without following a link."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for part in folders.split("/") if folders else ():
        try:
            step = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        finally:
            os.close(fd)
        fd = step
    return fd


def _remove_empty(root: str, folder: str) -> None:
    """Remove ``folder`` and then each parent while they are empty (rmdir refuses others)."""
    while folder:
        parent, _, name = folder.rpartition("/")
        try:
            fd = _open_folder(root, parent)
        except OSError:
            return
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError:
            return
        finally:
            os.close(fd)
        folder = parent


def keep_failed(old: Manifest, new: Manifest, report: BuildReport) -> None:
    """Carry the entries of what failed (a page, a folder's pages and media, a site file)
    into ``new``: their previous files stay, and the build after this one still knows
    them, so it removes them once their source is gone."""
    failed = [problem.path for problem in report.pages_failed]
    if not failed:
        return
    for now, before in ((new.pages, old.pages), (new.outputs, old.outputs), (new.media, old.media)):
        for key, entry in before.items():
            if key not in now and _covered(key, failed):
                now[key] = entry  # type: ignore[assignment]


def prune(old: Manifest, new: Manifest, claimed: set[str], root: str, report: BuildReport) -> None:
    """Remove the stale files of a build that is complete; counted in ``report``, and each
    that cannot be removed named in a warning (the next build no longer knows it)."""
    keep_failed(old, new, report)
    removed, failed = remove(root, find(old, new, claimed))
    report.files_removed += removed
    for path in sorted(failed):
        report.warnings.append(
            f"{path}: left by an earlier build and no longer part of the site, but it "
            "cannot be removed; remove it by hand"
        )
