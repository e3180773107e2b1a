"""Discover: the Markdown pages and other files of a content folder, in a fixed order.

Symbolic links are followed only where they lead to published content (see
``pipeline.confine``): a link out of the content folder, or into a hidden or '_'
folder of it, is refused and recorded, never walked or listed. A linked folder is
walked as if it were there, but never twice through links and never when it contains
the link itself (a cycle), so the walk stays finite and linear in the folder's size.
"""

from __future__ import annotations

import os
from pathlib import Path

from msgspec import Struct, field

from pipeline import confine
from pipeline.page import PAGE_SUFFIXES
from pipeline.report import BuildReport, Problem
from pipeline.template_files import USER_TEMPLATES


class Sources(Struct):
    """What discovery found in the content folder."""

    pages: list[str] = field(default_factory=list)  # Markdown files, '/'-separated, sorted walk
    files: set[str] = field(default_factory=set)  # every file, pages included
    # Links refused (files and folders): relpath -> the real path they lead to. Pages
    # among them are in ``pages`` too, so that parsing fails each one by name.
    outside: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)  # folder relpath -> OS error
    # Folders (relpath + "/") and pages never read because their names start with "." or
    # "_" (but the templates folder, which the build reads): named in the build's summary.
    left_out: list[str] = field(default_factory=list)


class _Walk(Struct):
    """One discovery walk's state."""

    root: str  # the content folder's real path
    found: Sources
    linked: set[str] = field(default_factory=set)  # real folders already walked via a link


# A folder to walk: its path; its relpath; the real paths of it and of the folders walked
# to reach it (a link to any of those, or to a folder holding one, is a cycle); whether
# a link led to it.
_Todo = tuple[str, str, tuple[str, ...], bool]


def discover(content: Path) -> Sources:
    """Every file outside hidden and '_' folders; pages are the Markdown ones."""
    walk = _Walk(confine.root_of(content), Sources())
    # Depth first, each folder's files before its subfolders, names sorted: os.walk's order.
    todo: list[_Todo] = [(os.fspath(content), "", (walk.root,), False)]
    while todo:
        todo.extend(reversed(_scan(walk, *todo.pop())))
    return walk.found


def _scan(
    walk: _Walk, folder: str, rel: str, chain: tuple[str, ...], via_link: bool
) -> list[_Todo]:
    """Lists one folder's files; returns its subfolders to walk, in order."""
    found = walk.found
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        found.unreadable[rel or "."] = exc.strerror or str(exc)
        return []
    subfolders = []
    for entry in entries:
        name = entry.name
        path = f"{rel}/{name}" if rel else name
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            is_folder = os.path.isdir(target)
            if is_folder and name.startswith((".", "_")):
                _leave_out(found, path)  # hidden and '_' folders are never walked, linked or not
                continue
            if confine.refusal(walk.root, target, is_folder) is not None:
                found.outside[path] = target
                if not is_folder and name.endswith(PAGE_SUFFIXES):
                    found.pages.append(path)
                continue
            if is_folder:
                if any(confine.inside(real, target) for real in chain) or target in walk.linked:
                    continue  # a cycle, or walked already: its files are listed elsewhere
                walk.linked.add(target)
                subfolders.append((entry.path, path, (*chain, target), True))
                continue
        elif entry.is_dir(follow_symlinks=False):
            if name.startswith((".", "_")):
                _leave_out(found, path)
                continue
            real = os.path.join(chain[-1], name)
            if via_link:
                if real in walk.linked:
                    continue
                walk.linked.add(real)
            subfolders.append((entry.path, path, (*chain, real), via_link))
            continue
        found.files.add(path)
        if name.endswith(PAGE_SUFFIXES):
            if name.startswith("."):
                found.left_out.append(path)
            else:
                found.pages.append(path)
    return subfolders


def _leave_out(found: Sources, path: str) -> None:
    if path != USER_TEMPLATES:
        found.left_out.append(path + "/")


def report_refused(found: Sources, content: Path, report: BuildReport) -> None:
    """What discovery would not read: nothing is left out without a word."""
    report.left_out = found.left_out
    for folder, error in found.unreadable.items():
        report.pages_failed.append(Problem(folder, f"cannot read this folder: {error}"))
    root = confine.root_of(content)
    pages = set(found.pages)  # parse fails each of these with the same reason
    for rel, target in found.outside.items():
        if rel not in pages:
            where = confine.refusal(root, target, folder=True) or confine.OUTSIDE
            report.warnings.append(f"{rel} is a link to {target}, {where}: not read")
