"""What the fast inline processor knows about each pattern: the strings every match
needs, where a match can start, and how to find the first accepted match from there."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from markdown import inlinepatterns, util

from pipeline.fastinline.regex_chars import (
    first_chars,
    is_common,
    reads_before,
    required_strings,
    selectivity,
)

SUPPORTED_VERSION = "3.11.3"

PREFIX = util.INLINE_PLACEHOLDER_PREFIX
PLACEHOLDER_RE = util.INLINE_PLACEHOLDER_RE
Atomic = util.AtomicString
BASE_GET_COMPILED = inlinepatterns.Pattern.getCompiledRegExp
PLACEHOLDER_CHARS = frozenset(util.INLINE_PLACEHOLDER % "0123456789")
# Beyond a few start characters, candidates are too many to be worth visiting one by one.
MAX_START_CHARS = 4
# Stash keys ("0000", "0001", ...) and their placeholders, formatted once per process.
KEYS: list[str] = []
PLACEHOLDERS: list[str] = []
# Candidate start positions where the regex fails before a search over the rest is cheaper.
MAX_MISSES = 8
# Stock classes whose handleMatch reads only its match, never the text around it.
MATCH_ONLY_HANDLERS = (
    inlinepatterns.EscapeInlineProcessor,
    inlinepatterns.HtmlInlineProcessor,
    inlinepatterns.SubstituteTagInlineProcessor,
    inlinepatterns.AutolinkInlineProcessor,
    inlinepatterns.AutomailInlineProcessor,
)


class Entry:
    """One inline pattern as read at the start of a conversion."""

    __slots__ = ("pattern", "regex", "needs", "starts", "excludes", "new_style", "one_pass")

    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern
        self.excludes = tuple(exclude.lower() for exclude in pattern.ANCESTOR_EXCLUDES)
        self.new_style = isinstance(pattern, inlinepatterns.InlineProcessor)
        # Stock asks for the regex on every attempt: a pattern that computes it (overrides
        # getCompiledRegExp) is asked every time here too, and always tried.
        dynamic = type(pattern).getCompiledRegExp is not BASE_GET_COMPILED
        self.regex: re.Pattern[str] | None = None if dynamic else pattern.compiled_re
        # One set of strings, the most selective, is checked; none if all are common (a
        # space, a letter): testing every text for them costs more than the searches it
        # saves. () means always tried.
        needs = () if self.regex is None else required_strings(self.regex)
        usable = [strings for strings in needs if not is_common(strings) and stable(strings)]
        self.needs = tuple(sorted(usable, key=selectivity)[:1])
        self.starts = ""  # the characters a match can start with, "" if unknown
        if self.regex is not None and self.new_style:
            self.starts = start_chars(pattern, self.regex)
        # Whether all its matches in a text can be taken in one pass over the text as it
        # was before the first (FastInlineProcessor._apply_all): from where a match ends,
        # the rest of the text is the same, and neither the regex nor the handler looks
        # anywhere else.
        self.one_pass = bool(
            self.starts and type(pattern) in MATCH_ONLY_HANDLERS and not reads_before(self.regex)
        )

    def compiled(self) -> Any:
        """The pattern's regex, as stock gets it for each attempt."""
        return self.pattern.getCompiledRegExp() if self.regex is None else self.regex

    def may_match(self, present: frozenset[str]) -> bool:
        """False if the regex certainly finds no match in a text containing only ``present``
        of the strings any pattern needs."""
        return all(not strings.isdisjoint(present) for strings in self.needs)


def stable(strings: frozenset[str]) -> bool:
    """True if replacing part of a text by a placeholder cannot create one of ``strings``.

    A new occurrence would overlap the placeholder, so it needs one of its characters. A
    text's strings then bound those of every later state of it (the plan holds).
    """
    return not any(PLACEHOLDER_CHARS.intersection(string) for string in strings)


