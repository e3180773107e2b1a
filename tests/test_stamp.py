"""The build stamp (pipeline/stamp.py): a rebuild with nothing to do stops after a look at
the folders, and anything a build depends on that changed makes it build."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from pipeline import stamp
from pipeline.build_pages import Build
from pipeline.cli import main
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import REPO, cli_then, tree, unstamp, write

PAGES = {
    "index-page.md": "---\ntitle: One\ndate: 2024-03-17\ntags: [a]\n---\nSee [two](sub/two.md) "
    "and ![a picture](pic.png) and [nowhere](missing.md).\n",
    "sub/two.md": "# Two\n\nBody of two.\n",
    "pic.png": b"\x89PNG\r\n\x1a\n not really",
}


@pytest.fixture
def content(tmp_path):
    for relpath, data in PAGES.items():
        write(tmp_path / "content", relpath, data)
    return tmp_path / "content"


def build(content, tmp_path, **options):
    out, cache = tmp_path / "site", tmp_path / "cache"
    return PipelineRunner(content, DirectSink(out), cache_dir=cache, **options).run()


def stamped(report) -> bool:
    """The build stopped at the stamp: it discovered nothing."""
    return report.stages["discover"].calls == 0


def test_a_no_change_rebuild_stops_at_the_stamp_and_reports_what_a_full_one_does(content, tmp_path):
    cold = build(content, tmp_path)
    assert cold.ok and cold.unresolved and (tmp_path / "cache" / stamp.STAMP).exists()
    before = tree(tmp_path / "site")
    quick = build(content, tmp_path)
    unstamp(tmp_path / "cache")
    full = build(content, tmp_path)
    assert stamped(quick) and not stamped(full)
    fields = ("pages_built", "cache_hits", "pages_rendered", "files_written", "files_unchanged",
              "media_files", "media_unchanged", "drafts", "unresolved", "sources",
              "source_bytes", "cards_kept", "warnings", "ok")  # fmt: skip
    assert {f: getattr(quick, f) for f in fields} == {f: getattr(full, f) for f in fields}
    assert tree(tmp_path / "site") == before


CHANGES = {
    "a page edited": lambda c, s: write(c, "sub/two.md", "# Two\n\nBody of two, edited.\n"),
    "a page touched": lambda c, s: os.utime(c / "sub/two.md", ns=(1, 1)),
    "a page added": lambda c, s: write(c, "three.md", "# Three\n"),
    "a page added in a folder": lambda c, s: write(c, "sub/deeper/four.md", "# Four\n"),
    "a page removed": lambda c, s: (c / "sub/two.md").unlink(),
    "a media file edited": lambda c, s: write(c, "pic.png", b"\x89PNG other bytes"),
    "a template added": lambda c, s: write(c, "_templates/extra.html", "x"),
    "a page gone from the site": lambda c, s: (s / "sub/two.html").unlink(),
    "a page cut short in the site": lambda c, s: (s / "sub/two.html").write_bytes(b"x"),
    "a file added to the site": lambda c, s: write(s, "stray.html", "x"),
    "the manifest rewritten": lambda c, s: (s.parent / "cache/manifest.json").write_bytes(b"{}"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_anything_a_build_depends_on_that_changed_makes_it_build(content, tmp_path, change):
    build(content, tmp_path)
    clean = tmp_path / "clean"
    CHANGES[change](content, tmp_path / "site")
    report = build(content, tmp_path)
    assert not stamped(report)
    PipelineRunner(content, DirectSink(clean)).run()
    site, expected = tree(tmp_path / "site"), tree(clean)
    # Every file a clean build makes, as it makes it (a removed page's old HTML stays:
    # incremental builds remove nothing, with or without the stamp).
    assert {path: site.get(path) for path in expected} == expected
    build(content, tmp_path)  # (after a warning, as for a damaged manifest, no stamp yet)
    assert stamped(build(content, tmp_path))  # and stamped again


OPTIONS = [{"title": "Other"}, {"base_url": "https://example.org/x/"}, {"sidecars": True},
           {"search": True}, {"cards": "standard"}, {"clean": True}, {"verify": True}]  # fmt: skip


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: next(iter(o)))
def test_another_setting_makes_it_build(content, tmp_path, options):
    build(content, tmp_path)
    assert not stamped(build(content, tmp_path, **options))


def test_a_card_gone_from_the_site_is_drawn_again(content, tmp_path):
    build(content, tmp_path, cards="standard")
    assert stamped(build(content, tmp_path, cards="standard"))
    (tmp_path / "site/assets/cards/sub/two.png").unlink()
    assert build(content, tmp_path, cards="standard").cards_drawn == 1


def test_sidecars_are_left_to_their_folders_as_cards_are(content, tmp_path):
    build(content, tmp_path, sidecars=True)
    data = (tmp_path / "cache" / stamp.STAMP).read_bytes()
    assert b"/sub/two.html\0" in data and b"/sub/two.json" not in data
    assert stamped(build(content, tmp_path, sidecars=True))
    (tmp_path / "site/sub/two.json").unlink()  # the folder's modification time says so
    report = build(content, tmp_path, sidecars=True)
    assert not stamped(report) and report.pages_rendered == 1
    assert (tmp_path / "site/sub/two.json").exists()


@pytest.mark.parametrize("trace", [False, True])
def test_a_build_looks_at_each_content_file_once(content, tmp_path, monkeypatch, trace):
    """The look the new stamp takes at the content folder as the build starts gives the
    page and media files' signatures; without it (--trace: no stamp) they are taken again."""
    build(content, tmp_path)
    write(content, "sub/two.md", "# Two\n\nEdited.\n")
    unstamp(tmp_path / "cache")  # else its check looks at the files until it finds the edit
    looked = []
    for name in ("lstat", "stat"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda path, *a, _real=real, **k: (
            looked.append(os.path.relpath(path, content)), _real(path, *a, **k))[1])  # fmt: skip
    options = {"trace": tmp_path / "trace.json"} if trace else {}
    report = build(content, tmp_path, **options)
    monkeypatch.undo()
    assert report.ok and report.pages_rendered == 1 and report.media_unchanged == 1
    again = [looked.count(name) for name in ("index-page.md", "sub/two.md", "pic.png")]
    assert again == ([1, 1, 1] if trace else [0, 0, 0])


