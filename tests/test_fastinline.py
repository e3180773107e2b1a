"""The fast inline processor gives stock Python-Markdown's output, byte for byte."""

import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as etree
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import inlinepatterns
from markdown.extensions import Extension

from benchmarks.corpus import generate
from perftools.hostile_sweep import SHAPES
from pipeline import fastinline, markup
from pipeline.fastinline import FastInlineProcessor, patterns, processor
from pipeline.fastinline.patterns import Atomic
from tests.helpers import assert_converts_in_linear_time


def stock_html(text: str, extensions: list | None = None) -> str:
    """What a fresh stock converter with the pipeline's extensions makes of ``text``."""
    extensions = list(markup.EXTENSIONS) + (extensions or [])
    return markdown.Markdown(extensions=extensions).convert(text)


EDGE_CASES = {
    "nested emphasis": "***strong em*** and **bold *em* bold** and *em **strong** em*\n",
    "underscores": "__strong__ _em_ snake_case_word __a _b_ c__ _a __b__ c_ ___x___\n",
    "unmatched delimiters": "* not a list *a **b *c ***d __e _f\n\nx * y ** z _ w\n",
    "rule of three": "*foo**bar**baz* ***a** b* **a *b*** *a**b*\n",
    "links in emphasis": "*see [the *docs*](d.html) now* and **[b](b.html)**\n",
    "emphasis in links": "[*em* and **strong** and `code`](x.html 'title *t*')\n",
    "code spans": "`a` ``b ` c`` ```d `` e``` `unclosed and `` x ` y ``\n",
    "code with markup": "`*not em*` `[not](link)` `<b>` `&amp;` `\\*`\n",
    "escapes": "\\*a\\* \\_b\\_ \\`c\\` \\[d\\] \\\\ \\# \\{ \\} \\. \\! \\< \\> \\&\n",
    "escaped code": "\\`not code` and \\\\`code` and \\\\\\`no`\n",
    "autolinks": "<https://example.com/a?b=c&d=e> <mailto:me@ex.com> <me@example.com> <ftp://x>\n",
    "not autolinks": "< https://x > <a b> 3 < 4 > 2 <@> a<b\n",
    "raw html": 'x <span class="a">*em*</span> <!-- c --> <?pi?> <![CDATA[z]]> <br/>\n',
    "html block": "<div>\n*not em*\n</div>\n\n<p>para</p>\n",
    "entities": "&amp; &copy; &#169; &#xA9; &bogus; & amp; AT&T &#; &#x;\n",
    "images": '![alt *em*](i.png "t") ![ref][r] ![short] [![img](i.png)](l.html)\n\n'
    "[r]: r.png\n[short]: s.png\n",
    "references": "[a][] [b][B] [c] [missing][nope] [[nested]] [x] [y]: no\n\n"
    "[a]: a.html\n[B]: <b.html> 'Bee'\n[c]: c.html (Cee)\n[x]: x.html\n",
    "link forms": "[a](<b c.html>) [d](e.html \"f\") [g]( h.html ) [i](j.html 'k') [l]()\n"
    "[m](n.html(o)) [p](q.html\n'r')\n",
    "footnotes": "a[^1] b[^note] c[^1] [^missing]\n\n[^1]: one *em*\n[^note]: two\n\n    more\n",
    "abbr": "The HTML spec and W3C.\n\n*[HTML]: Hyper Text Markup Language\n*[W3C]: World Wide\n",
    "attr_list": '# Head {#id .cls}\n\npara *em*{: .x } [l](u){: data-x="1" }\n{: #p }\n',
    "tables": "| a | *b* | `c|d` |\n|---|:-:|--:|\n| [l](u) | **s** | \\| |\n| x |\n",
    "toc": "[TOC]\n\n# One *em*\n## Two `code`\n### Three [link](x)\n## One *em*\n",
    "definition lists": "Term *em*\n:   Definition `code`\n\n    more\n",
    "fenced code": "```python\n*not em* `x`\n```\n\n~~~\n<b>\n~~~\n",
    "lists": "- a *b*\n- c\n\n    d `e`\n\n1. f\n2. g\n\n* h\n+ i\n",
    "line breaks": "line one  \nline two\\\nthree   \n  \nfour\n",
    "very long line": ("word *em* [l](u) `c` &amp; " * 400) + "\n",
    "many matches": "".join(f"*{i}* `{i}` " for i in range(300)) + "\n",
    "unicode": "Ünïcödé *ëm* **ströng** `cöde` [lïnk](ü.html) 日本語 *日本* 🎉 **🎉**\n",
    "control characters": "a \x02 b \x03 c \x02klzzwxh:0000\x03 d \x02wzxhzdk:0\x03 *e*\n",
    "fake placeholders": "*a* \x02klzzwxh:0000\x03 `b` \x02klzzwxh:0001\x03 \x02klzzwxh:9\x03\n",
    "headings": "# *a*\n\nb\n===\n\nc `d`\n---\n",
    "blockquote": "> *a* `b`\n> > [c](d)\n",
    "runs of one character": "!" * 2000 + " ![a](b) " + "\\" * 2001 + " `x` " + "&" * 500 + "\n",
    "runs of two characters": "a* " * 500 + "\\`" * 500 + "![" * 100 + "[" * 100 + "\n",
    "empty": "",
    "only spaces": "   \n\n  \n",
}


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_fast_converter_gives_stock_html_for_edge_cases(text):
    md = markup.new_markdown()
    assert isinstance(md.treeprocessors["inline"], FastInlineProcessor)
    assert md.convert(text) == stock_html(text)


