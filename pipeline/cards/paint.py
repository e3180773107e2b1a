"""Text painted onto bands of rows of a card's background, as ImageDraw.text paints it.

Blending a colour through a glyph's coverage costs Pillow about 10 ns a pixel, 25 us a
68 px glyph: a third of a card. But where the background's rows are each of one colour
(a vertical gradient, a full-width bar), a glyph blended at row y looks the same at any
x. So each (glyph, colour, row) is blended once into a small RGB "sprite" and then
copied, which costs a few microseconds. Where glyph boxes overlap (",", "j", "x" reach
left of their pen position) the glyphs' coverages are merged by maximum and blended
together, as FreeType merges a line before ImageDraw blends it, so the pixels are
exactly those of ``ImageDraw.text``.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from PIL import Image, ImageChops

from pipeline.cards.glyphs import Face, Glyph

_SPRITES_KEPT = 1024  # about 400 make every card of a site; high-size sprites are ~25 KB


class Line(Struct):
    """One line of a card's text, laid out."""

    face: Face
    colour: tuple[int, int, int]
    x: int
    y: int
    text: str


# One inked glyph placed on the card: (left, top, glyph, character).
Placed = tuple[int, int, Glyph, str]
# A glyph blended over background rows: its pixels (Pillow's core image) and size.
Sprite = tuple[Any, tuple[int, int]]


class Painter:
    """Paints lines of text over one background, band by band."""

    def __init__(self, background: Image.Image) -> None:
        self.background = background
        self.width, self.height = background.size
        self._uniform: list[bool] | None = None  # found on the first sprite asked for
        self._sprites: dict[tuple, Sprite | None] = {}

    def band(self, top: int, bottom: int, lines: list[Line], sprites: bool = True) -> Image.Image:
        """Rows ``top`` to ``bottom`` of the background with ``lines`` painted over them.

        ``sprites``: reuse blended glyphs (worth it when many cards share the background).
        """
        band = self.background.crop((0, top, self.width, bottom))
        # Pillow's core paste, as Image.paste calls it once its checks pass (same modes,
        # a 4-tuple box): those checks were a quarter of a standard card's time.
        pixels = band.im
        # Sprites carry background pixels: they may not cover another line's ink.
        copy_sprites = sprites and len(lines) == 1
        for line in lines:
            for run in _runs(line):
                if copy_sprites and len(run) == 1:
                    x, y, glyph, char = run[0]
                    sprite = self._sprite(line, char, glyph, y)
                    if sprite is not None:
                        core, (width, height) = sprite
                        pixels.paste(core, (x, y - top, x + width, y - top + height))
                        continue
                _blend(band, top, line.colour, run)
        return band

    def _sprite(self, line: Line, char: str, glyph: Glyph, y: int) -> Sprite | None:
        """``glyph`` blended over the background rows from ``y``; None where they vary."""
        key = (line.face.size, char, line.colour, y)
        try:
            return self._sprites[key]
        except KeyError:
            pass
        assert glyph.mask is not None
        width, height = glyph.mask.size
        if self._uniform is None:
            self._uniform = _uniform_rows(self.background)
        sprite = None
        if 0 <= y and y + height <= self.height and all(self._uniform[y : y + height]):
            image = self.background.crop((0, y, width, y + height))
            image.paste(line.colour, (0, 0), glyph.mask)
            sprite = (image.im, image.size)
        if len(self._sprites) >= _SPRITES_KEPT:
            self._sprites.clear()
        self._sprites[key] = sprite
        return sprite


def _runs(line: Line) -> list[list[Placed]]:
    """The inked glyphs of ``line``, grouped where their boxes overlap."""
    runs: list[list[Placed]] = []
    right = None
    pen = float(line.x)
    for char, glyph in zip(line.text, map(line.face.glyph, line.text), strict=True):
        if glyph.mask is not None:
            x = int(pen + 0.5) + glyph.left
            placed = (x, line.y + glyph.top, glyph, char)
            if right is not None and x < right:
                runs[-1].append(placed)
            else:
                runs.append([placed])
            right = max(right or x, x + glyph.mask.size[0])
        pen += glyph.advance
    return runs


def _blend(band: Image.Image, top: int, colour: tuple[int, int, int], run: list[Placed]) -> None:
    """Blend ``colour`` through the run's glyphs, their coverages merged by maximum."""
    if len(run) == 1:
        x, y, glyph, _ = run[0]
        width, height = glyph.mask.size
        band.im.paste(colour, (x, y - top, x + width, y - top + height), glyph.mask.im)
        return
    left = min(x for x, _, _, _ in run)
    upper = min(y for _, y, _, _ in run)
    right = max(x + g.mask.size[0] for x, _, g, _ in run)
    lower = max(y + g.mask.size[1] for _, y, g, _ in run)
    coverage = Image.new("L", (right - left, lower - upper))
    for x, y, glyph, _ in run:
        box = (x - left, y - upper, x - left + glyph.mask.size[0], y - upper + glyph.mask.size[1])
        coverage.paste(ImageChops.lighter(coverage.crop(box), glyph.mask), box)
    band.paste(colour, (left, upper - top), coverage)


def _uniform_rows(image: Image.Image) -> list[bool]:
    """For each row of an RGB image: is it one colour from edge to edge?"""
    width, height = image.size
    steps = ImageChops.difference(
        image.crop((1, 0, width, height)), image.crop((0, 0, width - 1, height))
    )
    differs = [channel.getprojection()[1] for channel in steps.split()]
    return [not any(row) for row in zip(*differs, strict=True)]
