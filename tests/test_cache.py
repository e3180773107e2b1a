import dataclasses
import json
import random
import shutil
import zlib

import pytest

from pipeline import frontmatter, template_files, templates, workers
from pipeline.cache import crc, keys
from pipeline.cache.manifest import MANIFEST, checksum
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from pipeline.stages import DEFAULT_STAGES
from tests.helpers import tree, unstamp, write

SPECIAL = '{% extends "base.html" %}{% block main %}SPECIAL {{ page.html | safe }}{% endblock %}\n'


@pytest.fixture
def site(tmp_path, corpus_dir):
    """A content folder (the generated corpus plus two pages on their own template)."""
    content = tmp_path / "c"
    shutil.copytree(corpus_dir, content)
    write(content, "_templates/special.html", SPECIAL)
    write(
        content, "special/one.md", "---\ntemplate: special\n---\n# One\n\n[home](../index.html)\n"
    )
    write(content, "special/two.md", "---\ntemplate: special\n---\n# Two\n")
    return content


def build(content, out, cache, **kwargs):
    return PipelineRunner(content, DirectSink(out), cache_dir=cache, **kwargs).run()


@pytest.mark.parametrize("stamped", [True, False], ids=["stamp", "manifest"])
def test_no_change_rebuild_renders_and_writes_nothing(site, tmp_path, stamped):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    before = tree(out)
    if not stamped:
        unstamp(cache)
    warm = build(site, out, cache, jobs=2)
    assert cold.ok and warm.ok and warm.warnings == []
    assert warm.pages_rendered == 0 and warm.cache_hits == warm.pages_built == cold.pages_built
    assert warm.files_written == warm.bytes_written == 0
    assert warm.files_unchanged == cold.files_written
    assert (warm.media_files, warm.unresolved, warm.drafts) == (
        cold.media_files,
        cold.unresolved,
        cold.drafts,
    )
    assert tree(out) == before


def test_template_change_rebuilds_exactly_the_pages_that_use_it(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, out, cache)
    write(site, "_templates/special.html", SPECIAL.replace("SPECIAL", "CHANGED"))
    report = build(site, out, cache)
    assert report.ok and report.pages_rendered == 2
    assert report.files_written == 2  # the two pages; every site-level file is unchanged
    assert (out / "special/one.html").read_text().count("CHANGED") == 1
    clean = tmp_path / "clean"
    build(site, clean, None)
    assert tree(out) == tree(clean)


def test_changing_a_theme_template_rebuilds_every_page_using_it(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    write(site, "_templates/_macros.html", "{% macro tag_links(tags, root) %}{% endmacro %}\n"
          "{% macro page_list(pages, root) %}{% endmacro %}\n")  # fmt: skip
    report = build(site, out, cache)
    assert report.pages_rendered == cold.pages_built - 2  # all but the two special pages


def test_one_page_changed_rebuilds_that_page_alone(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    page = site / "special/one.md"  # its summary (first paragraph) stays the same
    page.write_text(page.read_text() + "\nmore text\n")
    report = build(site, out, cache)
    assert report.pages_rendered == 1 and report.cache_hits == cold.pages_built - 1
    assert report.files_written == 1
    assert "more text" in (out / "special/one.html").read_text()


def test_a_body_edit_reuses_the_front_matter_without_parsing_it(site, tmp_path, monkeypatch):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, out, cache)
    pages = [p for p in sorted(site.rglob("*.md")) if "\ntags:" in p.read_text()][:2]
    pages.append(site / "special/one.md")
    for page in pages:
        page.write_text(page.read_text() + "\nan edit of the body\n")
    parsed = []
    real = frontmatter._parse
    monkeypatch.setattr(frontmatter, "_parse", lambda *a: parsed.append(a) or real(*a))
    report = build(site, out, cache)
    assert report.ok and report.pages_rendered == len(pages) and parsed == []
    clean = tmp_path / "clean"
    build(site, clean, None)
    assert tree(out) == tree(clean)
    # Its front matter edited, a page's is parsed again.
    pages[0].write_text(pages[0].read_text().replace('title: "', 'title: "Retitled ', 1))
    parsed.clear()
    report = build(site, out, cache)
    assert report.ok and len(parsed) == 1
    build(site, clean, None)
    assert tree(out) == tree(clean) and b"Retitled" in b"".join(tree(out).values())


def test_templates_compiled_once_are_loaded_from_the_cache(site, tmp_path, monkeypatch):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, out, cache)
    compiled = []
    real = templates._Failures.compile
    monkeypatch.setattr(
        templates._Failures, "compile", lambda *a, **k: compiled.append(a[2]) or real(*a, **k)
    )
    page = site / "special/one.md"
    page.write_text(page.read_text() + "\nmore text\n")
    report = build(site, out, cache)
    assert report.ok and report.pages_rendered == 1 and compiled == []
    write(site, "_templates/special.html", SPECIAL.replace("SPECIAL", "CHANGED"))
    report = build(site, out, cache)
    assert report.ok and compiled == ["special.html"]
    assert "CHANGED" in (out / "special/one.html").read_text()


