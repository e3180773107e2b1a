import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import entities
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink

DIGITS = 5000  # past int()'s 4300


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("&#" + "1" * DIGITS + "; x", "\ufffd x"),
        ("&#x" + "f" * DIGITS + "; x", "\ufffd x"),
        ("&#" + "0" * DIGITS + "65;", "A"),
        ("&#X" + "0" * DIGITS + "41", "A"),
        ("&#" + "0" * DIGITS + ";", "\ufffd"),
        ("&#1114112;&#x110000;&#x10fffd;", "\ufffd\ufffd\U0010fffd"),
        ("&#0000065;&#00000065;&#x0000041;", "AAA"),
        ("&#12345678abc", "\ufffdabc"),
    ],
)
def test_numeric_references_of_any_length_decode_as_browsers_decode_them(text, decoded):
    assert entities.unescape(text) == decoded


@given(st.text(alphabet="&#xX0123456789abcdefABCDEF;ay<> ", max_size=60))
def test_unescape_equals_the_standard_library_wherever_it_works(text):
    assert entities.unescape(text) == html.unescape(text)


def test_a_page_full_of_long_references_builds(tmp_path):
    content = tmp_path / "c"
    content.mkdir()
    long_ref = "&#" + "1" * DIGITS + ";"
    (content / "page.md").write_text(
        f"# Title {long_ref}\n\nText {long_ref} [link](a{long_ref}.html)\n\n"
        f'<a href="b{long_ref}.png">x</a>\n'
    )
    report = PipelineRunner(content, DirectSink(tmp_path / "site"), sidecars=True).run()
    assert report.ok and report.pages_built == 1, report.pages_failed
    assert "\ufffd" in (tmp_path / "site/page.json").read_text()
