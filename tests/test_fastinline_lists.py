"""List items split without quadratic copying (pipeline/fastinline/lists.py)."""

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import markup
from pipeline.fastinline import lists
from tests.helpers import assert_converts_as_stock, assert_converts_in_linear_time

# Lines a list's block is made of: items of both kinds at several indents, lazy and
# indented continuation lines, blank lines, and lines that are no item.
LINES = st.lists(
    st.sampled_from(
        ["- a", "* b", "+ c", "1. d", "7. e", "  - f", "   3. g", "    - h", "      * i",
         "        - j", "    k", "lazy", "", "  ", "-x", "1.x", "> q", "# h", "\t- t"]
    ),
    min_size=1,
    max_size=14,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(LINES)
def test_each_list_processor_splits_a_block_into_stocks_items(lines):
    block = "\n".join(lines)
    fast = markup.new_markdown().parser.blockprocessors
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS)).parser.blockprocessors
    for name in ("olist", "ulist"):
        assert type(fast[name]) in lists.FAST.values()
        try:
            expected = stock[name].get_items(block)
        except IndexError:  # a first line that is no item: stock has no item to add it to
            with pytest.raises(IndexError):
                fast[name].get_items(block)
            continue
        assert fast[name].get_items(block) == expected
        assert getattr(fast[name], "STARTSWITH", None) == getattr(stock[name], "STARTSWITH", None)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_lists_convert_as_stock_converts_them(lines):
    assert_converts_as_stock("\n".join(lines))


@pytest.mark.parametrize(
    "make_text",
    [
        lambda n: "- item\n" + "a lazy line of the item's paragraph\n" * n,
        lambda n: "- item\n" + "        an indented line of the item\n" * n,
        lambda n: "1. item\n" + "    - a nested item, which joins the first\n" * n,
    ],
    ids=["lazy lines", "indented lines", "nested items"],
)
def test_an_item_of_many_lines_converts_in_linear_time(make_text):
    assert_converts_in_linear_time(make_text, 3000)
