"""Names from the content as the build shows them: printed as escapes, encoded in URLs."""

import os
import subprocess
import sys

from tests.helpers import REPO, write


def test_control_characters_in_a_file_name_are_printed_as_escapes(tmp_path):
    content = tmp_path / "c"
    write(content, "good.md", "# Good\n")
    name = "x\x1b[2J\rbuilt 9 pages OK\u202e.md"
    write(content, name, "---\ntitle: [unclosed\n---\n")
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(tmp_path / "s")],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    printed = done.stdout + done.stderr
    assert "x\\x1b[2J\\rbuilt 9 pages OK\\u202e.md" in printed
    assert not any(c in printed for c in "\x1b\r\u202e")


def test_a_hash_in_a_file_name_is_encoded_in_every_url(tmp_path):
    import json

    from pipeline.runner import PipelineRunner
    from pipeline.sink import DirectSink

    content, site = tmp_path / "c", tmp_path / "s"
    write(content, "c#.md", "---\ntitle: C sharp\ntags: [lang]\n---\n# Intro\n\ntext\n")
    report = PipelineRunner(content, DirectSink(site), sidecars=True, search=True).run()
    assert report.ok
    assert 'href="../c%23.html"' in (site / "tags/lang.html").read_text()
    assert "c%23.html" in (site / "sitemap.xml").read_text()
    assert json.loads((site / "c#.json").read_text())["url"].endswith("/c%23.html")
    index = json.loads((site / "search/search_index.json").read_text())
    assert {d["location"] for d in index["docs"]} == {"c%23.html", "c%23.html#intro"}


def test_pages_and_folders_left_out_for_their_names_are_listed_every_build(tmp_path):
    content = tmp_path / "c"
    for relpath in ("a.md", ".h.md", "_drafts/d.md", ".git/x.md", "sub/_x/x.md", "sub/b.md"):
        write(content, relpath, "# Page\n")
    write(content, "_templates/README.txt", "Templates")  # read by the build: not left out
    os.symlink(content / "sub", content / "_linked")
    argv = [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(tmp_path / "s")]
    printed = [
        subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=True).stdout
        for _ in range(2)  # the second stops at the build stamp: it must say the same
    ]
    assert "2 from the cache" in printed[1]
    for out in printed:
        assert "5 left out, named with a leading '.' or '_': " in out
        assert ".git/, .h.md, _drafts/, _linked/, sub/_x/" in out
        assert "_templates" not in out
