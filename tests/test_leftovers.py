import fcntl
import os

from pipeline.cli import main
from pipeline.leftovers import remove_leftovers
from pipeline.sink import DirectSink, temp_name
from pipeline.staging import NEW_STAGING_PREFIX, STAGING_PREFIX
from tests.helpers import write


def test_temporary_files_of_a_killed_build_are_removed_at_any_depth(tmp_path):
    for rel in ("index.html", "a/b/page.html", ".well-known/x.txt", "notes.tmp", "a/.x.tmp"):
        write(tmp_path, rel, "a final file")
    for rel in (".index.html.4242.tmp", "a/b/.page.html.7.tmp", ".well-known/.x.txt.99.tmp"):
        write(tmp_path, rel, "half a file")
    found = remove_leftovers(str(tmp_path))
    assert found.removed == 3 and found.kept == []
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == [".well-known/x.txt", "a/.x.tmp", "a/b/page.html", "index.html", "notes.tmp"]


def test_unlocked_staging_folders_go_and_a_locked_one_stays(tmp_path):
    for name in (STAGING_PREFIX + "dead", NEW_STAGING_PREFIX + "dead", STAGING_PREFIX + "live"):
        write(tmp_path / name, "sub/page.html", "staged")
    live = os.open(tmp_path / (STAGING_PREFIX + "live"), os.O_RDONLY)
    try:
        fcntl.flock(live, fcntl.LOCK_EX)
        found = remove_leftovers(str(tmp_path))
    finally:
        os.close(live)
    assert found.removed == 2
    assert sorted(os.listdir(tmp_path)) == [STAGING_PREFIX + "live"]


def test_symlinks_are_never_followed_nor_removed(tmp_path):
    outside = tmp_path / "outside"
    write(outside, ".keep.html.1.tmp", "not the site's")
    site = tmp_path / "site"
    site.mkdir()
    (site / "link").symlink_to(outside, target_is_directory=True)
    (site / ".x.html.5.tmp").symlink_to(outside / ".keep.html.1.tmp")
    assert remove_leftovers(str(site)).removed == 0
    assert (outside / ".keep.html.1.tmp").read_text() == "not the site's"
    assert (site / ".x.html.5.tmp").is_symlink()


def test_a_cache_folder_is_swept_at_its_top_only(tmp_path):
    write(tmp_path, ".manifest.json.31.tmp", "half a manifest")
    write(tmp_path, "deeper/.a.html.3.tmp", "not ours to judge")
    assert remove_leftovers(str(tmp_path), recursive=False).removed == 1
    assert (tmp_path / "deeper" / ".a.html.3.tmp").exists()


def test_the_sinks_temporary_names_are_the_ones_swept(tmp_path):
    # A DirectSink killed between its write and its rename leaves exactly this name.
    write(tmp_path, "a/" + temp_name("page.html"), "half")
    with DirectSink(tmp_path) as sink:
        sink.write("a/other.html", b"x")
    assert remove_leftovers(str(tmp_path)).removed == 1
    assert os.listdir(tmp_path / "a") == ["other.html"]


def test_a_build_removes_a_killed_builds_leftovers_and_says_so(tmp_path, capsys):
    write(tmp_path / "c", "p.md", "---\ntitle: P\n---\nText.\n")
    site = tmp_path / "site"
    assert main(["build", str(tmp_path / "c"), "--out", str(site), "--sink", "direct"]) == 0
    write(site, ".p.html.4242.tmp", "half a page")
    write(site, STAGING_PREFIX + "dead/p.html", "a staged page")
    capsys.readouterr()
    assert main(["build", str(tmp_path / "c"), "--out", str(site), "--sink", "direct"]) == 0
    err = capsys.readouterr().err
    assert "note: removed 2 temporary file(s) or staging folder(s) left by a killed build" in err
    assert not any(p.name.startswith(".") for p in site.rglob("*"))


def test_a_repository_in_the_site_folder_is_not_swept(tmp_path):
    write(tmp_path, "docs/.a.html.123.tmp", "x")
    write(tmp_path, ".git/objects/pack/.pack.1.tmp", "git's own")
    assert remove_leftovers(str(tmp_path)).removed == 1
    assert (tmp_path / ".git/objects/pack/.pack.1.tmp").is_file()
