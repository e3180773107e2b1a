"""YAML whose size after alias expansion is bounded before anything is built from it.

A YAML alias (``*name``) repeats a whole value by reference: nine nested lists of nine
aliases each ("billion laughs") are ten lines that stand for 387 million values. PyYAML
shares the aliased objects, but whatever walks the result (``repr``, a template, JSON)
expands them. So the composed node graph is measured first, in time linear in its
nodes however much it expands to, and refused above the limits; a value that contains
itself (a recursive alias) is refused too. Front matter real sites write holds tens of
values, a few kilobytes and three or four levels (measured on the synthetic corpus and
on common Jekyll/Hugo front matter): the limits are far above that and far below harm.
"""

from __future__ import annotations

from typing import Any

import yaml
from msgspec import Struct

MAX_VALUES = 10_000  # scalars, lists and mappings, every alias counted in full
MAX_CHARS = 1_000_000  # characters in all scalars after expansion (or the text's own size)
MAX_DEPTH = 50  # nesting levels; deeper values are a hazard for recursive code downstream

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LimitError(yaml.YAMLError):
    """The document is over a limit; ``line`` is the 0-based line of the value at fault."""

    def __init__(self, problem: str, line: int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class _MeasuredLoader(_Loader):  # type: ignore[misc,valid-type]
    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A value the safe constructor cannot build (2024-13-45, a 5000-digit integer)
        # raises ValueError and the like: make it a YAML error at that value's line.
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, str(exc), node.start_mark) from None


def load(text: str) -> Any:
    """The single YAML document in ``text`` (None if empty), built only once measured.

    Raises yaml.YAMLError (LimitError over a limit).
    """
    loader = _MeasuredLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text or not within_limits(node):
            measure(node, max(MAX_CHARS, len(text)))  # raises, naming the line, if over
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Size(Struct):
    """What a front-matter block has made so far, against the limits."""

    values: int
    chars: int
    depth: int


def measure(root: yaml.Node, max_chars: int = MAX_CHARS) -> _Size:
    """The size ``root`` expands to; raises LimitError over a limit or on a cycle.

    Each node is measured once (aliases share their node), without recursion.
    """
    sizes: dict[int, _Size] = {}
    active: set[int] = set()  # nodes being measured: meeting one again is a cycle
    shared = False  # an alias was met: the document is larger than its text
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, measured_children = stack.pop()
        key = id(node)
        if not measured_children:
            if key in sizes:
                shared = True
                continue
            if key in active:
                raise LimitError("refers to itself (a recursive YAML alias)", _line(node))
            active.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
            continue
        active.discard(key)
        size = _Size(1, len(node.value) if isinstance(node, yaml.ScalarNode) else 0, 1)
        for child in _children(node):
            known = sizes[id(child)]
            size.values += known.values
            size.chars += known.chars
            size.depth = max(size.depth, known.depth + 1)
        sizes[key] = size
        _check(size, node, shared, max_chars)
    return sizes[id(root)]


def within_limits(root: yaml.Node) -> bool:
    """Whether a document without aliases (no ``*`` in its text) is within the limits.

    Without aliases the node graph is a tree, and its scalars hold no more characters than
    its text: only its values and depth are counted, in a walk that makes nothing per node
    (a sixth of the time ``measure`` takes on the synthetic corpus). False: over a
    limit, and ``measure`` says where.
    """
    values = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        values += 1
        if values > MAX_VALUES or depth > MAX_DEPTH:
            return False
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += ((key, depth + 1), (value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack += ((child, depth + 1) for child in node.value)
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _check(size: _Size, node: yaml.Node, shared: bool, max_chars: int) -> None:
    how = "expands to" if shared else "has"
    why = " (YAML aliases); write fewer or smaller aliases" if shared else ""
    if size.values > MAX_VALUES:
        raise LimitError(f"{how} more than {MAX_VALUES} values{why}", _line(node))
    if size.chars > max_chars:
        raise LimitError(f"{how} more than {max_chars} characters{why}", _line(node))
    if size.depth > MAX_DEPTH:
        raise LimitError(f"is nested more than {MAX_DEPTH} levels deep", _line(node))


def _line(node: yaml.Node) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line if mark is not None else 0
