"""Page: one value that the build enriches, from source text to rendered HTML."""

from __future__ import annotations

import datetime as dt
import posixpath
from typing import Any
from urllib.parse import quote

import msgspec
from msgspec import Struct, field

PAGE_SUFFIXES = (".md", ".markdown")
# A page's references into the site: (URL, the site path it points at), in order.
Links = tuple[tuple[str, str], ...]


class CardRef(msgspec.Struct, frozen=True, gc=False):
    """A page's social card in the site (pipeline/cards/pages.py draws it).

    A Struct, not a frozen dataclass: a no-change rebuild makes one per kept card, in
    0.13 rather than 0.67 us; its repr, which page digests hash, is the same.
    """

    path: str  # site path of the PNG
    width: int
    height: int


class Page(Struct):
    """One page, from its source file's front matter to its rendered HTML."""

    source: str  # path relative to the content folder, '/'-separated
    title: str
    date: dt.datetime | None
    tags: tuple[str, ...]
    template: str
    out_path: str  # path of the HTML file relative to the site root
    summary: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # front matter keys beyond the known ones
    # sha256 of the front matter's YAML text: hash this, not ``meta``, whose values may be
    # one object shared in many places (YAML aliases) that repr() would expand.
    meta_digest: str = ""
    html: str = ""
    toc: str = ""
    toc_tokens: list[dict[str, Any]] = field(default_factory=list)
    card: CardRef | None = None  # its social card, when the build draws them and it has one
    # The source file, for the build's own bookkeeping: not for templates (the build
    # cache does not re-render site-level files when only these change).
    body_start: int = 0  # where the Markdown body starts in the decoded source text
    digest: str = ""  # sha256 of the source file's bytes


def output_path(source: str, slug: str | None) -> str:
    """``dir/name.md`` is written to ``dir/<slug or name>.html``.

    Pages stay in their source folder so that relative links to media beside them
    resolve unchanged in the site.
    """
    folder, name = posixpath.split(source)
    stem = slug or posixpath.splitext(name)[0]
    return posixpath.join(folder, stem + ".html")


def url_of(site_path: str) -> str:
    """A site path as a URL's path: percent-encoded but for "/". A "#" kept as it is ended
    the path (a page "c#.md" was linked as "c#.html", which opens "c")."""
    return quote(site_path, safe="/")


def card_path(out_path: str) -> str:
    """``dir/page.html``'s social card is ``assets/cards/dir/page.png``."""
    stem = out_path[: -len(".html")] if out_path.endswith(".html") else out_path
    return f"assets/cards/{stem}.png"


def default_title(source: str) -> str:
    stem = posixpath.splitext(posixpath.basename(source))[0]
    return stem.replace("-", " ").replace("_", " ").strip() or stem
