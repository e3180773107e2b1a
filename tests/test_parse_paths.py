"""Output paths and copied files that would break the site: each fails its page (or its
reference) alone, and the site's own files and the good pages are left as they should be
(pipeline/claims.py, pipeline/media.py)."""

import json
import os

from pipeline.claims import NAME_MAX
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from tests.helpers import write

GOOD = "---\ntitle: Good {n}\ntags: [common]\n---\n# Good {n}\n\nGood text {n}.\n"
HOSTILE = "---\ntitle: Hostile\n---\nHOSTILE TEXT\n"


def good_content(folder):
    for n in (1, 2):
        write(folder, f"good{n}.md", GOOD.format(n=n))
    return folder


def build(content, site, cache, **options):
    options = {"search": True, "sidecars": True, **options}
    return PipelineRunner(content, DirectSink(site), cache_dir=cache, **options).run()


def failed(report):
    return {p.path: p.message for p in report.pages_failed}


def assert_good_pages_built(report, site):
    assert report.fatal is None, report.fatal
    for n in (1, 2):
        assert f"Good text {n}." in (site / f"good{n}.html").read_text()
        assert (site / f"good{n}.json").is_file()


def test_the_search_page_and_folder_are_reserved_search_on_or_off(tmp_path):
    content = good_content(tmp_path / "c")
    write(content, "search.md", HOSTILE)
    write(content, "other.md", "---\nslug: search\n---\nHOSTILE TEXT\n")
    write(content, "search/search_index.md", HOSTILE)
    for search in (True, False):
        site = tmp_path / f"site-{search}"
        report = build(content, site, tmp_path / f"cache-{search}", search=search)
        assert_good_pages_built(report, site)
        reasons = failed(report)
        for source, out in [
            ("search.md", "search.html"),
            ("other.md", "search.html"),
            ("search/search_index.md", "search/search_index.html"),
        ]:
            assert reasons[source] == f"output path {out} is reserved for the site; set a slug"
        if search:
            assert "HOSTILE" not in (site / "search.html").read_text()
            index = json.loads((site / "search/search_index.json").read_text())
            assert {doc["location"].split("#")[0] for doc in index["docs"]} >= {"good1.html"}
        assert not (site / "search/search_index.html").exists()


RESERVED_FILES = [
    "assets/cards/good1.png",
    "assets/style.css",
    "assets/mine.css",
    "tags/common.html",
    "tags/x.html",
    "search/search_index.json",
    "search/extra.txt",
    "page/2.html",
    "index.html",
    "feed.xml",
    "sitemap.xml",
    "search.html",
]


def test_a_content_file_at_a_path_reserved_for_the_site_is_not_copied(tmp_path):
    content = good_content(tmp_path / "c")
    for path in RESERVED_FILES:
        write(content, path, b"EVIL " + path.encode())
    links = "\n".join(f"[{n}]({path})" for n, path in enumerate(RESERVED_FILES))
    write(content, "linker.md", f"# Linker\n\n{links}\n")
    site = tmp_path / "site"
    report = build(content, site, tmp_path / "cache", cards="standard")
    assert_good_pages_built(report, site)
    assert (site / "linker.html").is_file()
    problems = {p.message for p in report.unresolved if p.path == "linker.md"}
    for path in RESERVED_FILES:
        expected = f"{path}: {path} is reserved for the site; the content file is not copied"
        assert any(m.startswith(expected) for m in problems), (path, problems)
    assert (site / "assets/cards/good1.png").read_bytes().startswith(b"\x89PNG")
    for path in RESERVED_FILES:
        if (site / path).exists():
            assert not (site / path).read_bytes().startswith(b"EVIL"), path


def test_a_tag_too_long_for_a_file_name_gets_a_shortened_slug(tmp_path):
    content = good_content(tmp_path / "c")
    long_tags = ["t" * 300, "t" * 299 + "u", "x" * 240]
    write(content, "tagged.md", f"---\ntitle: Tagged\ntags: [{', '.join(long_tags)}]\n---\nT\n")
    site = tmp_path / "site"
    report = build(content, site, tmp_path / "cache")
    assert_good_pages_built(report, site)
    assert report.ok
    tag_pages = [p for p in (site / "tags").iterdir() if p.name != "index.html"]
    assert len(tag_pages) == 4  # common and the three long ones, each its own page
    assert all(len(p.name.encode()) <= NAME_MAX for p in tag_pages)
    assert any("Tagged" in p.read_text() for p in tag_pages if p.name.startswith("tttt"))
    page = (site / "tagged.html").read_text()
    assert all(f"tags/{p.name}" in page for p in tag_pages if p.name != "common.html")


