import hashlib
import posixpath
import re
import struct
import subprocess
import sys
import zlib
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from benchmarks.corpus import CorpusSummary, generate

# Digest of generate(..., pages=40, seed=1). It pins the content across machines and
# numpy releases: a change here means every machine's benchmarks and the demo site see
# new content, so only update it on purpose (and say so in the commit message).
PAGES_40_SEED_1 = "fcafa0e2bc18e48ddeaa1e43b7f577bb502232fb4974b4833700234b6e95ec7c"

_LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)(?: \"[^\"]*\")?\)")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    files = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    for relpath in sorted(files):  # by string, so the order is the same on every OS
        digest.update(relpath.encode() + b"\0")
        digest.update(files[relpath].read_bytes() + b"\0")
    return digest.hexdigest()


def front_matter(text: str) -> dict | None:
    if not text.startswith("---\n"):
        return None
    block, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(block)


def pages_of(root: Path) -> dict[str, tuple[str, dict | None]]:
    """source path -> (text, front matter or None)"""
    pages = {}
    for path in sorted(root.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        pages[path.relative_to(root).as_posix()] = (text, front_matter(text))
    return pages


def output_path(source: str, meta: dict | None) -> str:
    folder, name = posixpath.split(source)
    stem = (meta or {}).get("slug") or posixpath.splitext(name)[0]
    return posixpath.join(folder, stem + ".html")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CorpusSummary]:
    root = tmp_path_factory.mktemp("corpus")
    return root, generate(root, pages=300, seed=5)


def test_same_seed_gives_identical_trees(tmp_path: Path):
    generate(tmp_path / "a", pages=25, seed=3)
    generate(tmp_path / "b", pages=25, seed=3)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_different_seeds_give_different_trees(tmp_path: Path):
    generate(tmp_path / "a", pages=25, seed=3)
    generate(tmp_path / "b", pages=25, seed=4)
    assert tree_digest(tmp_path / "a") != tree_digest(tmp_path / "b")


def test_fixed_digest_across_machines(tmp_path: Path):
    generate(tmp_path, pages=40, seed=1)
    assert tree_digest(tmp_path) == PAGES_40_SEED_1


def test_summary_counts_what_was_written(corpus):
    root, summary = corpus
    files = [p for p in root.rglob("*") if p.is_file()]
    assert summary.pages == 300 == sum(p.suffix == ".md" for p in files)
    assert summary.media == sum(p.parent.name == "images" for p in files)
    assert summary.media == len(files) - summary.pages
    assert summary.bytes == sum(p.stat().st_size for p in files)


