"""The asv suite: it is valid, every benchmark runs, old commits import it, the dashboard draws.

These run asv on the current Python (``--python=same``) with a scratch config, so
nothing is written to results/ or html/. Every asv run is marked slow.
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import tomllib
from io import BytesIO
from pathlib import Path

import pytest
from asv.util import load_json

from benchmarks import common
from perftools import asv_setup, offline_dashboard
from perftools.missing_results import commits_without_results
from tests.helpers import REPO

ASV = [sys.executable, "-m", "asv"]
MACHINE = "reference"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def asv_home(tmp_path_factory) -> Path:
    """A HOME holding the reference machine's description, as the Makefile writes it."""
    return asv_setup.machine_home(tmp_path_factory.mktemp("home"), MACHINE)


def scratch_config(tmp_path: Path, **changes: str) -> Path:
    return asv_setup.write_config(
        tmp_path / "asv.conf.json", env=tmp_path / "env", results=tmp_path / "results",
        html=tmp_path / "html", **changes,
    )  # fmt: skip


def test_asv_environments_get_every_runtime_dependency():
    """asv installs each commit with --no-deps: a dependency neither in the matrix nor in
    an install command leaves new commits' benchmarks failing to import (isal once did)."""
    config = load_json(str(REPO / "asv.conf.json"), js_comments=True)
    pinned = {name.lower() for name in config["matrix"]["req"]}
    for command in config["install_command"]:
        pinned |= {word.split("==")[0].lower() for word in command.split() if "==" in word}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = {
        re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]
    }
    assert needed <= pinned, f"not installed by asv: {sorted(needed - pinned)}"


def asv_env(home: Path, pythonpath: str) -> dict[str, str]:
    return {**os.environ, "HOME": str(home), "ASV_PYTHONPATH": pythonpath}


def run_asv(home: Path, *args: str, pythonpath: str = str(REPO)) -> subprocess.CompletedProcess:
    env = asv_env(home, pythonpath)
    return subprocess.run([*ASV, *args], cwd=REPO, env=env, capture_output=True, text=True)


# The tests below that run the whole suite once, each in one asv process, and what each
# puts first on the path: the working tree, or the oldest installable commit's pipeline/.
QUICK_RUNS = {
    "test_every_benchmark_runs_once_against_the_working_tree": "working tree",
    "test_suite_runs_against_the_oldest_installable_commit": "oldest",
}


def oldest_installable() -> str:
    return git("log", "--reverse", "--format=%H", "--", "pyproject.toml").split()[0]


@pytest.fixture(scope="module")
def quick_runs(request, tmp_path_factory):
    """The quick runs of the tests selected, started together: each runs the benchmarks
    one after another in one process (most of its time in valgrind, on one core), so on
    a machine with two cores both take about as long as the longer one alone (CI: 364 s
    of the slow tests, one after the other). By test name: the run, and its folder, which
    holds its output. Each has a HOME of its own (``asv_setup.machine_home``)."""
    selected = {item.name for item in request.session.items} & set(QUICK_RUNS)
    runs = {}
    for name in sorted(selected):
        folder = tmp_path_factory.mktemp(name)
        home = asv_setup.machine_home(folder / "home", MACHINE)
        path = str(REPO)
        if QUICK_RUNS[name] == "oldest":
            archive = subprocess.run(
                ["git", "archive", "--format=tar", oldest_installable(), "pipeline"],
                cwd=REPO, check=True, capture_output=True,
            ).stdout  # fmt: skip
            with tarfile.open(fileobj=BytesIO(archive)) as tar:
                tar.extractall(folder / "old", filter="data")
            # The old pipeline/ comes first on the path, the working tree's benchmarks/ after it.
            path = f"{folder / 'old'}:{REPO}"
        # Into files, not pipes: a run whose pipe filled would wait for the other's test.
        with open(folder / "out", "w") as out, open(folder / "err", "w") as err:
            runs[name] = subprocess.Popen(
                [*ASV, "--config", str(scratch_config(folder)), "run", "--machine", MACHINE,
                 "--quick", "--python=same", "--dry-run", "--show-stderr"],
                cwd=REPO, env=asv_env(home, path), stdout=out, stderr=err,
            ), folder  # fmt: skip
    yield runs
    for run, _ in runs.values():
        run.kill()
        run.wait()


def quick_run(runs, name: str) -> tuple[str, Path]:
    """The output of test ``name``'s quick run once it has ended well, and its folder."""
    run, folder = runs[name]
    code = run.wait()
    out, err = (folder / "out").read_text(), (folder / "err").read_text()
    assert code == 0, out + err
    return out, folder


@pytest.mark.slow
def test_asv_check_passes(asv_home, tmp_path):
    run = run_asv(asv_home, "--config", str(scratch_config(tmp_path)), "check", "--python=same")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No problems found" in run.stdout


@pytest.mark.slow
def test_every_benchmark_runs_once_against_the_working_tree(quick_runs):
    out, folder = quick_run(quick_runs, "test_every_benchmark_runs_once_against_the_working_tree")
    assert "failed" not in out, out
    assert "n/a" not in out, out  # n/a: skipped by a probe, which the working tree must not be
    names = set(re.findall(r"(?:time|peakmem|track)_\w+", out))
    assert {"time_build", "time_markdown_page", "time_write_fresh"} <= names
    results = folder / "results"
    assert not results.exists() or not list(results.rglob("*-*.json"))


@pytest.mark.slow
def test_suite_runs_against_the_oldest_installable_commit(quick_runs):
    out, _ = quick_run(quick_runs, "test_suite_runs_against_the_oldest_installable_commit")
    assert "failed" not in out, out
    assert "time_write_fresh" in out  # the sink existed then, so its benchmarks ran


def test_every_commit_that_changed_pipeline_has_committed_results():
    changed = git("log", "--format=%H", "HEAD", "--", "pipeline").split()
    assert changed, "no history to check"
    # A commit's results can only be made once it exists, so they land in a later commit:
    # the newest commit that changed pipeline/ may still be waiting for them (on main, and
    # on every branch that left main there).
    missing = [c for c in commits_without_results("HEAD", MACHINE) if c != changed[0]]
    assert missing == [], "make history, then commit results/"


@pytest.mark.slow
def test_dashboard_draws_a_graph_offline_without_script_errors(asv_home, tmp_path):
    chromium = shutil.which("chromium")
    npm = shutil.which("npm")
    if chromium is None or npm is None:
        pytest.skip("needs chromium and npm (make test installs chromium)")
    config = scratch_config(tmp_path, results_dir=str(REPO / "results"))
    run = run_asv(asv_home, "--config", str(config), "publish")
    assert run.returncode == 0, run.stdout + run.stderr
    offline_dashboard.install_npm_packages()  # what make publish installs, where it does
    html = tmp_path / "html"
    assert offline_dashboard.make_offline(html) == 0
    assert "https://" not in (html / "index.html").read_text().split("<body")[0]

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/#bench_pipeline.Build.time_build"
        page = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}", "--enable-logging=stderr", "--v=0",
             # Any request off this machine fails at once, so a CDN script would show.
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        server.shutdown()
    console = [line for line in page.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    assert 'class="flot-base"' in page.stdout, page.stdout[-2000:]
    assert "bench_pipeline.Build.time_build" in page.stdout


def test_child_processes_may_cache_bytecode_as_a_users_cli_does(monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = common.child_env(PYTHONHASHSEED="0")
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPATH"] == common.import_path() and env["PYTHONHASHSEED"] == "0"
