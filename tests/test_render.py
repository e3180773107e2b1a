import multiprocessing
import time

import markdown
import pytest

from pipeline import frontmatter, markup, media
from pipeline.render import Renderer, render_text
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import tree, write


@pytest.mark.parametrize(
    "text",
    [
        "[a](a.html) ![i](img/i.png) [ext](https://example.com/x)\n",
        'inline <a href="raw.html">raw</a> and <img src="r.png">\n',
        '<div markdown="1">\n<video src="v.mp4" poster="p.jpg"></video>\n</div>\n',
        "[amp](a&amp;b.html) [plain](a&b.html) [entity](&copy;.html)\n",
        "a footnote[^1]\n\n[^1]: with [a link](f.html)\n",
        '```\n<a href="not-a-link.html">code</a>\n```\n\n[ref][r]\n\n[r]: r.html\n',
        "",
    ],
)
def test_references_from_the_tree_equal_parsing_the_html(text):
    md = markup.new_markdown()
    rendered = render_text(md, text)
    assert rendered.html == markdown.markdown(text, extensions=list(markup.EXTENSIONS))
    assert rendered.references == media.references(rendered.html)


def test_references_from_the_tree_equal_parsing_the_html_on_the_corpus(corpus_dir):
    md = markup.new_markdown()
    checked = 0
    for path in sorted(corpus_dir.rglob("*.md")):
        _, body = frontmatter.split(path.read_text(), path.name)
        rendered = render_text(md, body)
        assert rendered.references == media.references(rendered.html), path
        checked += len(rendered.references)
    assert checked > 200


def test_site_is_byte_identical_for_every_number_of_jobs(corpus_dir, tmp_path):
    trees = []
    for jobs in (1, 2, 3):
        report = PipelineRunner(corpus_dir, DirectSink(tmp_path / f"j{jobs}"), jobs=jobs).run()
        assert report.ok and report.jobs == jobs
        trees.append(tree(tmp_path / f"j{jobs}"))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) > 100


def test_one_job_starts_no_process_pool(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("jobs=1 must not start a pool")

    monkeypatch.setattr(multiprocessing, "get_context", refuse)
    write(tmp_path / "c", "a.md", "# A\n\ntext\n")
    write(tmp_path / "c", "b.md", "# B\n\ntext\n")
    assert PipelineRunner(tmp_path / "c", DirectSink(tmp_path / "s"), jobs=1).run().ok
    renderer = Renderer(1)
    renderer.start()
    assert list(renderer.render([])) == []


def test_a_page_deleted_during_the_build_fails_alone(tmp_path):
    renderer = Renderer(1)
    [result] = renderer.render([(str(tmp_path / "gone.md"), 0)])
    assert result.error is not None and "gone.md" in result.error


def test_summary_of_a_page_of_unclosed_paragraphs_is_quick():
    start = time.perf_counter()
    assert markup.summarize("<p>x" * 60_000) == ""
    assert markup.summarize("<p>a <b>b</b></p><p>c</p>") == "a b"
    assert time.perf_counter() - start < 1.0
