"""Markdown the project did not write: Python-Markdown's own test suite, run with the fast
inline processor and the block-level shortcuts in place, and the Markdown files found on
this machine."""

import email.parser
import glob
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import markdown
import pytest

from pipeline import fastinline, markup

VERSION = fastinline.SUPPORTED_VERSION
SDIST = f"markdown-{VERSION}.tar.gz"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pipeline-tests"
MAX_FILES = 600  # keeps the machine's-files test to about a minute

# Runs the suite's tests/ folder in a fresh interpreter, stock or with every stock inline
# processor (Markdown's own and smarty's) replaced by the fast one and the block-level
# shortcuts on every converter, and prints the counts.
DRIVER = """
import io, json, sys, unittest
import markdown.extensions.smarty, markdown.treeprocessors
if sys.argv[1] == "fast":
    from pipeline.fastinline import FastInlineProcessor
    markdown.treeprocessors.InlineProcessor = FastInlineProcessor
    markdown.extensions.smarty.InlineProcessor = FastInlineProcessor
    probe = markdown.Markdown(extensions=["smarty"]).treeprocessors
    assert type(probe["inline"]) is type(probe["smarty"]) is FastInlineProcessor
    from pipeline.fastinline import blocks
    stock_init = markdown.Markdown.__init__
    def init(self, **kwargs):
        stock_init(self, **kwargs)
        blocks.install(self)
    markdown.Markdown.__init__ = init
    probe = markdown.Markdown(extensions=["tables", "toc"])
    assert type(probe.treeprocessors["toc"]) is blocks.FastTocTreeprocessor
    assert type(probe.parser.blockprocessors["table"]) is blocks.FastTableProcessor
suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
failed = [test.id() for test, _ in result.failures + result.errors]
print(json.dumps({"run": result.testsRun, "failed": failed, "skipped": len(result.skipped)}))
"""


def markdown_sdist() -> Path:
    """Python-Markdown's source archive (it holds its tests), downloaded once if needed."""
    for candidate in (Path("/tmp/mdsdist") / SDIST, CACHE / SDIST):
        if candidate.is_file():
            return candidate
    CACHE.mkdir(parents=True, exist_ok=True)
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", f"markdown=={VERSION}", "--no-binary",
         ":all:", "--no-deps", "-d", str(CACHE)],
        capture_output=True, text=True,
    )  # fmt: skip
    if (CACHE / SDIST).is_file():
        return CACHE / SDIST
    pytest.skip(f"cannot get {SDIST}: {download.stderr.strip()[-300:]}")


def run_suite(root: Path, variant: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, variant], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(markdown.__version__ != VERSION, reason=f"written for Markdown {VERSION}")
def test_python_markdowns_own_suite_passes_with_the_fast_processor(tmp_path):
    with tarfile.open(markdown_sdist()) as archive:
        members = [m for m in archive.getmembers() if m.name.split("/")[1:2] == ["tests"]]
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp_path, members=members, **safe)
    root = tmp_path / f"markdown-{VERSION}"
    stock, fast = run_suite(root, "stock"), run_suite(root, "fast")
    print(f"Python-Markdown {VERSION} suite: stock {stock}, fast {fast}")
    assert fast["run"] == stock["run"] > 1000
    assert fast["failed"] == stock["failed"] == []
    assert fast["skipped"] == stock["skipped"]


def machine_markdown() -> list[tuple[str, str]]:
    """(origin, text) of the Markdown docs and package descriptions installed here."""
    found = []
    for path in sorted(glob.glob("/usr/share/doc/**/*.md", recursive=True)):
        found.append((path, Path(path).read_text(encoding="utf-8", errors="replace")))
    folders = {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    folders.add(sysconfig.get_paths(vars={"base": sys.base_prefix})["purelib"])
    folders.update(glob.glob("/usr/lib/python3*/dist-packages"))
    metadata = sorted({m for f in folders for m in glob.glob(f"{f}/*.dist-info/METADATA")})
    for path in metadata:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        body = email.parser.Parser().parsestr(text).get_payload()
        if isinstance(body, str) and body.strip():
            found.append((path, body))
    return found[:MAX_FILES]


@pytest.mark.slow
def test_markdown_found_on_this_machine_converts_as_stock_converts_it():
    texts = machine_markdown()
    if not texts:
        pytest.skip("no Markdown files or package descriptions found on this machine")
    md = markup.new_markdown()
    differing = []
    for origin, text in texts:
        md.reset()
        if md.convert(text) != markdown.Markdown(extensions=list(markup.EXTENSIONS)).convert(text):
            differing.append(origin)
    print(f"compared {len(texts)} files from this machine, {len(differing)} differ")
    assert differing == []
