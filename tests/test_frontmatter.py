import datetime as dt
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import bounded_yaml
from pipeline.errors import PipelineError
from pipeline.frontmatter import split


def test_front_matter_fields_and_body():
    text = (
        "---\ntitle: Hello\ndate: 2024-05-31\ntags: [a, b, a]\nslug: hi\ndraft: false\n"
        "template: post\nsummary: Short\nauthor: Ann\n---\n# Body\n"
    )
    meta, body = split(text, "p.md")
    assert (meta.title, meta.slug, meta.template, meta.summary) == ("Hello", "hi", "post", "Short")
    assert meta.date == dt.datetime(2024, 5, 31, tzinfo=dt.UTC)
    assert meta.tags == ("a", "b")
    assert meta.draft is False
    assert meta.extra == {"author": "Ann"}
    assert body == "# Body\n"


def test_page_without_front_matter_is_all_body():
    meta, body = split("# Title\n\n---\n\ntext\n", "p.md")
    assert meta.title is None and body == "# Title\n\n---\n\ntext\n"


def test_comma_separated_tags_and_datetimes_with_offsets():
    meta, _ = split("---\ntags: x, y z\ndate: 2024-01-02T03:00:00+02:00\n---\n", "p.md")
    assert meta.tags == ("x", "y z")
    assert meta.date == dt.datetime(2024, 1, 2, 1, 0, tzinfo=dt.UTC)


def test_crlf_front_matter():
    meta, body = split("---\r\ntitle: T\r\n---\r\nbody\r\n", "p.md")
    assert meta.title == "T" and body == "body\r\n"


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_front_matter_lines_end_as_markdown_ends_them(end):
    # Python-Markdown reads a lone "\r" (old Mac files) as a line break: so does the fence.
    text = end.join(["---", "title: T", "tags: [a, b]", "---", "# Body", ""])
    meta, body = split(text, "p.md")
    assert (meta.title, meta.tags) == ("T", ("a", "b"))
    assert body == f"# Body{end}"


def test_a_dash_line_inside_a_line_does_not_close_front_matter():
    with pytest.raises(PipelineError, match="never closed"):
        split("---\ntitle: a --- b\nx: ---\n", "p.md")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\ntitle: ok\ntags: [a, b\n---\n", 4, "malformed front matter"),
        ("---\ntitle: ok\n", 1, "never closed"),
        ("---\n- a\n- b\n---\n", 2, "mapping"),
        ("---\ntitle: x\ndate: tomorrow\n---\n", 3, "ISO date"),
        ("---\ndraft: maybe\n---\n", 2, "true or false"),
        ("---\nslug: ../../etc\n---\n", 2, "one file name"),
        ("---\ntitle: {a: 1}\n---\n", 2, "expected text"),
        ("---\ndate: 9999-12-31 23:00:00-05:00\n---\n", 2, "past year 9999"),
        ("---\ndate: 0001-01-01 00:30:00+01:00\n---\n", 2, "before year 1"),
    ],
)
def test_malformed_front_matter_names_file_and_line(text, line, words):
    with pytest.raises(PipelineError) as caught:
        split(text, "posts/bad.md")
    assert caught.value.path == "posts/bad.md"
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"posts/bad.md:{line}: ")


def laughs(levels: int, width: int = 9) -> str:
    """Front matter whose last key expands to ``width ** levels`` values."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "---\ntitle: Laughs\n" + "\n".join(lines) + "\n---\nbody\n"


@pytest.mark.parametrize("levels", [5, 9, 10, 30])
def test_billion_laughs_fails_fast_with_a_clear_error(levels):
    started = time.perf_counter()
    with pytest.raises(PipelineError) as caught:
        split(laughs(levels), "lol.md")
    assert time.perf_counter() - started < 1
    assert str(caught.value) == (
        f"lol.md:7: front matter expands to more than {bounded_yaml.MAX_VALUES} values "
        "(YAML aliases); write fewer or smaller aliases"
    )


@pytest.mark.parametrize(
    ("yaml_text", "line", "words"),
    [
        ("x: &a [1, *a]\n", 2, "refers to itself (a recursive YAML alias)"),
        ("x: &a {k: *a}\n", 2, "refers to itself"),
        (  # few values, each a long string: characters are bounded too
            "s: &s " + "y" * 5000 + "\nl: [" + ", ".join(["*s"] * 300) + "]\n",
            3,
            f"expands to more than {bounded_yaml.MAX_CHARS} characters (YAML aliases)",
        ),
        ("x: " + "[" * 60 + "]" * 60 + "\n", 2, "nested more than 50 levels deep"),
        ("l: [" + ", ".join(["1"] * 10_001) + "]\n", 2, "has more than 10000 values"),
    ],
)
def test_front_matter_over_a_limit_fails_naming_the_line(yaml_text, line, words):
    with pytest.raises(PipelineError) as caught:
        split(f"---\n{yaml_text}---\n", "p.md")
    assert caught.value.line == line
    assert words in caught.value.message


YAML_TREES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(YAML_TREES, st.integers(1, 30), st.integers(1, 6), st.booleans())
def test_the_quick_check_of_a_document_without_aliases_agrees_with_measuring_it(
    value, max_values, max_depth, flow
):
    node = yaml.compose(yaml.safe_dump(value, default_flow_style=flow))
    limits = {"MAX_VALUES": max_values, "MAX_DEPTH": max_depth}
    with pytest.MonkeyPatch.context() as patch:
        for name, limit in limits.items():
            patch.setattr(bounded_yaml, name, limit)
        try:
            bounded_yaml.measure(node)
        except bounded_yaml.LimitError:
            assert not bounded_yaml.within_limits(node)
        else:
            assert bounded_yaml.within_limits(node)


def test_front_matter_as_real_sites_write_it_is_far_below_the_limits():
    text = (
        "---\ntitle: T\ntags: [a, b]\ndefaults: &d {layout: post, author: {name: Ann}}\n"
        "en:\n  <<: *d\n  lang: en\nfr:\n  <<: *d\n  lang: fr\n"
        "gallery: ["
        + ", ".join(f"{{src: img{i}.png, alt: Picture {i}}}" for i in range(500))
        + "]\n"
        "---\nbody\n"
    )
    meta, body = split(text, "p.md")
    assert meta.extra["fr"] == {"layout": "post", "author": {"name": "Ann"}, "lang": "fr"}
    assert len(meta.extra["gallery"]) == 500 and body == "body\n"


def test_front_matter_digest_names_the_yaml_text_without_expanding_it():
    meta, _ = split(laughs(4), "p.md")
    again, _ = split(laughs(4).replace("body", "other body"), "p.md")
    changed, _ = split(laughs(4).replace("Laughs", "Laugh"), "p.md")
    assert len(meta.digest) == 64
    assert meta.digest == again.digest != changed.digest
