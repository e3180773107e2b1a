"""Sidecars and the search index (issue #15): formats, schema, incremental builds, CLI."""

import dataclasses
import json
from pathlib import Path

import jsonschema
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import cli, search_cache, search_index
from pipeline.cache.entries import Output, PageEntry, pack_links
from pipeline.cache.manifest import CacheError, Manifest, checksum, load, save
from pipeline.page import Page, url_of
from pipeline.pagetext import Section, encoded, reading_minutes, sections
from pipeline.render import Renderer
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from pipeline.stages import DEFAULT_STAGES
from tests.helpers import tree, unstamp, write

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "pipeline/schemas/sidecar-1.json").read_text()
)
ALPHA = """---
title: Alpha page
date: 2024-03-17
tags: [python, search]
---
Intro with [beta](beta.html), [out](https://example.org/x) and ![pic](pic.png).

## First part

The word zanzibar is only here.

### Deeper &amp; lower

More text.
"""
BETA = "# Beta\n\nNothing special, a [link back](alpha.html#first-part).\n"


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    write(folder, "alpha.md", ALPHA)
    write(folder, "beta.md", BETA)
    write(folder, "pic.png", b"\x89PNG fake")
    return folder


def build(content, out, cache=None, **options):
    runner = PipelineRunner(content, DirectSink(out), cache_dir=cache, **options)
    return runner.run()


def test_sections_split_the_text_at_headings_with_ids():
    text, found = sections(
        '<p>Intro &amp; <a href="x">more</a>,</p>\n<h2 id="a">Alpha <em>x</em></h2>\n<p>one\n'
        'two</p>\n<h3 id="b">Beta</h3>\n<pre><code>x = 1</code></pre><script>var no;</script>'
    )
    assert text == "Intro & more, Alpha x one two Beta x = 1"
    assert found == [Section("a", "Alpha x", "one two"), Section("b", "Beta", "x = 1")]


def test_an_unclosed_heading_makes_no_section_and_loses_no_text():
    text, found = sections('<h2 id="x">unclosed <p>a</p>\n' * 3)
    assert found == [] and text == "unclosed a unclosed a unclosed a"


def test_reading_time_rounds_up():
    assert (reading_minutes(0), reading_minutes(1), reading_minutes(401)) == (0, 1, 3)


def test_search_index_has_mkdocs_format_one_entry_per_page_and_section(content, tmp_path):
    report = build(content, tmp_path / "s", search=True)
    assert report.ok
    index = json.loads((tmp_path / "s/search/search_index.json").read_text())
    assert set(index) == {"config", "docs"} and index["config"]["lang"] == ["en"]
    locations = [doc["location"] for doc in index["docs"]]
    assert locations == [
        "alpha.html",
        "alpha.html#first-part",
        "alpha.html#deeper-lower",
        "beta.html",
        "beta.html#beta",
    ]
    first = index["docs"][1]
    assert first == {
        "location": "alpha.html#first-part",
        "title": "First part",
        "text": "The word zanzibar is only here.",
    }
    assert index["docs"][2]["title"] == "Deeper & lower"
    script = (tmp_path / "s/search/search_index.js").read_bytes()
    assert (
        script.startswith(b"var __pipelineSearchIndex = {")
        and json.loads(script[script.index(b"{") : -2]) == index
    )
    page = (tmp_path / "s/alpha.html").read_text()
    assert 'action="search.html"' in page and (tmp_path / "s/search.html").exists()
    assert (tmp_path / "s/assets/lunr.min.js").stat().st_size > 20_000


def test_the_library_default_writes_neither_search_nor_sidecars(content, tmp_path):
    assert build(content, tmp_path / "s").ok
    files = tree(tmp_path / "s")
    assert not any(path.startswith("search") or path.endswith(".json") for path in files)
    assert b'role="search"' not in files["alpha.html"]


