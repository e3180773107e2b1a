"""Text painted onto bands of rows of a card's background, as ImageDraw.text paints it.

A band is painted as PNG scanlines (pipeline/cards/png.py: ``scanlines``), the bytes its
stream holds: its rows are copied from the background's scanlines into a bytearray, which
a mode "L" image three bytes to a pixel wide maps without a copy; glyphs are pasted into
that image by Pillow's core paste, which writes the bytearray; the bytearray is then
compressed as it is. Pillow's crop and its packing of four bytes a pixel into three were
a third of a high card's time.

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

# Per face and colour: about 400 make every card of a site; high-size title sprites are
# ~25 KB.
_SPRITES_KEPT = 1024
_UNKNOWN = object()  # a sprite not made yet (None: one that cannot be made)


class Line(Struct):
    """One line of a card's text, laid out."""

    face: Face
    colour: tuple[int, int, int]
    x: int
    y: int
    text: str


# One inked glyph placed on the card: (left, top, glyph, character).
Placed = tuple[int, int, Glyph, str]
# A glyph blended over background rows, as scanline bytes: Pillow's core image, three
# bytes to a pixel.
Sprite = Any


class Painter:
    """Paints lines of text over one background, band by band."""

    def __init__(self, background: Image.Image, rows: bytes) -> None:
        """``rows``: the background's scanlines."""
        self.background = background
        self.width, self.height = background.size
        self.stride = 3 * self.width + 1
        self.rows = memoryview(rows)
        self._uniform: list[bool] | None = None  # found on the first sprite asked for
        self._sprites: dict[tuple, dict[tuple[str, int], Sprite | None]] = {}

    def band(self, top: int, bottom: int, lines: list[Line]) -> bytearray:
        """Rows ``top`` to ``bottom`` of the background with ``lines`` painted over them,
        as scanlines (blended glyphs are reused: many cards share the background)."""
        rows = bytearray(self.rows[top * self.stride : bottom * self.stride])
        # Mode "L", raw, stride 0, top to bottom: Pillow maps the buffer, not copies it.
        band = Image.frombuffer("L", (self.stride, bottom - top), rows, "raw", "L", 0, 1)
        # Pillow's core paste, as Image.paste calls it once its checks pass (same modes,
        # a 4-tuple box): those checks were a quarter of a standard card's time. It writes
        # ``rows``: Image.paste would copy the mapped image first.
        paste = band.im.paste
        # Sprites carry background pixels: they may not cover another line's ink.
        copy_sprites = len(lines) == 1
        for line in lines:
            sprites = self._sprites_of(line) if copy_sprites else None
            for run in _runs(line):
                if sprites is not None and len(run) == 1:
                    x, y, glyph, char = run[0]
                    sprite = sprites.get((char, y), _UNKNOWN)
                    if sprite is _UNKNOWN:
                        sprite = self._sprite(sprites, line.colour, char, glyph, y)
                    if sprite is not None and 0 <= x <= self.width - glyph.width:
                        left, upper = 1 + 3 * x, y - top
                        paste(sprite, (left, upper, left + 3 * glyph.width, upper + glyph.height))
                        continue
                self._blend(band, top, line.colour, run)
        return rows

    def _sprites_of(self, line: Line) -> dict[tuple[str, int], Sprite | None]:
        """The sprites of the line's face and colour, by (character, top row)."""
        key = (line.face.size, line.colour)
        sprites = self._sprites.get(key)
        if sprites is None or len(sprites) >= _SPRITES_KEPT:
            sprites = self._sprites[key] = {}
        return sprites

    def _sprite(
        self,
        sprites: dict[tuple[str, int], Sprite | None],
        colour: tuple[int, int, int],
        char: str,
        glyph: Glyph,
        y: int,
    ) -> Sprite | None:
        """``glyph`` blended over the background rows from ``y``, kept in ``sprites``;
        None where they vary."""
        assert glyph.mask is not None
        width, height = glyph.width, glyph.height
        if self._uniform is None:
            self._uniform = _uniform_rows(self.background)
        sprite = None
        if 0 <= y and y + height <= self.height and all(self._uniform[y : y + height]):
            image = self.background.crop((0, y, width, y + height))
            image.paste(colour, (0, 0), glyph.mask)
            sprite = Image.frombytes("L", (3 * width, height), image.tobytes()).im
        sprites[char, y] = sprite
        return sprite

    def _blend(
        self, band: Image.Image, top: int, colour: tuple[int, int, int], run: list[Placed]
    ) -> None:
        """Blend the run into the scanlines ``band`` (rows from ``top``), through the
        pixels of the part of the card the run covers."""
        left, upper, right, lower = _box(run)
        left, right = max(0, left), min(self.width, right)
        upper, lower = max(top, upper), min(top + band.size[1], lower)
        if left >= right or upper >= lower:
            return  # off the card
        box = (1 + 3 * left, upper - top, 1 + 3 * right, lower - top)
        image = Image.frombytes("RGB", (right - left, lower - upper), band.crop(box).tobytes())
        blend(image, (left, upper), colour, run)
        band.im.paste(
            Image.frombytes("L", (3 * (right - left), lower - upper), image.tobytes()).im, box
        )


