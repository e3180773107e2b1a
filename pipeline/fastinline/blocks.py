"""Five shortcuts for Python-Markdown 3.11.3's block level, each with stock's exact result.

* ``Markdown.is_block_level`` is asked about 340 times a page (the prettifier and
  attr_list ask it of every element). Stock lowercases the tag and scans a list of about
  60 names each time. Here each tag's answer is remembered, and forgotten as soon as
  that list changes (``BlockLevelElements``: the same list, whose changes clear the
  answers) or is replaced.
* The tables extension's ``test`` splits the first line of every block of two lines or
  more into cells, one regex match per backtick and pipe, to see whether it is a table's
  header. A first line with no ``|`` never is: stock splits it into one cell, and with
  no border a one-cell header is not a table.
* The setext heading processor's ``run`` splits its whole block into lines to take the
  first two, and joins the rest again: a block of thousands of setext headings was
  quadratic (16,000: 4.5 s, most of it here). Here the two lines are found with
  ``str.find``, and the headings after them are taken in the same run for as long as
  the parser would hand the rest of the block back to this processor: the rest is given
  back once, as one slice (the same string as stock's join), not after every heading
  (128,000 headings, 0.5 MB: 4.7 s, then 2.2 s with the toc's nesting below).
* The toc extension looks for its marker (``[TOC]``) by joining the text of every
  element's subtree, which costs the tree's size times its depth. It only ever replaces
  an element without children whose own text is the marker: when no element of the
  tree is one, there is nothing to look for. It nests the headings by taking each off
  the front of a list (``pop(0)``); here stock's own nesting takes them from a deque.
* The block parser iterates over its processor registry for every block, and each
  iteration sorts it (a no-op once sorted) and builds a new list of its items. Here the
  list is kept while the registry stays sorted and the same length: ``register`` marks it
  unsorted and ``deregister`` shortens it, so either makes a new one.

Measured on 1000 generated pages, one process, rounds interleaved: the first, second and
fourth make a page's conversion 1.13x faster, the fifth 1.03x more
(docs/profiling-report.md); the third is against hostile pages.
"""

from __future__ import annotations

import types
import xml.etree.ElementTree as etree
from collections.abc import Callable
from typing import Any

