"""An incremental build, after any sequence of content edits, leaves the site a clean build
of the same content would, byte for byte: random edits (pages added, deleted, renamed,
made drafts, given slugs, titles, tags, links and media), a build after each batch, with
the build cache and the stamp, against a clean build in a fresh folder."""

import collections
import json
import os
import random
import shutil

import pytest

from pipeline.cache import manifest
from pipeline.cache.entries import unpack_links
from pipeline.runner import PipelineRunner
from pipeline.sink import open_sink
from tests.helpers import tree, write

TAGS = ["a", "b", "c", "d"]
FOLDERS = ["", "docs/", "docs/deep/", "blog/"]
EDITS = ["add", "add", "delete", "body", "title", "tags", "draft", "slug", "rename", "media"]


class Content:
    """A content folder as page records; every edit is written to disk at once."""

    def __init__(self, folder, rng):
        self.folder, self.rng, self.pages = folder, rng, {}

    def write(self, rel):
        page = self.pages[rel]
        front = [f"title: {page['title']}"] if page["title"] else []
        front += [f"tags: [{', '.join(page['tags'])}]"] if page["tags"] else []
        front += ["draft: true"] if page["draft"] else []
        front += [f"slug: {page['slug']}"] if page["slug"] else []
        write(self.folder, rel, "---\n" + "\n".join(front) + "\n---\n" + page["body"])

    def add(self):
        rng, folder = self.rng, self.rng.choice(FOLDERS)
        refs = []
        for _ in range(rng.randrange(3)):
            if rng.random() < 0.5 and self.pages:
                other = os.path.relpath(rng.choice(list(self.pages)), folder or ".")
                refs.append(f"[x]({other[: -len('.md')]}.html)")
            else:
                name = f"img{rng.randrange(4)}.png"
                write(self.folder, folder + name, b"M" * rng.randrange(1, 50))
                refs.append(f"![m]({name})")
        rel = f"{folder}p{rng.randrange(1000)}.md"
        self.pages[rel] = {
            "title": rng.choice(["", f"T{rng.randrange(100)}"]),
            "tags": rng.sample(TAGS, rng.randrange(3)),
            "draft": rng.random() < 0.1,
            "slug": None,
            "body": f"# H{rng.randrange(10)}\n\ntext {rng.randrange(100)} {' '.join(refs)}\n",
        }
        self.write(rel)
        return f"add {rel}"

    def edit(self):
        rng = self.rng
        kind = rng.choice(EDITS)
        if kind == "add" or not self.pages:
            return self.add()
        if kind == "media":
            files = sorted(self.folder.rglob("img*.png"))
            if files:
                rng.choice(files).unlink()
            return "media deleted"
        rel = rng.choice(sorted(self.pages))
        page = self.pages[rel]
        if kind in ("delete", "rename"):
            (self.folder / rel).unlink()
            del self.pages[rel]
            if kind == "delete":
                return f"delete {rel}"
            rel = rel[: -len(".md")] + "r.md"
            self.pages[rel] = page
        elif kind == "body":
            page["body"] += f"\nmore {rng.randrange(1000)}\n"
        elif kind == "title":
            page["title"] = f"T{rng.randrange(100)}"
        elif kind == "tags":
            page["tags"] = rng.sample(TAGS, rng.randrange(3))
        elif kind == "draft":
            page["draft"] = not page["draft"]
        elif kind == "slug":
            page["slug"] = rng.choice([None, f"s{rng.randrange(5)}"])
        self.write(rel)
        return f"{kind} {rel}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_builds_equal_clean_builds(tmp_path, seed):
    rng = random.Random(seed)
    content = Content(tmp_path / "c", rng)
    options = {"sidecars": rng.random() < 0.5, "search": rng.random() < 0.5, "cards": "off"}

    def build(name):
        runner = PipelineRunner(
            content.folder, open_sink("batch", tmp_path / name), jobs=1,
            cache_dir=tmp_path / f"{name}-cache", **options,
        )  # fmt: skip
        return runner.run()

    history = [content.add() for _ in range(3)]
    build("site")
    for _ in range(12):
        history += [content.edit() for _ in range(rng.randrange(1, 4))]
        if rng.random() < 0.2:
            switch = rng.choice(["sidecars", "search"])
            options[switch] = not options[switch]
            history.append(f"{switch} {options[switch]}")
        built = build("site")
        for name in ("clean", "clean-cache"):
            shutil.rmtree(tmp_path / name, ignore_errors=True)
        clean = build("clean")
        assert tree(tmp_path / "site") == tree(tmp_path / "clean"), history
        # The kept pages' references, checked by their counts, say what a clean build says.
        assert _problems(built) == _problems(clean), history
        assert built.media_files == clean.media_files, history
        assert _refs_counted(tmp_path / "site-cache"), history


def _problems(report):
    return sorted(str(problem) for problem in report.unresolved)


def _refs_counted(cache):
    """The manifest's link counts are those of its pages' links."""
    path = cache / manifest.MANIFEST
    key = json.loads(path.read_bytes().partition(b"\n")[2])["site_key"]
    loaded = manifest.load(path, key)
    counts = collections.Counter(
        target for entry in loaded.pages.values() for _, target in unpack_links(entry.links)
    )
    return loaded.refs == dict(counts)
