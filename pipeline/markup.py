"""Markdown to HTML with Python-Markdown and one fixed extension set."""

from __future__ import annotations

import html
import re

import markdown

# The fixed extension set. Changing it changes every page's HTML: do it on purpose.
EXTENSIONS: tuple[str, ...] = (
    "abbr",
    "attr_list",
    "def_list",
    "fenced_code",
    "footnotes",
    "tables",
    "toc",
    "sane_lists",
)

_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def new_markdown() -> markdown.Markdown:
    """One converter, to be ``reset()`` between pages (cheaper than building a new one)."""
    return markdown.Markdown(extensions=list(EXTENSIONS))


def first_heading(md: markdown.Markdown) -> str | None:
    """Plain text of the first heading of the page ``md`` converted last."""
    tokens = md.toc_tokens
    return html.unescape(tokens[0]["name"]) if tokens else None


def summarize(page_html: str, limit: int = 200) -> str:
    """Plain text of the first paragraph, cut at a word boundary."""
    match = _FIRST_PARAGRAPH.search(page_html)
    if not match:
        return ""
    text = " ".join(html.unescape(_TAG.sub("", match.group(1))).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
