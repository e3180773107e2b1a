"""References from rendered pages to other files: links, images and other media."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

# Attributes that point at another file, by tag.
REFERENCE_ATTRS = {
    "a": "href",
    "img": "src",
    "audio": "src",
    "video": "src",
    "source": "src",
    "track": "src",
    "embed": "src",
    "iframe": "src",
    "object": "data",
}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = REFERENCE_ATTRS.get(tag)
        if wanted:
            for name, value in attrs:
                if name == wanted and value:
                    self.urls.append(value)
        if tag == "video":
            self.urls.extend(v for n, v in attrs if n == "poster" and v)


def references(page_html: str) -> list[str]:
    """Every URL the HTML refers to, in document order."""
    parser = _References()
    parser.feed(page_html)
    parser.close()
    return parser.urls


def local_target(url: str, page_out_path: str) -> str | None:
    """The site-relative path ``url`` points at, or None for external and in-page URLs.

    Returns ``"../..."`` style paths unchanged when they climb out of the site root,
    so the caller can report them.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        target = posixpath.normpath(path.lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page_out_path), path))
    if path.endswith("/") or target == ".":
        target = posixpath.join(target, "index.html") if target != "." else "index.html"
    return target
