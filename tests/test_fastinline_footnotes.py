"""Footnote references in constant time (pipeline/fastinline/footnotes.py): stock's HTML."""

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.extensions.footnotes import FootnoteExtension, FootnoteInlineProcessor

from perftools.hostile_sweep import SHAPES
from pipeline import fastinline, markup
from pipeline.fastinline.footnotes import FastFootnoteExtension, FastFootnoteInlineProcessor
from tests.helpers import assert_converts_as_stock, assert_converts_in_linear_time

IDS = st.sampled_from(["1", "2", "a", "b:c", "x y", "fnref", "2:1"])
PIECES = st.one_of(
    IDS.map(lambda id: f"text[^{id}] "),
    IDS.map(lambda id: f"\n\n[^{id}]: note [^{id}]\n\n"),
    IDS.map(lambda id: f"\n[^{id}]: note\n    more [^1]\n\n"),
    st.sampled_from(["\n\n", "word ", "[^] ", "\n\n    [^1]\n\n", "*[^a]* ", "[^1][^1]"]),
)
DOCUMENTS = st.lists(PIECES, max_size=30).map("".join)
CONFIGS = [
    {},
    {"USE_DEFINITION_ORDER": False},
    {"UNIQUE_IDS": True},
    {"USE_DEFINITION_ORDER": False, "UNIQUE_IDS": True, "SEPARATOR": "-"},
]


def converters(config: dict) -> tuple[markdown.Markdown, markdown.Markdown]:
    """(ours, stock's) with the footnotes extension so configured."""
    made = []
    for fast in (True, False):
        md = markdown.Markdown(
            extensions=list(markup.EXTENSIONS), extension_configs={"footnotes": config}
        )
        if fast:
            assert fastinline.install(md)
        made.append(md)
    return made[0], made[1]


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS)
def test_documents_with_footnotes_convert_as_stock_converts_them(text):
    assert_converts_as_stock(text)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@settings(max_examples=100, deadline=None)
@given(documents=st.lists(DOCUMENTS, min_size=1, max_size=3))
def test_each_configuration_converts_a_run_of_documents_as_stock(config, documents):
    # One converter for the whole run: what is kept for one document must not leak
    # into the next.
    fast, stock = converters(config)
    for text in documents:
        assert fast.reset().convert(text) == stock.reset().convert(text)


def test_the_fast_classes_replace_only_stocks_own():
    class OwnFootnotes(FootnoteExtension):
        pass

    md = markdown.Markdown(extensions=[OwnFootnotes()])
    fastinline.install(md)
    assert type(md.inlinePatterns["footnote"]) is FootnoteInlineProcessor
    assert type(md.inlinePatterns["footnote"].footnotes) is OwnFootnotes
    md = markup.new_markdown()
    assert type(md.inlinePatterns["footnote"]) is FastFootnoteInlineProcessor
    assert type(md.inlinePatterns["footnote"].footnotes) is FastFootnoteExtension


# Each reference looked up its footnote's place among all of them; the n-th reference to
# one footnote walked past the n - 1 ids given before it. The shapes hostile-sweep flagged.
@pytest.mark.parametrize(
    "shape",
    ["footnotes, then definitions", "footnotes, chained", "footnote, referenced n times"],
)
def test_footnote_references_convert_in_linear_time(shape):
    assert_converts_in_linear_time(SHAPES[shape], 1000)
