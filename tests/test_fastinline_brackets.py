"""The link patterns' linear bracket and parenthesis walks: stock's results, linear time."""

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.fastinline import brackets
from tests.helpers import assert_converts_as_stock, assert_converts_in_linear_time

SOUP = st.text(alphabet=st.sampled_from(list("[]()\"' ax!<\\\n")), max_size=40)
_MD = markdown.Markdown()
_MD.convert("x")  # its link pattern's unescape reads the inline processor's stash
STOCK = _MD.inlinePatterns["link"]


@settings(max_examples=500, deadline=None)
@given(st.lists(SOUP, min_size=1, max_size=4))
def test_get_text_gives_stock_results_at_every_bracket(texts):
    # Texts in a row, as a conversion sends them: the table of one is reused for the next
    # only where their tails agree.
    for text in texts:
        for index in range(1, len(text) + 1):
            if text[index - 1] == "[":
                assert brackets.get_text(text, index) == STOCK.getText(text, index)


@settings(max_examples=500, deadline=None)
@given(st.lists(SOUP, min_size=1, max_size=4))
def test_get_link_gives_stock_results_at_every_parenthesis(texts):
    fast = brackets.get_link(STOCK.getLink, STOCK)
    for text in texts:
        for index, char in enumerate(text):
            if char == "(":
                assert fast(text, index) == STOCK.getLink(text, index)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[", "]", "(", ")", "[a](", "![b](", "x", '"', " "]), max_size=60))
def test_bracket_soup_converts_as_stock_converts_it(pieces):
    assert_converts_as_stock("".join(pieces))


@pytest.mark.parametrize(
    "unit", ["[", "[a](", "![a](", "[a][", "[[a](b)"], ids=["open", "link", "image", "ref", "nest"]
)
def test_many_brackets_that_open_nothing_convert_in_linear_time(unit):
    assert_converts_in_linear_time(lambda n: unit * n + "x" + "]" * n + ")", 2000)
