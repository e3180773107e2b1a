"""Where a raw HTML start tag ends, found in linear time, as Markdown's HTML parser finds it.

Markdown reads a page's raw HTML with its own copy of the standard library's
``html.parser``, whose ``check_for_whole_start_tag`` matches ``locatestarttagend_tolerant``
from each "<" and a letter. That pattern takes "<" as part of an attribute name, so in
text where such openings never close ("<a <a <a", "x <b " in prose), the match from
each one runs to the far end, and the parser then takes the "<" as text and tries the
next: quadratic. Measured, one process: 12 KB of "<a " took 1.1 s, 24 KB 4.5 s.

The pattern is a tag name, white space and slashes, then attributes, each matched alone
by ``_ATTRIBUTE``, until one does not match; nothing after them can fail, so the regex
engine never backtracks into them, and where they stop depends only on where they
start. So the attributes from each start are matched once per text and remembered: a
later tag whose attributes reach a remembered start jumps to where that run stopped.
``install`` checks that Markdown's pattern is still the one these pieces make up.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any

from markdown import htmlparser as markdown_htmlparser
from markdown.preprocessors import HtmlBlockPreprocessor

from pipeline.fastinline.inplace import put_in_place

# sha256 of Python 3.11's html.parser check_for_whole_start_tag (its bytecode, constants
# and names), whose lines after its match _Extractor repeats (later Pythons changed them).
# Not its source: reading and tokenizing html/parser.py cost a one-page edit 23M
# instructions, 3% (RebuildCliInstructions).
_STOCK_CHECK = "c416ff85e329f9b9"
# Markdown 3.11.3's locatestarttagend_tolerant, in its four parts.
_NAME = r"<[a-zA-Z][^`\t\n\r\f />\x00]*"
_LEAD = r"[\s/]*"
_ATTRIBUTE = (
    r"""(?<=['"\s/])[^`\s/>][^\s/=>]*"""
    r"""(?:\s*=+\s*(?:'[^']*'|"[^"]*"|(?!['"])[^`>\s]*)(?:\s*,)*)?(?:\s|/(?!>))*"""
)
_TRAILING = r"\s*"
WHOLE = re.compile(f"{_NAME}(?:{_LEAD}(?:{_ATTRIBUTE})*)?{_TRAILING}")
_NAME_RE, _LEAD_RE = re.compile(_NAME), re.compile(_LEAD)
_ATTRIBUTE_RE, _TRAILING_RE = re.compile(_ATTRIBUTE), re.compile(_TRAILING)


class StartTagEnds:
    """``WHOLE.match(text, start).end()`` for starts in one text, each attribute run once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._stops: dict[int, int] = {}  # where an attribute may start -> where they stop

    def end(self, start: int) -> int | None:
        """The match's end; None where ``WHOLE`` does not match at ``start``."""
        text = self.text
        name = _NAME_RE.match(text, start)
        if name is None:
            return None
        at = _LEAD_RE.match(text, name.end()).end()
        passed = []
        while (stop := self._stops.get(at)) is None:
            attribute = _ATTRIBUTE_RE.match(text, at)
            if attribute is None:
                stop = at
                break
            passed.append(at)
            at = attribute.end()
        for position in passed:
            self._stops[position] = stop
        return _TRAILING_RE.match(text, stop).end()


class _Extractor(markdown_htmlparser.HTMLExtractor):
    """Markdown's HTML extractor, whose start tags end where stock's do, found faster."""

    _ends: StartTagEnds | None = None

    def check_for_whole_start_tag(self, i: int) -> int:
        rawdata = self.rawdata
        ends = self._ends
        if ends is None or ends.text is not rawdata:
            ends = self._ends = StartTagEnds(rawdata)
        j = ends.end(i)
        if j is None:  # stock's regex cannot fail here either: let it say so
            return super().check_for_whole_start_tag(i)
        # From here on, html.parser's own lines after its match.
        next_char = rawdata[j : j + 1]
        if next_char == ">":
            return j + 1
        if next_char == "/":
            if rawdata.startswith("/>", j):
                return j + 2
            if rawdata.startswith("/", j):
                return -1
            return j if j > i else i + 1
        if next_char == "":
            return -1
        if next_char in "abcdefghijklmnopqrstuvwxyz=/ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            return -1
        return j if j > i else i + 1


class FastHtmlBlockPreprocessor(HtmlBlockPreprocessor):
    """Stock's raw HTML preprocessor, with ``_Extractor`` for Markdown's extractor."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        parser = _Extractor(self.md)
        parser.feed(source)
        parser.close()
        return "".join(parser.cleandoc).split("\n")


def install(md: Any) -> None:
    """Put ``FastHtmlBlockPreprocessor`` in place of stock's, where Markdown's start tag
    pattern is the one ``WHOLE`` is made of and html.parser's check is the one it repeats."""
    if not _same_as_stock():
        return
    put_in_place(md.preprocessors, {HtmlBlockPreprocessor: FastHtmlBlockPreprocessor})


@cache
def _same_as_stock() -> bool:
    parser = markdown_htmlparser.htmlparser
    code = parser.HTMLParser.check_for_whole_start_tag.__code__
    check = code.co_code + repr((code.co_consts, code.co_names, code.co_varnames)).encode()
    return hashlib.sha256(check).hexdigest()[:16] == _STOCK_CHECK and _canonical(
        parser.locatestarttagend_tolerant.pattern
    ) == _canonical(WHOLE.pattern)


def _canonical(pattern: str) -> str:
    """A verbose pattern without its comments and white space (none is escaped in it)."""
    return re.sub(r"\s+", "", re.sub(r"#[^\n]*", "", pattern))