def test_a_reused_fast_converter_gives_stock_html_for_every_case_in_turn():
    md = markup.new_markdown()
    for name, text in [*EDGE_CASES.items(), *reversed(EDGE_CASES.items())]:
        md.reset()
        assert md.convert(text) == stock_html(text), name


def test_fast_converter_gives_stock_toc_and_footnotes(tmp_path):
    text = EDGE_CASES["toc"] + EDGE_CASES["footnotes"] + EDGE_CASES["abbr"]
    md = markup.new_markdown()
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS))
    assert md.convert(text) == stock.convert(text)
    assert md.toc == stock.toc
    assert md.toc_tokens == stock.toc_tokens


def test_fast_converter_gives_stock_html_for_the_generated_corpus(tmp_path):
    generate(tmp_path, pages=200, seed=1)
    md = markup.new_markdown()
    pages = sorted(tmp_path.rglob("*.md"))
    assert len(pages) >= 200
    for path in pages:
        text = path.read_text(encoding="utf-8")
        md.reset()
        assert md.convert(text) == stock_html(text), path


def test_fast_processor_replaces_stock_under_the_same_name_and_priority():
    md = markup.new_markdown()
    stock = markdown.Markdown(extensions=list(markup.EXTENSIONS))
    priorities = {item.name: item.priority for item in md.treeprocessors._priority}
    del priorities["pipeline-references"]
    assert priorities == {item.name: item.priority for item in stock.treeprocessors._priority}
    fast_order = [type(p).__name__.replace("Fast", "") for p in md.treeprocessors]
    assert fast_order[:-1] == [type(p).__name__ for p in stock.treeprocessors]


def test_converter_has_the_extensions_that_markdowns_entry_points_name():
    from importlib import metadata

    named = {ep.name: ep.load() for ep in metadata.entry_points(group="markdown.extensions")}
    built = [markup._extension(name) for name in markup.EXTENSIONS]
    assert [type(ext) for ext in built] == [named[name] for name in markup.EXTENSIONS]


def test_building_a_converter_reads_no_package_metadata():
    # Markdown looks extension names up among every package's entry points: 67 ms a process.
    code = (
        "import sys; from pipeline import markup; markup.new_markdown(); "
        "print('importlib.metadata' in sys.modules)"
    )
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo
    )
    assert run.stdout.strip() == "False"


def test_other_markdown_versions_keep_the_stock_processor_and_warn_once(monkeypatch):
    monkeypatch.setattr(markdown, "__version__", "9.9.9")
    monkeypatch.setattr(fastinline, "_warned", set())
    with pytest.warns(RuntimeWarning, match="9.9.9"):
        md = markup.new_markdown()
    assert type(md.treeprocessors["inline"]) is markdown.treeprocessors.InlineProcessor
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        markup.new_markdown()  # no second warning in this process


def test_install_reports_whether_it_replaced_the_processor(monkeypatch):
    md = markdown.Markdown()
    assert fastinline.install(md) is True
    assert isinstance(md.treeprocessors["inline"], FastInlineProcessor)
    monkeypatch.setattr(markdown, "__version__", "3.0")
    monkeypatch.setattr(fastinline, "_warned", {"3.0"})
    other = markdown.Markdown()
    assert fastinline.install(other) is False
    assert not isinstance(other.treeprocessors["inline"], FastInlineProcessor)