def start_chars(pattern: Any, regex: re.Pattern[str]) -> str:
    """The characters a match can start with, if they are known and a few rare ones.

    Python's regex engine tries every position of a long text when a pattern starts with
    a lookbehind (``(?<!\\!)\\[`` for links, 28 us for 550 characters); ``str.find``
    jumps to the candidates. The match found is the same, only its ``pos`` attribute
    differs, which no Markdown pattern reads: third-party patterns keep stock's finditer.
    """
    if not type(pattern).__module__.startswith("markdown."):
        return ""
    chars = first_chars(regex)
    if chars is None or is_common(chars) or len(chars) > MAX_START_CHARS:
        return ""
    return "".join(sorted(chars))


def next_start(data: str, chars: str, pos: int) -> int:
    """The first position >= ``pos`` of one of ``chars`` in ``data``, -1 if none."""
    if len(chars) == 1:
        return data.find(chars, pos)
    # One scan that stops at the first of them: a str.find per character would scan to
    # the end for one that is absent, on every call, and a paragraph of 10,000s of "_"
    # that cannot open emphasis calls this once per "_" (quadratic: 1.6 MB took 6.3 s).
    found = _class_search(chars)(data, pos)
    return -1 if found is None else found.start()


@functools.cache
def _class_search(chars: str) -> Callable[[str, int], re.Match[str] | None]:
    return re.compile(f"[{re.escape(chars)}]").search


class Snapshot:
    """The registry's patterns in order, and which of them each kind of text can match."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        # The strings the patterns from index i on need: a text handled from pattern i on
        # (the text of a new element) is only searched for those.
        self._needles_from = [
            sorted(set().union(*(set().union(*e.needs) for e in entries[first:])))
            for first in range(len(entries) + 1)
        ]
        self._plans: dict[frozenset[str], tuple[int, ...]] = {}

    def plan(self, data: str, first: int = 0) -> tuple[int, ...]:
        """For each pattern index i >= ``first``, the first index >= i whose pattern may
        match ``data`` or a text made from it by replacing parts with placeholders
        (``len(entries)`` for none): the patterns in between certainly find no match.

        A plan only depends on the strings found, and its entry i only on the patterns from
        i on, so plans for different ``first`` share one cache.
        """
        # One C-level substring search per needle beats one regex scan over the text.
        present = frozenset([n for n in self._needles_from[first] if n in data])
        plan = self._plans.get(present)
        if plan is None:
            plan = self._plans[present] = self._make_plan(present)
        return plan

    def _make_plan(self, present: frozenset[str]) -> tuple[int, ...]:
        count = len(self.entries)
        plan = [count] * (count + 1)
        for index in range(count - 1, -1, -1):
            may_match = self.entries[index].may_match(present)
            plan[index] = index if may_match else plan[index + 1]
        return tuple(plan)


def first_accepted(entry: Entry, data: str, start_index: int) -> tuple[Any, int, int] | None:
    """Stock: the first match from ``start_index`` that ``handleMatch`` accepts, handled."""
    handle_match = entry.pattern.handleMatch
    for match in entry.compiled().finditer(data, start_index):
        node, start, end = handle_match(match, data)
        if start is not None and end is not None:
            return node, start, end
    return None


def first_accepted_seeking(entry: Entry, data: str, pos: int) -> tuple[Any, int, int] | None:
    """``first_accepted``, trying the regex only where a match can start (``pos`` is one).

    A search returns the match at the first position where the regex matches, so trying
    ``match`` at each candidate position in turn finds the same one; after many misses in
    a row (``!!!!`` for images), one ``search`` from there finds it faster. The pattern
    cannot match the empty string, so after a rejected match ``finditer`` would go on
    from its end, as this does.
    """
    handle_match = entry.pattern.handleMatch
    starts, regex = entry.starts, entry.regex
    misses, max_misses = 0, MAX_MISSES
    while pos >= 0:
        if misses < max_misses:
            match = regex.match(data, pos)
            if match is None:
                misses += 1
                pos = next_start(data, starts, pos + 1)
                continue
        else:
            match = regex.search(data, pos)
            if match is None:
                return None
        node, start, end = handle_match(match, data)
        if start is not None and end is not None:
            return node, start, end
        pos = next_start(data, starts, match.end(0))
    return None
