import json
import os
import subprocess
import sys

import pytest

from benchmarks.corpus import generate
from pipeline.cli import main
from tests.helpers import REPO, write


def test_build_exits_0_with_a_summary(tmp_path, capsys):
    generate(tmp_path / "c", pages=12, seed=3)
    assert main(["build", str(tmp_path / "c"), "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "pages into" in out and "pages/s" in out and "files," in out
    assert (tmp_path / "s/index.html").is_file()


def test_build_exits_1_and_names_each_failed_page(tmp_path, capsys):
    write(tmp_path / "c", "ok.md", "fine\n")
    for i in range(12):
        write(tmp_path / "c", f"bad{i:02}.md", b"")
    assert main(["build", str(tmp_path / "c"), "--out", str(tmp_path / "s")]) == 1
    out = capsys.readouterr().out
    assert "12 pages failed:" in out
    assert "bad00.md: empty file" in out
    assert "and 2 more (--verbose lists them all)" in out
    assert main(["build", str(tmp_path / "c"), "--out", str(tmp_path / "s"), "-v"]) == 1
    assert "bad11.md: empty file" in capsys.readouterr().out


def test_build_exits_1_when_the_output_folder_cannot_be_made(tmp_path, capsys):
    write(tmp_path / "c", "ok.md", "fine\n")
    write(tmp_path, "blocker", b"a file")
    assert main(["build", str(tmp_path / "c"), "--out", str(tmp_path / "blocker/site")]) == 1
    assert "blocker/site: cannot create output folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["build"],
        ["build", "missing-folder", "--out", "s"],
        ["corpus", "x", "--pages", "10"],  # moved to python -m benchmarks.corpus
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_python_dash_m_entry_point(tmp_path):
    write(tmp_path / "c", "ok.md", "fine\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "build",
            str(tmp_path / "c"),
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "built 1 pages" in run.stdout


def test_python_dash_m_exits_with_the_build_status_and_everything_written(tmp_path):
    # It exits without the interpreter's teardown: its streams and files must be complete.
    write(tmp_path / "c", "ok.md", "fine\n")
    write(tmp_path / "c", "bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    report = tmp_path / "report.json"
    argv = ["build", str(tmp_path / "c"), "--out", str(tmp_path / "s"), "--report", str(report)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as most run it
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", *argv], capture_output=True, text=True, cwd=REPO, env=env
    )
    assert run.returncode == 1, run.stderr
    assert "built 1 pages" in run.stdout and "bad.md: line 3" in run.stdout
    assert json.loads(report.read_text())["pages_built"] == 1
    assert (tmp_path / "s" / "ok.html").read_text().rstrip().endswith("</html>")


def test_every_sink_builds_the_same_site(tmp_path, capsys):
    generate(tmp_path / "c", pages=30, seed=5)
    sites = {}
    for sink in ("direct", "batch"):
        out = tmp_path / sink
        argv = ["build", str(tmp_path / "c"), "--out", str(out), "--sink", sink, "--no-cache"]
        assert main(argv) == 0
        sites[sink] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sites["direct"] == sites["batch"]
    assert len(sites["direct"]) > 30


def test_unknown_sink_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["build", str(tmp_path), "--out", str(tmp_path / "s"), "--sink", "teleport"])
    assert caught.value.code == 2


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    generate(tmp_path / "c", pages=5, seed=3)
    for name in ("ok.md", "bad1.md", "bad2.md"):  # more lines to print than the reader takes
        write(tmp_path / "c", name, "fine\n" if name == "ok.md" else b"")
    env = {**os.environ, "PIPELINE_SERVER_DIR": str(tmp_path / "no-server")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", str(tmp_path / "c"), "--out",
         str(tmp_path / "s")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    process.stdout.close()  # the reader is gone before the summary is printed
    err = process.stderr.read().decode()
    assert process.wait() == 120
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert (tmp_path / "s/index.html").is_file()  # the build itself was done