def test_a_cache_folder_that_cannot_hold_templates_costs_only_their_compiling(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, tmp_path / "first", tmp_path / "first-cache")
    names = [p.name for p in (tmp_path / "first-cache").glob("templates-*")]
    assert names, "no compiled template was kept: this test tests nothing"
    for name in names:  # a folder where each compiled template would go
        (cache / name).mkdir(parents=True)
    report = build(site, out, cache)
    assert report.ok and report.warnings == []
    assert sorted(p.name for p in cache.iterdir() if p.is_file()) == ["manifest.json", "stamp"]
    clean = tmp_path / "clean"
    build(site, clean, None)
    assert tree(out) == tree(clean)


def test_clean_ignores_the_cache(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    report = build(site, out, cache, clean=True)
    assert report.pages_rendered == cold.pages_built and report.cache_hits == 0
    assert report.files_written == cold.files_written
    assert build(site, out, cache).pages_rendered == 0  # --clean wrote a fresh cache


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not json at all",
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(b'"pages"', b'"pagez"', 1),
        lambda data: b"",
        lambda data: bytes([data[0] ^ 1]) + data[1:],  # the checksum itself damaged
        lambda data: data[:8] + b" " + data[9:],  # its line's end
    ],
)
def test_corrupt_cache_is_detected_and_rebuilt(site, tmp_path, damage):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    manifest = cache / MANIFEST
    manifest.write_bytes(damage(manifest.read_bytes()))
    report = build(site, out, cache)
    assert report.pages_rendered == cold.pages_built
    assert [w for w in report.warnings if "ignored" in w and "corrupt" in w]
    assert build(site, out, cache).pages_rendered == 0


