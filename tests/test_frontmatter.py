import datetime as dt

import pytest

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
    ],
)
def test_malformed_front_matter_names_file_and_line(text, line, words):
    with pytest.raises(PipelineError) as caught:
        split(text, "posts/bad.md")
    assert caught.value.path == "posts/bad.md"
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"posts/bad.md:{line}: ")
