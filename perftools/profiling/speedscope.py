"""speedscope's file format (https://www.speedscope.app/file-format-schema.json).

Written from folded stacks (the cProfile fallback: one weighted sample per stack), and
read back for the hot-function table (py-spy writes it too).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from perftools.profiling.stacks import Folded

SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def frame_entry(frame: str) -> dict[str, Any]:
    match = re.fullmatch(r"(.*) \((.*):(\d+)\)", frame)
    if match:
        return {"name": match[1], "file": match[2], "line": int(match[3])}
    return {"name": frame}


def from_folded(stacks: Folded, name: str) -> dict[str, Any]:
    """A "sampled" profile: one sample per stack, weighted by its seconds."""
    frames: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    samples, weights = [], []
    for stack, seconds in sorted(stacks.items()):
        for frame in stack:
            if frame not in index:
                index[frame] = len(frames)
                frames.append(frame_entry(frame))
        samples.append([index[frame] for frame in stack])
        weights.append(seconds)
    profile = {"type": "sampled", "name": name, "unit": "seconds", "startValue": 0,
               "endValue": sum(weights), "samples": samples, "weights": weights}  # fmt: skip
    return {
        "$schema": SCHEMA,
        "shared": {"frames": frames},
        "profiles": [profile],
        "name": name,
        "activeProfileIndex": 0,
        "exporter": "python -m perftools profile (cProfile fallback)",
    }


def self_and_total(profile: dict[str, Any]) -> tuple[dict[int, float], dict[int, float], float]:
    """Per frame index: its own weight (top of the stack), its inclusive weight; the total."""
    own: dict[int, float] = defaultdict(float)
    inclusive: dict[int, float] = defaultdict(float)
    total = 0.0
    for entry in profile["profiles"]:
        for stack, weight in zip(entry["samples"], entry["weights"], strict=True):
            total += weight
            if stack:
                own[stack[-1]] += weight
            for i in set(stack):
                inclusive[i] += weight
    return own, inclusive, total or 1.0
