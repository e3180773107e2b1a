"""Discover: the Markdown pages and other files of a content folder, in a fixed order."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.page import PAGE_SUFFIXES


@dataclass(slots=True)
class Sources:
    pages: list[str] = field(default_factory=list)  # Markdown files, '/'-separated, sorted walk
    files: set[str] = field(default_factory=set)  # every file, pages included


def discover(content: Path) -> Sources:
    """Every file outside hidden and '_' folders; pages are the Markdown ones."""
    found = Sources()
    for folder, dirs, files in os.walk(content):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        rel_folder = Path(folder).relative_to(content).as_posix()
        for name in sorted(files):
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            found.files.add(rel)
            if name.endswith(PAGE_SUFFIXES) and not name.startswith("."):
                found.pages.append(rel)
    return found
