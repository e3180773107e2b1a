"""Social cards: one Open Graph image per page, standard (1200x630) or high (2400x1260).

    style = load_style(content_dir)            # theme card.json + CONTENT/_templates/card.json
    renderer = CardRenderer(style, "standard") # keep one per process: it caches what cards share
    card = renderer.render(site.title, page.title, page.date, page.tags)
    card.data                                  # PNG bytes; card.missing: characters shown as boxes
    card_key(site.title, page.title, page.date, page.tags, "standard", style)  # for the cache

Inputs that cannot be drawn raise ``CardError``; a style file that cannot be used raises
``CardStyleError`` (a PipelineError naming the file). Text is drawn with Pillow's bundled
font (no download, works offline).

Importing this package does not import Pillow: the names that need it (``CardRenderer``,
``Card``, ``CardError``) are loaded on first use, so a build that draws no card (a
no-change rebuild, ``--cards off``) never pays for Pillow. The build's side of cards is
``pipeline.cards.pages``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pipeline.cards.style import SIZES, CardStyle, CardStyleError, load_style, style_from

if TYPE_CHECKING:
    from pipeline.cards.render import Card, CardRenderer
    from pipeline.cards.text import CardError

# Bump when a card's pixels or encoding change for the same inputs: cached cards are
# then drawn again.
RENDERER_VERSION = 3
# The names that need Pillow, by the module that defines them.
_LAZY = {"Card": "render", "CardRenderer": "render", "CardError": "text"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"pipeline.cards.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RENDERER_VERSION",
    "SIZES",
    "Card",
    "CardError",
    "CardRenderer",
    "CardStyle",
    "CardStyleError",
    "card_key",
    "load_style",
    "style_from",
]


def card_key(
    site_title: str,
    title: str,
    date: dt.date | None,
    tags: Sequence[str],
    size: str,
    style: CardStyle,
) -> str:
    """A digest of everything a card is drawn from: equal keys, equal cards.

    Pillow's and FreeType's versions are in it: they rasterise the text.
    """
    inputs = [
        *_versions(),
        size,
        _style_digest(style),
        site_title,
        title,
        None if date is None else date.isoformat(),
        list(tags),
    ]
    encoded = json.dumps(inputs, ensure_ascii=True, default=repr).encode()
    return hashlib.sha256(encoded).hexdigest()


@functools.cache
def _versions() -> tuple[int, str, str | None]:
    import PIL
    from PIL import features

    return RENDERER_VERSION, PIL.__version__, features.version("freetype2")


@functools.lru_cache(maxsize=16)
def _style_digest(style: CardStyle) -> str:
    return style.digest()
