"""Property-based tests: untrusted file names and front matter never break the build.

Each generated content folder mixes arbitrary Unicode names and values with the names
the site reserves (index, feed, page/, tags/, assets/), ``..``, NUL, hidden and
``_`` folders, and pages whose paths differ only in case. Whatever comes in, each page
builds or fails alone with a one-line reason, the build itself completes, a rebuild
from the cache makes the same site, and nothing is written outside the output folder.

Examples are derandomized, so CI sees the same ones every run; set
``PIPELINE_FUZZ_EXAMPLES`` (and ``PIPELINE_FUZZ_RANDOM=1`` for fresh ones) to search
further.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline.page import PAGE_SUFFIXES
from pipeline.runner import PipelineRunner
from pipeline.sink import open_sink
from tests.faultkit import entries, snapshot

EXAMPLES = int(os.environ.get("PIPELINE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("PIPELINE_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NAME_MAX = 255  # bytes in one file name on Linux file systems

# Anything a file name may hold on Linux: no '/', no NUL, no lone surrogate.
name_chars = st.characters(exclude_categories=("Cs",), exclude_characters="/\0")
RESERVED = ["index", "feed", "sitemap", "page", "tags", "assets", "Index", "INDEX", "feed.xml"]
TRICKY = ["..", ".", ".hidden", "-", " ", "a b", "ü", "e\u0301", "\u202e", "nul\0byte", "a/b"]
TRICKY += ["../escape", "../../etc/x", "/abs", "C:\\x", "x" * 40]
stems = st.one_of(st.sampled_from(RESERVED + TRICKY), st.text(name_chars, min_size=1, max_size=24))
FOLDERS = ["", "sub/", "Sub/", "page/", "tags/", "assets/", "_drafts/", ".git/", "a/b/", "..x/"]
suffixes = st.sampled_from([".md", ".md", ".markdown", ".MD", ".txt"])
text_values = st.one_of(
    st.text(max_size=30), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()
)
front_matter = st.fixed_dictionaries(
    {},
    optional={
        "title": text_values,
        "slug": st.one_of(st.sampled_from(RESERVED + TRICKY), st.text(name_chars, max_size=30)),
        "tags": st.one_of(st.lists(text_values, max_size=4), st.text(max_size=20), st.integers()),
        "date": st.one_of(
            st.dates(min_value=dt.date(1, 1, 1)), st.datetimes(), st.text(max_size=20)
        ),
        "draft": st.one_of(st.booleans(), st.text(max_size=5)),
        "template": st.sampled_from(["page", "missing", "../page", "index", "feed.xml"]),
        "summary": text_values,
        "extra": st.one_of(text_values, st.lists(text_values, max_size=3)),
    },
)
bodies = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["# Heading\n\n[a link](other.html)\n", "---\n", "![x](../../x.png)\n"]),
)


@st.composite
def page_files(draw) -> tuple[str, bytes]:
    """One file of the content folder: its path and its bytes."""
    rel = draw(st.sampled_from(FOLDERS)) + draw(stems) + draw(suffixes)
    if draw(st.integers(0, 9)) == 0:  # a few that are not text at all
        return rel, draw(st.binary(max_size=60))
    head = ""
    if draw(st.booleans()):
        if draw(st.integers(0, 5)) == 0:
            head = "---\n" + draw(st.text(max_size=40)) + "\n---\n"  # whatever YAML
        else:
            head = "---\n" + yaml.safe_dump(draw(front_matter), allow_unicode=True) + "---\n"
    return rel, (head + draw(bodies)).encode("utf-8", "surrogatepass")


@st.composite
def content_folders(draw) -> dict[str, bytes]:
    files = dict(draw(st.lists(page_files(), min_size=1, max_size=8)))
    for rel in list(files)[: draw(st.integers(0, 2))]:  # pages whose paths differ in case only
        stem, dot, suffix = rel.rpartition(".")
        files.setdefault(stem.swapcase() + dot + suffix, files[rel].replace(b"\n", b"\n\n", 1))
    return files


def _creatable(rel: str) -> bool:
    parts = rel.split("/")
    return all(
        part not in ("", ".", "..") and "\0" not in part and len(part.encode()) <= NAME_MAX - 10
        for part in parts
    )


def _write(content: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """Create the files that a Linux file system can hold; returns those."""
    made = {}
    for rel, data in files.items():
        if not _creatable(rel):
            continue  # the content folder cannot hold it: nothing to build
        path = content / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue  # "a" as a file and "a/b.md": one of the two cannot exist
        made[rel] = data
    return made


def _is_page(rel: str) -> bool:
    *folders, name = rel.split("/")
    hidden = any(f.startswith((".", "_")) for f in folders)
    return not hidden and name.endswith(PAGE_SUFFIXES) and not name.startswith(".")


def _build(content: Path, out: Path, cache: Path, sink: str):
    return PipelineRunner(content, open_sink(sink, out), cache_dir=cache, title="Fuzz").run()


def _kind(message: str) -> str:
    """A failure's kind, without the names and values in it."""
    message = re.sub(r"^line \d+: ", "", message)
    message = re.sub(r"^(output path) .+? (is (?:already taken|reserved))", r"\1 _ \2", message)
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", message)[:50]


