import json

from pipeline.cache_location import CACHE_FOLDER, default_cache_dir
from pipeline.cli import main
from tests.helpers import write


def _content(root):
    for i in range(5):
        write(root, f"p{i}.md", f"---\ntitle: Page {i}\n---\nText {i}.\n")
    return root


def _rendered(report_path):
    return json.loads(report_path.read_text())["pages_rendered"]


def test_the_default_cache_is_beside_the_site_and_not_in_it(tmp_path):
    content = _content(tmp_path / "c")
    site = tmp_path / "public" / "site"
    report = tmp_path / "report.json"
    assert main(["build", str(content), "--out", str(site)]) == 0
    assert not (site / CACHE_FOLDER).exists()
    assert not any(p.name.startswith(".") for p in site.rglob("*"))
    assert (tmp_path / "public" / CACHE_FOLDER / "site" / "manifest.json").is_file()
    assert main(["build", str(content), "--out", str(site), "--report", str(report)]) == 0
    assert _rendered(report) == 0  # the second build is served from that cache


def test_default_cache_dir_is_one_per_output_folder(tmp_path):
    assert default_cache_dir(tmp_path / "a") == tmp_path / CACHE_FOLDER / "a"
    assert default_cache_dir(tmp_path / "x" / ".." / "b") == tmp_path / CACHE_FOLDER / "b"
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    assert default_cache_dir(tmp_path / "link") == default_cache_dir(tmp_path / "a")


def test_an_old_cache_inside_the_site_moves_out_and_still_serves(tmp_path, capsys):
    content = _content(tmp_path / "c")
    site, report = tmp_path / "site", tmp_path / "report.json"
    assert main(["build", str(content), "--out", str(site)]) == 0
    # What a build before this version left: its cache inside the site.
    (tmp_path / CACHE_FOLDER / "site").rename(site / CACHE_FOLDER)
    capsys.readouterr()
    assert main(["build", str(content), "--out", str(site), "--report", str(report)]) == 0
    err = capsys.readouterr().err
    assert f"note: moved the build cache out of the site, from {site / CACHE_FOLDER}" in err
    assert not (site / CACHE_FOLDER).exists()
    assert (tmp_path / CACHE_FOLDER / "site" / "manifest.json").is_file()
    assert _rendered(report) == 0


def test_an_old_cache_inside_the_site_is_removed_by_a_build_without_cache(tmp_path, capsys):
    content = _content(tmp_path / "c")
    site = tmp_path / "site"
    write(site / CACHE_FOLDER, "manifest.json", "digests of every page")
    assert main(["build", str(content), "--out", str(site), "--no-cache"]) == 0
    assert "note: removed the old build cache" in capsys.readouterr().err
    assert not (site / CACHE_FOLDER).exists()
    assert not (tmp_path / CACHE_FOLDER).exists()


def test_a_cache_dir_inside_the_site_is_a_usage_error(tmp_path, capsys):
    content = _content(tmp_path / "c")
    site = tmp_path / "site"
    for inside in (site, site / CACHE_FOLDER, site / "x" / "y"):
        try:
            main(["build", str(content), "--out", str(site), "--cache-dir", str(inside)])
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"--cache-dir {inside} was accepted")
        assert "--cache-dir must be outside SITE_DIR" in capsys.readouterr().err
    assert not site.exists()


def test_a_cache_folder_that_cannot_be_made_is_one_clear_error(tmp_path, capsys):
    content = _content(tmp_path / "c")
    write(tmp_path, CACHE_FOLDER, "a file where the cache folder would go")
    assert main(["build", str(content), "--out", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / CACHE_FOLDER / 'site'}: cannot create the build")
    assert "--cache-dir DIR, or build with --no-cache" in err
    assert main(["build", str(content), "--out", str(tmp_path / "site"), "--no-cache"]) == 0


def test_help_names_the_default_cache_folder(capsys):
    try:
        main(["build", "--help"])
    except SystemExit:
        pass
    assert "SITE_DIR/../.pipeline-cache/<name of SITE_DIR>" in " ".join(
        capsys.readouterr().out.split()
    )
