"""The stage breakdown: where a one-process build's time goes, from its own BuildReport.

``PipelineRunner`` times each of its stages itself (wall and CPU, pipeline/report.py);
this maps them onto the rows of the breakdown table, which keep the names of the first
profiling report (docs/profiling-report.md) so that its rows stay comparable: the render
stage is the "markdown" row, template is "templates", write is "writing", and the cache
stage and whatever the stages do not cover are "other".
"""

from __future__ import annotations

import statistics
from typing import Any

# The rows of the stage breakdown table (stages.json's "stages"), in pipeline order.
BREAKDOWN_ROWS = ("discover", "parse", "markdown", "templates", "media", "writing", "other")
# BuildReport stage -> breakdown row. A stage not named here (a runner that grew one)
# is counted in "other", and the table says so by its name.
ROW_OF_STAGE = {
    "discover": "discover",
    "parse": "parse",
    "render": "markdown",
    "template": "templates",
    "media": "media",
    "write": "writing",
    "cache": "other",
}


def rows_of_build(figures: dict[str, Any]) -> dict[str, dict[str, float]]:
    """One worker build's wall and CPU per breakdown row; the rest of the build is "other"."""
    rows = {row: {"wall": 0.0, "cpu": 0.0, "calls": 0} for row in BREAKDOWN_ROWS}
    for stage, timing in figures["stages"].items():
        row = rows[ROW_OF_STAGE.get(stage, "other")]
        for key in ("wall", "cpu", "calls"):
            row[key] += timing[key]
    staged_wall = sum(t["wall"] for t in figures["stages"].values())
    staged_cpu = sum(t["cpu"] for t in figures["stages"].values())
    rows["other"]["wall"] += max(0.0, figures["elapsed"] - staged_wall)
    rows["other"]["cpu"] += max(0.0, figures["report_cpu"] - staged_cpu)
    return rows


def combine(builds: list[dict], null: list[dict], pages: int, seed: int) -> dict[str, Any]:
    """Median wall and CPU per row over ``builds``, shares of their sums, and I/O wait."""
    per_build = [rows_of_build(b) for b in builds]
    stages = {}
    for row in BREAKDOWN_ROWS:
        stages[row] = {
            key: statistics.median(r[row][key] for r in per_build) for key in ("wall", "cpu")
        }
        stages[row]["calls"] = max(r[row]["calls"] for r in per_build)
    total_wall = sum(s["wall"] for s in stages.values()) or 1.0
    total_cpu = sum(s["cpu"] for s in stages.values()) or 1.0
    for entry in stages.values():
        entry["io_wait"] = max(0.0, entry["wall"] - entry["cpu"])
        entry["share_wall"] = entry["wall"] / total_wall
        entry["share_cpu"] = entry["cpu"] / total_cpu
    seen = {stage for b in builds for stage in b["stages"]}
    in_other = sorted(s for s in seen if ROW_OF_STAGE.get(s, "other") == "other")
    return {
        "pages": pages,
        "seed": seed,
        "runs": len(builds),
        "pages_built": builds[0]["pages_built"],
        "files_written": builds[0]["files"],
        "bytes_written": builds[0]["bytes"],
        "total": {"wall": total_wall, "cpu": total_cpu, "io_wait": total_wall - total_cpu},
        "runs_wall": [b["wall"] for b in builds],
        "null_sink_runs_wall": [n["wall"] for n in null],
        "stages": stages,
        "stages_in_other": in_other,  # BuildReport stages counted in "other"
    }