def test_sidecars_follow_their_schema_and_describe_the_page(content, tmp_path):
    assert build(content, tmp_path / "s", sidecars=True, base_url="https://ex.org/").ok
    sidecar = json.loads((tmp_path / "s/alpha.json").read_text())
    jsonschema.validate(sidecar, SCHEMA)
    jsonschema.validate(json.loads((tmp_path / "s/beta.json").read_text()), SCHEMA)
    assert sidecar["schema"] == 1 and sidecar["url"] == "https://ex.org/alpha.html"
    assert sidecar["date"] == "2024-03-17T00:00:00+00:00"
    assert sidecar["tags"] == ["python", "search"]
    assert sidecar["links"] == ["beta.html", "https://example.org/x"]
    assert sidecar["media"] == ["pic.png"]
    assert sidecar["toc"][0]["name"] == "First part"
    assert sidecar["toc"][0]["children"][0]["name"] == "Deeper & lower"
    assert sidecar["words"] == 19 and sidecar["reading_minutes"] == 1
    assert sidecar["card"] is None


def test_a_schema_violation_is_caught_by_the_schema():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema": 1, "title": "x"}, SCHEMA)


def test_sidecars_and_index_are_byte_identical_across_builds(content, tmp_path):
    build(content, tmp_path / "a", sidecars=True, search=True, jobs=2)
    build(content, tmp_path / "b", sidecars=True, search=True)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_the_page_text_is_the_same_from_the_render_stage_or_from_the_html(content, tmp_path):
    """The default render stage makes each page's plain text beside its Markdown; one that
    does not (swapped in, knowing nothing of it) leaves the build to make it from the HTML."""

    class NoText(Renderer):
        def __init__(self, jobs, page_text=False, **options):
            super().__init__(jobs, **options)

    made = Renderer(1, page_text=True).render([(str(content / "alpha.md"), 0)])
    result = next(made)
    assert result.text == encoded(result.html) and result.text.words
    assert next(Renderer(1).render([(str(content / "alpha.md"), 0)])).text is None
    stages = dataclasses.replace(DEFAULT_STAGES, render=NoText)
    build(content, tmp_path / "a", sidecars=True, search=True, jobs=2)
    build(content, tmp_path / "b", sidecars=True, search=True, stages=stages)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_a_no_change_rebuild_serializes_and_rewrites_nothing(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    cold = build(content, out, cache, sidecars=True, search=True)
    before = tree(out)
    unstamp(cache)  # the build cache's own no-change path (tests/test_stamp.py: the stamp's)
    warm = build(content, out, cache, sidecars=True, search=True)
    assert warm.ok and warm.pages_rendered == 0 and warm.files_written == 0
    assert warm.files_unchanged == cold.files_written
    assert warm.stages["serialize"].calls == 1  # the index's assembly from cached fragments
    assert tree(out) == before


def test_one_changed_page_updates_its_entries_and_keeps_the_others(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, sidecars=True, search=True)
    alpha = (out / "alpha.json").read_bytes()
    write(content, "beta.md", BETA.replace("Nothing special", "Now quokka"))
    report = build(content, out, cache, sidecars=True, search=True)
    assert report.ok and report.pages_rendered == 1 and report.cache_hits == 1
    index = json.loads((out / "search/search_index.json").read_text())
    texts = {doc["location"]: doc["text"] for doc in index["docs"]}
    assert "quokka" in texts["beta.html#beta"] and "zanzibar" in texts["alpha.html#first-part"]
    assert (out / "alpha.json").read_bytes() == alpha


def test_a_deleted_sidecar_is_written_again(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, sidecars=True)
    (out / "beta.json").unlink()
    report = build(content, out, cache, sidecars=True)
    assert report.ok and report.pages_rendered == 1 and (out / "beta.json").exists()


def test_a_kept_sidecar_is_checked_by_name_and_by_its_bytes_with_verify(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, sidecars=True)
    good = (out / "beta.json").read_bytes()
    (out / "beta.json").write_bytes(b"{}")  # edited in place: its folder does not change
    unstamp(cache)
    assert build(content, out, cache, sidecars=True).pages_rendered == 0  # as a card is
    report = build(content, out, cache, sidecars=True, verify=True)
    assert report.pages_rendered == 1 and (out / "beta.json").read_bytes() == good


def test_turning_sidecars_on_renders_the_cached_pages_again(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache)
    report = build(content, out, cache, sidecars=True)
    assert report.ok and report.pages_rendered == 2 and (out / "alpha.json").exists()


def test_a_content_file_at_a_sidecar_path_is_reported(content, tmp_path):
    write(content, "beta.json", "{}")
    write(content, "alpha.md", ALPHA + "\n[data](beta.json)\n")
    report = build(content, tmp_path / "s", sidecars=True)
    assert any("beta.json" in w and "sidecar of beta.md" in w for w in report.warnings)
    assert json.loads((tmp_path / "s/beta.json").read_text())["schema"] == 1


def test_a_failing_user_search_template_fails_that_file_alone(content, tmp_path):
    write(content, "_templates/search.html", "{% block %}")
    report = build(content, tmp_path / "s", search=True)
    assert [p.path for p in report.pages_failed] == ["search.html"]
    assert (tmp_path / "s/search/search_index.json").exists()


def test_the_manifest_keeps_sidecar_outputs_and_search_fragments(tmp_path):
    entry = PageEntry(
        key="k", out="a.html", output=Output("d", 3), title="A", summary="",
        links=pack_links((("b.png", "b.png"),)), site_digest="s", sidecar=Output("e", 4),
        search='{"location":"a.html"}',
    )  # fmt: skip
    save(tmp_path, "site", Manifest(pages={"a.md": entry}))
    assert load(tmp_path / "manifest.json", "site").pages["a.md"] == entry


def test_a_manifest_with_a_bad_search_fragment_is_not_trusted(tmp_path):
    entry = PageEntry("k", "a.html", Output("d", 3), "A", "", pack_links(()), "s", search="x")
    save(tmp_path, "site", Manifest(pages={"a.md": entry}))
    path = tmp_path / "manifest.json"
    body = path.read_bytes().split(b"\n", 1)[1].replace(b'"x"', b"5")  # its search digest
    path.write_bytes(checksum(body) + b"\n" + body)
    with pytest.raises(CacheError, match="bad entry for a.md"):
        load(path, "site")


def test_the_cli_writes_search_by_default_and_sidecars_on_request(content, tmp_path, capsys):
    assert cli.main(["build", str(content), "--out", str(tmp_path / "a"), "-j1"]) == 0
    assert (tmp_path / "a/search/search_index.json").exists()
    assert not (tmp_path / "a/alpha.json").exists()
    args = ["build", str(content), "--out", str(tmp_path / "b"), "-j1", "--no-search"]
    assert cli.main([*args, "--sidecars"]) == 0
    assert not (tmp_path / "b/search").exists() and (tmp_path / "b/alpha.json").exists()


def test_lost_search_fragments_are_reported_and_healed_by_the_next_build(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, search=True)
    for kept in cache.glob("search-*.json"):
        kept.write_text("{}")
    write(content, "beta.md", BETA + "\nchanged\n")
    damaged = build(content, out, cache, search=True)
    assert any("alpha.md: its search entries were lost" in w for w in damaged.warnings)
    healed = build(content, out, cache, search=True)
    assert healed.warnings == [] and healed.pages_rendered == 1
    index = json.loads((out / "search/search_index.json").read_text())
    assert {doc["location"] for doc in index["docs"]} >= {"alpha.html", "beta.html"}


def test_turning_search_off_and_on_again_rebuilds_the_index(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, search=True)
    build(content, out, cache)
    assert not (out / "search").exists()  # off: the files of search are stale (stale.py)
    assert build(content, out, cache, search=True).ok
    assert (out / "search/search_index.json").exists()


def test_a_fragments_file_a_killed_build_left_is_removed_by_the_next(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, search=True)
    stale = cache / "search-0000.json"
    stale.write_text("{}")
    assert build(content, out, cache, search=True).files_written == 0
    names = sorted(p.name for p in cache.iterdir())
    assert stale.name not in names and len([n for n in names if n.startswith("search-")]) == 1


def test_a_damaged_fragments_file_is_not_trusted(content, tmp_path):
    out, cache = tmp_path / "s", tmp_path / "cache"
    build(content, out, cache, search=True)
    [kept] = cache.glob("search-*.json")
    data = kept.read_bytes()
    at = data.index(b"Alpha") if b"Alpha" in data else len(data) // 2
    kept.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])  # one bit, in the text
    write(content, "beta.md", BETA + "\nchanged\n")
    damaged = build(content, out, cache, search=True)
    assert any("alpha.md: its search entries were lost" in w for w in damaged.warnings)