def test_cache_with_a_valid_checksum_but_wrong_fields_is_not_trusted(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    manifest = cache / MANIFEST
    data = json.loads(manifest.read_bytes().partition(b"\n")[2])
    next(iter(data["pages"].values()))[2][1] = "big"  # its output's size
    data["site"][1] = "index.html"  # and a site entry of the wrong shape
    body = json.dumps(data).encode()
    manifest.write_bytes(checksum(body) + b"\n" + body)
    report = build(site, out, cache)
    assert report.pages_rendered == cold.pages_built and report.warnings


def test_missing_output_file_is_written_again(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, out, cache)
    (out / "special/one.html").unlink()
    (out / "feed.xml").unlink()
    report = build(site, out, cache)
    assert report.pages_rendered == 1 and report.files_written == 2
    assert (out / "special/one.html").is_file() and (out / "feed.xml").is_file()


def test_foreign_cache_from_another_version_is_ignored(site, tmp_path, monkeypatch):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    monkeypatch.setattr(keys, "__version__", "99.0")
    unstamp(cache)  # another version's files would not match the stamp either
    report = build(site, out, cache)
    assert report.pages_rendered == cold.pages_built
    assert [w for w in report.warnings if "foreign" in w]


def test_foreign_cache_from_another_extension_set_is_ignored(site, tmp_path, monkeypatch):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    assert keys.site_key("t", "u", extensions=("tables",)) != keys.site_key("t", "u")
    manifest = cache / MANIFEST
    data = json.loads(manifest.read_bytes().partition(b"\n")[2])
    data["site_key"] = "0" * 64  # what a build with other extensions would have written
    body = json.dumps(data).encode()
    manifest.write_bytes(checksum(body) + b"\n" + body)
    report = build(site, out, cache)
    assert report.pages_rendered == cold.pages_built
    assert [w for w in report.warnings if "foreign" in w]


def test_feed_keeps_its_html_when_pages_come_from_the_cache(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, out, cache)
    feed = (out / "feed.xml").read_bytes()
    write(site, "new-old-page.md", "---\ndate: 1999-01-01\n---\n# Old\n")  # not in the feed
    report = build(site, out, cache)
    assert report.pages_rendered == 1
    assert (out / "feed.xml").read_bytes() == feed
    clean = tmp_path / "clean"
    build(site, clean, None)
    assert tree(out) == tree(clean)


def counting_site_files(calls):
    def site_files(env, built, site):
        calls.append(len(built))
        yield from DEFAULT_STAGES.site_files(env, built, site)

    return dataclasses.replace(DEFAULT_STAGES, site_files=site_files)


def test_site_files_are_rendered_again_only_when_what_they_show_changed(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    calls = []
    stages = counting_site_files(calls)
    cold = build(site, out, cache, stages=stages)
    warm = build(site, out, cache, stages=stages)
    assert calls == [cold.pages_built]  # the no-change rebuild did not render them
    assert warm.files_unchanged == cold.files_written and warm.files_written == 0
    write(site, "special/two.md", "---\ntemplate: special\ntitle: Renamed\n---\n# Two\n")
    changed = build(site, out, cache, stages=stages)
    assert len(calls) == 2 and changed.pages_rendered == 1
    indexes = [out / "index.html", *(out / "page").glob("*.html")]
    assert any("Renamed" in index.read_text() for index in indexes)
    assert build(site, out, cache, stages=stages).files_written == 0
    assert len(calls) == 2
    # A body edit that leaves title, summary and feed alone: only the page is written.
    write(site, "special/two.md", "---\ntemplate: special\ntitle: Renamed\n---\n# Two\n\n## More\n")
    edited = build(site, out, cache, stages=stages)
    assert len(calls) == 2 and edited.pages_rendered == 1 and edited.files_written == 1
    clean = tmp_path / "clean"
    build(site, clean, None)
    assert tree(out) == tree(clean)


def test_a_site_file_deleted_since_the_last_build_is_written_again(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(site, out, cache)
    tag = next((out / "tags").glob("*.html"))
    tag.unlink()
    report = build(site, out, cache)
    assert report.files_written == 1 and tag.is_file()


def test_a_build_with_a_stage_swapped_does_not_reuse_the_cache(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    report = build(site, out, cache, stages=counting_site_files([]))
    assert report.pages_rendered == cold.pages_built
    assert [w for w in report.warnings if "foreign" in w]


def counting_stages(counts, monkeypatch):
    """DEFAULT_STAGES, counting template loads and render pools started."""

    def environment(content):
        counts["environment"] += 1
        return DEFAULT_STAGES.environment(content)

    start = workers.WatchedPool.start

    def counting_start(pool):
        counts["pools"] += pool._pool is None
        start(pool)

    monkeypatch.setattr(workers.WatchedPool, "start", counting_start)
    return dataclasses.replace(DEFAULT_STAGES, environment=environment)


def test_no_change_rebuild_loads_no_template_and_starts_no_pool(site, tmp_path, monkeypatch):
    out, cache = tmp_path / "s", tmp_path / "cache"
    counts = {"environment": 0, "pools": 0}
    stages = counting_stages(counts, monkeypatch)
    build(site, out, cache, stages=stages, jobs=2)
    assert counts == {"environment": 1, "pools": 1}
    warm = build(site, out, cache, stages=stages, jobs=2)
    assert warm.ok and warm.files_written == 0
    assert counts == {"environment": 1, "pools": 1}
    verified = build(site, out, cache, stages=stages, jobs=2, verify=True)
    assert verified.files_written == 0 and counts == {"environment": 2, "pools": 1}


def test_a_new_template_that_overrides_the_theme_rebuilds_what_uses_it(site, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(site, out, cache)
    base = (template_files.THEME / "templates" / "base.html").read_text()
    write(site, "_templates/base.html", base.replace("<body", "<body data-new"))
    report = build(site, out, cache)
    assert report.ok and report.pages_rendered == cold.pages_built
    assert "data-new" in (out / "index.html").read_text()
    clean = tmp_path / "clean"
    build(site, clean, None)
    assert tree(out) == tree(clean)


@pytest.mark.parametrize("outputs", [10, 40_000])  # summed here, and in a thread (> 1 MiB)
def test_a_manifest_damaged_where_it_still_decodes_is_not_trusted(tmp_path, outputs):
    from pipeline.cache import manifest
    from pipeline.cache.entries import Output
    from pipeline.cache.errors import CacheError

    value = manifest.Manifest(outputs={f"p{n}.html": Output("a" * 64, n) for n in range(outputs)})
    manifest.save(tmp_path, "key", value)
    path = tmp_path / MANIFEST
    raw = path.read_bytes()
    assert (len(raw) > 1 << 20) == (outputs > 10)
    assert manifest.load(path, "key") == value
    middle = raw.index(b"a" * 64, len(raw) // 2)
    path.write_bytes(raw[:middle] + b"b" + raw[middle + 1 :])  # still JSON of our shape
    with pytest.raises(CacheError, match="checksum mismatch"):
        manifest.load(path, "key")


@pytest.mark.parametrize("size", [0, 1, crc._ISAL_MIN - 1, crc._ISAL_MIN, crc._ISAL_MIN + 4097])
def test_the_cache_files_crc_is_zlibs_crc32_at_every_size(size):
    data = random.Random(size).randbytes(size)
    assert crc.crc32(data) == zlib.crc32(data)
    assert crc.crc32(memoryview(data)[3:]) == zlib.crc32(data[3:])  # as the manifest sums it
