"""The two files every asv run here needs, written in one place for make, perf_check.py
and the tests.

- A scratch config: ``asv.conf.json`` with its environments, results and dashboard moved
  to other folders. Exploratory runs (continuous, find, quick, the gate) overwrite saved
  results, so they must never write into ``results/``.
- The machine file: asv reads the machine's description from ``$HOME/.asv-machine.json``;
  the reference machine's is committed in ``results/<machine>/machine.json``.

Command line (the Makefile's rules)::

    python benchmarks/tools/asv_setup.py config OUT --env DIR --results DIR --html DIR
    python benchmarks/tools/asv_setup.py machine OUT [--machine reference]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


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
        raise FileNotFoundError(f"no machine description {source}")
    description = json.loads(source.read_text())
    description.pop("version", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({machine: description, "version": 1}, indent=4))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    config = commands.add_parser("config", help="write a scratch asv config")
    config.add_argument("out", type=Path)
    for folder in ("env", "results", "html"):
        config.add_argument(f"--{folder}", type=Path, required=True)
    machine = commands.add_parser("machine", help="write asv's machine file")
    machine.add_argument("out", type=Path)
    machine.add_argument("--machine", default="reference")
    args = parser.parse_args()
    if args.command == "config":
        write_config(args.out, env=args.env.resolve(), results=args.results.resolve(),
                     html=args.html.resolve())  # fmt: skip
    else:
        write_machine(args.out, args.machine)


if __name__ == "__main__":
    main()
