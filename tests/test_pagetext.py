"""pagetext on hostile HTML: the same text as before, in time linear in the page.

Raw HTML passes through Markdown unchecked, so a page can hold thousands of openings that
never close ("<script>", "<", "<h2 "). The regular expressions used to be retried from
every one of them, each time scanning to the end of the page: a 300 KB page took 71 s to
build. The tests here time nothing: they check that no pattern is ever started where it
would scan far and fail more than a fixed number of times, whatever the page's size
(``test_no_scan_*``), and that the text is what the old code gave (``CASES``).
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import pagetext
from pipeline.pagetext import plain, sections

# (HTML, whole text, [(anchor, title, text)]): the outputs of the regex-only version.
CASES = [
    ("<p>a</p>\n<script>var x = 1;</script>\n<p>b</p>", "a b", []),
    ("<script>a<script>b</script>c</script>d", "cd", []),
    # An unclosed script is kept as text, as before (its tags dropped).
    ("<p>before</p>\n<script>never closed <p>after</p>", "before never closed after", []),
    ("<style>p{}</style><script>x</script >y", "y", []),
    ("<SCRIPT>a</script>b", "ab", []),  # only looked for when "<script" is there, as before
    ("<script>a</SCRIPT\n >b", "b", []),
    ("<script type='a>b'>c</script>d", "d", []),
    ("<scripts>a</scripts>", "a", []),
    ("<style>a<script>b</style>c</script>d", "cd", []),
    ("<script>a</style>b<style>c</script>d", "d", []),
    ("<script>a<style>b</script>c", "c", []),
    ("<style>a<script>b</script>c", "a c", []),  # the style is unclosed, the script is not
    ("<!-- a > b -->c", "b -->c", []),
    ("<![CDATA[ x > y ]]>z", "y ]]>z", []),
    ("<a href='x>y'>t</a>", "y'>t", []),
    ("&amp; &lt;b&gt; &#65;&#x42; &bogus; a<b", "& <b> AB &bogus; a<b", []),
    ("a < b > c", "a c", []),
    ("1 < 2", "1 < 2", []),
    ("<a <a <a", "<a <a <a", []),
    ("a > b <c", "a > b <c", []),
    (
        "<h1 id='a'>T</h1>b<h2>c</h2>d<h2 id=\"e\">E<h3 id='f'>F</h3>g",
        "T b cd E F g",
        [("a", "T", "b"), ("f", "F", "g")],
    ),
    ("<H2 ID='A'>t</H2>x", "t x", [("A", "t", "x")]),
    ("<h2 id='a'>t", "t", []),
    ("<p>x</p><h2 id='a' <h2 <h2", "x<h2 id='a' <h2 <h2", []),
    ("<p>x</p><h2 id='a' <h2 <h2>y</h2>z", "x y z", [("a", "y", "z")]),
    # The regex engine's case folding: "ſ" matches "s" in the opening, not in "\1".
    ("<ſcript>a</script>b", "ab", []),
    ("<ſcript>a</ſCRIPT>b", "ab", []),  # no "<script": not looked for
    ("<script></script><ſcript>a</ſCRIPT>b", "b", []),
    ("<script>a</scrİpt>b", "b", []),
    (
        "<script>\nvar s = '</h2>';\n</script>\n<h2 id=\"a\">A</h2>\n<p>text</p>",
        "A text",
        [("a", "A", "text")],
    ),
]


@pytest.mark.parametrize(("page", "text", "found"), CASES)
def test_same_text_as_before(page, text, found):
    whole, got = sections(page)
    assert whole == text
    assert [(s.anchor, s.title, s.text) for s in got] == found


def _decoded(encoded: pagetext.Encoded) -> tuple[str, list[tuple[str, str, str]]]:
    def text(escaped: bytes) -> str:
        return msgspec.json.decode(b'"' + escaped + b'"')

    found = [(text(a), text(t), text(b)) for a, t, b in encoded.sections]
    return text(encoded.rest), found


def _each_word_once(whole: str, rest: str, found: list[tuple[str, str, str]]) -> bool:
    """Every word of the page's text is in the text of no section or in one section's title
    or text, once: nothing is lost and nothing is counted twice."""
    parts = [rest, *(t for _, title, body in found for t in (title, body))]
    return sorted(" ".join(parts).split()) == sorted(whole.split())


@pytest.mark.parametrize(("page", "text", "found"), CASES)
def test_the_encoded_text_is_the_text_as_json(page, text, found):
    made = pagetext.encoded(page)
    rest, sections_made = _decoded(made)
    assert sections_made == found and _each_word_once(text, rest, found)
    assert made.words == pagetext.word_count(text)


@pytest.mark.parametrize(
    ("page", "rest"),
    [
        ("<p>intro</p>\n<h2 id='a'>A</h2>\n<p>body</p>", "intro"),
        ("<h2 id='a'>A</h2>\n<p>body</p>", ""),
        # Under a heading with no id, after a section: in no section, so the page's.
        ("<h2 id='a'>A</h2><p>x</p><h2>B</h2>\n<p>y</p><h2 id='c'>C</h2><p>z</p>", "B y"),
        ("<h2 id='a'>open <p>never closed</p>", "open never closed"),
    ],
)
def test_the_text_in_no_section_is_the_pages_own(page, rest):
    assert _decoded(pagetext.encoded(page))[0] == rest


@pytest.mark.parametrize(
    ("fragment", "text"),
    [("<b>bold</b>, &amp;", "bold, &"), ("a<b", "a<b"), ("<x>a<b", "a<b"), ("<<<>a", "a")],
)
def test_plain(fragment, text):
    assert plain(fragment) == text


class Recording:
    """Stands in for a compiled pattern: notes each call (method, arguments), passes it on."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.calls: list[tuple[str, tuple]] = []

    def __getattr__(self, method):
        def call(*args):
            result = getattr(self.pattern, method)(*args)
            self.calls.append((method, args, result))
            return result

        return call


