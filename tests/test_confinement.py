"""Content confinement: links out of the content folder are refused, links inside work."""

import os
from pathlib import Path

import pytest

from pipeline import confine, render
from pipeline.discover import discover
from pipeline.errors import OutsideContentError, PipelineError
from pipeline.render import Renderer
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import write


def build(content: Path, out: Path, **kwargs):
    return PipelineRunner(content, DirectSink(out), **kwargs).run()


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the content folder, with things that must never be published."""
    secret = tmp_path / "secret"
    write(secret, "passwd", "root:x:0:0:SECRET\n")
    write(secret, "page.md", "# SECRET page\n")
    write(secret, "dir/inner.md", "# SECRET inner page\n")
    write(secret, "dir/pic.png", b"SECRET png")
    write(secret, "page.html", "SECRET TEMPLATE {{ page.title }}\n")
    return secret


def assert_nothing_secret(out: Path) -> None:
    leaked = [rel for rel, data in site_files(out).items() if b"SECRET" in data]
    assert leaked == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_linked_from_outside_fails_by_name_and_the_rest_builds(tmp_path, outside, jobs):
    c = tmp_path / "c"
    write(c, "good.md", "# Good\n")
    write(c, "other.md", "# Other\n")
    os.symlink(outside / "page.md", c / "stolen.md")
    report = build(c, tmp_path / "s", jobs=jobs)
    assert [(p.path, p.message) for p in report.pages_failed] == [
        ("stolen.md", f"stolen.md is a link to {outside / 'page.md'}, outside the content folder")
    ]
    assert report.pages_built == 2
    assert_nothing_secret(tmp_path / "s")


def test_media_linked_from_outside_is_not_published_and_is_reported(tmp_path, outside):
    c = tmp_path / "c"
    write(c, "p.md", "![x](secret.png)\n")
    os.symlink(outside / "passwd", c / "secret.png")
    report = build(c, tmp_path / "s")
    assert not (tmp_path / "s/secret.png").exists()
    # The page that refers to it, the link and where it points.
    where = f"secret.png is a link to {outside / 'passwd'}, outside the content folder"
    assert [str(p) for p in report.unresolved] == [f"p.md: secret.png: {where}"]
    assert discover(c).outside == {"secret.png": str(outside / "passwd")}
    assert_nothing_secret(tmp_path / "s")


def test_a_folder_linked_from_outside_is_not_walked_and_is_recorded(tmp_path, outside):
    c = tmp_path / "c"
    write(c, "good.md", "# Good\n[in](dir/inner.html) ![p](dir/pic.png)\n")
    os.symlink(outside / "dir", c / "dir")
    found = discover(c)
    assert found.pages == ["good.md"]
    assert found.files == {"good.md"}
    assert found.outside == {"dir": str(outside / "dir")}
    report = build(c, tmp_path / "s")
    assert report.pages_built == 1
    assert sorted(p.message for p in report.unresolved) == [
        "dir/inner.html does not resolve",
        "dir/pic.png does not resolve",
    ]
    assert_nothing_secret(tmp_path / "s")


def test_links_into_unpublished_folders_of_the_content_are_refused(tmp_path):
    c = tmp_path / "c"
    write(c, ".git/config", "[remote]\nurl = https://SECRET-token@example.com\n")
    write(c, "_drafts/next.md", "# SECRET draft\n")
    os.symlink(c / ".git/config", c / "config.png")
    os.symlink(c / "_drafts/next.md", c / "next.md")
    os.symlink(c / "_drafts", c / "drafts")
    write(c, "p.md", "![c](config.png)\n")
    found = discover(c)
    assert found.outside == {
        "config.png": str(c / ".git/config"),
        "drafts": str(c / "_drafts"),
        "next.md": str(c / "_drafts/next.md"),
    }
    report = build(c, tmp_path / "s")
    [problem] = report.pages_failed
    assert problem.path == "next.md"
    assert "never published" in problem.message
    assert_nothing_secret(tmp_path / "s")


def test_links_that_stay_inside_keep_working(tmp_path):
    c = tmp_path / "c"
    write(c, "docs/real.md", "# Real\n\n![p](img/pic.png)\n")
    write(c, "docs/img/pic.png", b"PNG")
    write(c, "docs/plain.md", "# Plain\n")
    os.symlink("docs/plain.md", c / "alias.md")  # relative link
    os.symlink(c / "docs/img/pic.png", c / "logo.png")
    os.symlink("docs", c / "mirror")  # a linked folder inside: walked like a real one
    write(c, "home.md", "![l](logo.png)\n")
    found = discover(c)
    assert found.outside == {}
    assert found.pages == [
        "alias.md",
        "home.md",
        "docs/plain.md",
        "docs/real.md",
        "mirror/plain.md",
        "mirror/real.md",
    ]
    report = build(c, tmp_path / "s")
    assert report.ok and report.unresolved == []
    assert (tmp_path / "s/alias.html").is_file() and (tmp_path / "s/mirror/real.html").is_file()
    assert (tmp_path / "s/logo.png").read_bytes() == b"PNG"
    assert (tmp_path / "s/mirror/img/pic.png").read_bytes() == b"PNG"


def test_discovery_order_is_unchanged_without_links(corpus_dir):
    walked = []
    for folder, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        rel = Path(folder).relative_to(corpus_dir).as_posix()
        walked += [n if rel == "." else f"{rel}/{n}" for n in sorted(files) if n.endswith(".md")]
    assert discover(corpus_dir).pages == walked


def test_symlink_cycles_end_and_each_linked_folder_is_walked_once(tmp_path):
    c = tmp_path / "c"
    write(c, "a/page.md", "# A\n")
    write(c, "b/page.md", "# B\n")
    os.symlink("..", c / "a/up")  # the content folder itself, from inside it
    os.symlink("../b", c / "a/to-b")
    os.symlink("../a", c / "b/to-a")  # a -> b -> a
    os.symlink(c / "loop.md", c / "loop.md")  # a link to itself
    os.symlink(c / "ping.md", c / "pong.md")
    os.symlink(c / "pong.md", c / "ping.md")
    found = discover(c)
    assert found.pages == [
        "loop.md",
        "ping.md",
        "pong.md",
        "a/page.md",
        "a/to-b/page.md",  # a/to-b/to-a and a/up would be cycles
        "b/page.md",
        "b/to-a/page.md",
    ]
    report = build(c, tmp_path / "s")
    assert report.pages_built == 4
    assert {p.path: p.message for p in report.pages_failed} == {
        name: "cannot read: Too many levels of symbolic links"
        for name in ("loop.md", "ping.md", "pong.md")
    }


def test_links_to_one_folder_cannot_multiply_the_walk(tmp_path):
    """Twenty levels, each linking twice to the next: 2**20 paths, walked in linear time."""
    c = tmp_path / "c"
    for level in range(20):
        write(c, f"l{level}/page.md", f"# {level}\n")
        if level:
            os.symlink(f"../l{level}", c / f"l{level - 1}/x")
            os.symlink(f"../l{level}", c / f"l{level - 1}/y")
    found = discover(c)
    assert len(found.pages) < 3 * 20


def test_a_page_swapped_for_an_outside_link_after_discovery_is_refused_when_read(tmp_path, outside):
    c = tmp_path / "c"
    write(c, "page.md", "# fine\n")
    renderer = Renderer(1, content=c)
    (c / "page.md").unlink()
    os.symlink(outside / "page.md", c / "page.md")
    [result] = renderer.render([(os.path.join(c, "page.md"), 0)])
    assert result.error == f"page.md is a link to {outside / 'page.md'}, outside the content folder"
    assert "SECRET" not in result.html


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_render_workers_check_where_each_page_really_is(tmp_path, outside, jobs):
    c = tmp_path / "c"
    write(c, "a.md", "# A\n")
    os.symlink(outside / "page.md", c / "b.md")
    renderer = Renderer(jobs, content=c)
    renderer.start()
    try:
        results = list(renderer.render([(os.path.join(c, n), 0) for n in ("a.md", "b.md")]))
    finally:
        renderer.close()
    assert results[0].error is None and "<h1" in results[0].html
    assert results[1].error is not None and "outside the content folder" in results[1].error
    assert results[1].html == ""


def test_reading_content_checks_the_opened_file_not_the_name(tmp_path, outside):
    root = confine.root_of(tmp_path / "c")
    write(tmp_path / "c", "in.md", "inside\n")
    os.symlink(outside / "passwd", tmp_path / "c/out.md")
    assert confine.read_content(tmp_path / "c/in.md", root, "in.md") == b"inside\n"
    with pytest.raises(OutsideContentError) as caught:
        confine.read_content(tmp_path / "c/out.md", root, "out.md")
    assert caught.value.target == str(outside / "passwd")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    c = tmp_path / "c"
    c.mkdir()
    os.mkfifo(c / "pipe.md")
    write(c, "good.md", "# Good\n")
    with pytest.raises(PipelineError, match="not a regular file"):
        confine.read_content(c / "pipe.md", confine.root_of(c), "pipe.md")
    report = build(c, tmp_path / "s")
    assert [(p.path, p.message) for p in report.pages_failed] == [("pipe.md", "not a regular file")]


def test_a_folder_that_cannot_be_listed_is_recorded_not_dropped(tmp_path, monkeypatch):
    c = tmp_path / "c"
    write(c, "open/a.md", "# A\n")
    write(c, "locked/b.md", "# B\n")
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("locked"):  # root ignores permission bits: inject it
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover(c)
    assert found.pages == ["open/a.md"]
    assert found.unreadable == {"locked": "Permission denied"}


def test_a_linked_folder_outside_is_not_read_and_is_reported(tmp_path, outside):
    c = tmp_path / "c"
    write(c, "good.md", "# Good\n")
    os.symlink(outside, c / "elsewhere")
    report = build(c, tmp_path / "s")
    assert report.ok and report.pages_built == 1
    assert report.warnings == [
        f"elsewhere is a link to {outside}, outside the content folder: not read"
    ]
    assert_nothing_secret(tmp_path / "s")


def test_a_page_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    c = tmp_path / "c"
    write(c, "page.md", "0123456789")
    root = confine.root_of(c)
    assert confine.read_content(c / "page.md", root, "page.md", limit=10) == b"0123456789"
    with pytest.raises(PipelineError, match="too large for a page"):
        confine.read_content(c / "page.md", root, "page.md", limit=9)
    monkeypatch.setattr(os, "read", lambda *a: pytest.fail("read a file over the limit"))
    with pytest.raises(PipelineError, match="too large for a page"):
        confine.read_content(c / "page.md", root, "page.md", limit=9)


def test_the_render_stage_refuses_a_page_that_grew_past_the_limit(tmp_path, monkeypatch):
    c = tmp_path / "c"
    write(c, "page.md", "# Grew\n" * 10)
    monkeypatch.setattr(render, "MAX_PAGE_BYTES", 16)
    for content in (None, render.Content.of(c)):
        result = render.render_file(render.Converter(), (str(c / "page.md"), 0), content, None)
        assert result.error is not None and "too large for a page" in result.error
