"""The block-level shortcuts (pipeline/fastinline/blocks.py) keep stock's answers."""

import xml.etree.ElementTree as etree

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import toc as toc_module
from markdown.extensions.tables import TableProcessor
from markdown.extensions.toc import TocTreeprocessor

from pipeline import markup
from pipeline.fastinline import blocks
from pipeline.fastinline.blockqueue import Blocks
from tests.helpers import assert_converts_in_linear_time

CASES = {
    "table": "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "table without borders": "a | b\n--|--\n1 | 2\n",
    "one-column table": "| a |\n|---|\n| 1 |\n",
    "pipe on the second line only": "a b\n| -- | -- |\n| 1 | 2 |\n",
    "separator without pipes": "a b\n---\nc\n",
    "pipe in code on the first line": "`a|b` c\n--|--\n1 | 2\n",
    "escaped pipe": "a \\| b\n--|--\n",
    "marker alone": "[TOC]\n\n# One\n## Two\n",
    "marker with spaces": "  [TOC]  \n\n# One\n",
    "marker in a list": "- [TOC]\n- b\n\n# One\n",
    "marker in a quote": "> [TOC]\n\n# One\n",
    "marker in a heading": "# [TOC]\n\n## Two\n",
    "marker in code": "    [TOC]\n\n`[TOC]`\n\n# One\n",
    "marker with more text": "[TOC] and more\n\n# One\n",
    "marker with emphasis": "*[TOC]*\n\n# One\n",
    "marker twice": "[TOC]\n\n# One\n\n[TOC]\n",
    "marker escaped": "\\[TOC]\n\n# One\n",
    "raw html blocks": "<div>\n[TOC]\n</div>\n\n<section>x</section>\n\n# One\n",
    "attr lists on blocks": "para\n{: .x }\n\n# H {: #h }\n\n- item\n{: .l }\n",
    "hash heading first": "# One\ntext\n## Two\n",
    "hash heading after a line": "text\n# One\nmore\n",
    "hash heading after setext ones": "a\n=\nb\n-\nc\n## Three ##\n",
    "hash not at a line start": "a # b\nc #\n",
    "escaped hash": "\\# no\ntext\n\\## no\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_shortcuts_give_stock_html_and_toc(text):
    md = markup.new_markdown()
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS))
    assert md.convert(text) == stock.convert(text)
    assert (md.toc, md.toc_tokens) == (stock.toc, stock.toc_tokens)


def test_the_shortcuts_are_in_place_on_the_supported_version():
    md = markup.new_markdown()
    assert type(md.parser.blockprocessors["table"]) is blocks.FastTableProcessor
    assert type(md.treeprocessors["toc"]) is blocks.FastTocTreeprocessor
    assert type(md.parser.blockprocessors["setextheader"]) is blocks.FastSetextHeaderProcessor
    assert isinstance(md.block_level_elements, blocks.BlockLevelElements)


def test_block_level_answers_follow_changes_to_the_list():
    md = markup.new_markdown()
    assert md.is_block_level("div") and md.is_block_level("DIV") and md.is_block_level("p/")
    assert not md.is_block_level("span") and not md.is_block_level(None)
    md.block_level_elements.append("span")
    assert md.is_block_level("span")
    md.block_level_elements.remove("div")
    assert not md.is_block_level("div")
    md.block_level_elements += ["em"]
    assert md.is_block_level("em")
    md.block_level_elements[:] = ["p"]
    assert not md.is_block_level("span") and md.is_block_level("p")
    md.block_level_elements = ["span"]  # replaced: the answers are no longer used
    assert md.is_block_level("span") and not md.is_block_level("p")


def test_block_level_answers_are_bounded():
    md = markup.new_markdown()
    for i in range(blocks.MAX_ANSWERS * 2):
        assert not md.is_block_level(f"x{i}")
    assert len(md.block_level_elements.answers) == blocks.MAX_ANSWERS


