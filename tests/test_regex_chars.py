"""What regex_chars claims about a regex's matches holds for every match."""

import re

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.fastinline.regex_chars import (
    first_chars,
    is_common,
    reads_before,
    required_strings,
    selectivity,
)

BUILTIN_EXTENSIONS = [
    "abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes", "legacy_attrs",
    "legacy_em", "md_in_html", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks",
]  # fmt: skip


def builtin_regexes() -> list[re.Pattern]:
    """Every inline regex of Python-Markdown and its bundled extensions, and a few more."""
    md = markdown.Markdown(extensions=BUILTIN_EXTENSIONS)
    found = [pattern.getCompiledRegExp() for pattern in md.inlinePatterns]
    found += [pattern.getCompiledRegExp() for pattern in md.treeprocessors["smarty"].inlinePatterns]
    found += [delim.boundary for delim in md.delimiters.delimiters.values()]
    extra = [r"a(?=b)b", r"(?:ab|cd)+e", r"x{2,3}y?", r"[^a]b", r"(?>ab|a)c", r"\d+;", r"a|"]
    return found + [re.compile(pattern) for pattern in extra]


REGEXES = builtin_regexes()
# Texts made of what these regexes look for, and of placeholder characters.
TEXTS = st.text(
    alphabet=st.sampled_from(list("ab cdexy\n\t*_`\\[]^!()<>/:@&;#\"'=-.?\x02\x03klzwh0129é")),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REGEXES), TEXTS)
def test_every_match_contains_a_string_of_each_required_set(regex, text):
    requirements = required_strings(regex)
    for match in regex.finditer(text):
        for strings in requirements:
            assert any(string in match.group(0) for string in strings), (regex.pattern, text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REGEXES), TEXTS)
def test_every_match_starts_with_one_of_the_first_chars(regex, text):
    chars = first_chars(regex)
    if chars is None:
        return
    for match in regex.finditer(text):
        assert match.end() > match.start()
        assert text[match.start()] in chars, (regex.pattern, text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(REGEXES), TEXTS, st.integers(0, 40))
def test_searching_from_the_next_first_char_finds_the_same_match(regex, text, pos):
    chars = first_chars(regex)
    if chars is None:
        return
    starts = [i for i in range(pos, len(text)) if text[i] in chars]
    expected = regex.search(text, pos)
    found = regex.search(text, starts[0]) if starts else None
    assert (found and found.span()) == (expected and expected.span())


def test_the_markdown_patterns_get_the_strings_they_obviously_need():
    assert required_strings(re.compile(r"  \n")) == (frozenset(["  \n"]),)
    assert required_strings(re.compile(r"\!\[")) == (frozenset(["!["]),)
    assert frozenset("*_") in required_strings(re.compile(r"\*|_"))
    assert frozenset(["[^"]) in required_strings(re.compile(r"\[\^([^\]]*)\]"))
    assert first_chars(re.compile(r"(?<!\!)\[")) == frozenset("[")
    assert first_chars(re.compile(r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)")) == frozenset("\\`")


@pytest.mark.parametrize(
    "pattern, required, first",
    [
        (r"(?i)ab", (), None),  # case-insensitive: "A" matches too
        (r"x(?i:a)", ({"x"},), {"x"}),
        (r"\w+", (), None),
        (r".", (), None),
        (r"[^x]", (), None),
        (r"(a)\1", ({"a"},), {"a"}),  # the back-reference itself is not analysed
        (r"(a)?(?(1)b|c)", (), None),
        (r"a*", (), None),  # can match the empty string
        (r"(?:)", (), None),
    ],
)
def test_what_cannot_be_analysed_is_left_out(pattern, required, first):
    regex = re.compile(pattern)
    assert required_strings(regex) == tuple(frozenset(strings) for strings in required)
    assert first_chars(regex) == (None if first is None else frozenset(first))


def test_bytes_patterns_and_non_patterns_are_not_analysed():
    assert required_strings(re.compile(rb"ab")) == ()
    assert first_chars(re.compile(rb"ab")) is None
    assert required_strings("ab") == ()  # type: ignore[arg-type]


def test_common_strings_are_the_ones_every_text_has():
    assert is_common(frozenset([" "])) and is_common(frozenset(["a", "*"]))
    assert not is_common(frozenset(["*", "_"])) and not is_common(frozenset(["ab"]))
    assert selectivity(frozenset(["!["])) < selectivity(frozenset(["!"]))
    assert selectivity(frozenset(["!"])) < selectivity(frozenset(["*", "_"]))


@pytest.mark.parametrize(
    ("pattern", "before"),
    [
        (r"\\(.)", False),
        (r"(&(?:\#[0-9]+|[a-z]+);)", False),
        (r"a(?=b)(?!c)$", False),
        (r"(?>ab)+?c*", False),
        (r"(?<!\\)`", True),
        (r"x|(?<=y)z", True),
        (r"a(?=(?<!b)c)", True),  # a lookbehind inside a lookahead
        (r"\bword", True),
        (r"a\B", True),
        (r"^a", True),
        (r"(?m)^a", True),
        (r"\Aa", True),
        (r"(a)?(?(1)b|c)", True),  # not modelled: unsure
    ],
)
def test_reads_before(pattern, before):
    assert reads_before(re.compile(pattern)) is before


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([r"\\(.)", r"&[a-z#0-9]+;", r"<[a-z]+>", r"a(?=b)", r"  \n"]),
    st.text(alphabet="ab\\&;#<>z \n", max_size=30),
    st.text(alphabet="ab\\&;#<>z \n", max_size=30),
)
def test_a_pattern_that_does_not_read_before_finds_the_same_matches_after_any_prefix(
    pattern, prefix, text
):
    regex = re.compile(pattern)
    assert not reads_before(regex)
    alone = [(m.start(), m.group()) for m in regex.finditer(text)]
    after = [
        (m.start() - len(prefix), m.group()) for m in regex.finditer(prefix + text, len(prefix))
    ]
    assert alone == after
