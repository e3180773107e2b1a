"""The naive social card: the baseline that pipeline.cards is measured against (issue #14).

The straightforward Pillow version, as a first try writes it: a new image per card, the
gradient drawn row by row per card, the fonts loaded per card, the title wrapped by
measuring every candidate line, PNG at Pillow's default settings. It draws the same card
as ``pipeline.cards`` with the theme's default style (the same layout, colours and
sizes), so the two can be compared pixel by pixel.

It belongs to the benchmark suite, not to ``pipeline``: asv measures it on every commit,
so it must not depend on the code under measurement. Only Pillow (>= 10.1) is needed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

SIZES = {"standard": (1200, 630), "high": (2400, 1260)}
# The theme's default style, in standard-size pixels (pipeline/theme/card.json).
STYLE = {
    "background": ["#10263d", "#0b62a4"],
    "title_color": "#ffffff",
    "text_color": "#c9dbef",
    "accent_color": "#f2b134",
    "accent_height": 12,
    "margin": 80,
    "site_title_size": 34,
    "title_size": 68,
    "text_size": 30,
    "title_lines": 3,
    "line_spacing": 1.2,
}
ELLIPSIS = "\u2026"


def render(
    site_title: str,
    title: str,
    date: dt.datetime | None,
    tags: Sequence[str],
    size: str = "standard",
    style: dict | None = None,
) -> bytes:
    """The card as PNG bytes; ``style`` takes the keys of card.json (default: STYLE)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = SIZES[size]
    scale = width / 1200
    s = STYLE if style is None else style
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = _rgb(s["background"][0]), _rgb(s["background"][-1])
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width - 1, y)], fill=colour)
    accent = round(s["accent_height"] * scale)
    if accent:
        draw.rectangle([0, height - accent, width - 1, height - 1], fill=s["accent_color"])

    margin = round(s["margin"] * scale)
    text_width = width - 2 * margin
    site_font = ImageFont.load_default(size=round(s["site_title_size"] * scale))
    title_font = ImageFont.load_default(size=round(s["title_size"] * scale))
    text_font = ImageFont.load_default(size=round(s["text_size"] * scale))

    draw.text(
        (margin, margin),
        _fit(draw, " ".join(site_title.split()), site_font, text_width),
        font=site_font,
        fill=s["text_color"],
    )
    y = margin + 2 * round(s["site_title_size"] * scale)
    step = round(s["title_size"] * scale * s["line_spacing"])
    for line in _wrap(draw, title, title_font, text_width, s["title_lines"]):
        draw.text((margin, y), line, font=title_font, fill=s["title_color"])
        y += step
    meta = "  \u00b7  ".join(
        ([date.date().isoformat()] if date else [])
        + ["#" + " ".join(t.split()) for t in tags if t.strip()]
    )
    draw.text(
        (margin, height - margin - round(s["text_size"] * scale)),
        _fit(draw, meta, text_font, text_width),
        font=text_font,
        fill=s["text_color"],
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _wrap(draw, text: str, font, width: int, lines: int) -> list[str]:
    """Greedy word wrap; a word wider than a line is cut; an ellipsis ends a cut title."""
    words = text.split()
    out: list[str] = []
    line = ""
    while words:
        word = words[0]
        candidate = f"{line} {word}" if line else word
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            words.pop(0)
            continue
        if not line:  # one word wider than the line: cut it
            cut = len(word)
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            line, words[0] = word[:cut], word[cut:]
        out.append(line)
        line = ""
        if len(out) == lines:
            break
    if line and len(out) < lines:
        out.append(line)
    if words:  # more text than lines: shorten the last line to end with an ellipsis
        out[-1] = _fit(draw, out[-1] + " " + " ".join(words), font, width)
    return out


def _fit(draw, text: str, font, width: int) -> str:
    """``text``, or its longest prefix that fits with an ellipsis after it."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text.rstrip() + ELLIPSIS, font=font) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
