"""A self-contained flame graph SVG from folded stacks (the cProfile fallback's drawing).

Root on top, as py-spy draws it: one <rect> per frame, its full name and time in a
<title> tooltip; no scripts.
"""

from __future__ import annotations

import html
import zlib

from perftools.profiling.stacks import Folded

WIDTH, ROW, PAD = 1200, 17, 10
Node = dict  # {"value": seconds, "children": {frame: Node}}


def tree_of(stacks: Folded) -> Node:
    tree: Node = {"value": 0.0, "children": {}}
    for stack, value in stacks.items():
        node = tree
        node["value"] += value
        for frame in stack:
            node = node["children"].setdefault(frame, {"value": 0.0, "children": {}})
            node["value"] += value
    return tree


def wrap(text: str, columns: int) -> list[str]:
    lines = [""]
    for word in text.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > columns:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    return lines


def color(name: str) -> str:
    """Pipeline frames orange, Markdown yellow, Jinja2 green, the rest warm grey-red."""
    hue = zlib.crc32(name.encode()) % 20
    if "pipeline/" in name:
        return f"hsl({20 + hue}, 90%, 60%)"
    if "markdown/" in name:
        return f"hsl({45 + hue}, 85%, 62%)"
    if "jinja2/" in name or "<template>" in name or "templates/" in name:
        return f"hsl({100 + hue}, 45%, 60%)"
    return f"hsl({hue}, 55%, 72%)"


def frame_rect(name: str, value: float, total: float, x: float, y: int, w: float) -> str:
    tip = f"{name} ({value:.3f} s, {100 * value / total:.1f}%)"
    chars = int((w - 6) / 7)
    text = name if len(name) <= chars else name[: max(0, chars - 2)] + ".."
    label = f'<text x="{x + 3:.1f}" y="{y + 12}">{html.escape(text)}</text>' if chars > 2 else ""
    return (
        f'<g><title>{html.escape(tip)}</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" '
        f'height="{ROW - 1}" fill="{color(name)}" rx="2"/>{label}</g>'
    )


def frame_rects(tree: Node, top: int) -> tuple[list[str], int]:
    """Every frame wide enough to see, depth first; and the deepest depth drawn."""
    total = tree["value"] or 1.0
    scale = (WIDTH - 2 * PAD) / total
    rects: list[str] = []
    deepest = 0
    pending = [(f"all ({total:.2f} s)", tree, float(PAD), 0)]
    while pending:
        name, node, x, depth = pending.pop()
        w = node["value"] * scale
        if w < 0.5:
            continue
        deepest = max(deepest, depth)
        rects.append(frame_rect(name, node["value"], total, x, top + depth * ROW, w))
        children = []
        for child_name, child in sorted(node["children"].items()):
            children.append((child_name, child, x, depth + 1))
            x += child["value"] * scale
        pending.extend(reversed(children))
    return rects, deepest


def flame_svg(stacks: Folded, title: str, note: str) -> str:
    notes = wrap(f"{note}; hover a frame for its time", 160)
    top = 56 + 14 * len(notes)
    rects, deepest = frame_rects(tree_of(stacks), top)
    height = top + (deepest + 1) * ROW + PAD
    return "\n".join(
        [
            '<?xml version="1.0" standalone="no"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="monospace" font-size="12">',
            f'<rect width="{WIDTH}" height="{height}" fill="#fdfdf8"/>',
            f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="16">'
            f"{html.escape(title)}</text>",
            *(
                f'<text x="{PAD}" y="{40 + 14 * i}" fill="#555">{html.escape(line)}</text>'
                for i, line in enumerate(notes)
            ),
            *rects,
            "</svg>",
            "",
        ]
    )