def _site_file(rel: str) -> bool:
    return rel in ("index.html", "feed.xml", "sitemap.xml") or rel.startswith(
        ("page/", "tags/", "assets/")
    )


@FUZZ
@given(files=content_folders(), sink=st.sampled_from(["direct", "batch"]))
def test_any_content_builds_or_fails_page_by_page_inside_the_output_folder(files, sink):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content, out, cache = root / "content", root / "site", root / "cache"
        content.mkdir()
        made = _write(content, files)
        around = snapshot(root)

        report = _build(content, out, cache, sink)

        assert report.fatal is None  # content problems never stop the whole build
        sources = [rel for rel in sorted(made) if _is_page(rel)]
        failed = [p for p in report.pages_failed if p.path in made]
        for problem in report.pages_failed:
            assert problem.message and "Traceback" not in problem.message, problem
            event(_kind(problem.message))  # --hypothesis-show-statistics tallies them
        assert len({p.path for p in failed}) == len(failed)  # each page fails once at most
        assert report.pages_built + report.drafts + len(failed) == len(sources)
        site = snapshot(out)
        pages = [rel for rel in site if rel.endswith(".html") and not _site_file(rel)]
        assert len(pages) == report.pages_built  # every page built has its own file
        assert all(not os.path.islink(out / rel) for rel in entries(out))
        after = snapshot(root)
        for rel in around:  # content and everything beside the site are untouched
            assert after.get(rel) == around[rel], rel
        assert {rel.split(os.sep)[0] for rel in after} <= {"content", "site", "cache"}

        again = _build(content, out, cache, sink)
        assert again.fatal is None
        assert snapshot(out) == site  # the cache reproduces the same site
        assert [str(p) for p in again.pages_failed] == [str(p) for p in report.pages_failed]


def _one_page_build(tmp_path: Path, name: str, text: str):
    content = tmp_path / "content"
    (content / name).parent.mkdir(parents=True, exist_ok=True)
    (content / name).write_text(text)
    (content / "ok.md").write_text("---\ntitle: Fine\n---\nA page that builds.\n")
    return _build(content, tmp_path / "site", tmp_path / "cache", "direct")


def _fill_bytes(seed: str, size: int) -> str:
    """``seed`` repeated to exactly ``size`` UTF-8 bytes (topped up with 'x')."""
    text = ""
    while len((text + seed).encode()) <= size:
        text += seed
    return text + "x" * (size - len(text.encode()))


@pytest.mark.parametrize("as_slug", [True, False], ids=["slug", "source-name"])
@pytest.mark.parametrize("seed", ["x", "€", "😀"])  # 1, 3 and 4 bytes a character
def test_a_name_too_long_for_the_disk_fails_its_page_alone(tmp_path, seed, as_slug):
    if as_slug:  # slug + ".html": 300 bytes
        name = "long.md"
        text = f"---\nslug: {_fill_bytes(seed, 300)}\n---\nText\n"
    else:  # the source name fits (255 bytes), its output name (+ ".html") does not
        name, text = _fill_bytes(seed, NAME_MAX - 3) + ".md", "Text\n"
    report = _one_page_build(tmp_path, name, text)
    assert report.fatal is None, report.fatal
    assert [p.path for p in report.pages_failed] == [name]
    assert report.pages_built == 1


def test_a_control_character_in_front_matter_fails_the_page_in_one_line(tmp_path):
    report = _one_page_build(tmp_path, "index.md", "---\ntitle: a\n\x1f\n---\nText\n")
    (problem,) = report.pages_failed
    assert problem.path == "index.md"
    assert "\n" not in str(problem), str(problem)


@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
def test_a_file_name_that_is_not_utf8_fails_its_page_alone(tmp_path, cached):
    content = tmp_path / "content"
    content.mkdir()
    (content / "ok.md").write_text("---\ntitle: Fine\n---\nA page that builds.\n")
    with open(os.fsencode(content) + b"/bad-\xff.md", "wb") as f:
        f.write(b"Text\n")
    cache = tmp_path / "cache" if cached else None
    report = PipelineRunner(content, open_sink("direct", tmp_path / "site"), cache_dir=cache).run()
    assert report.fatal is None
    assert report.pages_built == 1
    assert [p.path for p in report.pages_failed] == [os.fsdecode(b"bad-\xff.md")]


def test_a_control_character_in_a_title_leaves_the_feed_well_formed(tmp_path):
    report = _one_page_build(tmp_path, "odd.md", '---\ntitle: "a\\x01b"\n---\nText\n')
    assert report.ok
    for name in ("feed.xml", "sitemap.xml"):
        ElementTree.parse(tmp_path / "site" / name)


def test_pages_whose_paths_differ_in_case_only_each_get_their_own_file(tmp_path):
    content, site = tmp_path / "content", tmp_path / "site"
    content.mkdir()
    (content / "Post.md").write_text("---\ntitle: Upper\n---\nUpper text.\n")
    (content / "post.md").write_text("---\ntitle: Lower\n---\nLower text.\n")
    report = _build(content, site, tmp_path / "cache", "batch")
    assert report.ok and report.pages_built == 2
    assert "Upper text." in (site / "Post.html").read_text()
    assert "Lower text." in (site / "post.html").read_text()
