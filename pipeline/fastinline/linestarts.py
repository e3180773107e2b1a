"""Block processors' searches that fail again on what is left of a block: answered at once.

Python-Markdown's block parser gives a block back after a processor takes lines off its
front (an abbreviation, footnote or reference definition, a heading), and tests the rest
again: the blockquote, rule, hash heading and definition list tests and the footnote
processor each search the whole rest, so a block of thousands of one-line definitions or
setext headings is quadratic (4,000 abbreviations: 5.0 s of a 5.2 s conversion in these
searches).

Their patterns can only match where a line starts (``(^|\n)``, or ``^`` in MULTILINE):
if one finds nothing in a text, it finds nothing in a tail of that text that starts a
line, since a match there, looking only forward, would have been one in the text. Each
processor here remembers the last block its search found nothing in and answers such a
tail without searching; otherwise it does what stock's does. First, each turns down at
once a block without a character every match needs (">" for a quote, ":" for a
definition, "[^" for a footnote, one of "-_*" for a rule; a hash heading past the block's
start needs a line that starts with "#"): most blocks of a page, which stock searched.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import util
from markdown.blockprocessors import (
    BlockQuoteProcessor,
    CodeBlockProcessor,
    EmptyBlockProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ListIndentProcessor,
    OListProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.footnotes import FootnoteBlockProcessor
from markdown.extensions.tables import TableProcessor

from pipeline.fastinline.inplace import put_in_place


def starts_a_line_of(tail: str, text: str | None) -> bool:
    """Whether ``tail`` is ``text`` from the start of one of its lines."""
    if text is None:
        return False
    cut = len(text) - len(tail)
    return cut >= 0 and (cut == 0 or text[cut - 1] == "\n") and text.endswith(tail)


class _Remembering:
    """Remembers the last block its processor's search found nothing in."""

    failed: str | None = None

    def _search(self, regex: re.Pattern[str], block: str) -> re.Match[str] | None:
        """``regex.search(block)``, or None at once for a tail of ``failed`` that starts a
        line."""
        if starts_a_line_of(block, self.failed):
            return None
        match = regex.search(block)
        if match is None:
            self.failed = block
        return match


class FastBlockQuoteProcessor(_Remembering, BlockQuoteProcessor):
    def test(self, parent: Any, block: str) -> bool:
        return (
            ">" in block
            and self._search(self.RE, block) is not None
            and not util.nearing_recursion_limit()
        )


class FastHRProcessor(_Remembering, HRProcessor):
    def test(self, parent: Any, block: str) -> bool:
        if "-" not in block and "_" not in block and "*" not in block:
            return False
        match = self._search(self.SEARCH_RE, block)
        if match is None:
            return False
        self.match = match  # as stock keeps it, for run
        return True


