"""What a regular expression's matches are made of, read from its syntax, never guessed.

Two facts, each answered conservatively (``()`` or None when unsure):

* ``required_strings``: sets of strings such that every match (the text it consumes)
  contains at least one string of each set: ``{"![" }``, ``{"*", "_"}``. A text that
  contains no string of one of the sets has no match, so the regex need not run on it.
* ``first_chars``: the characters a match can start with. A search from ``pos`` finds
  the same match as a search from the first such character at or after ``pos``, since no
  match can start before it (lookbehinds still see the text before ``pos``).

Unsure means: a flag not modelled (IGNORECASE), a construct not known (back-references,
conditionals), a class that cannot be listed (``\\w``, ``[^...]``, ``.``), or, for
``first_chars``, a pattern that can match the empty string.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11 renamed the modules; both expose the same parse tree
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover - Python < 3.11 (not supported by the project)
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

CharSet = frozenset[str]
# Each set holds: every match contains at least one of its strings.
Requirements = tuple[frozenset[str], ...]

# A class bigger than this is as good as "any character" for skipping purposes.
_MAX_CLASS = 256
# Zero-width items: they never consume a character, so they require nothing.
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_ATOMIC_GROUP = getattr(_c, "ATOMIC_GROUP", object())


class _Unknown(Exception):
    """The pattern holds something this analysis does not model."""


def required_strings(compiled: re.Pattern[Any]) -> Requirements:
    """Sets of strings every match of ``compiled`` contains one of each of; () if unknown."""
    items = _parse(compiled)
    return () if items is None else _sequence(items)


def first_chars(compiled: re.Pattern[Any]) -> CharSet | None:
    """Every character a match of ``compiled`` can start with; None if unknown or if it can
    match the empty string."""
    items = _parse(compiled)
    if items is None:
        return None
    try:
        chars, nullable = _first_of_sequence(items)
    except _Unknown:
        return None
    return None if nullable or not chars else frozenset(chars)


def selectivity(strings: frozenset[str]) -> tuple[int, int]:
    """A sort key, smallest first, for how rarely a set of strings is expected in prose.

    Its rarest member is as rare as its shortest, so length comes first, then how many
    strings share the job; a set with a space or a letter or digit of its own is common.
    """
    shortest = min(len(string) for string in strings)
    common = any(len(string) == 1 and (string == " " or string.isalnum()) for string in strings)
    return (1 if common else 0, -shortest, len(strings))


def is_common(strings: frozenset[str]) -> bool:
    """True if a text will usually contain one of ``strings`` (a space, a letter, a digit)."""
    return selectivity(strings)[0] == 1


def reads_before(compiled: re.Pattern[Any]) -> bool:
    """Whether a match of ``compiled`` may depend on the text before where it starts (a
    lookbehind, ``\\b``, ``^``) or on where that is; True if unsure. A search from ``pos``
    of a pattern that does not finds the same matches, at the same offsets from ``pos``, in
    any text that holds the same characters from ``pos`` on."""
    items = _parse(compiled)
    return True if items is None else _reads_before(items)


_LOOKS_AHEAD_ONLY = {_c.AT_END, _c.AT_END_LINE, _c.AT_END_STRING}
_CONSUMES = {_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.GROUPREF}


def _reads_before(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op in _CONSUMES or (op is _c.AT and av in _LOOKS_AHEAD_ONLY):
            continue
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, sub = av
            if direction < 0 or _reads_before(list(sub)):
                return True
        elif op is _c.SUBPATTERN:
            if _reads_before(list(av[3])):
                return True
        elif op in _REPEATS:
            if _reads_before(list(av[2])):
                return True
        elif op is _ATOMIC_GROUP:
            if _reads_before(list(av)):
                return True
        elif op is _c.BRANCH:
            if any(_reads_before(list(alternative)) for alternative in av[1]):
                return True
        else:  # an anchor at a start or a boundary, a conditional, anything not modelled
            return True
    return False


def _parse(compiled: re.Pattern[Any]) -> list[tuple[Any, Any]] | None:
    if not isinstance(compiled, re.Pattern) or not isinstance(compiled.pattern, str):
        return None
    try:
        parsed = _parser.parse(compiled.pattern, compiled.flags)
    except Exception:  # a pattern re accepted but this parser does not: never guess
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    return list(parsed)


def _sequence(items: list[tuple[Any, Any]]) -> Requirements:
    """Every item of a concatenation is matched, so all their requirements hold; literals
    next to each other are one string."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            found.append(frozenset(["".join(run)]))
            run = []
        if op is not None:
            found.extend(_item(op, av))
    return tuple(dict.fromkeys(found))


def _item(op: Any, av: Any) -> Requirements:
    if op is _c.IN:
        chars = _char_class(av)
        return (chars,) if chars else ()
    if op in _REPEATS:
        low, _high, sub = av
        return _sequence(list(sub)) if low >= 1 else ()
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return () if add_flags & re.IGNORECASE else _sequence(list(sub))
    if op is _ATOMIC_GROUP:
        return _sequence(list(av))
    if op is _c.BRANCH:
        return _branch(av[1])
    # Zero-width items, ANY, NOT_LITERAL, CATEGORY, GROUPREF, GROUPREF_EXISTS and
    # anything newer: nothing known.
    return ()


def _branch(alternatives: list[Any]) -> Requirements:
    """One alternative matches, so the union of one set of each holds (the most selective
    of each, to keep the union small), if every alternative requires something."""
    union: set[str] = set()
    for alternative in alternatives:
        needs = _sequence(list(alternative))
        if not needs:
            return ()
        union |= min(needs, key=selectivity)
    return (frozenset(union),)


def _first_of_sequence(items: list[tuple[Any, Any]]) -> tuple[set[str], bool]:
    """(characters a match of the concatenation can start with, whether it can be empty)."""
    chars: set[str] = set()
    for op, av in items:
        item_chars, nullable = _first_of_item(op, av)
        chars |= item_chars
        if not nullable:
            return chars, False
    return chars, True


def _first_of_item(op: Any, av: Any) -> tuple[set[str], bool]:
    if op is _c.LITERAL:
        return {chr(av)}, False
    if op is _c.IN:
        chars = _char_class(av)
        if chars is None:
            raise _Unknown
        return set(chars), False
    if op in _REPEATS:
        low, _high, sub = av
        chars, nullable = _first_of_sequence(list(sub))
        return chars, nullable or low == 0
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & re.IGNORECASE:
            raise _Unknown
        return _first_of_sequence(list(sub))
    if op is _ATOMIC_GROUP:
        return _first_of_sequence(list(av))
    if op is _c.BRANCH:
        chars, nullable = set(), False
        for alternative in av[1]:
            alt_chars, alt_nullable = _first_of_sequence(list(alternative))
            chars |= alt_chars
            nullable = nullable or alt_nullable
        return chars, nullable
    if op in _ZERO_WIDTH:  # consumes nothing; a lookahead only narrows what follows
        return set(), True
    raise _Unknown


def _char_class(items: list[tuple[Any, Any]]) -> CharSet | None:
    """The characters of a class if it can be listed, else None."""
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, a huge range
            return None
    return frozenset(chars) if chars else None
