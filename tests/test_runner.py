import dataclasses
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown

from pipeline import frontmatter, media, sink
from pipeline.defaults import MAX_PAGE_BYTES
from pipeline.errors import SinkWriteError
from pipeline.markup import EXTENSIONS
from pipeline.render import Rendered
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from pipeline.site import PAGE_SIZE
from pipeline.stages import DEFAULT_STAGES
from tests.helpers import write

BODY_START, BODY_END = '<div class="body">\n', "\n</div>\n</article>"
ATOM = "{http://www.w3.org/2005/Atom}"


def build(content: Path, out: Path, **kwargs):
    return PipelineRunner(content, DirectSink(out), **kwargs).run()


def sources_of(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("*.md"))


def test_generated_corpus_builds_without_problems(built_site, corpus_dir):
    _, report = built_site
    drafts = sum(frontmatter.split(p.read_text(), p.name)[0].draft for p in sources_of(corpus_dir))
    assert report.ok, report.pages_failed
    assert report.unresolved == []
    assert report.drafts == drafts > 0
    assert report.pages_built == len(sources_of(corpus_dir)) - drafts
    assert report.media_files > 0


def test_every_page_body_equals_a_fresh_markdown_call(built_site, corpus_dir):
    site, _ = built_site
    checked = 0
    for path in sources_of(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        meta, body = frontmatter.split(path.read_text(), source)
        if meta.draft:
            continue
        out = site / Path(source).parent / f"{meta.slug or path.stem}.html"
        page_html = out.read_text()
        rendered = page_html[
            page_html.index(BODY_START) + len(BODY_START) : page_html.rindex(BODY_END)
        ]
        assert rendered == markdown.markdown(body, extensions=list(EXTENSIONS)), source
        checked += 1
    assert checked > 50


def test_every_internal_link_in_the_site_resolves(built_site):
    site, _ = built_site
    checked = 0
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        for url in media.references(path.read_text()):
            target = media.local_target(url, rel)
            if target is None:
                continue
            assert (site / target).is_file(), f"{rel} links to missing {url}"
            checked += 1
    assert checked > 500


def test_feed_and_sitemap_parse_as_xml(built_site):
    site, report = built_site
    feed = ET.parse(site / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert 0 < len(entries) <= 20
    assert all(e.findtext(f"{ATOM}title") for e in entries)
    urls = ET.parse(site / "sitemap.xml").getroot()
    assert len(urls) == report.pages_built + 1


def test_index_is_paginated_and_lists_every_page_once(built_site):
    site, report = built_site
    index_pages = [site / "index.html", *sorted((site / "page").glob("*.html"))]
    assert len(index_pages) == -(-report.pages_built // PAGE_SIZE)
    listed = [
        line
        for p in index_pages
        for line in p.read_text().splitlines()
        if 'class="page-title"' in line
    ]
    assert len(listed) == len(set(listed)) == report.pages_built


def test_page_without_front_matter_takes_title_from_heading_or_file_name(tmp_path):
    write(tmp_path / "c", "with-heading.md", "Intro\n\n## The *Real* Title\n\ntext\n")
    write(tmp_path / "c", "no_heading.md", "just text\n")
    report = build(tmp_path / "c", tmp_path / "s")
    assert report.ok
    assert "<title>The Real Title · c</title>" in (tmp_path / "s/with-heading.html").read_text()
    assert "<title>no heading · c</title>" in (tmp_path / "s/no_heading.html").read_text()


def test_metadata_reaches_templates_escaped(tmp_path):
    write(
        tmp_path / "c", "x.md", '---\ntitle: "<script>alert(1)</script>"\ntags: ["a&b"]\n---\nhi\n'
    )
    assert build(tmp_path / "c", tmp_path / "s").ok
    page = (tmp_path / "s/x.html").read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a&amp;b" in page


def test_drafts_are_left_out_everywhere(tmp_path):
    write(tmp_path / "c", "draft.md", "---\ntitle: Secret\ndraft: true\n---\nhidden\n")
    write(tmp_path / "c", "public.md", "---\ntitle: Public\n---\nshown\n")
    report = build(tmp_path / "c", tmp_path / "s")
    assert (report.pages_built, report.drafts) == (1, 1)
    assert not (tmp_path / "s/draft.html").exists()
    assert not any("Secret" in p.read_text() for p in (tmp_path / "s").rglob("*.*ml"))


def test_media_is_copied_once_and_dangling_references_are_reported(tmp_path):
    c = tmp_path / "c"
    write(c, "docs/img/pic.png", b"\x89PNG fake")
    write(
        c,
        "docs/a.md",
        "![p](img/pic.png) [missing](nowhere.pdf) [src](b.md) [up](../../x.png)\n\n"
        "[again](nowhere.pdf)\n",  # one page's dangling URL is reported once
    )
    write(c, "docs/b.md", "![same](img/pic.png) [ext](https://example.com/x.png) [me](#top)\n")
    write(c, "unused.png", b"not referenced")
    report = build(c, tmp_path / "s")
    assert (tmp_path / "s/docs/img/pic.png").read_bytes() == b"\x89PNG fake"
    assert report.media_files == 1
    assert not (tmp_path / "s/unused.png").exists()
    problems = sorted(str(p) for p in report.unresolved)
    assert problems == [
        "docs/a.md: ../../x.png points outside the site",
        "docs/a.md: b.md links to a Markdown source, not to its page",
        "docs/a.md: nowhere.pdf does not resolve",
    ]


def test_bad_inputs_fail_alone_with_a_clear_reason(tmp_path):
    c = tmp_path / "c"
    write(c, "good.md", "---\ntitle: Good\ntags: [t]\n---\nfine\n")
    write(c, "malformed.md", "---\ntitle: x\ntags: [a\n---\nbody\n")
    write(c, "latin1.md", "caf\xe9\n".encode("latin-1"))
    write(c, "binary.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    write(c, "empty.md", b"")
    write(c, "utf16.md", "# Saved as UTF-16\n".encode("utf-16-be").join([b"\xfe\xff", b""]))
    write(c, "utf32.md", "# Saved as UTF-32\n".encode("utf-32"))  # little-endian mark here
    write(c, "escape.md", "---\nslug: ../../outside\n---\nx\n")
    write(c, "dup-a.md", "---\nslug: same\n---\na\n")
    write(c, "dup-b.md", "---\nslug: same\n---\nb\n")
    write(c, "unknown.md", "---\ntemplate: nonexistent\n---\nx\n")
    write(c, "reserved.md", "---\nslug: index\n---\nx\n")
    os.symlink(c / "vanished-target.md", c / "unreadable.md")
    write(c, "huge.md", b"")
    os.truncate(c / "huge.md", MAX_PAGE_BYTES + 1)  # sparse: nothing may read it whole
    report = build(c, tmp_path / "site")
    reasons = {p.path: p.message for p in report.pages_failed}
    assert reasons == {
        "binary.md": "binary file, not Markdown text",
        "huge.md": "too large for a page: 64.0 MiB, over the 64 MiB a page may have",
        "dup-a.md": "output path same.html is claimed by dup-b.md too; none of them is built "
        "(the site keeps what it had): give each its own slug",
        "dup-b.md": "output path same.html is claimed by dup-a.md too; none of them is built "
        "(the site keeps what it had): give each its own slug",
        "empty.md": "empty file",
        "utf16.md": "UTF-16 text (it starts with a UTF-16 byte-order mark): save it as UTF-8",
        "utf32.md": "UTF-32 text (it starts with a UTF-32 byte-order mark): save it as UTF-8",
        "escape.md": "line 2: front matter 'slug': '../../outside' must be one file name "
        "(no '/', no leading '.')",
        "latin1.md": "line 1: invalid UTF-8 at byte 3",
        "malformed.md": "line 4: malformed front matter: did not find expected ',' or ']'",
        "reserved.md": "output path index.html is reserved for the site; set a slug",
        "unknown.md": "unknown template 'nonexistent.html'",
        "unreadable.md": "cannot read: No such file or directory",
    }
    assert report.pages_built == 1  # good.md: neither dup-a.md nor dup-b.md takes same.html
    assert (tmp_path / "site/good.html").is_file() and (tmp_path / "site/tags/t.html").is_file()
    assert not (tmp_path / "outside.html").exists()


def test_template_syntax_error_names_the_template_and_line(tmp_path):
    c = tmp_path / "c"
    write(
        c, "_templates/broken.html", "{% extends 'base.html' %}\n{% block main %}\n{{ page.title\n"
    )
    write(c, "uses-broken.md", "---\ntemplate: broken\n---\nx\n")
    write(c, "fine.md", "fine\n")
    report = build(c, tmp_path / "s")
    [problem] = report.pages_failed
    assert problem.path == "uses-broken.md"
    assert "template syntax error in" in problem.message
    assert "_templates/broken.html:3" in problem.message
    assert (tmp_path / "s/fine.html").is_file()


def test_user_templates_override_the_theme(tmp_path):
    c = tmp_path / "c"
    write(c, "_templates/page.html", "CUSTOM {{ page.title }}|{{ page.meta.author }}\n")
    write(c, "x.md", "---\ntitle: T\nauthor: Ann\n---\nx\n")
    assert build(c, tmp_path / "s").ok
    assert (tmp_path / "s/x.html").read_text() == "CUSTOM T|Ann\n"


def test_a_template_asking_for_a_field_pages_do_not_have_fails_that_page(tmp_path):
    """Pages do not keep their Markdown source: a template using it fails loudly, not empty."""
    c = tmp_path / "c"
    write(c, "_templates/page.html", "{{ page.body }}\n")
    write(c, "x.md", "# X\n")
    report = build(c, tmp_path / "s")
    (problem,) = report.pages_failed
    assert problem.path == "x.md"
    assert "has no attribute 'body'" in problem.message
    assert not (tmp_path / "s/x.html").exists()


class FailingSink(DirectSink):
    """A DirectSink whose disk fills up after a number of files."""

    def __init__(self, root, fail_after):
        super().__init__(root)
        self.left = fail_after

    def write(self, relpath, data):
        if self.left == 0:
            raise SinkWriteError(relpath, "cannot write: No space left on device")
        self.left -= 1
        super().write(relpath, data)


def test_write_error_stops_the_build_naming_the_file(corpus_dir, tmp_path):
    report = PipelineRunner(corpus_dir, FailingSink(tmp_path, fail_after=5)).run()
    assert report.fatal is not None
    assert "No space left on device" in report.fatal and ".html" in report.fatal
    assert not report.ok
    assert report.files_written == 5
    for path in tmp_path.rglob("*.html"):
        assert path.read_text().rstrip().endswith("</html>")


def test_unwritable_output_file_is_reported(tmp_path, monkeypatch):
    # Root ignores permission bits, so inject the error the kernel would give.
    real_create = sink.create_new

    def deny(path, *args, **kwargs):
        if "locked" in path:
            raise PermissionError(13, "Permission denied")
        return real_create(path, *args, **kwargs)

    write(tmp_path / "c", "locked.md", "x\n")
    monkeypatch.setattr(sink, "create_new", deny)
    report = build(tmp_path / "c", tmp_path / "s")
    assert report.fatal == "cannot write the site: locked.html: cannot write: Permission denied"


def test_builds_are_reproducible(corpus_dir, tmp_path):
    build(corpus_dir, tmp_path / "one")
    build(corpus_dir, tmp_path / "two")
    one = {
        p.relative_to(tmp_path / "one"): p.read_bytes()
        for p in (tmp_path / "one").rglob("*")
        if p.is_file()
    }
    two = {
        p.relative_to(tmp_path / "two"): p.read_bytes()
        for p in (tmp_path / "two").rglob("*")
        if p.is_file()
    }
    assert one == two


class SinkFailingAtClose(DirectSink):
    """A sink that writes in the background and learns of a full disk only at close()."""

    def close(self):
        super().close()
        raise SinkWriteError("late/page.html", "cannot write: No space left on device")


def test_write_error_reported_at_close_stops_the_build_naming_the_file(tmp_path):
    write(tmp_path / "c", "x.md", "x\n")
    report = PipelineRunner(tmp_path / "c", SinkFailingAtClose(tmp_path / "s")).run()
    assert report.fatal == (
        "cannot write the site: late/page.html: cannot write: No space left on device"
    )
    assert not report.ok


class EchoRenderer:
    """A render stage that does not use Markdown: each page's HTML names its file."""

    def __init__(self, jobs):
        self.calls = []

    def start(self):
        pass

    def render(self, tasks):
        for path, _ in tasks:
            self.calls.append(os.path.basename(path))
            yield Rendered(html=f"<p>echo {os.path.basename(path)}</p>", heading="Echo")

    def close(self):
        pass

    def terminate(self):
        pass


def test_a_stage_swapped_in_is_used_and_timed_and_the_others_are_untouched(tmp_path):
    c = tmp_path / "c"
    write(c, "a.md", "---\ntitle: A\ntags: [x]\n---\n# Heading\n")
    write(c, "b.md", "no front matter\n")
    renderers = []

    def renderer(jobs, **options):
        renderers.append(EchoRenderer(jobs))
        return renderers[-1]

    resolved = []

    def media_stage(url, out_path):
        resolved.append(url)
        return None

    stages = dataclasses.replace(DEFAULT_STAGES, render=renderer, media=media_stage)
    report = PipelineRunner(c, DirectSink(tmp_path / "s"), stages=stages).run()
    assert report.ok
    assert renderers[0].calls == ["a.md", "b.md"]
    assert "<p>echo a.md</p>" in (tmp_path / "s/a.html").read_text()
    assert "<title>Echo" in (tmp_path / "s/b.html").read_text()  # its title came from render
    assert (tmp_path / "s/tags/x.html").exists()  # parse and the site files as before
    assert report.stages["render"].calls == 2
    assert resolved == []  # the echo pages refer to nothing


def test_the_workers_start_before_parsing_only_when_no_page_can_come_from_the_cache(tmp_path):
    c = tmp_path / "c"
    write(c, "a.md", "# A\n")
    write(c, "b.md", "# B\n")
    events = []

    class Recording(EchoRenderer):
        def __init__(self, jobs, **options):
            super().__init__(jobs)

        def start(self):
            events.append("start")

    def parse(*args, **options):
        events.append("parse")
        return DEFAULT_STAGES.parse(*args, **options)

    stages = dataclasses.replace(DEFAULT_STAGES, render=Recording, parse=parse)

    def build():
        events.clear()
        sink = DirectSink(tmp_path / "s")
        return PipelineRunner(c, sink, stages=stages, cache_dir=tmp_path / "cache").run()

    assert build().pages_rendered == 2 and events == ["start", "parse"]  # a first build
    write(c, "a.md", "# A, edited\n")
    assert build().pages_rendered == 1 and events == ["parse"]  # started by render, if needed
