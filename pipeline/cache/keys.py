"""The digests that decide what a build may skip: site key, page keys, template digests."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from pipeline import __version__
from pipeline.cache.manifest import FORMAT
from pipeline.page import Page
from pipeline.versions import installed_version

if TYPE_CHECKING:
    import jinja2

# Not hashed: the two that describe the source file (site-level templates do not show
# them), and ``meta``, which ``meta_digest`` (its YAML text) stands for: hashing its repr
# would expand every value YAML shares between aliases.
_NOT_HASHED = {"digest", "body_start", "meta"}
_HASHED = tuple(f for f in Page.__struct_fields__ if f not in _NOT_HASHED)


# What the pipeline's own code makes of a page besides its templates (filters, URLs, search
# fragments): a new value renders every page again once. 2: site paths in URLs encode "#".
# 3: tag slugs keep letters of every script, and distinct tags get distinct pages.
# 4: a lone "\r" ends a line of front matter (its page was parsed as having none).
RENDERING = 4


def site_key(title: str, base_url: str, stages: str = "", extensions: tuple[str, ...] = ()) -> str:
    """What every page's output depends on, beyond its source and its templates.

    ``stages``: which implementation of each stage built it (a swapped-in renderer must
    not reuse the default one's HTML); ``extensions``: the Markdown extension set.
    """
    parts = (
        f"format={FORMAT}",
        f"pipeline={__version__}",
        f"rendering={RENDERING}",
        f"markdown={installed_version('markdown')}",
        f"jinja2={installed_version('jinja2')}",
        "extensions=" + ",".join(extensions),
        f"title={title}",
        f"base_url={base_url}",
        f"stages={stages}",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def page_key(
    site: str, source: str, source_digest: str, template_digest: str, cards: str = ""
) -> str:
    """``cards``: the digest of the build's card setup (pipeline/cards/job.py), "" without
    cards: a page whose Markdown is unchanged gets a new card when the card size or style
    changes, and without cards its key is what it was before cards existed."""
    parts = (site, source, source_digest, template_digest) + ((cards,) if cards else ())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def page_digest(page: Page) -> str:
    """Digest of a page as the site-level templates see it (every field but _NOT_HASHED)."""
    values = [getattr(page, name) for name in _HASHED]
    return hashlib.sha256(repr(values).encode()).hexdigest()


def site_inputs(
    site_key: str, templates: dict[str, str], site: Any, page_digests: list[str]
) -> str:
    """Digest of all the site-level files are made from: their templates' digests, the
    site settings and, in site order, every page's ``page_digest``. An edit that leaves a
    page's metadata, summary and feed HTML alone then re-renders no site-level file."""
    digest = hashlib.sha256(site_key.encode())
    for name, template in templates.items():
        digest.update(f"\0{name}\0{template}".encode())
    digest.update(repr(site).encode())
    for page in page_digests:
        digest.update(page.encode())
    return digest.hexdigest()


def template_digest(env: jinja2.Environment, name: str) -> str | None:
    """Digest of a template and every template it extends, imports or includes; None when
    it fails to load (the page fails to render and is never cached)."""
    import jinja2.meta

    digest = hashlib.sha256()
    seen: set[str] = set()
    todo = [name]
    try:
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            assert env.loader is not None
            source, filename, _ = env.loader.get_source(env, current)
            digest.update(f"{current}\0{filename}\0{source}\0".encode())
            for ref in jinja2.meta.find_referenced_templates(env.parse(source)):
                if ref is None:  # a computed name: depend on every template there is
                    todo.extend(env.list_templates())
                else:
                    todo.append(ref)
    except jinja2.TemplateError:
        return None
    return digest.hexdigest()