def test_install_leaves_a_processor_that_is_not_stocks_alone():
    md = markdown.Markdown()
    own = FastInlineProcessor(md)
    md.treeprocessors.register(own, "inline", 20)
    assert fastinline.install(md) is False
    assert md.treeprocessors["inline"] is own
    md.treeprocessors.deregister("inline")
    assert fastinline.install(md) is False
    assert "inline" not in md.treeprocessors


class _Strike(Extension):
    """Third-party style patterns: new-style, old-style, one with ANCESTOR_EXCLUDES."""

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            inlinepatterns.SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del"), "del", 65
        )
        md.inlinePatterns.register(_OldStylePattern(r"\+\+(.+?)\+\+", md), "ins", 64)
        md.inlinePatterns.register(_NotInLinks(r"(\^)([^^ ]+)\^", "sup"), "sup", 63)


class _OldStylePattern(inlinepatterns.Pattern):
    def handleMatch(self, m):
        el = etree.Element("ins")
        el.text = m.group(2)
        return el


class _NotInLinks(inlinepatterns.SimpleTagInlineProcessor):
    ANCESTOR_EXCLUDES = ("A",)


THIRD_PARTY_TEXT = (
    "~~gone *em*~~ ++new `c`++ x^2^ [a^b^ ~~c~~](u) ~~a ++b++ c~~ ^no ^ ++*e*++\n"
    "*~~nested~~* **a ^b^ c**\n"
)


def test_third_party_patterns_run_as_stock_runs_them():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # old-style Pattern
        md = markup.new_markdown()
        _Strike().extendMarkdown(md)
        expected = stock_html(THIRD_PARTY_TEXT, [_Strike()])
    assert "<del>" in expected and "<ins>" in expected and "<sup>" in expected
    assert md.convert(THIRD_PARTY_TEXT) == expected


class _Mark(Extension):
    """A pattern kept out of one tag, block-level, inline, or the document's own root."""

    def __init__(self, excluded: str) -> None:
        super().__init__()
        self.excluded = excluded

    def extendMarkdown(self, md):
        pattern = inlinepatterns.SimpleTagInlineProcessor(r"(==)(.+?)==", "mark")
        pattern.ANCESTOR_EXCLUDES = (self.excluded,)
        md.inlinePatterns.register(pattern, "mark", 62)


@pytest.mark.parametrize("excluded", ["h1", "li", "em", "a", "div", "p", "blockquote"])
def test_a_pattern_is_kept_out_of_its_excluded_ancestors_as_stock_keeps_it(excluded):
    text = (
        "# a ==b== c\n\n- ==d== *==e==*\n\n*==f== [==g==](u)* ==h==\n\n> ==i==\n\n"
        "1. loose\n\n2. ==j== *==k==*\n"
    )
    md = markup.new_markdown()
    _Mark(excluded).extendMarkdown(md)
    expected = stock_html(text, [_Mark(excluded)])
    assert "<mark>" in expected or excluded == "div"
    assert md.convert(text) == expected


def test_emphasis_nested_thousands_deep_converts_in_linear_time():
    # Each element's ancestors were a list copied for each child: a tree nested d deep
    # cost d * d (200,000 "*" each side: 20 s).
    assert_converts_in_linear_time(SHAPES["emphasis, nested"], 4000)


def test_patterns_registered_after_install_are_used_from_the_next_conversion():
    md = markup.new_markdown()
    assert md.convert("~~a~~") == "<p>~~a~~</p>"
    md.inlinePatterns.register(
        inlinepatterns.SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del"), "del", 65
    )
    md.reset()
    assert md.convert("~~a~~") == "<p><del>a</del></p>"
    md.inlinePatterns.deregister("del")
    md.reset()
    assert md.convert("~~a~~") == "<p>~~a~~</p>"


class _Recorder(inlinepatterns.InlineProcessor):
    """Computes its regex on every call, as a pattern may: stock asks for it per attempt."""

    def __init__(self, pattern, md):
        super().__init__(pattern, md)
        self.asked = 0

    def getCompiledRegExp(self):
        self.asked += 1
        return re.compile("x" if self.asked % 2 else "y")

    def handleMatch(self, m, data):
        el = etree.Element("b")
        el.text = markdown.util.AtomicString(m.group(0))
        return el, m.start(0), m.end(0)