ENTRIES = st.lists(
    st.fixed_dictionaries({"location": st.text(), "text": st.text(), "title": st.text()}),
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(ENTRIES, max_size=6))
def test_the_index_is_the_json_of_every_fragments_entries_in_order(pages):
    encoder = msgspec.json.Encoder(order="sorted")
    index = search_index.assemble([msgspec.Raw(encoder.encode(page)) for page in pages])
    docs = encoder.encode([entry for page in pages for entry in page])
    assert index == b'{"config":' + search_index._CONFIG_JSON + b',"docs":' + docs + b"}\n"


_HTML = st.lists(
    st.one_of(
        st.text(),
        st.sampled_from(["<p>", "</p>", "<h2>", "</h2>", "<h3 id='x\"y'>", "</h3>", "&amp;"]),
        st.text().map(lambda t: '<h2 id="' + t.replace('"', "") + '">'),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_HTML, st.text(), st.text())
def test_a_fragment_is_its_entries_encoded_as_json_with_sorted_keys(html, title, name):
    """Spliced from the render stage's escaped texts: the bytes msgspec makes of the
    entries, whatever the texts hold (quotes, back-slashes, control characters)."""
    page = Page("a.md", title, None, (), "page", f"{name}.html")
    made = encoded(html)
    _, found = sections(html)
    rest = msgspec.json.decode(b'"' + made.rest + b'"')
    location = url_of(page.out_path)
    entries = [{"location": location, "text": rest, "title": title}] + [
        {"location": f"{location}#{s.anchor}", "text": s.text, "title": s.title} for s in found
    ]
    expected = msgspec.json.Encoder(order="sorted").encode(entries)
    assert bytes(search_index.fragment(page, made)) == expected


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), st.tuples(st.text("0123456789abcdef"), ENTRIES), max_size=6))
def test_the_kept_fragments_are_written_as_their_encoder_would_write_them(tmp_path_factory, kept):
    encoder = msgspec.json.Encoder(order="sorted")
    fragments = {s: (d, msgspec.Raw(encoder.encode(e))) for s, (d, e) in kept.items()}
    folder = tmp_path_factory.mktemp("cache")
    search_cache.save(folder, "inputs", fragments)
    written = search_cache.path_of(folder, "inputs").read_bytes()
    assert written[9:] == encoder.encode(fragments)
    assert search_cache.load_any(folder) == fragments


def test_search_entries_that_cannot_be_saved_are_a_warning_and_cost_only_the_shortcut(
    content, tmp_path, monkeypatch
):
    """A failed save of the search fragments is reported (so the build is not stamped), the
    site is whole, and the next build says which pages' entries it could not take."""
    out, cache = tmp_path / "s", tmp_path / "cache"

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(search_cache, "save", full)
    report = build(content, out, cache, search=True)
    assert report.ok and report.warnings == [
        f"build cache {cache}: search entries not saved: No space left on device"
    ]
    assert not list(cache.glob("search-*.json"))
    index = json.loads((out / "search/search_index.json").read_text())
    assert {doc["location"] for doc in index["docs"]} >= {"alpha.html", "beta.html"}
    monkeypatch.undo()
    write(content, "beta.md", BETA + "\nchanged\n")
    again = build(content, out, cache, search=True)  # alpha's entries are not in the cache
    assert any("alpha.md: its search entries were lost" in w for w in again.warnings)