class FastDefListProcessor(_Remembering, DefListProcessor):
    """Stock's definition list processor, with ``test`` as above, and a ``run`` that takes
    a block's run of one-line definitions in one pass.

    Stock's ``run`` takes one definition off the block's front and gives the rest back,
    and the parser tests the rest again, so a term with thousands of one-line definitions
    was quadratic (20,000: 6.1 s, in copies of the rest and searches of it). Here, after
    stock's ``run`` has done the block's first definition, each next line that is a
    definition followed by another definition is done in the same run, for as long as
    the parser would hand the rest to this processor and stock's ``run`` would make of it
    a definition of that one line (``_next_is_one_line``); the rest is given back once.
    The last definition of the run is left to stock's ``run``, which looks past it.
    """

    def test(self, parent: Any, block: str) -> bool:
        return ":" in block and self._search(self.RE, block) is not None

    def run(self, parent: Any, blocks: list[str]) -> bool | None:
        count = len(blocks)
        if super().run(parent, blocks) is False:
            return False
        if len(blocks) < count or not self._ahead_known(parent, blocks[0]):
            return None  # no rest was given back, or the parser may hand it to another
        rest = blocks[0]
        at = 0  # where the rest's first line not done yet starts
        while (line := self._next_is_one_line(parent, rest, at)) is not None:
            dl = self.lastChild(parent)
            loose = len(dl) and dl[-1].tag == "dd" and len(dl[-1])  # stock's test, terms none
            self.parser.state.set("looselist" if loose else "list")
            dd = etree.SubElement(dl, "dd")
            self.parser.parseBlocks(dd, [line.group(2)])
            self.parser.state.reset()
            at = line.end()
        if at:
            blocks[0] = rest[at:]
        return None

    def _ahead_known(self, parent: Any, rest: str) -> bool:
        """Whether the parser asks only processors known here before this one, and those
        that search a whole block (rules, hash headings) find nothing in ``rest``: then
        they find nothing in any tail of it that starts a line."""
        for processor in self.parser.blockprocessors:
            if processor is self:
                return True
            kind = type(processor).test
            if kind in _SEARCHING:
                if processor.test(parent, rest):
                    return False
            elif kind not in _FIRST_LINES and kind not in _table_tests():
                return False
        return False

    def _next_is_one_line(self, parent: Any, rest: str, at: int) -> re.Match[str] | None:
        """The definition line at ``at`` (a line's start), if the parser would hand the rest
        from there to this processor and stock's ``run`` would make a definition of that
        line alone: the next line is a definition too. Processors ahead that look at the
        block's first two lines are asked about those two alone."""
        line = self.RE.match(rest, at - 1 if at else 0)
        if line is None or line.group(3) != "\n":
            return None
        following = self.RE.match(rest, line.end() - 1)
        if following is None:
            return None
        if "|" in rest[at : line.end()]:
            return None  # a table's first row, perhaps: left to the parser
        two_lines = rest[at : following.end(2)]
        for processor in self.parser.blockprocessors:
            if processor is self:
                return line
            if type(processor).test in _FIRST_LINES and processor.test(parent, two_lines):
                return None
        return None

    def detab(self, text: str, length: int | None = None) -> tuple[str, str]:
        """Stock's ``detab``, which stock's ``run`` calls on everything after a definition's
        first line: it split all of it into lines and joined all but the indented ones again.
        Definitions that ``run`` cannot take in one pass (each with an indented second line)
        still go one at a time, and cost that split each: 10,000 of them took 3.4 s, 0.77 s
        with this. Here lines are taken off the front while they are indented or blank, and
        the rest is one slice: the same strings as stock's."""
        if length is None:
            length = self.tab_length
        indent = " " * length
        kept: list[str] = []
        at = 0  # where the next line starts
        while True:
            end = text.find("\n", at)
            line = text[at:] if end == -1 else text[at:end]
            if line.startswith(indent):
                kept.append(line[length:])
            elif not line.strip():
                kept.append("")
            else:
                return "\n".join(kept), text[at:]
            if end == -1:
                return "\n".join(kept), ""
            at = end + 1


class FastHashHeaderProcessor(_Remembering, HashHeaderProcessor):
    def test(self, parent: Any, block: str) -> bool:
        if block.startswith("#"):  # a match at the start, which a tail could have alone
            return super().test(parent, block)
        if starts_a_line_of(block, self.failed):
            return False
        # Past the start, a heading starts only where a line starts with "#".
        start = block.find("\n#")
        if start == -1 or self.RE.search(block, start) is None:
            self.failed = block
            return False
        return True


class FastFootnoteBlockProcessor(_Remembering, FootnoteBlockProcessor):
    def run(self, parent: Any, blocks: list[str]) -> bool:
        # Stock's run searches, and finding no definition puts the block back and returns
        # False: the search is stock's, what it found nothing in is remembered here.
        block = blocks[0]
        if "[^" not in block or starts_a_line_of(block, self.failed):
            return False
        if super().run(parent, blocks):
            return True
        self.failed = block
        return False


# Tests that look at the block's first two lines at most, and those that search it whole.
_FIRST_LINES = {EmptyBlockProcessor.test, ListIndentProcessor.test, CodeBlockProcessor.test,
                SetextHeaderProcessor.test, OListProcessor.test}  # fmt: skip
_SEARCHING = {HRProcessor.test, FastHRProcessor.test, HashHeaderProcessor.test,
              FastHashHeaderProcessor.test}  # fmt: skip


@functools.cache
def _table_tests() -> frozenset[Any]:
    """The tables' tests: they look past the first line only when it holds a "|"."""
    from pipeline.fastinline.blocks import FastTableProcessor  # it imports this module

    return frozenset({TableProcessor.test, FastTableProcessor.test})


FAST = {
    BlockQuoteProcessor: FastBlockQuoteProcessor,
    HashHeaderProcessor: FastHashHeaderProcessor,
    HRProcessor: FastHRProcessor,
    DefListProcessor: FastDefListProcessor,
    FootnoteBlockProcessor: FastFootnoteBlockProcessor,
}


def install(md: Any) -> None:
    put_in_place(md.parser.blockprocessors, FAST)
