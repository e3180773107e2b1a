"""asv-setup: write asv's scratch config or machine file; and run asv the one way we do.

- A scratch config: ``asv.conf.json`` with its environments, results and dashboard moved
  to other folders. Exploratory runs (continuous, find, quick, the gate) overwrite saved
  results, so they must never write into ``results/``.
- The machine file: asv reads the machine's description from ``$HOME/.asv-machine.json``;
  the reference machine's is committed in ``results/<machine>/machine.json``. asv gets a
  HOME of its own (``.asv/home``), so the user's own machine file is never read or changed;
  asv processes that run at the same time get one each (``machine_home``).

Command line::

    python -m perftools asv-setup config OUT --env DIR --results DIR --html DIR
    python -m perftools asv-setup machine OUT [--machine reference]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from perftools.common import ASV_DIR, REPO, ToolError

ASV_HOME = ASV_DIR / "home"
MACHINE_FILE = ".asv-machine.json"  # in $HOME, where asv reads it
SCRATCH_CONFIG = ASV_DIR / "scratch.conf.json"


def write_config(
    path: Path, *, env: Path, results: Path, html: Path, repo: Path = REPO, **changes: Any
) -> Path:
    """Write ``repo``'s asv.conf.json to ``path``, pointed at these folders."""
    from asv.util import load_json

    config = load_json(str(repo / "asv.conf.json"), js_comments=True)
    config.update(
        repo=str(repo),
        benchmark_dir=str(repo / "benchmarks"),
        env_dir=str(env),
        results_dir=str(results),
        html_dir=str(html),
    )
    config.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=4))
    return path


def write_machine(path: Path, machine: str = "reference", repo: Path = REPO) -> Path:
    """Write asv's machine file at ``path`` from the committed description of ``machine``."""
    source = repo / "results" / machine / "machine.json"
    if not source.is_file():
        raise ToolError(f"no machine description {source}")
    description = json.loads(source.read_text())
    description.pop("version", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({machine: description, "version": 1}, indent=4))
    return path


def machine_home(home: Path, machine: str = "reference", repo: Path = REPO) -> Path:
    """``home`` with ``machine``'s file in it, for asv's HOME. asv rewrites that file as it
    starts: an asv process started beside another needs a home of its own, or one of them
    may read the file while the other has it truncated (perf-check's sides did)."""
    write_machine(home / MACHINE_FILE, machine, repo)
    return home


def scratch_config(repo: Path = REPO) -> Path:
    """``.asv/scratch.conf.json``: results in ``.asv/scratch-results``, never ``results/``.

    asv runs from its config's folder and installs the build backend (flit_core) named by
    the pyproject.toml it finds there: without one beside the scratch config, its
    environments cannot install any commit.
    """
    folder = repo / ".asv"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "pyproject.toml"
    if not link.exists():
        link.unlink(missing_ok=True)  # a dangling link
        link.symlink_to(Path("..") / "pyproject.toml")
    return write_config(
        folder / "scratch.conf.json", env=folder / "env", results=folder / "scratch-results",
        html=folder / "scratch-html", repo=repo,
    )  # fmt: skip


def run_asv(*args: str, machine: str = "reference", check: bool = True) -> int:
    """``asv args`` from the repository root, with its HOME holding ``machine``'s file."""
    machine_home(ASV_HOME, machine)
    command = [sys.executable, "-m", "asv", *args]
    print("$ asv " + " ".join(args), flush=True)
    status = subprocess.run(command, cwd=REPO, env={**os.environ, "HOME": str(ASV_HOME)})
    if check and status.returncode != 0:
        raise ToolError(f"asv {args[0] if args else ''} exited {status.returncode}")
    return status.returncode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    files = parser.add_subparsers(dest="file", required=True)
    config = files.add_parser("config", help="write a scratch asv config")
    config.add_argument("out", type=Path)
    for folder in ("env", "results", "html"):
        config.add_argument(f"--{folder}", type=Path, required=True)
    machine = files.add_parser("machine", help="write asv's machine file")
    machine.add_argument("out", type=Path)
    machine.add_argument("--machine", default="reference")


def run(args: argparse.Namespace) -> int:
    if args.file == "config":
        write_config(args.out, env=args.env.resolve(), results=args.results.resolve(),
                     html=args.html.resolve())  # fmt: skip
    else:
        write_machine(args.out, args.machine)
    return 0
