"""Stale files: an incremental build leaves in the site the files a clean build would,
and removes nothing it cannot prove an earlier build wrote (pipeline/stale.py)."""

import os
import subprocess
import sys

import pytest

from pipeline import confine, stale
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import REPO, tree, write

PAGE = "---\ntitle: {title}\ntags: [{tag}]\n{extra}---\n# {title}\n\nSee [the other](other.md).\n"


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "c"
    write(folder, "docs/a.md", "---\ntitle: A\ntags: [kept]\n---\nTo [b](b.html).\n")
    write(folder, "docs/b.md", "---\ntitle: B\ntags: [gone]\n---\n![pic](pic.png)\n")
    write(folder, "docs/deep/c.md", "---\ntitle: C\n---\nIn a folder of its own.\n")
    write(folder, "docs/pic.png", b"\x89PNG not really")
    return folder


OPTIONS = {"sidecars": True, "search": True, "cards": "standard"}


def build(content, site, cache, **options):
    options = {**OPTIONS, **options}
    runner = PipelineRunner(content, DirectSink(site), cache_dir=cache, **options)
    return runner.run()


def delete_b(content):
    (content / "docs/b.md").unlink()


def draft_b(content):
    write(content, "docs/b.md", "---\ntitle: B\ndraft: true\n---\nnot yet\n")


def slug_b(content):
    write(content, "docs/b.md", "---\ntitle: B\nslug: renamed\n---\n![pic](pic.png)\n")


def delete_folder(content):
    (content / "docs/deep/c.md").unlink()
    (content / "docs/deep").rmdir()