def paint(image: Image.Image, lines: list[Line]) -> None:
    """Paint ``lines`` over an RGB image, as ImageDraw.text would."""
    for line in lines:
        for run in _runs(line):
            blend(image, (0, 0), line.colour, run)


def _runs(line: Line) -> list[list[Placed]]:
    """The inked glyphs of ``line``, grouped where their boxes overlap."""
    runs: list[list[Placed]] = []
    right = None
    pen = float(line.x)
    top = line.y
    glyph_of = line.face.glyph
    for char in line.text:
        glyph = glyph_of(char)
        if glyph.mask is not None:
            x = int(pen + 0.5) + glyph.left
            placed = (x, top + glyph.top, glyph, char)
            if right is not None and x < right:
                runs[-1].append(placed)
                right = max(right, x + glyph.width)
            else:
                runs.append([placed])
                right = x + glyph.width
        pen += glyph.advance
    return runs


def _box(run: list[Placed]) -> tuple[int, int, int, int]:
    """Left, upper, right and lower edges of the run's glyph boxes, on the card."""
    left = min(x for x, _, _, _ in run)
    upper = min(y for _, y, _, _ in run)
    right = max(x + g.width for x, _, g, _ in run)
    lower = max(y + g.height for _, y, g, _ in run)
    return left, upper, right, lower


def blend(
    image: Image.Image, origin: tuple[int, int], colour: tuple[int, int, int], run: list[Placed]
) -> None:
    """Blend ``colour`` through the run's glyphs, their coverages merged by maximum, into
    the RGB ``image`` of the card's pixels from ``origin`` (Pillow clips what is outside)."""
    if len(run) == 1:
        x, y, glyph, _ = run[0]
        x, y = x - origin[0], y - origin[1]
        width, height = glyph.width, glyph.height
        image.im.paste(colour, (x, y, x + width, y + height), glyph.mask.im)
        return
    left, upper, right, lower = _box(run)
    coverage = Image.new("L", (right - left, lower - upper))
    for x, y, glyph, _ in run:
        box = (x - left, y - upper, x - left + glyph.width, y - upper + glyph.height)
        coverage.paste(ImageChops.lighter(coverage.crop(box), glyph.mask), box)
    image.paste(colour, (left - origin[0], upper - origin[1]), coverage)


def _uniform_rows(image: Image.Image) -> list[bool]:
    """For each row of an RGB image: is it one colour from edge to edge?"""
    width, height = image.size
    steps = ImageChops.difference(
        image.crop((1, 0, width, height)), image.crop((0, 0, width - 1, height))
    )
    differs = [channel.getprojection()[1] for channel in steps.split()]
    return [not any(row) for row in zip(*differs, strict=True)]
