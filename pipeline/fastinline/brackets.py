"""Link text and link targets found in linear time, with the results of Python-Markdown's own.

Stock ``LinkInlineProcessor.getText`` finds the "]" that closes a link's "[" by walking the
text one character at a time in Python, and ``getLink`` walks to the ")" the same way. The
link, image and reference patterns try every "[" of a text, so on a text of many "[" that
open no link (nested, unclosed: "[[[[x]]]]", "[a](" over and over) each try walks to the
far end: quadratic. Measured, one process: 8 KB of such text took 0.5 to 1.5 s, and a
100 KB page went past the 60 s page time limit.

``get_text`` gives stock's result from a table of matching brackets: the "]" where stock's
count comes back to zero is the one that closes the "[" before ``index`` when brackets are
paired as a stack pairs them, whatever came before that "[". The table is made once per
text and reused while later tries look at the same tail (a match replaces text before the
place the next try starts, never after). A text whose next "]" comes before any "[" (most
links) needs no table.

``get_link`` does the same for the ")" that closes a link's "(" where no quote follows (a
quote starts stock's title tracking, which it then walks as stock does): stock walks only
to that ")", so it is given the text up to there, and a "(" never closed fails at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markdown.inlinepatterns import LinkInlineProcessor

_PAIRS = {"[": re.compile(r"[\[\]]"), "(": re.compile(r"[()]")}


class _Closings:
    """For one text: where each "[" (or "(") that is closed is closed, paired as a stack."""

    def __init__(self, text: str, opener: str) -> None:
        self.text = text
        self.closing: dict[int, int] = {}
        opened: list[int] = []
        for match in _PAIRS[opener].finditer(text):
            at = match.start()
            if text[at] == opener:
                opened.append(at)
            elif opened:
                self.closing[opened.pop()] = at

    def close_of(self, data: str, opening: int) -> int | None:
        """Where the opener at ``opening`` in ``data`` is closed, when ``data`` from there is
        this text's tail; -1 when it is not closed; None when not this tail."""
        tail = len(data) - opening
        if data is not self.text and not (
            tail <= len(self.text) and self.text.endswith(data[opening:])
        ):
            return None
        shift = len(self.text) - len(data)
        close = self.closing.get(opening + shift)
        return -1 if close is None else close - shift


_last: dict[str, _Closings] = {}  # by opener: the last text that needed a table


def _close_of(data: str, opening: int) -> int:
    """Where the "[" or "(" at ``opening`` is closed; -1 when it is not."""
    opener = data[opening]
    table = _last.get(opener)
    found = table.close_of(data, opening) if table is not None else None
    if found is None:
        table = _last[opener] = _Closings(data, opener)
        found = table.close_of(data, opening)
    assert found is not None
    return found


def get_text(data: str, index: int) -> tuple[str, int, bool]:
    """``LinkInlineProcessor.getText(data, index)``: the link text after the "[" that ends
    at ``index``, where it ends, and whether its "]" was found."""
    close = data.find("]", index)
    if close == -1:
        return data[index:], len(data), False
    if data.find("[", index, close) != -1:
        if index < 1 or data[index - 1] != "[":  # not how Markdown calls it: stock's walk
            return LinkInlineProcessor.getText(None, data, index)  # type: ignore[arg-type]
        close = _close_of(data, index - 1)
        if close == -1:
            return data[index:], len(data), False
    return data[index:close], close + 1, True


def get_link(original: Callable[[str, int], Any], pattern: Any) -> Callable[[str, int], Any]:
    """``pattern.getLink`` (``original``): without quotes after the "(", its walk is a count
    of parentheses, so it is given the text up to the ")" that closes the "(" or, when none
    does, its failure is returned without a walk."""

    def getLink(data: str, index: int) -> Any:  # noqa: N802  stock's name
        match = pattern.RE_LINK.match(data, pos=index)
        if match is None or match.group(1):
            return original(data, index)
        start = match.end()
        close = data.find(")", start)
        if close != -1 and data.find("(", start, close) == -1:
            return original(data, index)  # a walk of a few characters
        if data.find('"', start) != -1 or data.find("'", start) != -1:
            return original(data, index)
        close = _close_of(data, index)
        if close == -1:
            return "", None, len(data), False
        return original(data[: close + 1], index)

    return getLink


def install(md: Any) -> None:
    """Put ``get_text`` and ``get_link`` in place on ``md``'s link patterns that use
    stock's."""
    for pattern in md.inlinePatterns:
        if not isinstance(pattern, LinkInlineProcessor):
            continue
        kind = type(pattern)
        if kind.getText is LinkInlineProcessor.getText:
            pattern.getText = get_text
        if kind.getLink is LinkInlineProcessor.getLink:
            pattern.getLink = get_link(pattern.getLink, pattern)
