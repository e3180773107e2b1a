"""A rendered page's plain text, whole and by heading section, for sidecars and search.

One linear pass of regular expressions over the HTML (no HTML parser: it costs about ten
times more per page, and the HTML is Python-Markdown's own, well formed). Tags are
dropped, not made spaces, so "<a>word</a>," stays one word: Python-Markdown puts a newline
between block elements, which keeps "a</p>\n<p>b" two. White space collapses to one space.

Raw HTML in the Markdown passes through unchecked, so the HTML can hold openings that never
close ("<script>" or "<" a thousand times over). A pattern that scans ahead for its closing
and fails is retried from every later opening, each time to the end of the page: quadratic
(a 300 KB page of unclosed "<script>" took 71 s). So no scan here is started where it must
fail: tags and headings are looked for only up to the page's last ">", and a script or
style with no closing is looked for no more after the first of its kind fails.
"""

from __future__ import annotations

import re

from msgspec import Struct

from pipeline import entities

# Every heading tag, opening or closing: one pass, so unclosed headings in raw HTML cost
# nothing extra (a lazy ``<h2>(.*?)</h2>`` search per heading would be quadratic).
_HEADING = re.compile(r"<(/?)h([1-6])\b([^>]*)>", re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Code and raw scripts are not prose; their words would swamp the counts and the index.
_SKIPPED = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SKIPPED_START = re.compile(r"<(script|style)\b", re.IGNORECASE)
WORDS_PER_MINUTE = 200


class Section(Struct, frozen=True):
    """A page's text under one heading."""

    anchor: str  # the heading's id
    title: str  # the heading's plain text
    text: str  # plain text from the end of the heading to the next heading with an id


def plain(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, white space collapsed."""
    if "<" in fragment:
        # A "<" with no ">" after it is text, and ``_TAG`` tried there would scan to the end
        # and fail, from every such "<". Past the last ">" no tag can end: kept as it is.
        end = fragment.rfind(">") + 1
        if fragment.find("<", end) == -1:
            fragment = _TAG.sub("", fragment)
        else:
            fragment = _TAG.sub("", fragment[:end]) + fragment[end:]
    return " ".join(entities.unescape(fragment).split())


def _without_skipped(page_html: str) -> str:
    """``_SKIPPED.sub(" ", page_html)``, in time linear in the page.

    ``sub`` would try the lazy match from every opening; an unclosed one scans to the end.
    Here a failed match at an opening means that no closing of that name follows it, so none
    follows any later opening of that name either (the back-reference matches the opening's
    name with the engine's case folding: the same lower-case name, the same closings); those
    are then passed over without a scan. A match that succeeds scans only what it replaces.
    """
    pieces: list[str] = []
    done = 0  # the HTML before this is in ``pieces``
    unclosed: set[str] = set()  # names, lower-cased, that no closing follows
    at = 0
    while (start := _SKIPPED_START.search(page_html, at)) is not None:
        at = start.end()
        name = start.group(1).lower()
        if name in unclosed:
            continue
        skipped = _SKIPPED.match(page_html, start.start())
        if skipped is None:
            unclosed.add(name)
            continue
        pieces += page_html[done : start.start()], " "
        done = at = skipped.end()
    pieces.append(page_html[done:])
    return "".join(pieces)


def sections(page_html: str) -> tuple[str, list[Section]]:
    """The page's whole text, and one Section per heading that has an id, in order.

    Each stretch of the HTML is made plain once; the whole text is their join.
    """
    if "<script" in page_html or "<style" in page_html:
        page_html = _without_skipped(page_html)
    pieces: list[str] = []  # plain text of every stretch, in order
    found: list[Section] = []
    done = 0  # the HTML before this is in ``pieces``
    open_at = -1  # where the open heading's text starts
    anchor = title = ""
    # Only up to the last ">": a heading tag tried past it would scan to the end and fail.
    for match in _HEADING.finditer(page_html, 0, page_html.rfind(">") + 1):
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


def word_count(text: str) -> int:
    """``len(text.split())`` for a text made plain here (white space collapsed to single
    spaces, none at either end), without making the words: a tenth of the time."""
    return text.count(" ") + 1 if text else 0


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at WORDS_PER_MINUTE, rounded up; 0 for an empty page."""
    return -(-words // WORDS_PER_MINUTE)
