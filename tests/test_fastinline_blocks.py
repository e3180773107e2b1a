"""The block-level shortcuts (pipeline/fastinline/blocks.py) keep stock's answers."""

import xml.etree.ElementTree as etree

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.blockprocessors import SetextHeaderProcessor
from markdown.extensions.tables import TableProcessor
from markdown.extensions.toc import TocTreeprocessor

from pipeline import markup
from pipeline.fastinline import blocks
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


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", " b ", "=", "===", "-", "--- ", "= =", "", "#"]), max_size=8))
def test_the_setext_heading_processor_takes_off_stocks_lines(lines):
    block = "\n".join(lines)
    md = markup.new_markdown()
    fast = md.parser.blockprocessors["setextheader"]
    stock = SetextHeaderProcessor(md.parser)
    if not stock.test(None, block):
        return
    made = []
    for processor in (fast, stock):
        parent, blocks = etree.Element("div"), [block, "next"]
        processor.run(parent, blocks)
        made.append((etree.tostring(parent), blocks))
    assert made[0] == made[1]


def test_a_block_of_thousands_of_setext_headings_converts_in_linear_time():
    assert_converts_in_linear_time(lambda n: "a\n=\n" * n + "\n# last\n", 2000)


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
