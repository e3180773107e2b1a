"""Templates from the content folder are untrusted: sandboxed, and each failure is per file."""

import datetime
import os
import re
from pathlib import Path

import jinja2
import pytest

from pipeline import templates
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from pipeline.templates import MAX_TEMPLATE_CHARS
from tests.helpers import write


def build_with_template(tmp_path: Path, template: str | bytes, name: str = "page.html", **options):
    c = tmp_path / "c"
    write(c, f"_templates/{name}", template)
    write(c, "a.md", "# A\n")
    write(c, "b.md", "---\ntemplate: plain\n---\n# B\n")
    write(c, "_templates/plain.html", "PLAIN {{ page.title }}\n")
    report = PipelineRunner(c, DirectSink(tmp_path / "s"), **options).run()
    assert report.fatal is None
    return report


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "unsafe"),
        ("{{ page.meta.update(x=1) }}", "unsafe"),  # values given to templates stay as they are
        ("{{ 'x' * 10 ** 9 }}", "'*' would make more than 1000000 items"),
        ("{{ 2 ** 100000 }}", "exponent 100000 is too large"),
        # Memory, however a template asks for it: one value, or a value doubled in a loop.
        ("{{ 'x'|center(3 * 1000 ** 3) }}", "more than the 512 MiB"),
        ("{{ 'x'.ljust(3 * 1000 ** 3) }}", "more than the 512 MiB"),
        ("{{ '%*d' % (3 * 1000 ** 3, 1) }}", "more than the 512 MiB"),
        ("{{ '%*d'|format(3 * 1000 ** 3, 1) }}", "more than the 512 MiB"),
        ("{{ '{:>{w}}'.format(1, w=3 * 1000 ** 3) }}", "more than the 512 MiB"),
        (
            "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "more than the 512 MiB",
        ),
        (
            "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s|length }}{% endmacro %}"
            "{{ d('xxxxxxxx', 40) }}",
            "more than the 512 MiB",
        ),
    ],
)
def test_a_content_template_cannot_reach_python_internals_or_make_huge_values(
    tmp_path, template, words
):
    report = build_with_template(tmp_path, template)
    [problem] = report.pages_failed
    assert problem.path == "a.md"
    assert words in problem.message
    assert (tmp_path / "s/b.html").read_text() == "PLAIN B\n"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
            "template nested too deeply (more than Python's recursion limit allows) (in ",
        ),
        ("line one\n{{ 1 // 0 }}", "template: unexpected ZeroDivisionError: "),
        ("{% for a in [1] %}" * 25 + "x" + "{% endfor %}" * 25, "template syntax error in"),
        ("{{ (" * 2000 + "1" + ")" * 2000 + " }}", "template syntax error in"),
        (b"\xff\xfe not UTF-8", "template _templates/page.html is not UTF-8 text"),
        (
            "x" * (MAX_TEMPLATE_CHARS + 1),
            "template _templates/page.html is too large: over 8 Mi characters",
        ),
    ],
)
def test_any_failure_of_a_content_template_fails_only_the_pages_using_it(
    tmp_path, template, message
):
    report = build_with_template(tmp_path, template)
    [problem] = report.pages_failed
    assert problem.path == "a.md"
    assert message in problem.message
    assert "\n" not in problem.message
    assert (tmp_path / "s/b.html").read_text() == "PLAIN B\n"


def test_a_template_error_names_the_template_and_line(tmp_path):
    report = build_with_template(tmp_path, "one\ntwo\n{{ 1 // 0 }}\n")
    [problem] = report.pages_failed
    assert problem.message.endswith("_templates/page.html:3)")


def test_a_template_over_the_page_time_limit_fails_alone(tmp_path):
    slow = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    report = build_with_template(tmp_path, slow, page_timeout=0.3)  # --page-timeout
    [problem] = report.pages_failed
    assert problem.path == "a.md"
    assert problem.message.startswith("template took longer than 0.3 s")


def test_a_failing_site_level_template_is_reported_for_its_file(tmp_path):
    report = build_with_template(tmp_path, "{{ 1 // 0 }}", name="tags.html")
    assert [p.path for p in report.pages_failed] == ["tags/index.html"]
    assert (tmp_path / "s/index.html").is_file() and (tmp_path / "s/a.html").is_file()


