"""A card's texts: checked, made drawable with the bundled font, wrapped and shortened.

Titles come from content, so anything may be in them. Control characters and lone
surrogates are refused (``CardError``). Whitespace of any kind becomes single spaces,
invisible format characters (zero-width joiners, direction marks) are left out, a
letter the font lacks is drawn as its base letter when it has one ("é" as "e", "ﬁ" as
"fi"), and anything else is drawn as the font's missing-glyph box and reported, so that
the build can say which characters a card could not show.

Wrapping and shortening follow the naive card (benchmarks/cards_naive.py) exactly, but
cost a pass over the characters that can be drawn, not over the whole text, so a title
of a million characters costs about what one of a hundred does.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

from pipeline.cards.glyphs import Face, has_glyph

ELLIPSIS = "\u2026"
SEPARATOR = "  \u00b7  "  # between the date and each tag
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Typography the bundled font lacks, and what it draws instead.
_SUBSTITUTES = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u201a": ",", "\u201e": '"', "\u2032": "'",
    "\u2033": '"', "\u2022": "\u00b7", "\u201b": "'", "\u201f": '"',
}  # fmt: skip


class CardError(ValueError):
    """A card input that cannot be drawn; the message names the input and the problem."""


def check(what: str, text: object) -> str:
    """``text`` if it is a string without control characters or lone surrogates."""
    if not isinstance(text, str):
        raise CardError(f"{what} must be a string, not {type(text).__name__}")
    bad = _REFUSED.search(text)
    if bad is not None:
        char = bad.group()
        kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        raise CardError(f"{what} has {kind} U+{ord(char):04X} at position {bad.start()}")
    return text


def words(text: str, missing: set[str], face: Face, budget: float) -> Iterator[str]:
    """The drawable words of checked ``text``, made one at a time as layout asks for them,
    until they are ``budget`` pixels wide (with a space between each): more than a card
    can show, so the work a card costs is bounded whatever the text's length."""
    space = face.advance(" ")
    used = 0.0
    for word in text.split():
        drawable, width = _drawable(word, missing, face, budget - used)
        if drawable:
            yield drawable
            used += width + space
        if used > budget:
            return


def _drawable(word: str, missing: set[str], face: Face, room: float) -> tuple[str, float]:
    """The word as the font can draw it, cut once wider than ``room``; and its width."""
    if len(word) <= 64 and word.isascii():  # every printable ASCII character has a glyph
        width = face.width(word)
        if width <= room:
            return word, width
    out = []
    width = 0.0
    for char in word:
        substitute = char if char.isascii() else _substitute(char)
        if substitute is None:
            missing.add(char)
            substitute = char  # drawn as the missing-glyph box: visible, and reported
        out.append(substitute)
        width += face.width(substitute)
        if width > room:
            break
    return "".join(out), width


@functools.lru_cache(maxsize=4096)
def _substitute(char: str) -> str | None:
    """What the font draws for ``char``: itself, a stand-in, "" (invisible) or None."""
    if has_glyph(char):
        return char
    if char in _SUBSTITUTES:
        return _SUBSTITUTES[char]
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me"):  # invisible, or a mark on the letter before it
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and base != char and base.isprintable() and " " not in base:
        if all(has_glyph(c) for c in base):
            return base
    return None


def wrap(face: Face, words: Iterable[str], width: float, lines: int) -> list[str]:
    """Greedy word wrap into at most ``lines`` lines; a word wider than a line is cut,
    and a title that does not fit ends with an ellipsis."""
    pending = iter(words)
    space = face.advance(" ")
    out: list[str] = []
    line, line_width = "", 0.0
    word = next(pending, None)
    while word is not None:
        word_width = face.width(word)
        if not line and word_width > width:  # alone and too wide: cut it
            cut = max(1, _prefix(face, word, width))
            out.append(word[:cut])
            word = word[cut:] or next(pending, None)
        elif not line:
            line, line_width = word, word_width
            word = next(pending, None)
            continue
        elif line_width + space + word_width <= width:
            line, line_width = f"{line} {word}", line_width + space + word_width
            word = next(pending, None)
            continue
        else:  # the word starts the next line
            out.append(line)
            line, line_width = "", 0.0
        if len(out) == lines:
            break
    if line and len(out) < lines:
        out.append(line)
    if word is not None:  # more text than lines: the last line ends with an ellipsis
        rest = _until_wider(face, [out[-1], word], pending, width, " ")
        out[-1] = fit(face, rest, width)
    return out


def fit(face: Face, text: str, width: float) -> str:
    """``text``, or its longest prefix that fits ``width`` with an ellipsis after it."""
    advance = list(map(face.advance, text))
    if sum(advance) <= width:
        return text
    limit = width - face.advance(ELLIPSIS)
    pen = inked = 0.0
    best = 0
    for count, (char, step) in enumerate(zip(text, advance, strict=True), 1):
        pen += step
        if char != " ":
            inked = pen
        if inked > limit:
            break
        best = count
    return text[:best].rstrip() + ELLIPSIS


def fit_parts(face: Face, parts: Iterable[str], width: float, separator: str) -> str:
    """The parts joined by ``separator`` on one line, shortened like ``fit``."""
    return fit(face, _until_wider(face, [], iter(parts), width, separator), width)


def _until_wider(
    face: Face, head: list[str], rest: Iterator[str], width: float, separator: str
) -> str:
    """``head`` and then parts of ``rest``, joined, until wider than ``width`` (or all)."""
    parts = list(head)
    total = face.width(separator.join(parts))
    for part in rest:
        parts.append(part)
        total += face.width(separator) * (len(parts) > 1) + face.width(part)
        if total > width:
            break
    return separator.join(parts)


def _prefix(face: Face, word: str, width: float) -> int:
    """How many leading characters of ``word`` fit in ``width``."""
    pen = 0.0
    for count, char in enumerate(word):
        pen += face.advance(char)
        if pen > width:
            return count
    return len(word)
