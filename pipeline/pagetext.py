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

import msgspec
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
_ENCODE = msgspec.json.encode  # a text as a JSON string, as search_index writes them


class Section(Struct, frozen=True):
    """A page's text under one heading."""

    anchor: str  # the heading's id
    title: str  # the heading's plain text
    text: str  # plain text from the end of the heading to the next heading with an id


class Encoded(Struct, frozen=True):
    """A page's plain text as ``sections`` makes it, each text a JSON string without its
    quotes (UTF-8 bytes, escaped as msgspec escapes them)."""

    words: int  # word_count of the whole text
    rest: bytes  # the text in no section (before the first, or under headings with no id)
    sections: list[tuple[bytes, bytes, bytes]]  # (anchor, title, text) per Section


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
    """The page's whole text, and one Section per heading that has an id, in order."""
    pieces, found = _pieces(page_html)
    text = " ".join(p for p in pieces if p)
    return text, [Section(anchor, pieces[title], pieces[body]) for anchor, title, body in found]


def encoded(page_html: str) -> Encoded:
    """What sidecars and search take of ``sections``: the whole text's word count, the text
    in no section, and the sections, every text already a JSON string (pipeline/search_index.py
    splices them into the page's search entries). Made in the render processes, so that
    the build's own process neither decodes nor escapes the pages' text."""
    pieces, found = _pieces(page_html)
    # word_count of the whole text, the non-empty pieces joined: their spaces and one
    # between each two of them.
    filled = [p for p in pieces if p]
    words = sum(p.count(" ") for p in filled) + len(filled)
    marks = [(_ENCODE(a)[1:-1], _escaped(pieces[t]), _escaped(pieces[b])) for a, t, b in found]
    in_sections = {i for _, title, body in found for i in (title, body)}
    rest = " ".join(p for i, p in enumerate(pieces) if p and i not in in_sections)
    return Encoded(words, _escaped(rest), marks)


def _escaped(text: str) -> bytes:
    return _ENCODE(text)[1:-1] if text else b""


def _pieces(page_html: str) -> tuple[list[str], list[tuple[str, int, int]]]:
    """The plain text of every stretch of the page between heading tags, in order, and
    for each heading that has an id: (its id, the index of its title, of its body).

    Each stretch of the HTML is made plain once; the whole text is their join.
    """
    if "<script" in page_html or "<style" in page_html:
        page_html = _without_skipped(page_html)
    pieces: list[str] = []  # plain text of every stretch, in order
    found: list[tuple[str, int, int]] = []
    done = 0  # the HTML before this is in ``pieces``
    open_at = -1  # where the open heading's text starts
    anchor, title = "", -1
    # Only up to the last ">": a heading tag tried past it would scan to the end and fail.
    for match in _HEADING.finditer(page_html, 0, page_html.rfind(">") + 1):
        closing, attributes = match.group(1), match.group(3)
        if not closing:
            pieces.append(plain(page_html[done : match.start()]))
            if anchor and open_at < 0:
                found.append((anchor, title, len(pieces) - 1))
            anchor, done = "", match.start()
            ids = _ID.search(attributes)
            if ids is not None:
                anchor, open_at, done = ids.group(1) or ids.group(2) or "", match.end(), match.end()
                title = -1
        elif open_at >= 0:
            pieces.append(plain(page_html[open_at : match.start()]))
            title = len(pieces) - 1
            done, open_at = match.end(), -1
    pieces.append(plain(page_html[done:]))
    if anchor and open_at < 0:
        found.append((anchor, title, len(pieces) - 1))
    return pieces, found


def word_count(text: str) -> int:
    """``len(text.split())`` for a text made plain here (white space collapsed to single
    spaces, none at either end), without making the words: a tenth of the time."""
    return text.count(" ") + 1 if text else 0


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at WORDS_PER_MINUTE, rounded up; 0 for an empty page."""
    return -(-words // WORDS_PER_MINUTE)
