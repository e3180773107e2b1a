"""The block parser's blocks in a deque: the first one taken off without moving the rest.

Python-Markdown splits a chunk of text at blank lines into a list of blocks, and its
processors take the first block with ``blocks.pop(0)`` and put what is left of it back
with ``blocks.insert(0, rest)``: each moves every block after it, so a page of many small
blocks is quadratic ("a\\n\\n" 200,000 times, 600 KB: 16.6 s, most of it moving the
list). Here the chunk's blocks are a ``Blocks`` deque, on which both are O(1).

Stock's processors and the extensions the pipeline uses do nothing else with the blocks
than read ``blocks[0]``, test whether any are left, ``pop(0)`` and ``insert(0, ...)``
(read in Markdown 3.11.3's sources); ``Blocks.pop`` takes an index as a list's does, and
a deque answers the rest as a list would. Lists that processors pass to ``parseBlocks``
themselves stay lists.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from markdown.blockparser import BlockParser


class Blocks(deque):
    """A deque whose ``pop`` takes an index, as a list's does (default: the last)."""

    def pop(self, index: int = -1) -> Any:
        if index == 0:
            return self.popleft()
        if index == -1:
            return super().pop()
        value = self[index]
        del self[index]
        return value


class FastBlockParser(BlockParser):
    """Stock's block parser, whose chunks are parsed from a ``Blocks`` deque."""

    def parseChunk(self, parent: Any, text: str) -> None:
        self.parseBlocks(parent, Blocks(text.split("\n\n")))  # type: ignore[arg-type]


def install(md: Any) -> None:
    """The fast parser in place of stock's (the caller checked the version)."""
    if type(md.parser) is BlockParser:
        md.parser.__class__ = FastBlockParser
