import os

import pytest

from pipeline.media import local_target, references


def test_references_finds_links_images_and_media_in_order():
    html = (
        '<a href="a.html">x</a><img src="i.png" alt=""><video poster="p.jpg" src="v.mp4"></video>'
    )
    assert references(html) == ["a.html", "i.png", "v.mp4", "p.jpg"]


# "<![" that opens no CDATA or conditional section: Python 3.11's parser raised on it;
# browsers read a bogus comment up to the next ">" (HTML5), so what it hides loads nothing.
@pytest.mark.parametrize(
    ("html", "urls"),
    [
        ('<![ y\n\n<img src="p.png">', []),
        ("<!----><![>", []),
        ("<![ never closed <img src=c.png", []),
        ("<p><![CD<img src=d.png></p><img src=e.png>", ["e.png"]),
        ("<![CDATA[x]]><img src=a.png>", ["a.png"]),
        ("<![if x]><img src=b.png><![endif]>", ["b.png"]),
    ],
)
def test_a_marked_section_python_rejects_is_read_as_browsers_read_it(html, urls):
    assert references(html) == urls


def test_a_page_with_such_a_section_builds(tmp_path):
    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    (tmp_path / "c").mkdir()
    (tmp_path / "c/page.md").write_text('<!-- x --><![ y\n\n<img src="p.png">\n')
    report = PipelineRunner(tmp_path / "c", DirectSink(tmp_path / "site")).run()
    assert report.ok and report.pages_built == 1


@pytest.mark.parametrize(
    ("url", "page", "target"),
    [
        ("img/a.png", "docs/page.html", "docs/img/a.png"),
        ("../b.html#part", "docs/page.html", "b.html"),
        ("/root.css", "docs/deep/page.html", "root.css"),
        ("sub/", "page.html", "sub/index.html"),
        ("my%20file.pdf?x=1", "page.html", "my file.pdf"),
        ("../../x.png", "docs/page.html", "../x.png"),
        ("https://example.com/a.png", "page.html", None),
        ("mailto:me@example.com", "page.html", None),
        ("//cdn.example.com/x.js", "page.html", None),
        ("#section", "page.html", None),
    ],
)
def test_local_target_resolves_relative_to_the_page(url, page, target):
    assert local_target(url, page) == target


@pytest.mark.parametrize("sink_name", ["direct", "batch"])
def test_a_large_media_file_is_copied_without_being_read_whole(tmp_path, monkeypatch, sink_name):
    import tracemalloc

    from pipeline import media
    from pipeline.runner import PipelineRunner
    from pipeline.sink import open_sink

    monkeypatch.setattr(media, "STREAM_MIN", 1 << 20)
    content, site = tmp_path / "c", tmp_path / "site"
    content.mkdir()
    (content / "page.md").write_text("# Video\n\n[big](big.bin) ![small](small.png)\n")
    (content / "small.png").write_bytes(b"\x89PNG small")
    for version in (1, 2):  # a new site (a staging folder for batch), then one replaced
        big = os.urandom(8 << 20) + bytes([version])
        (content / "big.bin").write_bytes(big)
        tracemalloc.start()
        try:
            runner = PipelineRunner(content, open_sink(sink_name, site), cache_dir=tmp_path / "x")
            report = runner.run()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert report.ok and report.media_files == 2, report
        assert (site / "big.bin").read_bytes() == big
        assert (site / "small.png").read_bytes() == b"\x89PNG small"
        assert peak < 4 << 20  # the file is 8 MiB
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]


def test_a_changed_media_file_that_cannot_be_read_names_each_page_kept_that_uses_it(
    tmp_path, monkeypatch
):
    # The kept pages' links stay undecoded until a reference to report needs its pages.
    import errno

    from pipeline import confine, media
    from pipeline.runner import PipelineRunner
    from pipeline.sink import open_sink

    content, site = tmp_path / "c", tmp_path / "site"
    content.mkdir()
    for name, body in [("a", "![x](pic.png)"), ("b", "no media"), ("c", "[y](pic.png)")]:
        (content / f"{name}.md").write_text(f"# {name}\n\n{body}\n")
    (content / "pic.png").write_bytes(b"one")

    def build():
        return PipelineRunner(content, open_sink("direct", site), cache_dir=tmp_path / "x").run()

    assert build().ok
    (content / "pic.png").write_bytes(b"two, so copied again")
    real_open = confine.open_content

    def failing_open(path, root, target):
        if target == "pic.png":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_open(path, root, target)

    monkeypatch.setattr(media.confine, "open_content", failing_open)
    report = build()
    assert report.cache_hits == 3
    assert sorted(str(p) for p in report.unresolved) == [
        f"a.md: pic.png: cannot read pic.png: {os.strerror(errno.EIO)}",
        f"c.md: pic.png: cannot read pic.png: {os.strerror(errno.EIO)}",
    ]
    assert (site / "pic.png").read_bytes() == b"one"  # the earlier copy stays


@pytest.mark.parametrize("sink_name", ["direct", "batch"])
def test_a_large_media_file_that_fails_while_copied_fails_alone(tmp_path, monkeypatch, sink_name):
    # Read from its descriptor by the sink: a read error there is the file's problem, and
    # was reported as the site's ("cannot write the site"), which stopped the build.
    import errno

    from pipeline import confine, media
    from pipeline.runner import PipelineRunner
    from pipeline.sink import open_sink

    monkeypatch.setattr(media, "STREAM_MIN", 1 << 10)
    content, site = tmp_path / "c", tmp_path / "site"
    content.mkdir()
    (content / "a.md").write_text("# A\n\n[big](big.bin) ![small](small.png)\n")
    (content / "b.md").write_text("# B\n\nno media\n")
    (content / "big.bin").write_bytes(b"x" * (1 << 16))
    (content / "small.png").write_bytes(b"\x89PNG small")
    real_open = confine.open_content

    def unreadable(path, root, target):
        fd, size = real_open(path, root, target)
        if target != "big.bin":
            return fd, size
        os.close(fd)
        return os.open(path, os.O_WRONLY), size  # reading it fails: EBADF

    monkeypatch.setattr(media.confine, "open_content", unreadable)
    report = PipelineRunner(content, open_sink(sink_name, site), cache_dir=tmp_path / "x").run()
    assert report.fatal is None and report.pages_built == 2
    assert [str(p) for p in report.unresolved] == [
        f"a.md: big.bin: cannot read big.bin: {os.strerror(errno.EBADF)}"
    ]
    assert (site / "small.png").read_bytes() == b"\x89PNG small"
    assert not (site / "big.bin").exists()
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]
