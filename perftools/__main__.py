"""``python -m perftools <command> ...``: one argparse subcommand per module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from perftools.common import ToolError

# command -> module; each module has add_arguments(parser) and run(args) -> exit status,
# and a docstring whose first line is "command: what it does".
COMMANDS = {
    "site": "perftools.demo_site",
    "test": "perftools.run_tests",
    "bench": "perftools.bench",
    "history": "perftools.history",
    "missing-results": "perftools.missing_results",
    "publish": "perftools.publish",
    "offline-dashboard": "perftools.offline_dashboard",
    "dashboard": "perftools.dashboard",
    "compare": "perftools.compare",
    "regressions": "perftools.regressions",
    "perf-check": "perftools.perf_check",
    "bisect": "perftools.bisect_step",
    "profile": "perftools.profiling.cli",
    "runner-goals": "perftools.runner_goals",
    "sink-goals": "perftools.sink_goals",
    "markdown-goals": "perftools.markdown_goals",
    "rebuild-goals": "perftools.rebuild_goals",
    "card-goals": "perftools.card_goals",
    "serialize-goals": "perftools.serialize_goals",
    "extras-parts": "perftools.extras_parts",
    "text-floor": "perftools.text_floor",
    "cards-build-goals": "perftools.cards_build_goals",
    "hostile-sweep": "perftools.hostile_sweep",
    "asv-setup": "perftools.asv_setup",
    "host-id": "perftools.hostid",
    "validate-stats": "perftools.validate_stats",
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m perftools", description="The tools around the benchmark suite."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or "").split("\n", 1)[0].split(": ", 1)[-1]
        command = commands.add_parser(
            name, help=summary, description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
