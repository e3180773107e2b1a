"""FastInlineProcessor: stock's inline treeprocessor algorithm, minus work whose result
is known (the package's docstring says why each shortcut is exact)."""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections import deque
from typing import Any

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor

from pipeline.fastinline.patterns import (
    KEYS,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    PREFIX,
    Atomic,
    Entry,
    Snapshot,
    first_accepted,
    first_accepted_seeking,
    next_start,
)


class FastInlineProcessor(InlineProcessor):
    """Stock's inline processor with patterns that cannot match a text skipped (see module)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._key: tuple[Any, ...] = ()
        self._snapshot = Snapshot([])

    def _take_snapshot(self) -> None:
        """Read the registry (once per conversion); rebuild the snapshot only if it changed."""
        patterns = tuple(self.inlinePatterns)
        regexes = tuple(getattr(pattern, "compiled_re", None) for pattern in patterns)
        key = (patterns, regexes, tuple(pattern.ANCESTOR_EXCLUDES for pattern in patterns))
        if key == self._key:  # patterns compare by identity
            return
        self._key, self._snapshot = key, Snapshot([Entry(p) for p in patterns])

    def _handle_inline(
        self, data: str, pattern_index: int = 0, plan: tuple[int, ...] | None = None
    ) -> str:
        """Stock ``__handleInline``: apply patterns from ``pattern_index`` on, in order.

        ``plan`` is ``self._snapshot.plan(data)`` if the caller has it already. It holds
        for the whole call, as the text only changes by matches.
        """
        snapshot = self._snapshot
        entries = snapshot.entries
        count = len(entries)
        if pattern_index >= count or isinstance(data, Atomic):
            return data
        if plan is None:
            plan = snapshot.plan(data, pattern_index)
        start_index = 0
        while True:
            next_index = plan[pattern_index]
            if next_index == count:
                return data
            if next_index != pattern_index:
                # Stock tries the patterns in between, finds nothing and starts the next at 0.
                pattern_index, start_index = next_index, 0
            entry = entries[pattern_index]
            starts = entry.starts
            if starts:
                # No match can start before this: searching from it finds the same one.
                if len(starts) == 1:
                    start_index = data.find(starts, start_index)
                else:
                    start_index = next_start(data, starts, start_index)
                if start_index < 0:  # no match: as stock, the next pattern from 0
                    pattern_index, start_index = pattern_index + 1, 0
                    continue
                if entry.one_pass:
                    data = self._apply_all(entry, data, pattern_index, start_index)
                    pattern_index, start_index = pattern_index + 1, 0
                    continue
            new_data, matched, start_index = self._apply_pattern(
                entry, data, pattern_index, start_index
            )
            if not matched:
                pattern_index += 1
            data = new_data

    def _apply_pattern(
        self, entry: Entry, data: str, pattern_index: int, start_index: int
    ) -> tuple[str, bool, int]:
        """Stock ``__applyPattern``: one match of one pattern, its node stashed."""
        if entry.excludes and not self._ancestors_allow(entry):
            return data, False, 0
        if not entry.new_style:
            return self._apply_old_style(entry, data, pattern_index, start_index)
        if not entry.starts:
            found = first_accepted(entry, data, start_index)
        else:
            found = first_accepted_seeking(entry, data, start_index)
        if found is None:
            return data, False, 0
        node, start, end = found
        if node is None:
            return data, True, end
        if not isinstance(node, str) and not isinstance(node.text, Atomic):
            self._handle_children(node, pattern_index)
        placeholder = self._stash_node(node)
        return data[:start] + placeholder + data[end:], True, start + len(placeholder)

    def _apply_all(self, entry: Entry, data: str, pattern_index: int, start_index: int) -> str:
        """Stock's ``__applyPattern`` called until it finds no match, in one pass.

        Stock replaces each match by its placeholder in a new copy of the whole text and
        searches the copy from the placeholder's end: a paragraph of n entities or escapes
        cost n copies of it (20,000 in 180 KB took 0.6 s). For an ``Entry.one_pass``
        pattern, the copy from there on holds the same characters as the text did from the
        match's end, and nothing else is read, so the same matches are found in the text
        as it was, handled and stashed in the same order, and the result joined once.
        """
        if entry.excludes and not self._ancestors_allow(entry):
            return data
        pieces: list[str] = []
        done = 0  # the text before this is in ``pieces``
        while (found := first_accepted_seeking(entry, data, start_index)) is not None:
            node, start, end = found
            if node is not None:
                if not isinstance(node, str) and not isinstance(node.text, Atomic):
                    self._handle_children(node, pattern_index)
                pieces += (data[done:start], self._stash_node(node))
                done = end
            start_index = next_start(data, entry.starts, end)
        if not pieces:
            return data
        pieces.append(data[done:])
        return "".join(pieces)

    def _stash_node(self, node: etree.Element | str) -> str:
        """Stock ``__stashNode``: keep the node under the next number, return its placeholder."""
        stash = self.stashed_nodes
        number = len(stash)
        if number >= len(KEYS):  # made once per process, as pages need them
            KEYS.extend(f"{n:04d}" for n in range(len(KEYS), number + 64))
            PLACEHOLDERS.extend(util.INLINE_PLACEHOLDER % k for k in KEYS[len(PLACEHOLDERS) :])
        stash[KEYS[number]] = node
        return PLACEHOLDERS[number]

    def _ancestors_allow(self, entry: Entry) -> bool:
        """Stock's ``ANCESTOR_EXCLUDES``: a pattern is not applied inside these tags."""
        return self.ancestors.isdisjoint(entry.excludes)

    def _apply_old_style(
        self, entry: Entry, data: str, pattern_index: int, start_index: int
    ) -> tuple[str, bool, int]:
        """Stock ``__applyPattern`` for a deprecated ``Pattern`` (``match`` on the rest)."""
        match = entry.compiled().match(data[start_index:])
        if not match:
            return data, False, 0
        left_data = data[:start_index]
        node = entry.pattern.handleMatch(match)
        if node is None:
            return data, True, match.end(0)
        if not isinstance(node, str) and not isinstance(node.text, Atomic):
            self._handle_children(node, pattern_index)
        placeholder = self._stash_node(node)
        new_data = left_data + match.group(1) + placeholder + match.groups()[-1]
        return new_data, True, len(left_data) + len(match.group(1)) + len(placeholder)

    def _handle_children(self, node: etree.Element, pattern_index: int) -> None:
        """Inline patterns on a new node's texts: later patterns inside, this one on tails."""
        ancestors = self.ancestors
        for child in [node, *node]:
            if child.text:
                self.ancestors = ancestors | {child.tag.lower()}
                child.text = self._handle_inline(child.text, pattern_index + 1)
                self.ancestors = ancestors
            if child.tail:
                child.tail = self._handle_inline(child.tail, pattern_index)

    def _process_element_text(
        self, node: etree.Element, subnode: etree.Element, is_text: bool = True
    ) -> None:
        """Stock ``__processElementText``: placeholders in a stashed element's text or tail."""
        if is_text:
            text = subnode.text
            subnode.text = None
        else:
            text = subnode.tail
            subnode.tail = None
        child_result = self._process_placeholders(text, subnode, is_text)
        if not is_text and node is not subnode:
            pos = list(node).index(subnode) + 1
        else:
            pos = 0
        for new_child in reversed(child_result):
            node.insert(pos, new_child[0])

    def _process_placeholders(
        self, data: str | None, parent: etree.Element, is_text: bool = True
    ) -> list[tuple[etree.Element, list[str]]]:
        """Stock ``__processPlaceholders``: the elements a text's placeholders stand for.

        Text between placeholders goes to the previous new element's tail, else to the
        parent's text (``is_text``) or tail; stashed strings are linked in as text.
        """
        result: list[tuple[etree.Element, list[str]]] = []
        texts: list[str] = []  # for the current slot: the parent's, then the last element's
        stash = self.stashed_nodes
        start_index = 0
        while data:
            index = data.find(PREFIX, start_index)
            if index == -1:
                text = data[start_index:]
                if isinstance(data, Atomic):  # keep the text protected from patterns
                    text = Atomic(text)
                texts.append(text)
                break
            match = PLACEHOLDER_RE.search(data, index)
            key, end = (match.group(1), match.end()) if match else (None, index + 1)
            if key not in stash:  # not one of ours: keep the prefix as text
                end = index + len(PREFIX)
                texts.append(data[start_index:end])
                start_index = end
                continue
            node = stash[key]
            if index > 0:
                texts.append(data[start_index:index])
            start_index = end
            if isinstance(node, str):
                texts.append(node)
                continue
            # Texts without placeholders would come back unchanged: skip the round trip.
            for child in [node, *node]:
                tail = child.tail
                if tail and PREFIX in tail and tail.strip():
                    self._process_element_text(node, child, False)
                text = child.text
                if text and PREFIX in text and text.strip():
                    self._process_element_text(child, child)
            if texts:
                _link_texts(result, parent, is_text, texts)
                texts = []
            result.append((node, self.ancestors))
        if texts:
            _link_texts(result, parent, is_text, texts)
        return result

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """Stock ``run``: inline patterns on every text and tail of ``tree``, breadth first."""
        self.stashed_nodes: dict[str, etree.Element | str] = {}
        self._take_snapshot()
        # Stock also keeps ``parent_map`` (child -> parent), but only ever reads it to find
        # the root's ancestors above the root: there are none in the root's own tree.
        tree_parents = frozenset(ancestors or ()) | {tree.tag.lower()}
        plan, nothing = self._snapshot.plan, len(self._snapshot.entries)
        inline_text, atomic, prefix = self._inline_text, Atomic, PREFIX
        stack = deque([(tree, tree_parents)])
        while stack:
            element, parents = stack.popleft()
            if element is not tree:
                parents |= {element.tag.lower()}
            self.ancestors = parents
            insert_queue = []
            for child in element:
                text = child.text
                if text and not isinstance(text, atomic):
                    # A text no pattern can match and without placeholders comes out as it
                    # went in: stock's round trip through the stash would change nothing.
                    text_plan = plan(text)
                    if text_plan[0] != nothing or prefix in text:
                        insert_queue.append((child, inline_text(child, stack, text_plan)))
                if child.tail:
                    self._inline_tail(element, child)
                if len(child):
                    stack.append((child, self.ancestors))
            for child, new_children in insert_queue:
                for i, (new_child, _) in enumerate(new_children):
                    child.insert(i, new_child)
        return tree

    def _inline_text(
        self, child: etree.Element, stack: deque[Any], plan: tuple[int, ...]
    ) -> list[Any]:
        """A child's text through the patterns; its new elements are queued for traversal."""
        parents = self.ancestors
        self.ancestors = parents | {child.tag.lower()}
        text = child.text
        child.text = None
        new_children = self._process_placeholders(self._handle_inline(text, 0, plan), child)
        stack += new_children
        self.ancestors = parents
        return new_children

    def _inline_tail(self, element: etree.Element, child: etree.Element) -> None:
        """A child's tail through the patterns; its new elements follow the child."""
        tail = self._handle_inline(child.tail)
        dummy = etree.Element("d")
        child.tail = None
        new_children = self._process_placeholders(tail, dummy, False)
        if dummy.tail:
            child.tail = dummy.tail
        pos = list(element).index(child) + 1
        for new_child, _ in reversed(new_children):
            element.insert(pos, new_child)


def _link_texts(result: list[Any], parent: etree.Element, is_text: bool, texts: list[str]) -> None:
    """Stock ``linkText`` for each of ``texts`` in turn (to the last new element's tail, else
    the parent's text or tail), in one assignment: stock grows the string by ``+`` once per
    text, quadratic for a paragraph of thousands of entities or escapes (stashed strings).

    The same value: the texts joined are linked as one, and a text alone is linked as it
    is, so that an AtomicString stays one where stock's slot would hold only it."""
    if len(texts) > 1:
        texts = [text for text in texts if text]
    if not texts or not texts[0]:
        return
    text = texts[0] if len(texts) == 1 else "".join(texts)  # one text is itself, not a copy
    if result:
        last = result[-1][0]
        last.tail = last.tail + text if last.tail else text
    elif not is_text:
        parent.tail = parent.tail + text if parent.tail else text
    else:
        parent.text = parent.text + text if parent.text else text
