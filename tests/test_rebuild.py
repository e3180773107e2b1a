"""The no-change rebuild: page files not read again, no heavy import, no manifest rewrite."""

import json
import os
import subprocess
import sys

import pytest

from pipeline import confine, parse
from pipeline.cache import BuildCache
from pipeline.cache.manifest import MANIFEST, checksum
from pipeline.report import BuildReport
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import REPO, cli_then, tree, unstamp, write

PAGE = "---\ntitle: {title}\ndate: 2024-05-01\ntags: [a, b]\n{extra}---\n# Heading\n\ntext\n"
# Every kind of value YAML's safe loader gives, beyond the keys the pipeline knows.
EXOTIC = (
    "when: 2024-05-01 12:30:00+02:00\nday: 2024-05-02\nbig: 123456789012345678901234567890\n"
    "ratio: .nan\nblob: !!binary aGVsbG8=\nset: !!set {x: null}\npairs: !!pairs [a: 1]\n"
    "nested: {1: [true, null, 1.5], k: v}\n"
)


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "c"
    write(folder, "one.md", PAGE.format(title="One", extra=""))
    write(folder, "two.md", PAGE.format(title="Two", extra=EXOTIC))
    write(folder, "draft.md", "---\ndraft: true\n---\nnot yet\n")
    write(folder, "bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    return folder


def build(content, tmp_path, **kwargs):
    sink = DirectSink(tmp_path / "site")
    return PipelineRunner(content, sink, cache_dir=tmp_path / "cache", **kwargs).run()


def counting_reads(monkeypatch):
    reads = []
    real = confine.read_content

    def counting(path, root, name, *limit):
        reads.append(name)
        return real(path, root, name, *limit)

    monkeypatch.setattr(confine, "read_content", counting)
    return reads


def test_unchanged_page_files_are_not_read_again(content, tmp_path, monkeypatch):
    cold = build(content, tmp_path)
    reads = counting_reads(monkeypatch)
    warm = build(content, tmp_path)
    assert reads == ["bad.md"]  # a page that failed is read (and fails) every time
    assert (warm.sources, warm.source_bytes, warm.drafts) == (
        cold.sources,
        cold.source_bytes,
        cold.drafts,
    )
    assert [str(p) for p in warm.pages_failed] == [str(p) for p in cold.pages_failed]


def test_verify_reads_every_page_file(content, tmp_path, monkeypatch):
    build(content, tmp_path)
    reads = counting_reads(monkeypatch)
    report = build(content, tmp_path, verify=True)
    assert sorted(reads) == ["bad.md", "draft.md", "one.md", "two.md"]
    assert report.files_written == 0


def test_an_edited_page_is_parsed_again(content, tmp_path):
    build(content, tmp_path)
    write(content, "one.md", PAGE.format(title="Renamed", extra=""))
    report = build(content, tmp_path)
    assert report.pages_rendered == 1
    assert "Renamed" in (tmp_path / "site/one.html").read_text()
    assert "Renamed" in (tmp_path / "site/index.html").read_text()


def test_a_touched_page_is_read_again_but_not_rendered(content, tmp_path, monkeypatch):
    build(content, tmp_path)
    os.utime(content / "one.md", ns=(1, 1))
    reads = counting_reads(monkeypatch)
    report = build(content, tmp_path)
    assert "one.md" in reads and report.pages_rendered == 0 and report.files_written == 0


def test_recalled_pages_equal_parsed_pages_for_every_yaml_value(content, tmp_path):
    build(content, tmp_path)
    sources = ["one.md", "two.md", "draft.md", "bad.md"]
    fresh = parse.parse(content, sources, BuildReport())
    cache = BuildCache.open(tmp_path / "cache", _site_key(tmp_path), False, [])
    recalled = parse.parse(content, sources, BuildReport(), cache)
    assert len(cache.new.sources) == 3  # drafts too; not the page that failed
    assert [_comparable(p) for p in recalled] == [_comparable(p) for p in fresh]
    meta = recalled[1].meta
    assert meta["when"].utcoffset().total_seconds() == 7200 and meta["blob"] == b"hello"
    assert meta["pairs"] == [("a", 1)] and meta["set"] == {"x"} and meta["nested"]["k"] == "v"


@pytest.mark.parametrize("stamped", [True, False], ids=["stamp", "manifest"])
def test_a_no_change_rebuild_leaves_the_manifest_as_it_was(content, tmp_path, stamped):
    build(content, tmp_path)
    manifest = tmp_path / "cache" / MANIFEST
    before = manifest.stat()
    if not stamped:
        unstamp(tmp_path / "cache")
    build(content, tmp_path)
    after = manifest.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    write(content, "three.md", "# Three\n")
    build(content, tmp_path)
    assert manifest.stat().st_mtime_ns != before.st_mtime_ns
    assert "three.md" in manifest.read_text()


def test_a_damaged_source_entry_rebuilds_everything_with_a_warning(content, tmp_path):
    cold = build(content, tmp_path)
    path = tmp_path / "cache" / MANIFEST
    body = json.loads(path.read_bytes().split(b"\n", 1)[1])
    body["sources"]["one.md"][10] = "not a list"  # its tags
    data = json.dumps(body).encode()
    path.write_bytes(checksum(data) + b"\n" + data)
    report = build(content, tmp_path)
    assert report.pages_rendered == cold.pages_rendered
    assert any("bad source entry for one.md" in w for w in report.warnings), report.warnings


def test_damaged_links_stop_the_build_in_one_line_and_the_next_rebuilds_all(content, tmp_path):
    write(content, "one.md", PAGE.format(title="One", extra="") + "[two](two.html)\n")
    cold = build(content, tmp_path)
    path = tmp_path / "cache" / MANIFEST
    body = json.loads(path.read_bytes().split(b"\n", 1)[1])
    assert body["pages"]["one.md"][5] == [["two.html", "two.html"]]
    body["pages"]["one.md"][5] = "not links"  # decoded only when the build needs them
    data = json.dumps(body).encode()
    path.write_bytes(checksum(data) + b"\n" + data)
    write(content, "one.md", PAGE.format(title="One again", extra=""))  # its old links go
    stopped = build(content, tmp_path)
    assert "is damaged" in stopped.fatal and "bad links" in stopped.fatal, stopped.fatal
    assert "\n" not in stopped.fatal
    again = build(content, tmp_path)
    assert again.fatal is None and again.pages_rendered == cold.pages_rendered
    assert build(content, tmp_path).pages_rendered == 0


@pytest.mark.slow
@pytest.mark.parametrize("stamped", [True, False], ids=["stamp", "manifest"])
def test_a_no_change_rebuild_imports_no_renderer_template_engine_or_yaml(
    content, tmp_path, stamped
):
    (content / "bad.md").unlink()  # a page that fails is parsed again each time
    site = tmp_path / "site"
    cli = [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(site)]
    subprocess.run(cli, check=False, capture_output=True, cwd=REPO, timeout=120)
    if not stamped:
        unstamp(tmp_path / ".pipeline-cache" / "site")
    done = cli_then(
        cli[3:],
        "heavy = ('markdown', 'jinja2', 'yaml', 'multiprocessing', 'PIL')\n"
        "loaded = [m for m in heavy if m in sys.modules and "
        "type(sys.modules[m]).__name__ == 'module']\n"
        "print('LOADED', loaded)\n",
    )
    assert "0 pages rendered" in done.stdout, done.stdout + done.stderr
    assert "LOADED []" in done.stdout, done.stdout
    assert tree(site)  # and the site is still all there


def _site_key(tmp_path):
    raw = (tmp_path / "cache" / MANIFEST).read_bytes().split(b"\n", 1)[1]
    return json.loads(raw)["site_key"]


def _comparable(page):
    """A page's fields, with NaN (never equal to itself) made comparable."""
    return repr([getattr(page, name) for name in page.__slots__])


def test_a_title_from_the_heading_is_not_stored_as_front_matter(content, tmp_path):
    write(content, "plain.md", "# From The Heading\n\ntext\n")
    build(content, tmp_path)
    write(content, "one.md", PAGE.format(title="Changed", extra=""))  # site files redone
    write(content, "_templates/page.html", '{% extends "base.html" %}\n')  # every page redone
    report = build(content, tmp_path)
    assert report.pages_rendered == report.pages_built
    assert "From The Heading" in (tmp_path / "site/index.html").read_text()
    body = json.loads((tmp_path / "cache" / MANIFEST).read_bytes().split(b"\n", 1)[1])
    assert body["sources"]["plain.md"][3] == ""  # its title


def test_front_matter_the_cache_cannot_store_is_read_again_not_fatal(content, tmp_path):
    cache = BuildCache.open(tmp_path / "cache", "key", False, [])
    [page, *_] = parse.parse(content, ["one.md"], BuildReport())
    page.meta = {"odd": object()}  # no YAML loader gives one; the cache must not fail on it
    cache.remember_source("one.md", (1, 2, 3), page)
    cache.remember_source("draft.md", (4, 5, 6), None)
    assert list(cache.new.sources) == ["draft.md"]
    assert cache.new.sources["draft.md"].signature == (4, 5, 6)