FOLDER_CONFLICTS = {
    "index.html/a.md": "output path index.html/a.html is reserved for the site; set a slug",
    "feed.xml/b.md": "output path feed.xml/b.html is reserved for the site; set a slug",
    "search.html/c.md": "output path search.html/c.html is reserved for the site; set a slug",
    "x.md": "output path x.html is a file, but x.html/d.md needs it as a folder for "
    "x.html/d.html; neither is built: rename one of them",
    "x.html/d.md": "output path x.html/d.html needs x.html as a folder, but it is the "
    "output path of x.md; neither is built: rename one of them",
    "y.md": "sidecar y.json is a file, but y.json/e.md needs it as a folder for y.json/e.html; "
    "neither is built: rename one of them",
    "y.json/e.md": "output path y.json/e.html needs y.json as a folder, but it is the sidecar "
    "of y.md; neither is built: rename one of them",
}


def test_a_file_where_the_site_needs_a_folder_fails_those_pages_alone(tmp_path):
    content = good_content(tmp_path / "c")
    for source in FOLDER_CONFLICTS:
        write(content, source, HOSTILE)
    write(content, "z.md", "# Z\n\n![pic](z.html/pic.png)\n")
    write(content, "z.html/pic.png", b"\x89PNG fake")
    site = tmp_path / "site"
    report = build(content, site, tmp_path / "cache")
    assert_good_pages_built(report, site)
    assert failed(report) == FOLDER_CONFLICTS
    assert (site / "z.html").is_file()
    [problem] = report.unresolved
    assert problem.path == "z.md"
    assert problem.message == (
        "z.html/pic.png: z.html/pic.png needs z.html as a folder, but the site writes a file there"
    )
    assert "HOSTILE" not in (site / "index.html").read_text()
    assert (site / "feed.xml").is_file() and (site / "search.html").is_file()


def test_a_page_too_deep_for_the_output_folder_fails_alone(tmp_path):
    content = good_content(tmp_path / "c")
    site = tmp_path / ("site-" + "s" * 40)
    # Readable from the content folder, too long once written under the site folder.
    length = 4095 - len(os.fsencode(content)) - 1 - len(".md")
    folders = []
    while sum(len(f) + 1 for f in folders) + 200 < length:
        folders.append("d" * 200)
    stem = "p" * (length - sum(len(f) + 1 for f in folders))
    source = "/".join([*folders, stem + ".md"])
    write(content, source, HOSTILE)
    report = build(content, site, tmp_path / "cache")
    assert_good_pages_built(report, site)
    message = failed(report)[source]
    assert message.startswith(f"output path is {len(source) + 2} bytes, too long for the output")


def test_a_media_file_whose_temporary_name_is_too_long_is_not_copied(tmp_path):
    content = good_content(tmp_path / "c")
    names = ["a" * 246 + ".png", "b" * 251 + ".png"]  # 250 and 255 bytes
    for name in names:
        write(content, name, b"\x89PNG fake")
    write(content, "gallery.md", "# Gallery\n\n" + "\n".join(f"![x]({n})" for n in names) + "\n")
    write(content, "fine.png", b"\x89PNG fine")
    write(content, "good3.md", "![fine](fine.png)\n")
    site = tmp_path / "site"
    report = build(content, site, tmp_path / "cache")
    assert_good_pages_built(report, site)
    assert (site / "gallery.html").is_file() and (site / "fine.png").is_file()
    problems = [p for p in report.unresolved if p.path == "gallery.md"]
    assert [p.message for p in problems] == [
        f"{n}: {n} cannot be copied: its file name is {len(n)} bytes, more than {NAME_MAX}; "
        "rename the file"
        for n in names
    ]


def test_pages_claiming_one_path_all_fail_and_the_published_page_stays(tmp_path):
    content = good_content(tmp_path / "c")
    write(content, "zeta.md", "---\ntitle: Zeta\n---\nThe real zeta.\n")
    site, cache = tmp_path / "site", tmp_path / "cache"
    assert build(content, site, cache).ok
    published = (site / "zeta.html").read_bytes()
    write(content, "aaa.md", "---\ntitle: Usurper\nslug: zeta\n---\nHOSTILE TEXT\n")
    write(content, "bbb.md", "---\nslug: zeta\n---\nHOSTILE TEXT\n")
    report = build(content, site, cache)
    assert_good_pages_built(report, site)
    reasons = failed(report)
    assert reasons == {
        "aaa.md": "output path zeta.html is claimed by bbb.md, zeta.md too; none of them is "
        "built (the site keeps what it had): give each its own slug",
        "bbb.md": "output path zeta.html is claimed by aaa.md, zeta.md too; none of them is "
        "built (the site keeps what it had): give each its own slug",
        "zeta.md": "output path zeta.html is claimed by aaa.md, bbb.md too; none of them is "
        "built (the site keeps what it had): give each its own slug; its previous version "
        "stays in the site",
    }
    assert (site / "zeta.html").read_bytes() == published
    assert "zeta.html" in (site / "index.html").read_text()  # and it stays listed
    assert "HOSTILE" not in (site / "zeta.json").read_text()