def test_page_sizes_spread_over_2_to_10_kb(corpus):
    root, _ = corpus
    sizes = sorted(p.stat().st_size for p in root.rglob("*.md"))
    assert sizes[0] >= 2048 and sizes[-1] <= 10240
    # Spread across the range, not bunched at one end.
    assert sizes[len(sizes) // 10] < 3500 and sizes[-len(sizes) // 10] > 8000


def test_layout_has_nested_sections_and_unique_names(corpus):
    root, _ = corpus
    sources = list(pages_of(root))
    folders = {posixpath.dirname(s) for s in sources}
    assert len(folders) >= 5
    assert {f.count("/") + 1 for f in folders} == {1, 2, 3}
    assert all(re.fullmatch(r"[a-z0-9-]+-\d{4}\.md", posixpath.basename(s)) for s in sources)


def test_front_matter_parses_to_the_obvious_types(corpus):
    root, _ = corpus
    pages = pages_of(root)
    with_meta = [meta for _, meta in pages.values() if meta is not None]
    without = [text for text, meta in pages.values() if meta is None]
    for meta in with_meta:
        assert isinstance(meta["title"], str) and meta["title"]
        assert isinstance(meta["date"], date)
        assert meta["tags"] and all(isinstance(tag, str) for tag in meta["tags"])
        assert isinstance(meta["summary"], str) and meta["summary"].endswith(".")
        assert set(meta) <= {"title", "date", "tags", "summary", "slug", "draft", "template"}
        if "slug" in meta:
            assert _SLUG.fullmatch(meta["slug"])
        assert meta.get("draft", False) in (True, False)
        assert meta.get("template", "page") == "page"
    for text in without:
        assert re.match(r"# \S", text)
    # Rough mix: ~95% with front matter, ~3% drafts, some slugs and templates.
    assert 5 <= len(without) <= 30
    assert 1 <= sum(bool(m.get("draft")) for m in with_meta) <= 25
    assert any("slug" in m for m in with_meta) and any("template" in m for m in with_meta)


def test_output_paths_are_unique(corpus):
    root, _ = corpus
    outputs = [output_path(source, meta) for source, (_, meta) in pages_of(root).items()]
    assert len(outputs) == len(set(outputs))


def test_every_link_and_image_resolves(corpus):
    root, _ = corpus
    pages = pages_of(root)
    built = {
        output_path(source, meta): source
        for source, (_, meta) in pages.items()
        if not (meta or {}).get("draft")
    }
    internal = images = 0
    for source, (text, _) in pages.items():
        folder = posixpath.dirname(source)
        for bang, url in _LINK.findall(text):
            if url.startswith("https://"):
                assert not bang
                continue
            target = posixpath.normpath(posixpath.join(folder, url))
            if bang:
                images += 1
                assert url.startswith("images/"), url
                assert (root / target).is_file(), (source, url)
            else:
                internal += 1
                assert target in built, (source, url)  # also never a draft
                assert built[target] != source, (source, url)
    assert internal > 300 and images > 100


def test_about_a_third_of_pages_have_images_and_some_images_are_shared(corpus):
    root, _ = corpus
    refs = []
    with_images = 0
    for source, (text, _) in pages_of(root).items():
        found = re.findall(r"!\[[^\]]*\]\((images/[^)\s]+)", text)
        assert len(found) <= 3
        with_images += bool(found)
        refs += [posixpath.join(posixpath.dirname(source), f) for f in found]
    assert 60 <= with_images <= 140
    assert len(set(refs)) < len(refs)


def test_body_mixes_markdown_constructs(corpus):
    root, _ = corpus
    text = "\n".join(t for t, _ in pages_of(root).values())
    for marker in (
        "\n## ",
        "\n### ",
        "```python\n",
        "```bash\n",
        "```json\n",
        "\n> ",
        "\n|---",
        "\n- ",
        "\n1. ",
        "\n    - ",
        "**",
        "](https://",
    ):
        assert marker in text, marker
    assert re.search(r"`[^`\n]*[<>&][^`\n]*`", text)  # needs escaping inside inline code
    assert re.search(r"[^`\n]& ", text)  # and in plain text


def test_pngs_are_valid(corpus):
    root, _ = corpus
    pngs = sorted(root.rglob("*.png"))
    assert pngs
    for path in pngs:
        data = path.read_bytes()
        assert 1000 <= len(data) <= 30_000
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        pos, chunks = 8, []
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos : pos + 4])
            kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
            (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
            assert zlib.crc32(kind + body) == crc, (path, kind)
            chunks.append((kind, body))
            pos += 12 + length
        kinds = [kind for kind, _ in chunks]
        assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
        width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
        assert (depth, color) == (8, 2) and 16 <= width <= 96 and 16 <= height <= 96
        raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
        assert len(raw) == height * (1 + 3 * width)


def test_svgs_are_well_formed(corpus):
    root, _ = corpus
    svgs = sorted(root.rglob("*.svg"))
    assert svgs
    for path in svgs:
        assert ElementTree.fromstring(path.read_bytes()).tag == "{http://www.w3.org/2000/svg}svg"


def test_files_are_utf8_with_unix_newlines(corpus):
    root, _ = corpus
    for path in root.rglob("*.md"):
        data = path.read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data and data.endswith(b"\n")


def test_overwrites_its_own_files_and_leaves_others(tmp_path: Path):
    generate(tmp_path, pages=10, seed=2)
    expected = tree_digest(tmp_path)
    page = sorted(tmp_path.rglob("*.md"))[0]
    page.write_text("changed\n", encoding="utf-8")
    (tmp_path / "keep.txt").write_text("mine\n", encoding="utf-8")
    generate(tmp_path, pages=10, seed=2)
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    (tmp_path / "keep.txt").unlink()
    assert tree_digest(tmp_path) == expected


def test_creates_missing_parents_and_accepts_strings(tmp_path: Path):
    out = tmp_path / "a" / "b"
    summary = generate(str(out), pages=1)
    assert summary.pages == 1 and len(list(out.rglob("*.md"))) == 1
    text = next(out.rglob("*.md")).read_text(encoding="utf-8")
    assert not [
        url for bang, url in _LINK.findall(text) if not bang and not url.startswith("https://")
    ]


@pytest.mark.parametrize("pages", [0, -3])
def test_pages_below_one_is_rejected(tmp_path: Path, pages: int):
    with pytest.raises(ValueError, match="pages"):
        generate(tmp_path, pages=pages)
    assert not any(tmp_path.iterdir())


def test_command_line_writes_the_same_corpus(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.corpus", str(tmp_path / "c"), "--pages", "40"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("40 pages and ")
    assert tree_digest(tmp_path / "c") == tree_digest_of_generate(tmp_path / "g", 40, 0)


def tree_digest_of_generate(root: Path, pages: int, seed: int) -> str:
    generate(root, pages=pages, seed=seed)
    return tree_digest(root)
