"""Template: a page's HTML in its template, and the site-level files built from all pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from msgspec import Struct

from pipeline import __version__, lazy
from pipeline.page import Page

# Loaded on first use: a build that renders nothing needs neither (pipeline/lazy.py).
jinja2 = lazy.module("jinja2")
templates = lazy.module("pipeline.templates")

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
PAGE_SIZE = 10  # pages listed per index page
FEED_ENTRIES = 20
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Every template site_files renders (the build cache's site digest covers exactly these).
TEMPLATES = ("index.html", "tag.html", "tags.html", "feed.xml", "sitemap.xml", "search.html")


class SiteInfo(Struct):
    """The site-wide settings templates see."""

    title: str
    base_url: str
    version: str = __version__
    search: bool = False  # the theme shows a search box (pipeline/page_extras.py)


def render_page(env: jinja2.Environment, page: Page, site: SiteInfo) -> str:
    """The page in its template; raises jinja2.TemplateError."""
    template = env.get_template(page.template + ".html")
    return template.render(page=page, site=site, root=root(page.out_path))


def newest_first(pages: list[Page]) -> list[Page]:
    """Site order: newest first, then by title."""
    pages = sorted(pages, key=lambda p: p.title.lower())
    pages.sort(key=lambda p: p.date or EPOCH, reverse=True)
    return pages


def feed_candidates(pages: list[Page]) -> set[str]:
    """Sources of every page that can be in the feed, known from front-matter dates alone.

    The feed lists the newest FEED_ENTRIES pages; titles (which may come from the
    rendered page) only break ties, so every page dated on or after the
    FEED_ENTRIES-th newest date is a candidate. Only these pages keep their HTML.
    """
    dates = sorted((p.date or EPOCH for p in pages), reverse=True)
    if len(dates) <= FEED_ENTRIES:
        return {p.source for p in pages}
    cutoff = dates[FEED_ENTRIES - 1]
    return {p.source for p in pages if (p.date or EPOCH) >= cutoff}


def site_files(
    env: jinja2.Environment, built: list[Page], site: SiteInfo
) -> Iterator[tuple[str, str | jinja2.TemplateError]]:
    """(path, text or the template error) of every site-level page, in writing order.

    ``built`` is in site order (``newest_first``).
    """
    count = max(1, -(-len(built) // PAGE_SIZE))
    for number in range(1, count + 1):
        yield _render(
            env,
            site,
            "index.html",
            index_path(number),
            pages=built[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
            pagination={
                "number": number,
                "count": count,
                "previous": index_path(number - 1) if number > 1 else None,
                "next": index_path(number + 1) if number < count else None,
            },
        )
    by_tag: dict[str, tuple[str, list[Page]]] = {}  # slug -> (first spelling, pages)
    for page in built:
        for tag in page.tags:
            by_tag.setdefault(templates.tag_slug(tag), (tag, []))[1].append(page)
    for slug, (tag, tagged) in sorted(by_tag.items()):
        yield _render(env, site, "tag.html", f"tags/{slug}.html", tag=tag, pages=tagged)
    tag_counts = [(tag, len(tagged)) for _, (tag, tagged) in sorted(by_tag.items())]
    yield _render(env, site, "tags.html", "tags/index.html", tags=tag_counts)
    newest = built[:FEED_ENTRIES]
    updated = max((p.date for p in newest if p.date), default=EPOCH)
    yield _render(
        env,
        site,
        "feed.xml",
        "feed.xml",
        pages=newest,
        updated=templates.rfc3339(updated),
        epoch=EPOCH,
    )
    yield _render(env, site, "sitemap.xml", "sitemap.xml", pages=built)
    if site.search:  # its index and scripts: pipeline/page_extras.py
        yield _render(env, site, "search.html", "search.html")


def _render(
    env: jinja2.Environment, site: SiteInfo, template_name: str, path: str, **context
) -> tuple[str, str | jinja2.TemplateError]:
    try:
        text = env.get_template(template_name).render(site=site, root=root(path), **context)
    except jinja2.TemplateError as exc:
        return path, exc
    if path.endswith(".xml"):
        # XML 1.0 cannot hold these even as references; a reader rejects the whole feed.
        text = _NOT_XML.sub("\ufffd", text)
    return path, text


def root(out_path: str) -> str:
    """The relative URL prefix from ``out_path`` back to the site root."""
    return "../" * out_path.count("/")


def index_path(number: int) -> str:
    return "index.html" if number == 1 else f"page/{number}.html"