@pytest.fixture
def recorded(monkeypatch):
    patterns = {}
    for name in ("_SKIPPED", "_TAG", "_HEADING"):
        patterns[name] = Recording(getattr(pagetext, name))
        monkeypatch.setattr(pagetext, name, patterns[name])
    return patterns


HOSTILE = ["<script>x ", "<style>", "<SCRIPT><script>", "<!--", "<", "<a ", "<h2 ", "</h2 "]


@pytest.mark.parametrize("unit", HOSTILE)
@pytest.mark.parametrize("count", [10, 3000])
def test_no_scan_is_retried_from_every_opening(recorded, unit, count):
    """Each pattern that can scan to the end of the page and fail does so a bounded number
    of times, whatever the number of openings: the work is linear in the page.

    ``_TAG`` and ``_HEADING`` scan from a "<" to the next ">": they are never run past a
    "<" that no ">" follows (so from every "<" they try, the scan finds one, and what it
    scans is matched); a lazy ``_SKIPPED`` match that fails scans to the end: once per name.
    """
    page = "<p>x</p>\n" + unit * count + "\nend"
    sections(page)
    for method, args, _ in recorded["_TAG"].calls:
        assert method == "sub"
        text = args[1]
        assert "<" not in text[text.rfind(">") + 1 :]
    for method, args, _ in recorded["_HEADING"].calls:
        assert method == "finditer"
        text, _, end = args
        assert text.rfind(">", 0, end) == end - 1
    skipped = recorded["_SKIPPED"].calls
    assert all(method == "match" for method, _, _ in skipped)
    assert sum(result is None for _, _, result in skipped) <= 2  # script, style


def test_closed_scripts_are_each_matched_once(recorded):
    page = "<p>a</p><script>x</script>" * 1000 + "<style>" * 1000 + "<p>b</p>"
    whole, _ = sections(page)
    assert whole == "a" + " a" * 999 + " b"
    skipped = recorded["_SKIPPED"].calls
    assert [result is None for _, _, result in skipped] == [False] * 1000 + [True]


def test_large_unclosed_script_page_keeps_its_text():
    """The page of the report (300 KB of unclosed "<script>"): its words stay, as before."""
    whole, found = sections("<script>x " * 30000)
    assert whole == " ".join(["x"] * 30000)
    assert found == []


_PIECES = ["a", "é", " ", "\t", "\n", "\xa0", "\u2003", "\x1c", "<p>", "</p>", "<h2 id='x'>",
           "</h2>", "&nbsp;", "&#8195;", "&amp;"]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_word_count_is_the_number_of_words_of_every_text_made_here(html):
    whole, found = sections(html)
    for text in [whole, plain(html), *(s.text for s in found), *(s.title for s in found)]:
        assert pagetext.word_count(text) == len(text.split())
    made = pagetext.encoded(html)
    assert made.words == len(whole.split())
    rest, made_found = _decoded(made)
    assert made_found == [(s.anchor, s.title, s.text) for s in found]
    assert _each_word_once(whole, rest, made_found)
