"""Markdown to HTML with Python-Markdown and one fixed extension set."""

from __future__ import annotations

import importlib
import re

import markdown
from markdown.serializers import _escape_attrib_html as _escape_attribute
from markdown.treeprocessors import Treeprocessor

from pipeline import entities, fastinline, media
from pipeline.extensions import EXTENSIONS

_TAG = re.compile(r"<[^>]+>")
# A stashed raw-HTML block that may hold a reference (the tree does not contain it).
_REFERENCE_TAGS = "|".join(media.REFERENCE_ATTRS)
_RAW_REFERENCE = re.compile(rf"<(?:{_REFERENCE_TAGS})(?=[\s/>])", re.IGNORECASE)


def new_markdown() -> markdown.Markdown:
    """One converter, to be ``reset()`` between pages (cheaper than building a new one).

    It also collects the page's references while it converts (``references``). Its inline
    processor is ``fastinline``'s (same HTML, about twice as fast) when the installed Markdown
    is the version that was written for, else stock's.
    """
    md = markdown.Markdown(extensions=[_extension(name) for name in EXTENSIONS])
    fastinline.install(md)
    # Lowest priority: runs after every other treeprocessor, on the final tree.
    md.treeprocessors.register(_ReferenceCollector(md), "pipeline-references", -100)
    return md


def _extension(name: str) -> markdown.Extension:
    """Markdown's own extension ``name``, as its entry point names it, from its module.

    Asked for by name, Markdown looks the name up among every installed package's entry
    points: importing importlib.metadata and reading each package's metadata cost 67 ms
    of a process's start (measured), more than its regular expressions.
    """
    return importlib.import_module(f"markdown.extensions.{name}").makeExtension()


class _ReferenceCollector(Treeprocessor):
    """Read-only: notes every href/src in the finished tree; the HTML is unchanged.

    Replaces a second HTMLParser pass over each page's HTML (12% of a build, measured
    in docs/profiling-report.md). ``tree_urls`` is None when the tree alone cannot give
    the same answer as parsing the HTML; ``references`` then parses the HTML.
    """

    def run(self, root) -> None:
        urls: list[str] | None = []
        attrs = media.REFERENCE_ATTRS
        for el in root.iter():
            wanted = attrs.get(el.tag)
            if wanted is None:
                continue
            values = [el.get(wanted)]
            if el.tag == "video":
                values.append(el.get("poster"))
            for value in values:
                if not value:
                    continue
                if "\x02" in value or "\x03" in value:  # Markdown's placeholders: parse the HTML
                    urls = None
                    break
                if "&" in value:  # as the serializer writes it and an HTML parser reads it
                    value = entities.unescape(_escape_attribute(value))
                urls.append(value)
            if urls is None:
                break
        self.md.tree_urls = urls


def references(md: markdown.Markdown, page_html: str) -> list[str]:
    """Every URL the page ``md`` converted last refers to, in document order.

    The same list as ``media.references(page_html)``: taken from the tree when raw HTML
    holds no reference tag, else from parsing the HTML.
    """
    urls = getattr(md, "tree_urls", None)
    if urls is not None:
        for block in md.htmlStash.rawHtmlBlocks:
            if not isinstance(block, str) or _RAW_REFERENCE.search(block):
                urls = None
                break
    return media.references(page_html) if urls is None else urls


def first_heading(md: markdown.Markdown) -> str | None:
    """Plain text of the first heading of the page ``md`` converted last."""
    tokens = md.toc_tokens
    return entities.unescape(tokens[0]["name"]) if tokens else None


def summarize(page_html: str, limit: int = 200) -> str:
    """Plain text of the first paragraph, cut at a word boundary."""
    # str.find, not a lazy regex: ``<p>(.*?)</p>`` retried from every "<p>" is quadratic
    # (a 240 KB page of unclosed "<p>" took minutes).
    start = page_html.find("<p>")
    end = page_html.find("</p>", start + 3) if start != -1 else -1
    if end == -1:
        return ""
    text = " ".join(entities.unescape(_TAG.sub("", page_html[start + 3 : end])).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