# Lines that make setext headings, and lines that each processor the parser asks before
# the setext one would take: empty, indented, a table's, a hash heading's.
LINES = ["a", " b ", "=", "===", "-", "--- ", "= =", "", "#", "## h", "a | b", "|-|-|",
         "    code", "  - item", "> q", ": def", "*[a]: abbr", "1. one"]  # fmt: skip
_FAST, _STOCK = markup.new_markdown(), markdown.Markdown(extensions=list(markup.EXTENSIONS))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=14), st.sampled_from(["", "- x\n\n", "    y\n"]))
def test_blocks_of_setext_headings_convert_as_stock(lines, before):
    text = before + "\n".join(lines)
    assert _FAST.reset().convert(text) == _STOCK.reset().convert(text)
    assert (_FAST.toc, _FAST.toc_tokens) == (_STOCK.toc, _STOCK.toc_tokens)


class _CountingBlocks(Blocks):
    given_back = 0

    def insert(self, index, block):
        type(self).given_back += 1
        super().insert(index, block)


def test_a_block_of_setext_headings_is_taken_apart_in_one_run():
    md = markup.new_markdown()
    parent = etree.Element("div")
    md.parser.parseBlocks(parent, _CountingBlocks(["a\n=\nb\n-\n" * 500 + "c\n="]))
    assert [h.tag for h in parent] == ["h1", "h2"] * 500 + ["h1"]
    assert _CountingBlocks.given_back == 0  # stock gave the rest back after each heading


def test_a_processor_ahead_that_is_not_known_here_gets_the_rest_of_the_block_as_in_stock():
    class TakesB(BlockProcessor):
        def test(self, parent, block):
            return block.startswith("b")

        def run(self, parent, blocks):
            etree.SubElement(parent, "p").text = "taken " + blocks.pop(0)

    text = "a\n=\nb\n-\nc\n=\n"
    made = []
    for md in (markup.new_markdown(), markdown.Markdown(extensions=list(markup.EXTENSIONS))):
        md.parser.blockprocessors.register(TakesB(md.parser), "takes_b", 65)
        made.append(md.convert(text))
    assert made[0] == made[1] and "taken b" in made[0]


def test_a_block_of_thousands_of_setext_headings_converts_in_linear_time():
    assert_converts_in_linear_time(lambda n: "a\n=\n" * n + "\n# last\n", 2000)


class _NoFrontPops(list):
    def pop(self, index=-1):
        assert index != 0, "pop(0) moves every other item"
        return super().pop(index)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 6), max_size=30))
def test_toc_tokens_nest_as_stock_nests_them_without_taking_each_off_the_front(levels):
    tokens = [{"level": level, "id": str(i)} for i, level in enumerate(levels)]
    ours = _NoFrontPops([dict(t) for t in tokens])
    nested = blocks._nest_toc_tokens(ours)
    assert nested == toc_module.nest_toc_tokens([dict(t) for t in tokens])
    assert ours == []  # emptied, as stock leaves it


def test_processors_that_are_not_stocks_are_left_alone():
    class OwnTable(TableProcessor):
        pass

    class OwnToc(TocTreeprocessor):
        pass

    md = markdown.Markdown(extensions=["tables", "toc"])
    md.parser.blockprocessors["table"].__class__ = OwnTable
    md.treeprocessors["toc"].__class__ = OwnToc
    blocks.install(md)
    assert type(md.parser.blockprocessors["table"]) is OwnTable
    assert type(md.treeprocessors["toc"]) is OwnToc


def test_block_processors_iterate_as_the_registry_changes():
    md = markup.new_markdown()
    processors = md.parser.blockprocessors
    assert type(processors) is blocks.BlockProcessors
    before = list(processors)
    assert list(processors) == before
    table = processors["table"]
    processors.deregister("table")
    assert table not in list(processors) and len(list(processors)) == len(before) - 1
    processors.register(table, "table", 1000)  # now first
    assert list(processors)[0] is table
    processors.register(table, "table", 75)
    assert list(processors) == before
    text = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    processors.deregister("table")
    assert "<table>" not in md.convert(text)
    processors.register(table, "table", 75)
    assert "<table>" in md.convert(text)
