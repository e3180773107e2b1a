"""The block parser's blocks in a deque (pipeline/fastinline/blockqueue.py)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import markup
from pipeline.fastinline import blockqueue
from tests.helpers import assert_converts_as_stock, assert_converts_in_linear_time

# Blocks of every kind the pipeline's extensions take apart, joined by blank lines (or
# not): each processor pops the first block and may put a rest back.
BLOCKS = st.lists(
    st.sampled_from(
        ["a", "# h", "h\n=", "- i\n- j", "1. k", "    code", "> q\n> r", "---", "*[A]: t",
         "[^1]: n\n    more", "x[^1]", "t\n: d", "| a |\n|---|\n| 1 |", "```\nf\n```",
         "<div>\nraw\n</div>", "[r]: /u", "A x", "  - nested\n    - deeper", ""]
    ),
    max_size=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(BLOCKS, st.sampled_from(["\n\n", "\n", "\n\n\n"]))
def test_pages_of_many_blocks_convert_as_stock_converts_them(blocks, separator):
    assert_converts_as_stock(separator.join(blocks))


@pytest.mark.parametrize("index", [None, 0, 1, -1, -2, 3])
def test_blocks_pop_as_a_list_pops(index):
    items = ["a", "b", "c", "d", "e"]
    ours, theirs = blockqueue.Blocks(items), list(items)
    args = () if index is None else (index,)
    assert ours.pop(*args) == theirs.pop(*args)
    assert list(ours) == theirs


def test_the_parser_takes_blocks_from_a_deque_on_the_supported_version():
    assert type(markup.new_markdown().parser) is blockqueue.FastBlockParser


def test_a_page_of_many_small_blocks_converts_in_linear_time():
    assert_converts_in_linear_time(lambda n: "a\n\n" * n + "> q\n\n- i\n", 20_000)
