"""A rendered page's plain text, whole and by heading section, for sidecars and search.

One linear pass of regular expressions over the HTML (no HTML parser: it costs about ten
times more per page, and the HTML is Python-Markdown's own, well formed). Tags are
dropped, not made spaces, so "<a>word</a>," stays one word: Python-Markdown puts a newline
between block elements, which keeps "a</p>\n<p>b" two. White space collapses to one space.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Every heading tag, opening or closing: one pass, so unclosed headings in raw HTML cost
# nothing extra (a lazy ``<h2>(.*?)</h2>`` search per heading would be quadratic).
_HEADING = re.compile(r"<(/?)h([1-6])\b([^>]*)>", re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Code and raw scripts are not prose; their words would swamp the counts and the index.
_SKIPPED = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
WORDS_PER_MINUTE = 200


@dataclass(slots=True, frozen=True)
class Section:
    """A page's text under one heading."""

    anchor: str  # the heading's id
    title: str  # the heading's plain text
    text: str  # plain text from the end of the heading to the next heading with an id


def plain(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, white space collapsed."""
    if "<" in fragment:
        fragment = _TAG.sub("", fragment)
    return " ".join(html.unescape(fragment).split())


def sections(page_html: str) -> tuple[str, list[Section]]:
    """The page's whole text, and one Section per heading that has an id, in order.

    Each stretch of the HTML is made plain once; the whole text is their join.
    """
    if "<script" in page_html or "<style" in page_html:
        page_html = _SKIPPED.sub(" ", page_html)
    pieces: list[str] = []  # plain text of every stretch, in order
    found: list[Section] = []
    done = 0  # the HTML before this is in ``pieces``
    open_at = -1  # where the open heading's text starts
    anchor = title = ""
    for match in _HEADING.finditer(page_html):
        closing, attributes = match.group(1), match.group(3)
        if not closing:
            body = plain(page_html[done : match.start()])
            pieces.append(body)
            if anchor and open_at < 0:
                found.append(Section(anchor, title, body))
            anchor, done = "", match.start()
            ids = _ID.search(attributes)
            if ids is not None:
                anchor, open_at, done = ids.group(1) or ids.group(2) or "", match.end(), match.end()
        elif open_at >= 0:
            title = plain(page_html[open_at : match.start()])
            pieces.append(title)
            done, open_at = match.end(), -1
    body = plain(page_html[done:])
    pieces.append(body)
    if anchor and open_at < 0:
        found.append(Section(anchor, title, body))
    return " ".join(p for p in pieces if p), found


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at WORDS_PER_MINUTE, rounded up; 0 for an empty page."""
    return -(-words // WORDS_PER_MINUTE)
