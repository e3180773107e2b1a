"""Footnote references numbered and given their ids in constant time, as stock numbers them.

Stock's footnote pattern does three linear searches for every ``[^id]`` it turns into a
link: whether ``id`` is in the list of ids referenced so far, the place of ``id`` among
all the footnotes (it lists their ids each time), and, for the ``n``-th reference to one
footnote, a walk through ``fnref:id``, ``fnref2:id`` ... ``fnref<n>:id`` to the first id
not used yet. A page of many footnotes or many references was quadratic: 10,000
footnotes (260 KB) took 4 s to convert, 40,000 references to one footnote went past the
60 s page time limit.

Here each of these is a dictionary look-up, kept beside the extension's own state for
the conversion it belongs to (its lists and dictionaries are new objects after each
``reset``, and only grow within a conversion):

* the place of each id among the footnotes, or in the order of reference
  (``USE_DEFINITION_ORDER`` off), is kept in a dictionary from the first look-up on;
* a reference's id resumes the walk from the last id that walk gave: every id before it
  on the way is still used (the set of used ids only grows), so stock's walk would pass
  them all and stop where this one stops.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown.extensions.footnotes import FootnoteExtension, FootnoteInlineProcessor


class FastFootnoteExtension(FootnoteExtension):
    """Stock's footnotes, whose reference order and ids are found without linear walks."""

    def addFootnoteRef(self, id: str) -> None:  # noqa: N802 (stock's name)
        order = self.footnote_order
        places = _places(self, "_order", order)  # only this method adds to ``order``
        if id not in places:
            places[id] = len(order)
            order.append(id)

    def unique_ref(self, reference: str, found: bool = False) -> str:
        if not found:
            return reference
        last = _places(self, "_last", self.used_refs)
        original = reference
        reference = last.get(original, original)
        separator = self.get_separator()
        while reference in self.used_refs:
            ref, rest = reference.split(separator, 1)
            m = _REF_ID.match(ref)
            if m:
                reference = f"{m.group(1)}{int(m.group(2)) + 1}{separator}{rest}"
            else:
                reference = f"{ref}2{separator}{rest}"
        last[original] = reference
        self.used_refs.add(reference)
        self.found_refs[original] = self.found_refs.get(original, 0) + 1
        return reference


class FastFootnoteInlineProcessor(FootnoteInlineProcessor):
    """Stock's ``handleMatch``, with the footnote's number looked up."""

    def handleMatch(  # noqa: N802 (stock's name)
        self, m: re.Match[str], data: str
    ) -> tuple[Any, int | None, int | None]:
        footnotes = self.footnotes
        id = m.group(1)
        if id not in footnotes.footnotes:
            return None, None, None
        footnotes.addFootnoteRef(id)
        if not footnotes.getConfig("USE_DEFINITION_ORDER"):
            number = _places(footnotes, "_order", footnotes.footnote_order)[id] + 1
        else:
            number = _definition_places(footnotes)[id] + 1
        return self._link(footnotes, id, number), m.start(0), m.end(0)

    def _link(self, footnotes: Any, id: str, number: int) -> etree.Element:
        sup = etree.Element("sup")
        a = etree.SubElement(sup, "a")
        sup.set("id", footnotes.makeFootnoteRefId(id, found=True))
        a.set("href", "#" + footnotes.makeFootnoteId(id))
        a.set("class", "footnote-ref")
        a.text = footnotes.getConfig("SUPERSCRIPT_TEXT").format(number)
        return sup


_REF_ID = re.compile(r"(fnref)(\d+)")  # stock's RE_REF_ID


def _places(extension: Any, name: str, owner: object) -> dict[str, Any]:
    """The dictionary ``name`` kept for ``owner``, an object of the extension's current
    conversion: a fresh one once ``reset`` has replaced it."""
    kept = extension.__dict__.get(name)
    if kept is None or kept[0] is not owner:
        kept = extension.__dict__[name] = (owner, {})
    return kept[1]


def _definition_places(footnotes: Any) -> dict[str, int]:
    """Each footnote id's place among the footnotes, as ``list(keys).index`` gives it."""
    # All are defined by now: the block parser found them, and the footnotes' own text was
    # parsed before the inline patterns run (the "footnote" treeprocessor comes first).
    places = _places(footnotes, "_definitions", footnotes.footnotes)
    if not places:
        places.update((id, i) for i, id in enumerate(footnotes.footnotes))
    return places


def install(md: Any) -> None:
    """Put the fast classes in place of stock's footnote pattern and its extension, where
    ``md`` has both exactly as stock made them (a subclass may keep other state)."""
    for pattern in md.inlinePatterns:
        if (
            type(pattern) is FootnoteInlineProcessor
            and type(pattern.footnotes) is FootnoteExtension
        ):
            pattern.__class__ = FastFootnoteInlineProcessor
            pattern.footnotes.__class__ = FastFootnoteExtension
