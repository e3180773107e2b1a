"""Block processors' searches of what is left of a block (pipeline/fastinline/linestarts.py)."""

import time
import xml.etree.ElementTree as etree

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.blockprocessors import HashHeaderProcessor

from perftools.hostile_sweep import SHAPES
from pipeline import markup
from pipeline.fastinline import linestarts
from tests.helpers import assert_converts_as_stock, assert_converts_in_linear_time

LINES = st.lists(
    st.sampled_from(
        ["*[a]: t", "[^1]: n", "[r]: /u", "> q", "   > q", "---", "* * *", "_ _ _", ": d",
         "   : d", "a", "", "    code", "- item", "a > b", "x: y", "[^x]:", "-- -", "# h",
         "## h ##", "\\# no", "a # b", "#", "="]
    ),
    max_size=12,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(LINES, st.lists(st.integers(0, 20), max_size=6))
def test_each_processor_answers_a_block_and_its_tails_as_stocks_does(lines, cuts):
    block = "\n".join(lines)
    starts = [0] + [i + 1 for i, c in enumerate(block) if c == "\n"]
    tails = [block[starts[c % len(starts)] :] for c in sorted(cuts)]  # as the parser makes
    others = [block[c % (len(block) + 1) :] for c in cuts]  # tails from inside a line
    texts = [block, *tails, *others, "> z"]
    fast = markup.new_markdown().parser.blockprocessors
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS)).parser.blockprocessors
    for name in ("quote", "hr", "deflist", "hashheader"):
        assert type(fast[name]) in linestarts.FAST.values()
        for text in texts:
            assert fast[name].test(None, text) == stock[name].test(None, text), (name, text)
            if name == "hr" and stock[name].test(None, text):
                assert fast[name].match.span() == stock[name].match.span()
    for text in texts:
        ours, theirs = [text, "next"], [text, "next"]
        parent = etree.Element("div")
        assert fast["footnote"].run(parent, ours) == stock["footnote"].run(parent, theirs)
        assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_blocks_of_definitions_convert_as_stock_converts_them(lines):
    assert_converts_as_stock("\n".join(lines))


def test_a_block_of_thousands_of_definitions_converts_in_linear_time():
    assert_converts_in_linear_time(
        lambda n: "".join(f"*[A{i}B]: t\n[^{i}]: n\n" for i in range(n)) + "\nA7B[^7]\n", 500
    )


def test_a_block_of_thousands_of_setext_headings_is_not_searched_again_for_hash_headings():
    processor = markup.new_markdown().parser.blockprocessors["hashheader"]
    block = "a\n=\n" * 20_000

    def seconds(test) -> float:
        started = time.process_time()
        for start in range(0, 20_000, 100):  # the block, tested again after each heading
            test(None, block[start * 4 :])
        return time.process_time() - started

    stock = HashHeaderProcessor(processor.parser)
    assert seconds(processor.test) < seconds(stock.test) / 5


DEFINITION_RUNS = st.lists(
    st.sampled_from(
        [": d", ":   d", "  : d", "   :  d", ":    d", ": d|e", "| a | b |", "|-|-|", ": *e*",
         ": ---", "---", "===", ":", ": ", "term", "", "    more", "# h", "1. x", "- y", "> q",
         ": [a]: /u", ": # h", "  ", "*[A]: t", ": d  ", ":\td"]
    ),
    max_size=16,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(DEFINITION_RUNS, st.sampled_from(["", "term\n", "a\n\n", "- item\n", "> q\n"]))
def test_runs_of_one_line_definitions_convert_as_stock_converts_them(lines, before):
    assert_converts_as_stock(before + "\n".join(lines))


def test_a_term_with_thousands_of_definitions_converts_in_linear_time():
    assert_converts_in_linear_time(SHAPES["definitions of one term"], 1000)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["    a", "        b", "  c", "", " ", "\t", "d", "    ", ": e"]),
                max_size=10).map("\n".join), st.sampled_from([None, 2, 4]))  # fmt: skip
def test_detab_takes_the_lines_stocks_takes(text, length):
    fast = markup.new_markdown().parser.blockprocessors["deflist"]
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS)).parser.blockprocessors["deflist"]
    assert type(fast) is linestarts.FastDefListProcessor
    assert fast.detab(text, length) == type(stock).detab(stock, text, length)