def test_no_stamp_after_a_failed_page_a_warning_or_with_a_link_in_the_content(content, tmp_path):
    write(content, "bad.md", "---\ntitle: [unclosed\n---\nBody.\n")
    assert not build(content, tmp_path).ok
    assert not (tmp_path / "cache" / stamp.STAMP).exists()
    (content / "bad.md").unlink()
    (content / "linked.md").symlink_to(content / "sub/two.md")
    assert build(content, tmp_path).ok and not stamped(build(content, tmp_path))
    (content / "linked.md").unlink()
    write(tmp_path, "elsewhere/page.md", "# Elsewhere\n")
    (content / "out").symlink_to(tmp_path / "elsewhere")  # refused, with a warning
    assert build(content, tmp_path).warnings and not stamped(build(content, tmp_path))


def test_a_build_removes_the_stamp_before_it_writes(content, tmp_path, monkeypatch):
    build(content, tmp_path)
    write(content, "sub/two.md", "# Two\n\nEdited.\n")

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(Build, "pages", killed)
    with pytest.raises(KeyboardInterrupt):
        build(content, tmp_path)
    assert not (tmp_path / "cache" / stamp.STAMP).exists()


def test_a_stamp_that_is_not_one_is_ignored(content, tmp_path):
    build(content, tmp_path)
    path = tmp_path / "cache" / stamp.STAMP
    for damaged in (b"", b"pipeline build stamp 1\n{}\n0\n", path.read_bytes()[:-1]):
        path.write_bytes(damaged)
        assert not stamped(build(content, tmp_path))


def summary(capsys, *argv):
    assert main(["build", *map(str, argv)]) == 0
    return re.sub(r"[\d.]+ s \([\d]+ pages/s\)", "T", capsys.readouterr().out)


def test_the_cli_says_the_same_with_the_stamp_and_writes_its_report(content, tmp_path, capsys):
    argv = [content, "--out", tmp_path / "site", "--cards", "standard"]
    summary(capsys, *argv)
    quick = summary(capsys, *argv, "--report", tmp_path / "r.json")
    unstamp(tmp_path / ".pipeline-cache" / "site")
    assert quick == summary(capsys, *argv)
    assert "0 pages rendered with" in quick and "2 from the cache" in quick
    assert "2 references that do not resolve" in quick and "missing.md" in quick
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["cache_hits"] == 2 and report["cards_kept"] == 2 and report["ok"]


def test_the_cli_asks_the_stamp_once_when_it_does_not_hold(content, tmp_path, monkeypatch):
    argv = ["build", str(content), "--out", str(tmp_path / "site")]
    assert main(argv) == 0
    write(content, "sub/two.md", "# Two\n\nEdited.\n")
    asked = []
    unchanged = stamp.unchanged
    monkeypatch.setattr(stamp, "unchanged", lambda *a: asked.append(a) or unchanged(*a))
    assert main(argv) == 0
    assert len(asked) == 1  # by the CLI; the runner it starts does not ask again


@pytest.mark.slow
def test_a_stamped_cli_rebuild_imports_neither_the_runner_nor_msgspec(content, tmp_path):
    cli = ["pipeline", "build", str(content), "--out", str(tmp_path / "site")]
    subprocess.run([sys.executable, "-m", *cli], check=True, capture_output=True, cwd=REPO)
    done = cli_then(
        cli[1:],
        "print('LOADED', [m for m in ('pipeline.runner', 'msgspec') if m in sys.modules])\n",
    )
    assert "2 from the cache" in done.stdout and "LOADED []" in done.stdout, done
