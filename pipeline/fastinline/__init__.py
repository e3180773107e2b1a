"""A faster drop-in for Python-Markdown's inline treeprocessor, with byte-identical output.

Replaces ``markdown.treeprocessors.InlineProcessor`` (registered as "inline", same
priority). The stock processor tries every inline pattern on every text node: for 200
generated pages, 187,000 ``__applyPattern`` calls for 14,000 text nodes, each a registry
look-up and a regex search, and most cannot match because the text holds none of the
characters the pattern needs (no ``[`` for a link, no ``*`` or ``_`` for emphasis).

Why it is exact: it follows stock's algorithm step by step (the same breadth-first
traversal, pattern order, start index after each match, placeholders, stash and
ancestors, and the same ``handleMatch`` calls in the same order) and only leaves out work
whose result is known:

* a pattern is not tried on a text that contains none of the strings every match of its
  regex contains (``regex_chars.required_strings``, e.g. ``"!["`` for images). Stock
  would run ``finditer``, find nothing and go on with no side effect. A match only
  replaces part of a text by a placeholder, which cannot create those strings, so one
  check per text holds for all its later states. Unanalysable patterns are always tried;
* for Markdown's own patterns, the regex is only tried where a match can start
  (``regex_chars.first_chars``): ``str.find`` jumps there, where Python's regex engine
  would try every position of the text (slow for patterns opening with a lookbehind);
* a text no pattern can match and without placeholders is left as it is: stock's round
  trip through ``__processPlaceholders`` gives it back unchanged, as it does for the
  texts of stashed elements without placeholders;
* the sorted pattern list, the compiled regexes and the lowercased ``ANCESTOR_EXCLUDES``
  are read once per conversion (``run``), not on every attempt (a pattern that overrides
  ``getCompiledRegExp`` is still asked on every attempt), and ``parent_map``, which stock
  only reads to find the root's ancestors, is not kept;
* an element's ancestors are a set of their tags shared with its descendants, not a list
  copied for each of them: stock only asks whether it holds a pattern's
  ``ANCESTOR_EXCLUDES``, and the copies cost a tree nested d deep d * d;
* all the matches of a pattern whose regex reads nothing before its match
  (``regex_chars.reads_before``) and whose stock handler reads only its match (escapes,
  entities and raw HTML, autolinks, line breaks) are taken in one pass over the text
  (``Entry.one_pass``): stock copies the whole text for each, and from a placeholder on its
  copy holds what the text held from the match's end; and the texts linked into one
  element's text or tail are joined once, not grown by ``+`` one at a time.

Not covered: a ``handleMatch`` that changes the pattern registry during a conversion
(the change is seen from the next conversion). Written for Markdown 3.11.3
(``SUPPORTED_VERSION``): on another version ``install`` keeps the stock processor.
Five block-level shortcuts (``blocks``: the block-level tag check, the table test, setext
headings, the toc's marker search and nesting, the block processors' list) are put in place
with it, on the same terms; and the link patterns' bracket and parenthesis walks (``brackets``), raw
HTML start tags (``starttag``), abbreviations (``abbrs``), block processors' searches
of what is left of a block (``linestarts``), the split of a list into items (``lists``) and
the block parser's taking of the next block (``blockqueue``), and footnote references'
numbers and ids (``footnotes``) done without quadratic work.

Measured (``python -m perftools markdown-goals``, 1000 generated pages, seed 1, one process,
interleaved rounds, CPU time): the inline treeprocessor 3.0 to 3.3x faster, whole
conversion 1.48 to 1.59x (noisy shared machine); callgrind on 60 pages, 1.58x fewer
instructions (2294M -> 1454M).
"""

from __future__ import annotations

import warnings

import markdown
from markdown.treeprocessors import InlineProcessor

from pipeline.fastinline import (
    abbrs,
    blockqueue,
    blocks,
    brackets,
    footnotes,
    linestarts,
    lists,
    starttag,
)
from pipeline.fastinline.patterns import SUPPORTED_VERSION
from pipeline.fastinline.processor import FastInlineProcessor

__all__ = ["SUPPORTED_VERSION", "FastInlineProcessor", "install"]


def install(md: markdown.Markdown) -> bool:
    """Put the fast processor in place of ``md``'s stock "inline" one, on the supported version,
    and the block-level shortcuts (``blocks``) in place.

    Returns False (and warns once per process) when the installed Markdown is another
    version: the processor follows 3.11.3's algorithm and could differ from another one's.
    Also False, silently, when ``md`` has no stock "inline" processor to replace (an
    extension removed it or put its own there).
    """
    if markdown.__version__ != SUPPORTED_VERSION:
        _warn_unsupported(markdown.__version__)
        return False
    blocks.install(md)
    brackets.install(md)
    starttag.install(md)
    abbrs.install(md)
    footnotes.install(md)
    linestarts.install(md)
    lists.install(md)
    blockqueue.install(md)
    registry = md.treeprocessors
    if "inline" not in registry or type(registry["inline"]) is not InlineProcessor:
        return False
    priority = next(item.priority for item in registry._priority if item.name == "inline")
    registry.register(FastInlineProcessor(md), "inline", priority)
    return True


_warned: set[str] = set()


def _warn_unsupported(version: str) -> None:
    if version in _warned:
        return
    _warned.add(version)
    warnings.warn(
        f"pipeline.fastinline was written for Markdown {SUPPORTED_VERSION}, found {version}: "
        "using the stock inline processor (same output, slower)",
        RuntimeWarning,
        stacklevel=3,
    )
