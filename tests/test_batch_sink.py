import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc

import pytest

from pipeline import batch_sink, defaults, staging
from pipeline.batch_sink import BatchSink
from pipeline.defaults import DEFAULT_SINK
from pipeline.errors import SinkWriteError, UnsafePathError
from pipeline.sink import SINKS, DirectSink, open_sink

MODES = {"staging": True, "rename": False}


@pytest.fixture(params=list(MODES))
def mode(request):
    return MODES[request.param]


def test_batch_sink_writes_exact_bytes_and_counts_them(tmp_path, mode):
    payloads = {f"s{i % 7}/p{i}.html": os.urandom(i * 37 % 5000) for i in range(300)}
    payloads["top.html"] = b"<p>top</p>"
    payloads["big/one.bin"] = os.urandom(3 << 20)
    with BatchSink(tmp_path / "site", staging=mode, batch_files=16, mmap_min=1 << 20) as sink:
        for rel, data in payloads.items():
            sink.write(rel, bytearray(data))  # a buffer the caller may reuse is copied
    stats = sink.close()
    for rel, data in payloads.items():
        assert (tmp_path / "site" / rel).read_bytes() == data
    found = {p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*")}
    assert {p for p in found if "." in p.rsplit("/", 1)[-1]} == set(payloads)  # no leftovers
    assert stats.files == len(payloads)
    assert stats.bytes == sum(map(len, payloads.values()))
    assert stats.mmap_writes == 1
    assert stats.write_calls == len(payloads) - 1
    assert stats.dirs_created == 8
    assert stats.batches >= len(payloads) // 16


def test_batch_sink_the_last_bytes_written_to_a_path_win(tmp_path, mode):
    sink = BatchSink(tmp_path, staging=mode, batch_files=2)
    for i in range(50):
        sink.write("a/page.html", b"v%d" % i)
        sink.write(f"a/other{i}.html", b".")
    sink.close()
    assert (tmp_path / "a" / "page.html").read_bytes() == b"v49"


def test_batch_sink_skips_files_that_already_hold_the_bytes(tmp_path):
    site = tmp_path / "site"
    files = {f"d{i % 3}/{i}.html": os.urandom(2000) for i in range(60)}
    with DirectSink(site) as first:
        for rel, data in files.items():
            first.write(rel, data)
    before = {rel: os.stat(site / rel).st_ino for rel in files}
    changed = dict(files, **{"d0/0.html": b"changed", "d1/1.html": os.urandom(2000)})
    with BatchSink(site) as sink:
        assert sink.staging is None  # the folder holds a site: per-file rename
        for rel, data in changed.items():
            sink.write(rel, data)
    stats = sink.close()
    assert stats.skipped_identical == 58
    assert stats.write_calls == 2
    assert stats.files == 60  # the site's files, identical ones included
    for rel, data in changed.items():
        assert (site / rel).read_bytes() == data
    untouched = [rel for rel in files if rel not in ("d0/0.html", "d1/1.html")]
    assert all(os.stat(site / rel).st_ino == before[rel] for rel in untouched)


@pytest.mark.parametrize("chunk", [1000, 8 << 20], ids=["in chunks", "in one read"])
def test_batch_sink_rewrites_files_that_differ_only_at_the_end(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(batch_sink, "COMPARE_CHUNK", chunk)
    data = os.urandom(10_500)
    other_last = bytes([data[-1] ^ 0xFF])  # not b"!": random data ends with "!" 1 time in 256
    on_disk = {"same": data, "last": data[:-1] + other_last, "longer": data + b"!",
               "shorter": data[:-1]}  # fmt: skip
    for name, old in on_disk.items():
        (tmp_path / name).write_bytes(old)
    with BatchSink(tmp_path) as sink:
        for name in on_disk:
            sink.write(name, data)
    assert sink.close().skipped_identical == 1
    assert all((tmp_path / name).read_bytes() == data for name in on_disk)


@pytest.mark.parametrize(
    "relpath", ["/etc/passwd", "../x.html", "a/../../x.html", "..", "", "a/\0"]
)
def test_batch_sink_refuses_path_outside_root(tmp_path, relpath, mode):
    sink = BatchSink(tmp_path / "site", staging=mode)
    with pytest.raises(UnsafePathError):
        sink.write(relpath, b"x")
    sink.close()
    assert list((tmp_path / "site").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def _fail_after(monkeypatch, name, count, err=errno.ENOSPC):
    """Fault injection: os.<name> raises ``err`` from its ``count``+1-th call on."""
    real = getattr(os, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) > count:
            raise OSError(err, os.strerror(err))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


def test_batch_sink_disk_full_names_the_file_and_keeps_completed_files(tmp_path, monkeypatch, mode):
    site = tmp_path / "site"
    if not mode:  # a previous site, which must not be damaged
        site.mkdir()
        for i in range(40):
            (site / f"p{i:03}.html").write_bytes(b"old")
    sink = BatchSink(site, staging=mode, workers=2, batch_files=4)
    _fail_after(monkeypatch, "write", 10)
    with pytest.raises(SinkWriteError, match=r"p\d{3}\.html: cannot write: No space") as raised:
        try:
            for i in range(40):
                sink.write(f"p{i:03}.html", b"new page %d" % i)
        finally:
            sink.close()  # raises only if no write() has raised the error yet
    monkeypatch.undo()
    failed = raised.value.path
    complete = 0
    for i in range(40):
        rel = f"p{i:03}.html"
        content = (site / rel).read_bytes() if (site / rel).exists() else None
        assert content in (None, b"old", b"new page %d" % i), rel
        complete += content == b"new page %d" % i
        if rel == failed:
            assert content in (None, b"old")
    assert complete == 10
    assert [p.name for p in site.iterdir() if p.name.startswith(".")] == []


def test_batch_sink_mmap_write_error_names_the_file(tmp_path, monkeypatch):
    _fail_after(monkeypatch, "posix_fallocate", 0)
    sink = BatchSink(tmp_path, staging=False, mmap_min=1000)
    sink.write("small.html", b"fine")
    sink.write("big/large.bin", b"x" * 5000)
    with pytest.raises(SinkWriteError, match="big/large.bin: cannot write: No space"):
        sink.close()
    assert (tmp_path / "small.html").read_bytes() == b"fine"
    assert not (tmp_path / "big" / "large.bin").exists()


def test_batch_sink_error_surfaces_on_the_next_write(tmp_path, monkeypatch):
    _fail_after(monkeypatch, "open", 0, errno.EACCES)
    sink = BatchSink(tmp_path, staging=False, batch_files=1, workers=1)
    sink.write("a.html", b"a")
    deadline = time.monotonic() + 10
    with pytest.raises(SinkWriteError, match="a.html: cannot write: Permission denied"):
        while time.monotonic() < deadline:
            sink.write("b.html", b"b")
            time.sleep(0.001)
    monkeypatch.undo()
    sink.close()


def test_batch_sink_memory_stays_bounded_when_writers_are_slow(tmp_path, monkeypatch):
    real = batch_sink._write_file
    depth = []

    def slow(path, data):
        time.sleep(0.002)
        return real(path, data)

    monkeypatch.setattr(batch_sink, "_write_file", slow)
    sink = BatchSink(tmp_path, workers=1, batch_bytes=256 << 10, queue_batches=2)
    tracemalloc.start()
    try:
        for i in range(256):  # 64 MiB in all, each page a new object as a renderer makes
            sink.write(f"p/{i}.bin", bytes([i]) * (256 << 10))
            depth.append(sink._queue.qsize())
        stats = sink.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert max(depth) <= 2
    assert peak < 8 << 20  # queue (2) + one being written + one being filled, and slack
    assert stats.wait_seconds > 0
    assert stats.files == 256


def test_a_killed_build_leaves_no_torn_file(tmp_path):
    """SIGKILL a writer mid-stream: each final path is absent, old, or complete and new."""
    size = 64 << 10
    script = textwrap.dedent(
        f"""
        import sys
        from pipeline.batch_sink import BatchSink
        sink = BatchSink(sys.argv[1], batch_files=4)
        print("ready", flush=True)
        for i in range(100000):
            sink.write(f"d{{i % 5}}/{{i % 400}}.html", bytes([65 + i % 26]) * {size})
        sink.close()
        """
    )
    for round_, delay in enumerate((0.05, 0.2, 0.4)):
        for previous in (False, True):
            site = tmp_path / f"site-{round_}-{previous}"
            site.mkdir()
            if previous:
                for i in range(400):
                    (site / f"d{i % 5}").mkdir(exist_ok=True)
                    (site / f"d{i % 5}" / f"{i}.html").write_bytes(b"o" * size)
            child = subprocess.Popen(
                [sys.executable, "-c", script, str(site)], stdout=subprocess.PIPE
            )
            assert child.stdout.readline() == b"ready\n"
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
            for i in range(400):
                path = site / f"d{i % 5}" / f"{i}.html"
                if path.exists():
                    data = path.read_bytes()
                    assert len(data) == size and data == data[:1] * size, path
                else:
                    assert not previous, path


def test_a_killed_builds_staging_folder_is_removed_by_the_next_sink(tmp_path):
    site = tmp_path / "site"
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(
            """
            import os, sys
            from pipeline.batch_sink import BatchSink
            sink = BatchSink(sys.argv[1])
            sink.write("a/page.html", b"half a build")
            sink._queue.join()
            os.kill(os.getpid(), 9)
            """
        ), str(site)],
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    (left,) = site.iterdir()
    assert left.name.startswith(staging.STAGING_PREFIX)
    with BatchSink(site) as sink:
        assert sink.staging is not None  # the folder counts as empty again
        sink.write("b.html", b"new")
    assert sorted(p.name for p in site.iterdir()) == ["b.html"]


def test_a_live_sinks_staging_folder_is_left_alone(tmp_path):
    first = BatchSink(tmp_path)
    first.write("a.html", b"first")
    second = BatchSink(tmp_path)  # a second build into the same folder, at the same time
    assert second.staging is None  # the folder is not empty: it writes file by file
    second.write("b.html", b"second")
    assert second.close().files == 1
    first.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]


def test_registry_opens_every_sink_and_defaults_to_a_known_one(tmp_path):
    assert DEFAULT_SINK in SINKS and "direct" in SINKS
    assert sorted(SINKS) == sorted(defaults.SINKS)  # what --sink offers
    for name in SINKS:
        with open_sink(name, tmp_path / name) as sink:
            sink.write("x/y.html", b"ok")
        assert (tmp_path / name / "x" / "y.html").read_bytes() == b"ok"
    with pytest.raises(ValueError, match="unknown sink"):
        open_sink("nope", tmp_path)
