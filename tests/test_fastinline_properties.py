"""Generated Markdown: the fast converter's HTML equals a fresh stock converter's."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import markup
from tests.helpers import assert_converts_as_stock

WORDS = st.sampled_from(
    ["word", "Text", "a", "snake_case", "x*y", "2*3", "é", "日本", "🎉", "AT&T", "HTML", "W3C"]
)
URLS = st.sampled_from(
    ["a.html", "https://example.com/a?b=c&d=e", "<b c.html>", "../x/y.png", "#frag", "", "u(1)"]
)
TITLES = st.sampled_from(["", ' "title"', " 'it''s'", ' "*em* &amp;"'])
# Characters that mean something to some inline pattern or block processor.
NOISE = st.text(alphabet=st.sampled_from(list("*_`[]()!<>&;#\\^:{}|-+.=\"' \n\tabc")), max_size=12)
REF_IDS = st.sampled_from(["r", "R", "ref one", "missing"])
NOTE_IDS = st.sampled_from(["1", "note", "missing"])


def wrapped(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Inline syntax around other inline text (emphasis, links, raw HTML)."""
    return st.one_of(
        st.tuples(st.sampled_from(["*", "**", "***", "_", "__", "___"]), inner).map(
            lambda t: f"{t[0]}{t[1]}{t[0][::-1]}"
        ),
        st.tuples(inner, URLS, TITLES).map(lambda t: f"[{t[0]}]({t[1]}{t[2]})"),
        st.tuples(inner, REF_IDS).map(lambda t: f"[{t[0]}][{t[1]}]"),
        inner.map(lambda s: f'<span class="c">{s}</span>'),
        inner.map(lambda s: f"<em>{s}</em>{{: .x }}"),
    )


LEAVES = st.one_of(
    WORDS,
    WORDS,
    NOISE,
    st.tuples(st.integers(1, 3), NOISE).map(lambda t: f"{'`' * t[0]}{t[1]}{'`' * t[0]}"),
    st.tuples(WORDS, URLS, TITLES).map(lambda t: f"![{t[0]}]({t[1]}{t[2]})"),
    st.sampled_from(["![alt][r]", "[r]", "[R][]", "[^1]", "[^note]", "[^missing]"]),
    st.sampled_from(["<https://ex.com/p>", "<me@ex.com>", "<mailto:a@b.c>", "<b>", "</i>"]),
    st.sampled_from(["&amp;", "&copy;", "&#169;", "&#xA9;", "&bogus;", "&", "&#;"]),
    st.sampled_from(["\\*", "\\_", "\\`", "\\[", "\\\\", "\\<", "\\&", "\\#", "\\!"]),
    st.sampled_from(["  \n", "\n", "<!-- c -->", "\x02", "\x02klzzwxh:0000\x03"]),
)
INLINE = st.recursive(LEAVES, wrapped, max_leaves=12)
LINE = st.lists(INLINE, min_size=1, max_size=8).map(" ".join)


def _table(rows: list[list[str]]) -> str:
    width = len(rows[0])
    lines = ["| " + " | ".join(row[:width]) + " |" for row in rows]
    return "\n".join([lines[0], "|" + "---|" * width, *lines[1:]])


BLOCKS = st.one_of(
    LINE,
    LINE,
    st.tuples(st.integers(1, 3), LINE, st.sampled_from(["", " {#id .cls}"])).map(
        lambda t: f"{'#' * t[0]} {t[1]}{t[2]}"
    ),
    st.lists(LINE, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(LINE, min_size=1, max_size=3).map(lambda items: "\n".join(f"1. {i}" for i in items)),
    LINE.map(lambda s: f"> {s}"),
    st.tuples(WORDS, LINE).map(lambda t: f"{t[0]}\n:   {t[1]}"),
    NOISE.map(lambda s: f"```\n{s}\n```"),
    st.lists(
        st.lists(INLINE.map(lambda s: s.replace("|", "\\|").replace("\n", " ")), min_size=2),
        min_size=2,
        max_size=4,
    ).map(_table),
    st.sampled_from(["[TOC]", "---", "*[HTML]: Hyper Text", "*[W3C]: Web *consortium*"]),
    st.sampled_from(["[r]: r.html", "[R]: <R.html> 'T'", "[ref one]: one.html"]),
    st.tuples(NOTE_IDS, LINE).map(lambda t: f"[^{t[0]}]: {t[1]}"),
)
DOCUMENTS = st.lists(BLOCKS, min_size=1, max_size=8).map("\n\n".join)

_FAST = markup.new_markdown()  # reused across examples, as the build reuses it


def assert_same_as_stock(text: str) -> None:
    assert_converts_as_stock(text, _FAST)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_generated_documents_convert_as_stock_converts_them(text):
    assert_same_as_stock(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("*_`[]()!<>&;#\\^:{}|-+.=\"' \nab")), max_size=60))
def test_punctuation_soup_converts_as_stock_converts_it(text):
    assert_same_as_stock(text)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_many_generated_documents_convert_as_stock_converts_them(text):
    assert_same_as_stock(text)


# What the one-pass patterns match (Entry.one_pass), beside what can end or nest them.
_ONE_PASS_PIECES = st.sampled_from(
    ["&amp;", "&#169;", "&#xA9;", "&bogus;", "&", "\\*", "\\\\", "\\q", "\\<", "\\&",
     "<https://ex.com/p>", "<me@ex.com>", "<b>", "</i>", "<a href='x'>", "  \n", " ", "a",
     "*", "`", "[x](y)", "\x02klzzwxh:0000\x03", "<!-- c -->"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_ONE_PASS_PIECES, min_size=2, max_size=80).map("".join))
def test_many_one_pass_matches_in_one_text_convert_as_stock(text):
    """Entities, escapes, autolinks, raw tags and line breaks, many in one paragraph:
    taken in one pass, the same HTML as stock's one match at a time."""
    assert_same_as_stock(text)
    assert_same_as_stock("*" + text + "*")  # inside an element made by an earlier pattern
