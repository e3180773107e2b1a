"""CardRenderer: one page's social card (Open Graph image), drawn and encoded fast.

A render process keeps one renderer per (style, size), as it keeps one Markdown
converter. What every card of a site shares is made once: the fonts and their glyphs
(pipeline/cards/glyphs.py), the background with its gradient, accent bar and site title,
and the compressed rows of that background (pipeline/cards/png.py). A card then costs
its text: the title and the date line are laid out from cached glyph advances, their
glyphs pasted into bands of rows copied from the background, and only those bands are
compressed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import OrderedDict
from collections.abc import Sequence

from msgspec import Struct
from PIL import Image, ImageDraw

from pipeline.cards import text
from pipeline.cards.glyphs import face
from pipeline.cards.paint import Line, Painter, paint
from pipeline.cards.png import BackgroundEncoder
from pipeline.cards.style import BASE_WIDTH, SIZES, CardStyle, meta_top, title_step
from pipeline.cards.style import title_top as first_title_row
from pipeline.cards.text import CardError

_BACKGROUNDS_KEPT = 4  # one per site title; a build has one


class Card(Struct, frozen=True):
    """A card's PNG bytes, and the characters drawn as boxes."""

    data: bytes  # PNG
    width: int
    height: int
    missing: str  # characters the font cannot draw, shown as boxes (sorted, no repeats)


class CardRenderer:
    """Draws cards of one style and size: ``CardRenderer(style, "standard").render(...)``."""

    def __init__(self, style: CardStyle, size: str = "standard") -> None:
        if size not in SIZES:
            raise CardError(f"unknown card size {size!r} (known: {', '.join(SIZES)})")
        self.style = style
        self.size = size
        self.width, self.height = SIZES[size]
        self.scale = self.width / BASE_WIDTH
        px = self._px
        self.margin = px(style.margin)
        self.text_width = self.width - 2 * self.margin
        self.site_face = face(px(style.site_title_size))
        self.title_face = face(px(style.title_size))
        self.text_face = face(px(style.text_size))
        self._backgrounds: OrderedDict[str, _Background] = OrderedDict()  # by site title

    def _px(self, length: float) -> int:
        return round(length * self.scale)

    def render(
        self,
        site_title: str,
        title: str,
        date: dt.date | None = None,
        tags: Sequence[str] = (),
    ) -> Card:
        """The card as PNG; raises CardError for an input it cannot draw."""
        missing: set[str] = set()
        background = self._background(text.check("site title", site_title), missing)
        lines = self._title_lines(text.check("title", title), missing)
        lines.append(self._meta_line(date, tags, missing))
        data = background.encode(lines)
        return Card(data, self.width, self.height, "".join(sorted(missing)))

    def _title_lines(self, title: str, missing: set[str]) -> list[Line]:
        style = self.style
        budget = (style.title_lines + 2) * self.text_width
        words = text.words(title, missing, self.title_face, budget)
        wrapped = text.wrap(self.title_face, words, self.text_width, style.title_lines)
        top, step = first_title_row(style, self.scale), title_step(style, self.scale)
        return [
            Line(self.title_face, style.title_color, self.margin, top + i * step, line)
            for i, line in enumerate(wrapped)
        ]

    def _meta_line(self, date: dt.date | None, tags: Sequence[str], missing: set[str]) -> Line:
        if date is not None and not isinstance(date, dt.date):
            raise CardError(f"date must be a date or datetime, not {type(date).__name__}")
        if not isinstance(tags, list | tuple):
            raise CardError(f"tags must be a list of strings, not {type(tags).__name__}")
        for number, tag in enumerate(tags, 1):
            text.check(f"tag {number}", tag)
        day = date.date() if isinstance(date, dt.datetime) else date
        parts = [day.isoformat()] if day is not None else []
        budget = 2 * self.text_width
        shown = (" ".join(text.words(tag, missing, self.text_face, budget)) for tag in tags)
        all_parts = itertools.chain(parts, ("#" + tag for tag in shown if tag))
        line = text.fit_parts(self.text_face, all_parts, self.text_width, text.SEPARATOR)
        y = meta_top(self.style, self.scale)
        return Line(self.text_face, self.style.text_color, self.margin, y, line)

    def _background(self, site_title: str, missing: set[str]) -> _Background:
        """The background of this site title: drawn, and its rows compressed, once."""
        kept = self._backgrounds.get(site_title)
        if kept is None:
            drawn: set[str] = set()
            kept = _Background(self._draw_background(site_title, drawn), frozenset(drawn))
            self._backgrounds[site_title] = kept
            if len(self._backgrounds) > _BACKGROUNDS_KEPT:
                self._backgrounds.popitem(last=False)
        else:
            self._backgrounds.move_to_end(site_title)
        missing.update(kept.missing)
        return kept

    def _draw_background(self, site_title: str, missing: set[str]) -> Image.Image:
        """The gradient, the accent bar and the site title: what every card shares."""
        style, width, height = self.style, self.width, self.height
        image = Image.new("RGB", (width, height))
        draw = ImageDraw.Draw(image)
        top, bottom = style.background[0], style.background[-1]
        for y in range(height):
            t = y / (height - 1)
            colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
            draw.line([(0, y), (width - 1, y)], fill=colour)
        accent = self._px(style.accent_height)
        if accent:
            draw.rectangle([0, height - accent, width - 1, height - 1], fill=style.accent_color)
        words = text.words(site_title, missing, self.site_face, 2 * self.text_width)
        shown = text.fit_parts(self.site_face, words, self.text_width, " ")
        paint(image, [Line(self.site_face, style.text_color, self.margin, self.margin, shown)])
        return image


class _Background:
    """What every card of one site title shares, and what it costs to reuse it."""

    def __init__(self, image: Image.Image, missing: frozenset[str]) -> None:
        self.encoder = BackgroundEncoder(image)
        self.painter = Painter(image, self.encoder.scanlines)
        self.missing = missing  # characters of the site title the font cannot draw

    def encode(self, lines: list[Line]) -> bytes:
        """The card: the background with ``lines`` painted over it, as PNG."""
        height = self.painter.height
        spans: list[tuple[int, int, list[Line]]] = []  # sorted; merged where they overlap
        for line in sorted(lines, key=lambda item: item.y):
            top, bottom = line.face.extent(line.text)
            top, bottom = max(0, line.y + top), min(height, line.y + bottom)
            if top >= bottom:
                continue  # no ink
            if spans and top <= spans[-1][1]:
                first, last, inside = spans.pop()
                spans.append((first, max(last, bottom), [*inside, line]))
            else:
                spans.append((top, bottom, [line]))
        bands = [(top, self.painter.band(top, bottom, inside)) for top, bottom, inside in spans]
        return self.encoder.encode(bands)
