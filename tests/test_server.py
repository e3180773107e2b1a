"""The build server (pipeline/server.py): a build it runs is the CLI's build, with the
caller's arguments, folder, streams and exit status; other code than its own is never run."""

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline import server
from tests.helpers import REPO, tree, write

pytestmark = pytest.mark.slow


@pytest.fixture
def running(tmp_path, monkeypatch):
    folder = tmp_path / "server"
    monkeypatch.setenv("PIPELINE_SERVER_DIR", str(folder))
    started = cli("server", "start", "--idle", "2")
    assert started.returncode == 0, started.stderr
    yield folder
    cli("server", "stop", env={**os.environ, "PIPELINE_SERVER_DIR": str(folder)})


def cli(*args, cwd=REPO, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=timeout)  # fmt: skip


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "c"
    write(folder, "a.md", "---\ntitle: A\ntags: [x]\n---\n# A\n\n![pic](pic.png)\n")
    write(folder, "pic.png", b"\x89PNG not really")
    write(folder, "bad.md", "---\ntitle: [unclosed\n---\nbody\n")
    return folder


def test_a_build_through_the_server_is_the_cli_build(running, content, tmp_path, monkeypatch):
    served = subprocess.run(  # the caller's umask, not the server's
        f"umask 077 && {sys.executable} -m pipeline build {content} --out {tmp_path / 'a'} "
        "--cards off", shell=True, capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert (tmp_path / "a/a.html").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PIPELINE_SERVER_DIR", str(tmp_path / "none"))
    alone = cli("build", str(content), "--out", str(tmp_path / "b"), "--cards", "off")
    assert served.returncode == alone.returncode == 1  # bad.md fails in both
    assert "bad.md" in served.stdout and served.stdout.count("\n") == alone.stdout.count("\n")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert (tmp_path / "b/a.html").stat().st_mode & 0o044  # cli() kept this process's umask


def delegated(*args, cwd):
    """``server.delegate(args)`` in a process started as the CLI's: None when no server
    took the build."""
    code = f"import sys; from pipeline import server; print(server.delegate({list(args)!r}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, timeout=120)  # fmt: skip
    *output, status = done.stdout.rstrip("\n").split("\n")
    return (None if status == "None" else int(status)), "\n".join(output), done.stderr


def test_the_server_really_builds_and_passes_on_exit_status_and_streams(running, content, tmp_path):
    code, out, _ = delegated("build", "c", "--out", "site", "--cards", "off", cwd=tmp_path)
    assert code == 1 and "built 1 pages" in out and "bad.md" in out  # relative to the caller
    assert (tmp_path / "site/a.html").is_file()
    code, _, err = delegated("build", "c", cwd=tmp_path)
    assert code == 2 and "--out" in err  # argparse: --out is required
    assert delegated("server", "status", cwd=tmp_path)[0] is None  # only builds go to it


def test_other_code_builds_by_itself_and_the_server_stays(running, content, tmp_path, monkeypatch):
    monkeypatch.setattr(server, "identity", lambda: "another installation")
    assert server.delegate(["build", str(content), "--out", str(tmp_path / "s")]) is None
    assert "running" in cli("server", "status").stdout


def test_no_server_costs_nothing_and_a_folder_others_may_enter_is_not_trusted(
    tmp_path, monkeypatch, content
):
    monkeypatch.setenv("PIPELINE_SERVER_DIR", str(tmp_path / "absent"))
    assert server.delegate(["build", str(content), "--out", str(tmp_path / "s")]) is None
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("PIPELINE_SERVER_DIR", str(shared))
    assert cli("server", "start").returncode == 1
    assert server.delegate(["build", str(content), "--out", str(tmp_path / "s")]) is None


def test_ctrl_c_stops_the_build_the_server_runs(running, tmp_path):
    from benchmarks.corpus import generate

    generate(tmp_path / "c", pages=600, seed=3)
    # A page that takes seconds (a list nested 2,000 deep): 600 pages alone took under the
    # 2 s below once Markdown got faster, and the build ended before the signal came.
    deep = "".join("  " * level + "- x\n" for level in range(2000))
    (tmp_path / "c" / "deep.md").write_text(deep)
    command = [sys.executable, "-m", "pipeline", "build", str(tmp_path / "c"),
               "--out", str(tmp_path / "s"), "-j1"]  # fmt: skip
    caller = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    caller.send_signal(signal.SIGINT)
    assert caller.wait(timeout=60) == 130
    assert "running" in cli("server", "status").stdout


def test_stop(running):
    assert "stopped" in cli("server", "stop").stdout
    assert cli("server", "status").returncode == 1


def test_a_malformed_request_does_not_end_the_server(running):
    import socket

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(str(running / "socket"))
    conn.sendall(b"%08x" % 2 + b"i\x01")  # marshal data cut short: EOFError
    conn.close()
    assert "running" in cli("server", "status").stdout


def test_a_server_started_in_a_source_folder_serves_the_builds_started_there(
    tmp_path, monkeypatch, content
):
    # A checkout's own ``pipeline`` shadows the installed one for a build started in it;
    # the server it starts must run the same code, or it would never take those builds.
    import shutil

    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "pipeline", checkout / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    folder = tmp_path / "server-of-checkout"
    monkeypatch.setenv("PIPELINE_SERVER_DIR", str(folder))
    assert cli("server", "start", "--idle", "2", cwd=checkout).returncode == 0
    try:
        code, out, _ = delegated("build", str(content), "--out", "site", "--cards", "off",
                                 cwd=checkout)  # fmt: skip
        assert code == 1 and "built 1 pages" in out
        assert os.readlink(f"/proc/{_server_pid(folder)}/cwd") == "/"  # it holds no folder
    finally:
        cli("server", "stop", cwd=checkout)


def _server_pid(folder):
    reply = cli("server", "status").stdout
    return int(reply.split("(pid ")[1].split(")")[0])
