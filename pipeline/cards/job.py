"""The render processes' side of social cards: what a render task carries, and one card drawn.

A build that draws cards sends each render process one ``CardSetup`` (what every card
of the build shares) and, with each page's render task, a small ``CardInput`` (that
page's title, date and tags). The process draws the card right after the page's
Markdown, since a page without a front-matter title takes its first heading, known only
then. Nothing here imports Pillow until a card is really drawn: the parent builds keys
and setups without it, so a no-change rebuild never loads it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from pipeline import deadline
from pipeline.cards import RENDERER_VERSION
from pipeline.cards.style import (
    SIZES,
    THEME_STYLE,
    USER_STYLE,
    CardStyleError,
    load_style,
    read_style,
)
from pipeline.defaults import CARD_MODES
from pipeline.errors import describe
from pipeline.versions import installed_version

if TYPE_CHECKING:
    from pipeline.cards.render import CardRenderer

OFF = CARD_MODES[0]  # CARD_MODES: the values of --cards, off then the keys of SIZES
_RENDERERS_KEPT = 2  # per process: one per (size, style); a build has one
# Drawn by ``warm_up``: two title lines and a date line of common characters.
_WARM_TITLE = "The quick brown fox jumps over the lazy dog, then explains why it did"
_WARM_DATE = dt.datetime(2000, 1, 1)


def mode_of(cards: str | None) -> str | None:
    """The card size a build draws (None: no cards); ValueError for an unknown value."""
    if cards is None or cards == OFF:
        return None
    if cards not in SIZES:
        raise ValueError(f"cards must be one of {', '.join(CARD_MODES)}, not {cards!r}")
    return cards


class CardSetup(Struct, frozen=True):
    """What every card of one build shares; sent once to each render process."""

    size: str  # a key of SIZES
    site_title: str
    content: str | None  # the content folder, whose _templates/card.json changes the style
    digest: str  # of everything above that changes pixels, the style files and Pillow

    @classmethod
    def of(cls, size: str, site_title: str, content: str | os.PathLike[str] | None) -> CardSetup:
        folder = None if content is None else os.fspath(content)
        parts = [
            f"renderer={RENDERER_VERSION}",
            f"pillow={pillow_version()}",
            f"size={size}",
            f"site={site_title}",
            style_digest(folder),
        ]
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        return cls(size, site_title, folder, digest)

    def key(self, title: str, date: dt.datetime | None, tags: Sequence[str]) -> str:
        """Everything one page's card is drawn from: equal keys, equal cards. 128 bits of
        sha256: plenty against collisions, and the build cache stores one per page."""
        when = None if date is None else date.isoformat()
        inputs = json.dumps([self.digest, title, when, list(tags)], default=repr)
        return hashlib.sha256(inputs.encode()).hexdigest()[:32]


class CardInput(Struct, frozen=True):
    """One page's card inputs, known from its front matter before it is rendered."""

    title: str  # "" when the front matter has none: the first heading, then ``fallback``
    fallback: str  # the title made from the file name
    date: dt.datetime | None
    tags: tuple[str, ...]
    kept: str | None = None  # key of this page's card already in the site: not drawn again


class CardResult(Struct):
    """A drawn card, or why it could not be drawn."""

    key: str
    data: bytes | None = None  # PNG; None when it failed or the card in the site is kept
    error: str | None = None  # why this page has no card (the page itself is built)
    missing: str = ""  # characters the font cannot draw, shown as boxes
    cpu: float = 0.0  # CPU seconds of the process that drew it
    start: float = 0.0  # perf_counter when the card's work started and ended
    end: float = 0.0

    @property
    def kept(self) -> bool:
        return self.data is None and self.error is None


def draw(setup: CardSetup, job: CardInput, heading: str | None, limit: float | None) -> CardResult:
    """The page's card, unless the site holds one with the same key; never raises."""
    global _warm_cpu
    start, cpu = time.perf_counter(), time.process_time()
    title = job.title or heading or job.fallback
    result = CardResult(setup.key(title, job.date, job.tags))
    if result.key != job.kept:
        try:
            with deadline.time_limit(limit):
                card = _renderer(setup).render(setup.site_title, title, job.date, job.tags)
            result.data, result.missing = card.data, card.missing
        except deadline.TimeLimitExceeded as exc:
            _renderers.clear()  # stopped half way: do not trust its caches
            result.error = f"drawing its card {exc} (the page time limit)"
        except Exception as exc:
            result.error = _reason(exc)
    result.cpu = time.process_time() - cpu + _warm_cpu  # a warm-up's too, once
    _warm_cpu = 0.0
    result.start, result.end = start, time.perf_counter()
    return result


def warm_up(setup: CardSetup) -> None:
    """Draw a card and drop it, so that this process has Pillow, the fonts, the background
    and its compressed rows ready before its first page: a render process started ahead
    of its tasks (a clean build, while the parent parses) draws them while it would wait.
    The first card drawn after it is charged its CPU. Never raises: a setup that cannot
    draw fails each page's card, which says why."""
    global _warm_cpu
    cpu = time.process_time()
    try:
        _renderer(setup).render(setup.site_title, _WARM_TITLE, _WARM_DATE, ("warm", "up"))
    except Exception:
        _renderers.clear()
    _warm_cpu += time.process_time() - cpu


_warm_cpu = 0.0  # CPU of warm_up, not yet charged to a card
_renderers: dict[tuple[str, str], CardRenderer] = {}  # (size, setup digest) -> renderer


def _renderer(setup: CardSetup) -> CardRenderer:
    """This process's renderer for the setup: it keeps the background, glyphs and fonts."""
    found = _renderers.get((setup.size, setup.digest))
    if found is None:
        from pipeline.cards.render import CardRenderer

        if len(_renderers) >= _RENDERERS_KEPT:
            _renderers.clear()
        found = CardRenderer(load_style(setup.content), setup.size)
        _renderers[setup.size, setup.digest] = found
    return found


def _reason(exc: Exception) -> str:
    from pipeline.cards.text import CardError

    if isinstance(exc, CardError):
        return str(exc)
    if isinstance(exc, CardStyleError):  # the style file changed after the build checked it
        return f"card style {exc}"
    return describe(exc, "card")


def style_digest(content: str | None) -> str:
    """Digest of the style files' bytes, without parsing them (or importing Pillow)."""
    digest = hashlib.sha256()
    paths = [(THEME_STYLE, None)]
    if content is not None:
        paths.append((Path(content) / USER_STYLE, content))
    for path, within in paths:
        try:
            data = read_style(path, within) if os.path.lexists(path) else b"(none)"
        except CardStyleError as exc:  # load_style reports it, if a card is ever drawn
            data = f"(unusable: {exc})".encode()
        digest.update(f"\0{path}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def pillow_version() -> str:
    """Pillow's version, without importing it (``versions.installed_version``). Its wheels
    bundle FreeType, so this stands for the font rasteriser."""
    return installed_version("PIL", "pillow")