def test_a_pattern_computing_its_regex_is_asked_for_it_as_often_as_stock_asks():
    text = "x y x y xy\n\nyx *x*\n"
    outputs = []
    for convert in (
        markup.new_markdown,
        lambda: markdown.Markdown(extensions=list(markup.EXTENSIONS)),
    ):
        md = convert()
        recorder = _Recorder("x", md)
        md.inlinePatterns.register(recorder, "recorder", 200)
        outputs.append((md.convert(text), recorder.asked))
    assert outputs[0] == outputs[1]
    assert outputs[0][1] > 2


class _Judge:
    """A handleMatch that accepts or rejects matches by position and records what it saw."""

    def __init__(self, reject_every: int) -> None:
        self.reject_every = reject_every
        self.seen: list[tuple[int, int]] = []

    def __call__(self, match, data):
        self.seen.append(match.span())
        if len(self.seen) % self.reject_every:
            return None, None, None
        return "node", match.start(), match.end()


SEEKING_ENTRIES = [
    entry
    for entry in patterns.Snapshot(
        [patterns.Entry(p) for p in markup.new_markdown().inlinePatterns]
    ).entries
    if entry.starts
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SEEKING_ENTRIES),
    st.text(alphabet=st.sampled_from(list("ab \n*_`\\[]^!()<>/:@&;#x!!![[\\\\``")), max_size=120),
    st.integers(0, 10),
    st.integers(1, 3),
    st.sampled_from([0, 1, 2, patterns.MAX_MISSES]),
)
def test_seeking_the_start_finds_the_matches_stocks_finditer_finds(
    entry, text, start, every, max_misses
):
    """Jumping to where a match can start sees the same matches, in the same order, and
    settles on the same one, whatever handleMatch rejects and whenever it falls back to
    searching."""
    stock, fast = _Judge(every), _Judge(every)
    expected = None
    for match in entry.regex.finditer(text, start):
        node, begin, end = stock(match, text)
        if begin is not None and end is not None:
            expected = (node, begin, end)
            break
    first = patterns.next_start(text, entry.starts, start)
    got = None
    if first >= 0:
        seeking = patterns.Entry(entry.pattern)
        seeking.pattern = type("P", (), {"handleMatch": staticmethod(fast)})()
        default, patterns.MAX_MISSES = patterns.MAX_MISSES, max_misses
        try:
            got = patterns.first_accepted_seeking(seeking, text, first)
        finally:
            patterns.MAX_MISSES = default
    assert got == expected
    assert fast.seen == stock.seen


@pytest.mark.slow
def test_markdown_goals_command_compares_both_converters(tmp_path):
    command = [sys.executable, "-m", "perftools", "markdown-goals", "--pages", "20"]
    done = subprocess.run(
        [*command, "--rounds", "1", "--work", str(tmp_path)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "stock converter" in done.stdout and "fast inline path" in done.stdout
    assert "Goal: fast >= 1.5x stock" in done.stdout


def test_stash_keys_and_placeholders_are_stocks_beyond_four_digits_too():
    processor = markup.new_markdown().treeprocessors["inline"]
    processor.stashed_nodes = {}
    placeholders = [processor._stash_node(str(n)) for n in range(10_050)]
    keys = ["%04d" % n for n in range(10_050)]  # noqa: UP031  stock formats them so
    assert list(processor.stashed_nodes) == keys
    assert placeholders == [markdown.util.INLINE_PLACEHOLDER % key for key in keys]


_LINKED = st.one_of(st.sampled_from(["", "a", "b c"]), st.sampled_from(["x", ""]).map(Atomic))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), _LINKED),
    st.lists(_LINKED, max_size=5),
    st.booleans(),
    st.booleans(),
)
def test_texts_linked_at_once_are_what_stock_links_one_at_a_time(
    current, texts, into_element, is_text
):
    """Stock's ``linkText`` grows the slot by ``+`` per text: the same value and type (an
    AtomicString is one only when it is all the slot holds) from one assignment."""
    parent, last = etree.Element("p"), etree.Element("em")
    result = [(last, [])] if into_element else []
    slot = (last, "tail") if into_element else (parent, "text" if is_text else "tail")
    setattr(*slot, current)
    expected = current
    for text in texts:
        if text:
            expected = expected + text if expected else text
    processor._link_texts(result, parent, is_text, list(texts))
    got = getattr(*slot)
    assert got == expected and type(got) is type(expected)
