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

import re
from typing import Any

from markdown import util
from markdown.blockprocessors import BlockQuoteProcessor, HashHeaderProcessor, HRProcessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.footnotes import FootnoteBlockProcessor

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
    def test(self, parent: Any, block: str) -> bool:
        return ":" in block and self._search(self.RE, block) is not None


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


FAST = {
    BlockQuoteProcessor: FastBlockQuoteProcessor,
    HashHeaderProcessor: FastHashHeaderProcessor,
    HRProcessor: FastHRProcessor,
    DefListProcessor: FastDefListProcessor,
    FootnoteBlockProcessor: FastFootnoteBlockProcessor,
}


def install(md: Any) -> None:
    put_in_place(md.parser.blockprocessors, FAST)
