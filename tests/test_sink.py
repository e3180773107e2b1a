import os

import pytest

from pipeline.errors import SinkWriteError, UnsafePathError
from pipeline.sink import SINKS, DirectSink, check_relpath, open_sink


def test_sink_writes_exact_bytes_and_counts_them(tmp_path):
    payloads = {"a.html": b"<p>a</p>", "deep/er/b.bin": bytes(range(256)) * 10, "empty": b""}
    with DirectSink(tmp_path / "site") as sink:
        for rel, data in payloads.items():
            sink.write(rel, data)
    stats = sink.close()
    for rel, data in payloads.items():
        assert (tmp_path / "site" / rel).read_bytes() == data
    assert stats.files == 3
    assert stats.bytes == sum(map(len, payloads.values()))
    assert stats.write_calls == 3


def test_sink_creates_each_folder_once(tmp_path):
    sink = DirectSink(tmp_path)
    for i in range(20):
        sink.write(f"x/y/{i}.html", b".")
    sink.write("x/z.html", b".")
    assert sink.close().dirs_created == 2


def test_sink_overwrites_and_leaves_no_temporary_files(tmp_path):
    sink = DirectSink(tmp_path)
    sink.write("a/page.html", b"old")
    sink.write("a/page.html", b"new")
    sink.close()
    assert (tmp_path / "a" / "page.html").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path / "a")) == ["page.html"]


@pytest.mark.parametrize(
    "relpath", ["/etc/passwd", "../x.html", "a/../../x.html", "..", "", "a/\0"]
)
def test_sink_refuses_path_outside_root(tmp_path, relpath):
    sink = DirectSink(tmp_path / "site")
    with pytest.raises(UnsafePathError):
        sink.write(relpath, b"x")
    assert list((tmp_path / "site").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize("name", list(SINKS))
def test_every_sink_refuses_a_symlinked_parent(tmp_path, name):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "link").symlink_to(outside)
    sink = open_sink(name, tmp_path / "site")
    with pytest.raises(UnsafePathError, match="symlink"):
        sink.write("link/x.html", b"x")
    sink.close()
    assert list(outside.iterdir()) == []


def test_check_relpath_normalises_harmless_forms():
    assert check_relpath("./a//b/./c.html") == "a/b/c.html"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_sink_write_error_names_the_file_and_keeps_completed_files(tmp_path):
    sink = DirectSink(tmp_path)
    sink.write("ok.html", b"complete")
    (tmp_path / "locked").mkdir(mode=0o500)
    with pytest.raises(SinkWriteError, match="locked/x.html"):
        sink.write("locked/x.html", b"x")
    assert (tmp_path / "ok.html").read_bytes() == b"complete"


def test_sink_write_error_when_a_file_blocks_a_folder(tmp_path):
    sink = DirectSink(tmp_path)
    sink.write("ok.html", b"complete")
    (tmp_path / "blocker").write_bytes(b"a file, not a folder")
    with pytest.raises(SinkWriteError, match="blocker"):
        sink.write("blocker/x.html", b"x")
    assert (tmp_path / "ok.html").read_bytes() == b"complete"


def test_sink_reports_an_output_folder_it_cannot_create(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(SinkWriteError, match="cannot create output folder"):
        DirectSink(tmp_path / "file" / "site")


@pytest.mark.parametrize("name", sorted(SINKS))
@pytest.mark.parametrize("size", [10, 2 << 20], ids=["write", "mmap"])
def test_a_link_at_a_temporary_name_is_replaced_not_followed(tmp_path, name, size):
    outside = tmp_path / "precious.txt"
    outside.write_bytes(b"keep me")
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_bytes(b"old")  # a site already there: written in place
    os.symlink(outside, site / f".a.html.{os.getpid()}.tmp")
    os.link(outside, site / f".b.html.{os.getpid()}.tmp")  # a hard link: never truncated
    with open_sink(name, site) as sink:
        sink.write("a.html", b"A" * size)
        sink.write("b.html", b"B" * size)
    assert outside.read_bytes() == b"keep me"
    assert (site / "a.html").read_bytes() == b"A" * size
    assert (site / "b.html").read_bytes() == b"B" * size
    assert not (site / "a.html").is_symlink()
