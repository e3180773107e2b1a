"""Raw HTML start tags (pipeline/fastinline/starttag.py): stock's ends, in linear time."""

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import htmlparser as markdown_htmlparser

from pipeline import markup
from pipeline.fastinline import starttag
from tests.helpers import assert_converts_as_stock, assert_converts_in_linear_time

STOCK = markdown_htmlparser.htmlparser.locatestarttagend_tolerant
TOKENS = ["<a", "<b", " ", "  ", "=", "==", '"', "'", "/", ">", "`", ",", "\n", "\t", "\xa0", "x"]
SOUP = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


def starts(text: str) -> list[int]:
    return [i for i in range(len(text) - 1) if text[i] == "<" and text[i + 1].isalpha()]


def test_the_pieces_make_markdowns_pattern():
    assert starttag._same_as_stock()
    assert type(markup.new_markdown().preprocessors["html_block"]).__name__ == (
        "FastHtmlBlockPreprocessor"
    )


@settings(max_examples=1000, deadline=None)
@given(SOUP, st.randoms(use_true_random=False))
def test_each_start_tag_ends_where_stocks_pattern_ends_it(text, random):
    ends = starttag.StartTagEnds(text)  # one per text, asked in any order, as a parser may
    order = starts(text)
    random.shuffle(order)
    for i in order:
        match = STOCK.match(text, i)
        assert ends.end(i) == (match.end() if match else None)


# Each way html.parser's check goes after its match: ">", "/>", "/" at the end, "/" then
# other text, the end, a letter or "=" next, anything else.
CHECKS = ["<a x>", "<a x/>", "<a x/", "<a x/y", "<a x", "<a x='y", "<a x=", "<a x <b>", "<a `"]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.sampled_from(CHECKS), SOUP))
def test_the_extractor_checks_each_start_tag_as_stocks_does(text):
    md = markdown.Markdown()
    fast, stock = starttag._Extractor(md), markdown_htmlparser.HTMLExtractor(md)
    fast.rawdata = stock.rawdata = text
    for i in starts(text):
        assert fast.check_for_whole_start_tag(i) == stock.check_for_whole_start_tag(i)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<a ", "<b c=", '"', "'", ">", "/", "</a>", "x", "\n\n"])))
def test_raw_html_soup_converts_as_stock_converts_it(pieces):
    assert_converts_as_stock("".join(pieces))


def test_start_tags_that_never_close_convert_in_linear_time():
    assert_converts_in_linear_time(lambda n: "x <b c=d " * n, 1000)
