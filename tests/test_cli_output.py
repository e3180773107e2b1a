"""Names from the content as the build shows them: printed as escapes, encoded in URLs."""

import os
import subprocess
import sys

from tests.helpers import REPO, unstamp, write


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


def test_content_the_site_does_not_have_is_named_by_every_build(tmp_path):
    content = tmp_path / "c"
    for relpath in ("a.md", ".h.md", "_drafts/d.md", ".git/x.md", "sub/_x/x.md", "sub/b.md"):
        write(content, relpath, "# Page\n")
    write(content, "_templates/README.txt", "Templates")  # read by the build: not left out
    os.symlink(content / "sub", content / "_linked")
    write(content, "links.md", "![used](img/used.png) [gone](img/gone.png) [b](sub/b.html)\n")
    for relpath in ("img/used.png", "img/unused.png", "CNAME", ".env"):
        write(content, relpath, "data")
    argv = [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(tmp_path / "s")]
    printed = []
    for build in range(3):  # the second stops at the build stamp; the third, without it,
        if build == 2:  # takes its pages from the build cache: each must say the same
            unstamp(tmp_path / ".pipeline-cache" / "s")
        printed.append(subprocess.run(argv, cwd=REPO, capture_output=True, text=True).stdout)
    assert "3 from the cache" in printed[1] and "3 from the cache" in printed[2]
    for out in printed:
        assert "5 left out, named with a leading '.' or '_': " in out
        assert ".git/, .h.md, _drafts/, _linked/, sub/_x/" in out
        assert "_templates" not in out
        unused = "3 content files not published, as no built page refers to them: "
        assert unused + ".env, CNAME, img/unused.png\n" in out
        assert "1 references that do not resolve:\n  links.md: img/gone.png" in out  # as before
