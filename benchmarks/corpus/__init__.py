"""Seeded synthetic corpus: a folder of Markdown pages and media for benchmarks and demos.

The same seed gives byte-identical output on every machine. To keep it that way:
every random choice comes from ``numpy.random.default_rng(seed)`` through
``integers`` only (platform independent, and the part of numpy's stream least likely
to change between releases; the fixed digest in tests/test_corpus.py would tell),
all word lists are fixed tuples, nothing depends on hashing, set order, time,
locale or directory listing order, and PNG data is stored rather than compressed
because deflate output differs between zlib builds.
"""

from __future__ import annotations

import operator
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.corpus.draws import Draws
from benchmarks.corpus.media import png, svg
from benchmarks.corpus.plan import plan_images, plan_pages
from benchmarks.corpus.text import page_text

__all__ = ["CorpusSummary", "generate"]


@dataclass(slots=True, frozen=True)
class CorpusSummary:
    pages: int  # Markdown files written (drafts and pages without front matter included)
    media: int  # media files written
    bytes: int  # total bytes written


def generate(out_dir: str | os.PathLike[str], pages: int, seed: int = 0) -> CorpusSummary:
    """Write ``pages`` Markdown pages and their media under ``out_dir``.

    Existing files that the corpus also generates are overwritten; others are left alone.
    """
    pages = operator.index(pages)  # numpy integers are fine, floats raise TypeError
    if pages < 1:
        raise ValueError(f"pages must be at least 1, got {pages}")
    root = Path(out_dir)
    draws = Draws(np.random.default_rng(seed))
    plan = plan_pages(draws, pages)
    pools = plan_images(draws, plan)

    for folder in pools:  # every folder with pages has an image pool
        (root / folder / "images").mkdir(parents=True, exist_ok=True)
    linkable = [page for page in plan if not page.draft]
    media = written = 0
    # One writer thread: creating thousands of files is slow on some disks, and file
    # writes release the GIL, so they overlap with generating the next pages.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending = []
        for folder, images in pools.items():
            for image in images:
                data = svg(draws, image) if image.name.endswith(".svg") else png(draws)
                path = root / folder / "images" / image.name
                pending.append(writer.submit(path.write_bytes, data))
                written += len(data)
                media += 1
        for page in plan:
            text = page_text(draws, page, linkable, pools[page.folder])
            # Encoding here fixes both the encoding and the "\n" line endings on every OS.
            data = text.encode("utf-8")
            pending.append(writer.submit((root / page.source).write_bytes, data))
            written += len(data)
        for future in pending:
            future.result()  # re-raises a failed write
    return CorpusSummary(pages=len(plan), media=media, bytes=written)