import markdown
from markdown.blockprocessors import (
    CodeBlockProcessor,
    EmptyBlockProcessor,
    HashHeaderProcessor,
    ListIndentProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions import toc as toc_module
from markdown.extensions.def_list import DefListIndentProcessor
from markdown.extensions.tables import PIPE_NONE, TableProcessor
from markdown.extensions.toc import TocTreeprocessor
from markdown.util import Registry

from pipeline.fastinline.blockqueue import Blocks
from pipeline.fastinline.inplace import put_in_place
from pipeline.fastinline.linestarts import FastHashHeaderProcessor

# Tags whose answers are kept, at most: an extension could make element names from content.
MAX_ANSWERS = 256

_MUTATORS = (
    "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
    "__setitem__", "__delitem__", "__iadd__", "__imul__",
)  # fmt: skip


class BlockLevelElements(list):
    """``Markdown.block_level_elements``, which clears ``answers`` whenever it changes."""

    def __init__(self, names: list[str], answers: dict[str, bool]) -> None:
        super().__init__(names)
        self.answers = answers


def _forgetting(name: str) -> Callable[..., Any]:
    change = getattr(list, name)

    def changed(self: BlockLevelElements, *args: Any) -> Any:
        self.answers.clear()
        return change(self, *args)

    changed.__name__ = name
    return changed


for _name in _MUTATORS:
    setattr(BlockLevelElements, _name, _forgetting(_name))


class FastTableProcessor(TableProcessor):
    """Stock's table processor, whose ``test`` turns down a block at once when its first
    line holds no ``|`` (the answer stock's cell splitting would give, at a find's cost)."""

    def test(self, parent: Any, block: str) -> bool:
        end = block.find("\n")
        if end >= 0 and "|" not in block[:end]:
            self.border = PIPE_NONE  # as stock leaves it
            return False
        return super().test(parent, block)


class FastSetextHeaderProcessor(SetextHeaderProcessor):
    """Stock's setext heading processor, whose ``run`` takes the heading's two lines off the
    block's front without splitting the rest (``test`` made sure there are two), and goes
    on with the next heading of the block while stock's parser would hand it to this
    processor again (``_next_is_mine``): a block of setext headings is then taken apart in
    one pass, where giving back the rest after each heading copied it each time."""

    def run(self, parent: Any, blocks: list[str]) -> None:
        block = blocks.pop(0)
        at = 0  # where the heading starts
        again: bool | None = None  # whether the parser asks only processors known here first
        while True:
            first = block.find("\n", at)
            second = block.find("\n", first + 1)
            underline = block[first + 1 :] if second == -1 else block[first + 1 : second]
            heading = etree.SubElement(parent, "h1" if underline.startswith("=") else "h2")
            heading.text = block[at:first].strip()
            if second == -1:
                return
            at = second + 1
            if again is None:
                again = self._known_ahead()
            if not (again and self._next_is_mine(block, at)):
                break
        blocks.insert(0, block[at:])

    def _known_ahead(self) -> bool:
        """Whether every processor the parser asks before this one is in _BEFORE_SETEXT."""
        for processor in self.parser.blockprocessors:
            if processor is self:
                return True
            if type(processor) not in _BEFORE_SETEXT:
                return False
        return False

    def _next_is_mine(self, block: str, at: int) -> bool:
        """Whether stock's parser, given the rest of the block from ``at`` (a line's start),
        would hand it to this processor again: the processors ahead (_BEFORE_SETEXT) turn
        it down unless it is empty or indented, and then this one's ``test`` takes it."""
        if block.startswith("\n", at) or block.startswith(" " * self.tab_length, at):
            return False
        return self.RE.match(block, at) is not None


def _nest_toc_tokens(toc_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stock's ``nest_toc_tokens``, given the tokens in a ``Blocks`` deque: it takes each
    off the front with ``pop(0)``, which on a list moves every other one (128,000
    headings: 1.3 s of a 4.2 s conversion). The list is left empty, as stock leaves it."""
    nested = toc_module.nest_toc_tokens(Blocks(toc_list))
    toc_list.clear()
    return nested


# Stock's ``run`` itself, with the names of its module but ``nest_toc_tokens``, the one above.
_toc_run = types.FunctionType(
    TocTreeprocessor.run.__code__,
    {**vars(toc_module), "nest_toc_tokens": _nest_toc_tokens},
    "run",
)


class FastTocTreeprocessor(TocTreeprocessor):
    """Stock's toc processor, which looks for its marker only when some element could be it,
    and nests its headings in linear time."""

    run = _toc_run

    def replace_marker(self, root: Any, elem: Any) -> None:
        marker = self.marker
        for el in root.iter():  # every element stock could replace, and more
            text = el.text
            if text and len(el) == 0 and text.strip() == marker:
                return super().replace_marker(root, elem)
        return None


class BlockProcessors(Registry):
    """The block parser's registry, whose iteration reuses its list of items while it holds."""

    _items: tuple[Any, ...] | None = None

    def __iter__(self) -> Any:
        kept = self._items
        if self._is_sorted and kept is not None and len(kept) == len(self._priority):
            return iter(kept)
        self._sort()
        self._items = tuple([self._data[k] for k, _ in self._priority])
        return iter(self._items)


# What the block parser may ask before the setext heading processor, and why each turns
# down what is left of a block after a setext heading (its next lines, from a line's
# start), unless that is empty (``EmptyBlockProcessor``) or indented by ``tab_length``
# spaces (the indent and code processors): a hash heading processor turned down the
# whole block, so no line of it starts with "#"; a table's test needs a second line of
# as many cells as the first, or starting or ending with "|", which a heading's
# underline ("=" or "-" and spaces) never is.
_BEFORE_SETEXT = {EmptyBlockProcessor, ListIndentProcessor, DefListIndentProcessor,
                  CodeBlockProcessor, TableProcessor, FastTableProcessor, HashHeaderProcessor,
                  FastHashHeaderProcessor}  # fmt: skip


def install(md: markdown.Markdown) -> None:
    """The five shortcuts on ``md`` (the caller checked the Markdown version)."""
    answers: dict[str, bool] = {}
    names = md.block_level_elements = BlockLevelElements(md.block_level_elements, answers)
    stock = type(md).is_block_level

    def is_block_level(tag: Any) -> bool:
        if type(tag) is not str or md.block_level_elements is not names:
            return stock(md, tag)
        answer = answers.get(tag)
        if answer is None:
            answer = stock(md, tag)
            if len(answers) < MAX_ANSWERS:
                answers[tag] = answer
        return answer

    md.is_block_level = is_block_level  # type: ignore[method-assign]
    processors = md.parser.blockprocessors
    if type(processors) is Registry:
        processors.__class__ = BlockProcessors
    fast = {TableProcessor: FastTableProcessor, SetextHeaderProcessor: FastSetextHeaderProcessor}
    put_in_place(processors, fast)
    put_in_place(md.treeprocessors, {TocTreeprocessor: FastTocTreeprocessor})
