"""List items split from their block without copying each item again for every line.

Python-Markdown's list processors (``OListProcessor.get_items``, which the unordered and
sane_lists' processors inherit) split a list's block into items line by line and add each
line to its item with ``"{}\n{}".format(item, line)``: a new copy of the whole item per
line, so an item of many lines is quadratic in its length. Lazy continuation lines,
indented lines and nested lists make such items: 32,000 lazy lines after one item took
0.76 s, and a list nested 2,000 deep (4 MB, each level indented two spaces more) spent
40 of its 50 s here before Python's recursion limit stopped it.

Here each item is a list of its lines, joined once at the end. Nothing else changes: a
line joins the item stock would add it to (whether the last item is indented depends on
its first line, which later lines do not change), the first item of an ordered list
still sets ``STARTSWITH``, and a block whose first line is no item fails as stock's does.
"""

from __future__ import annotations

import re
from typing import Any

from markdown.blockprocessors import OListProcessor, UListProcessor
from markdown.extensions.sane_lists import SaneOListProcessor, SaneUListProcessor

from pipeline.fastinline.inplace import put_in_place

_INTEGER = re.compile(r"(\d+)")


class _Items:
    """``get_items`` for both list processors (stock's is on ``OListProcessor``)."""

    CHILD_RE: re.Pattern[str]
    INDENT_RE: re.Pattern[str]
    TAG: str
    tab_length: int

    def get_items(self, block: str) -> list[str]:
        items: list[list[str]] = []
        indent = " " * self.tab_length
        for line in block.split("\n"):
            m = self.CHILD_RE.match(line)
            if m:
                if not items and self.TAG == "ol":
                    self.STARTSWITH = _INTEGER.match(m.group(1)).group()  # type: ignore[union-attr]
                items.append([m.group(3)])
            elif self.INDENT_RE.match(line):
                if items[-1][0].startswith(indent):
                    items[-1].append(line)
                else:
                    items.append([line])
            else:
                items[-1].append(line)
        return ["\n".join(lines) for lines in items]


# Stock's list processors and sane_lists' (which the pipeline uses), each with ``_Items``.
FAST = {
    stock: type(f"Fast{stock.__name__}", (_Items, stock), {})
    for stock in (OListProcessor, UListProcessor, SaneOListProcessor, SaneUListProcessor)
}


def install(md: Any) -> None:
    """The fast list processors in place of stock's (the caller checked the version)."""
    put_in_place(md.parser.blockprocessors, FAST)