CHANGES = {
    "page deleted": (delete_b, {}),
    "page made a draft": (draft_b, {}),
    "page given a slug": (slug_b, {}),
    "folder deleted": (delete_folder, {}),
    "sidecars off": (lambda c: None, {"sidecars": False}),
    "search off": (lambda c: None, {"search": False}),
    "cards off": (lambda c: None, {"cards": "off"}),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_an_incremental_build_leaves_the_files_a_clean_build_would(content, tmp_path, change):
    site = tmp_path / "site"
    build(content, site, tmp_path / "cache")
    before = tree(site)
    edit, options = CHANGES[change]
    edit(content)
    report = build(content, site, tmp_path / "cache", **options)
    clean = build(content, tmp_path / "clean", tmp_path / "clean-cache", **options)
    assert report.ok
    assert all("ignored" in w for w in report.warnings)  # a new setting: a new site key
    assert tree(site) == tree(tmp_path / "clean")
    assert report.files_removed == len(before.keys() - tree(site).keys()) > 0
    assert clean.files_removed == 0
    # No folder is left empty by a removal.
    assert all(any(d.iterdir()) for d in site.rglob("*") if d.is_dir())


def test_a_deleted_page_goes_with_its_sidecar_card_tag_page_and_media(content, tmp_path):
    site = tmp_path / "site"
    build(content, site, tmp_path / "cache")
    delete_b(content)
    build(content, site, tmp_path / "cache")
    gone = {"docs/b.html", "docs/b.json", "assets/cards/docs/b.png", "tags/gone.html"}
    assert not gone & tree(site).keys()
    assert "docs/pic.png" not in tree(site)  # no page refers to it any more
    assert {"docs/a.html", "tags/kept.html"} <= tree(site).keys()


BROKEN = {
    "front matter": "---\ntitle: [unclosed\n---\n![pic](pic.png)\n",
    "template": "---\ntitle: B2\ntemplate: nosuch\n---\n![pic](pic.png)\n",
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_a_page_that_fails_stays_in_the_site_as_it_was(content, tmp_path, broken):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    before = tree(site)
    write(content, "docs/b.md", broken)
    for _ in range(2):  # and again: the page file, read again, still fails
        report = build(content, site, cache)
        assert [p.path for p in report.pages_failed] == ["docs/b.md"]
        assert report.pages_failed[0].message.endswith("; its previous version stays in the site")
        assert report.pages_built == 2
        # Its files, and the index, tag pages, feed, sitemap and search that list it.
        assert tree(site) == before
    write(content, "docs/b.md", "---\ntitle: B3\n---\nFixed.\n")
    assert build(content, site, cache).ok
    assert "B3" in (site / "index.html").read_text() and "tags/gone.html" not in tree(site)


def test_the_pages_of_a_folder_that_cannot_be_listed_stay_in_the_site(
    content, tmp_path, monkeypatch
):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    before = tree(site)
    real = os.scandir

    def scandir(path):
        if os.fspath(path) == os.fspath(content / "docs/deep"):  # as root: inject it
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    st = os.stat(content / "docs/a.md")  # its inode touched: the build stamp cannot hold
    os.utime(content / "docs/a.md", ns=(st.st_atime_ns, st.st_mtime_ns))
    report = build(content, site, cache)
    assert [p.path for p in report.pages_failed] == ["docs/deep"]
    assert tree(site) == before  # docs/deep/c.html, and the index that lists it


def test_a_failed_page_whose_output_another_page_took_is_not_kept(content, tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    write(content, "docs/b.md", BROKEN["front matter"])
    write(content, "docs/new.md", "---\ntitle: New\nslug: b\n---\nMine now.\n")
    report = build(content, site, cache)
    assert [p.path for p in report.pages_failed] == ["docs/b.md"]
    assert "previous version" not in report.pages_failed[0].message
    assert "Mine now." in (site / "docs/b.html").read_text()
    assert "tags/gone.html" not in tree(site)


def test_a_media_file_that_cannot_be_read_keeps_its_copy_until_its_source_is_gone(
    content, tmp_path, monkeypatch
):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    os.utime(content / "docs/pic.png", ns=(1, 1))  # changed: it must be read again
    real = confine.open_content

    def failing(path, root, name):
        if name == "docs/pic.png":
            raise OSError(5, "Input/output error")
        return real(path, root, name)

    monkeypatch.setattr(confine, "open_content", failing)
    report = build(content, site, cache)
    assert any("pic.png" in p.message for p in report.unresolved)
    assert (site / "docs/pic.png").read_bytes() == b"\x89PNG not really"
    monkeypatch.undo()
    delete_b(content)
    (content / "docs/pic.png").unlink()
    build(content, site, cache)
    assert not (site / "docs/pic.png").exists()


def test_what_the_manifest_does_not_name_or_no_longer_matches_stays(content, tmp_path):
    site = tmp_path / "site"
    build(content, site, tmp_path / "cache")
    write(site, "CNAME", "example.org\n")  # the user's own file
    write(site, "docs/b.json", '{"mine": "a different size"}')  # replaced since
    delete_b(content)
    report = build(content, site, tmp_path / "cache")
    assert (site / "CNAME").is_file() and (site / "docs/b.json").is_file()
    assert not (site / "docs/b.html").exists()
    assert report.ok


def test_a_link_in_the_site_is_never_followed(content, tmp_path):
    site = tmp_path / "site"
    build(content, site, tmp_path / "cache")
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "docs/deep/c.html").rename(outside / "c.html")
    for name in os.listdir(site / "docs/deep"):
        os.unlink(site / "docs/deep" / name)
    (site / "docs/deep").rmdir()
    os.symlink(outside, site / "docs/deep")
    delete_folder(content)
    build(content, site, tmp_path / "cache")
    assert (outside / "c.html").is_file()


@pytest.mark.parametrize("options", [{"cache": None}, {"clean": True}], ids=["no cache", "clean"])
def test_without_a_manifest_nothing_is_removed_and_clean_still_removes(content, tmp_path, options):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    delete_b(content)
    kwargs = {k: v for k, v in options.items() if k != "cache"}
    report = build(content, site, options.get("cache", cache), **kwargs)
    removed = not (site / "docs/b.html").exists()
    assert removed == ("clean" in options)
    assert (report.files_removed > 0) == removed


def test_a_stale_file_that_cannot_be_removed_is_named(content, tmp_path, monkeypatch):
    site = tmp_path / "site"
    build(content, site, tmp_path / "cache")
    delete_b(content)
    real = os.unlink

    def refusing(path, *args, **kwargs):
        if path == "b.html":
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(stale.os, "unlink", refusing)
    report = build(content, site, tmp_path / "cache")
    assert report.ok
    assert [w for w in report.warnings if w.startswith("docs/b.html:")]
    assert (site / "docs/b.html").is_file() and not (site / "docs/b.json").exists()


def test_the_cli_says_how_many_stale_files_it_removed(content, tmp_path):
    def cli():
        command = [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(site)]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)

    site = tmp_path / "site"
    cli()
    delete_b(content)
    assert "; 4 stale files removed" in cli().stdout  # page, card, tag page, media


def test_a_page_deleted_after_it_failed_is_still_removed(content, tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    write(content, "docs/b.md", "---\ntitle: [unclosed\n---\nbroken\n")
    assert not build(content, site, cache).ok
    assert (site / "docs/b.html").is_file()  # kept while it fails
    delete_b(content)
    build(content, site, cache)
    assert not {"docs/b.html", "docs/b.json"} & tree(site).keys()


def test_after_a_build_that_stopped_the_files_it_kept_are_still_known(content, tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(content, site, cache)
    # What a build killed half way leaves: its manifest set aside, not put back.
    os.replace(cache / "manifest.json", cache / ".manifest.json.held")
    delete_b(content)
    report = build(content, site, cache)
    assert report.ok and not (site / "docs/b.html").exists()


def test_the_site_may_not_hold_the_content_folder(tmp_path):
    write(tmp_path / "repo", "docs/page.md", "# Page\n")
    command = [sys.executable, "-m", "pipeline", "build", str(tmp_path / "repo/docs")]
    done = subprocess.run([*command, "--out", str(tmp_path / "repo")], cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert "--out must not be the content folder, nor a folder that holds it" in done.stderr
    assert sorted(p.name for p in (tmp_path / "repo").iterdir()) == ["docs"]


@pytest.mark.parametrize("suffix", [".html", ".json"])
def test_a_page_moved_out_of_a_folder_named_like_its_new_file_builds(tmp_path, suffix):
    content, site, cache = tmp_path / "c", tmp_path / "s", tmp_path / "cache"
    folder = "x" + suffix  # the page x.md writes x.html, and its sidecar x.json
    write(content, f"{folder}/a.md", "# A\n\n![pic](pic.png)\n")
    write(content, f"{folder}/pic.png", b"\x89PNG not really")
    write(content, "b.md", "# B\n")
    assert build(content, site, cache).ok
    assert (site / folder / "a.html").is_file() and (site / folder / "pic.png").is_file()
    for name in ("a.md", "pic.png"):
        (content / folder / name).unlink()
    (content / folder).rmdir()
    write(content, "x.md", "# X\n")
    report = build(content, site, cache)
    assert report.ok and report.files_removed >= 3, report
    assert (site / "x.html").is_file() and (site / "x.json").is_file()
    assert not any(p.startswith(folder + "/") for p in tree(site))
    assert build(content, tmp_path / "clean", tmp_path / "clean-cache").ok
    assert tree(site) == tree(tmp_path / "clean")


def test_a_page_that_failed_keeps_its_files_in_such_a_folder(tmp_path):
    content, site, cache = tmp_path / "c", tmp_path / "s", tmp_path / "cache"
    write(content, "x.html/a.md", "# A\n")
    write(content, "b.md", "# B\n")
    assert build(content, site, cache).ok
    write(content, "x.html/a.md", "---\ntitle: [unclosed\n---\n# A\n")  # fails, keeps a.html
    write(content, "x.md", "# X\n")
    report = build(content, site, cache)  # the new page cannot take its place: it fails
    assert sorted(p.path for p in report.pages_failed) == ["x.html/a.md", "x.md"]
    assert "x.html is a folder" in report.pages_failed[-1].message
    assert (site / "x.html/a.html").is_file() and (site / "b.html").is_file()
