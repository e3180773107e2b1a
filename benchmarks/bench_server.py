"""The build server (issue #16): the CLI's rebuilds when ``python -m pipeline server start``
runs, beside ``bench_pipeline.RebuildCli``, the same rebuilds without one.

Commits before the server report n/a (``setup`` probes for ``pipeline.server``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import common
from benchmarks.bench_pipeline import RebuildCli, cli_build


class RebuildCliServer:
    """RebuildCli's rebuilds (1000 pages, nothing changed or one page's body edited)
    with a build server running: each is still a new ``python -m pipeline`` process, whose
    build runs in a fork of the server's warm process (goal for the edit: 0.2 s)."""

    params = [["none", "one_page"]]
    param_names = ["change"]
    timeout = 300
    number = 1
    rounds = 1
    repeat = (7, 7, 20.0)
    warmup_time = 0

    def setup_cache(self):
        return RebuildCli.setup_cache(self, "rebuild-cli-server")

    def setup(self, data, change):
        common.require("pipeline.server", "delegate")
        RebuildCli.setup(self, data, change)
        self.folder = tempfile.mkdtemp(prefix="pipeline-bench-server-")
        self.env = common.child_env(PIPELINE_SERVER_DIR=os.path.join(self.folder, "server"))
        self._server("start", "--idle", "10")

    def time_rebuild(self, data, change):
        """Wall time from the caller's start to its exit."""
        if change == "one_page":  # alternate between two versions of one page's body
            self.count += 1
            Path(data["page"]).write_bytes(self.versions[self.count % 2])
        cli_build(data["content"], data["site"], env=self.env)

    def teardown(self, data, change):
        if data and hasattr(self, "env"):
            self._server("stop")
            shutil.rmtree(self.folder, ignore_errors=True)
            RebuildCli.teardown(self, data, change)

    def _server(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "pipeline", "server", *args],
                       check=True, capture_output=True, env=self.env, timeout=120)  # fmt: skip
