"""What the CLI prints about content: names from the content are shown, never obeyed."""

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