def test_the_theme_renders_the_same_with_and_without_content_templates(tmp_path):
    for name, extra in (("plain", None), ("sandboxed", "unused.html")):
        c = tmp_path / name / "c"
        write(c, "a.md", "---\ntitle: A & B\ntags: [x]\ndate: 2024-01-02\n---\n# A\n\ntext\n")
        if extra:
            write(c, f"_templates/{extra}", "unused\n")
        assert PipelineRunner(c, DirectSink(tmp_path / name / "s")).run().ok
    plain, sandboxed = tmp_path / "plain/s", tmp_path / "sandboxed/s"
    for path in plain.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (sandboxed / path.relative_to(plain)).read_bytes()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the content folder, with a template that must never be used."""
    write(tmp_path / "secret", "page.html", "SECRET TEMPLATE {{ page.title }}\n")
    return tmp_path / "secret"


def build(content: Path, out: Path):
    return PipelineRunner(content, DirectSink(out)).run()


def assert_nothing_secret(out: Path) -> None:
    assert not [p for p in out.rglob("*") if p.is_file() and b"SECRET" in p.read_bytes()]


def test_a_user_template_linked_from_outside_fails_its_pages(tmp_path, outside):
    c = tmp_path / "c"
    write(c, "_templates/post.html", "{% extends 'page.html' %}\n")
    os.symlink(outside / "page.html", c / "_templates/page.html")
    write(c, "a.md", "# A\n")
    report = build(c, tmp_path / "s")
    messages = {p.path: p.message for p in report.pages_failed}
    assert messages["a.md"] == (
        f"_templates/page.html is a link to {outside / 'page.html'}, "
        "outside the content folder's _templates"
    )
    assert_nothing_secret(tmp_path / "s")


def test_a_templates_folder_linked_from_outside_is_refused(tmp_path, outside):
    c = tmp_path / "c"
    write(c, "a.md", "# A\n")
    os.symlink(outside, c / "_templates")
    report = build(c, tmp_path / "s")
    assert report.pages_failed and all(
        p.message == f"_templates is a link to {outside}, outside the content folder"
        for p in report.pages_failed
    )
    assert_nothing_secret(tmp_path / "s")


def test_a_user_template_linked_inside_its_folder_works(tmp_path):
    c = tmp_path / "c"
    write(c, "_templates/shared/page.html", "SHARED {{ page.title }}\n")
    os.symlink("shared/page.html", c / "_templates/page.html")
    write(c, "a.md", "# A\n")
    assert build(c, tmp_path / "s").ok
    assert (tmp_path / "s/a.html").read_text() == "SHARED A\n"


@pytest.mark.parametrize(
    "source",
    [
        # more chunks than one batch, with runs of empty ones longer than a batch
        "{% for i in range(n) %}{{ i }}{{ '' }}{{ '' }}<{{ '&' }}>{% endfor %}end",
        "{% for i in range(n) %}{{ '' }}{% endfor %}end",
        "",
    ],
)
def test_a_template_yielding_many_chunks_renders_as_jinja_does(tmp_path, source):
    env = templates.environment(tmp_path)
    n = 3 * templates.JOIN_CHUNKS + 7
    text = env.from_string(source).render(n=n)
    assert text == jinja2.Environment(autoescape=True).from_string(source).render(n=n)
    assert text.endswith("end") or not source


def test_feed_dates_have_four_digit_years(tmp_path):
    c = tmp_path / "c"
    write(c, "old.md", "---\ntitle: Old\ndate: 0099-01-02\n---\ntext\n")
    write(c, "new.md", "---\ntitle: New\ndate: 2024-05-06\n---\ntext\n")
    assert PipelineRunner(c, DirectSink(tmp_path / "s")).run().ok
    feed = (tmp_path / "s/feed.xml").read_text()
    updated = re.findall(r"<updated>([^<]*)</updated>", feed)
    assert set(updated) == {"2024-05-06T00:00:00Z", "0099-01-02T00:00:00Z"}
    assert templates.rfc3339(datetime.datetime(7, 8, 9, 10, 11, 12)) == "0007-08-09T10:11:12Z"


def test_distinct_tags_get_pages_of_their_own_in_any_script(tmp_path):
    c = tmp_path / "c"
    tags = ["日本", "中文", "C#", "C++", "c", "index", "🚀", "हिन्दी", "Node.js"]
    write(c, "a.md", f"---\ntitle: A\ntags: [{', '.join(repr(t) for t in tags)}]\n---\ntext\n")
    write(c, "b.md", "---\ntitle: B\ntags: [Python, ' python ', Machine Learning]\n---\ntext\n")
    write(c, "d.md", "---\ntitle: D\ntags: [python, machine-learning]\n---\ntext\n")
    assert PipelineRunner(c, DirectSink(tmp_path / "s")).run().ok
    site = tmp_path / "s"
    page_of = {}
    for path in (site / "tags").iterdir():
        if path.name != "index.html":
            page_of[re.search(r"<h1>Tagged “(.*?)”</h1>", path.read_text())[1]] = path.name
    assert {"日本.html", "中文.html", "c.html", "हिन्दी.html"} <= set(page_of.values())
    assert len(set(page_of.values())) == len(tags) + 2  # and python, machine-learning
    assert page_of["Python"] == "python.html"  # the first spelling names the page
    assert "B" in (site / "tags/machine-learning.html").read_text()
    assert "D" in (site / "tags/machine-learning.html").read_text()
    listed = (site / "tags/index.html").read_text()
    assert all(f'tags/{name}"' in listed for name in page_of.values())
