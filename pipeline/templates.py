"""The Jinja2 environment: the built-in theme, overridable from ``CONTENT/_templates``."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import quote

import jinja2

THEME = Path(__file__).parent / "theme"
USER_TEMPLATES = "_templates"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def tag_slug(tag: str) -> str:
    """The file name of a tag's page: lowercase ASCII words joined by '-'."""
    return _NOT_SLUG.sub("-", tag.lower()).strip("-") or "tag"


def environment(content_dir: Path) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    user = content_dir / USER_TEMPLATES
    if user.is_dir():
        loaders.append(jinja2.FileSystemLoader(user))
    loaders.append(jinja2.FileSystemLoader(THEME / "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one set of templates: no stat per get_template
    )
    env.filters["tag_slug"] = tag_slug
    env.filters["url"] = lambda path: quote(path, safe="/#")
    return env


def describe(exc: Exception) -> str:
    """A one-line reason for a template failure, naming the template file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or "template"
        return f"template syntax error in {where}:{exc.lineno}: {exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"unknown template {exc.name!r}"
    return f"template error: {type(exc).__name__}: {exc}"


def fingerprint(content_dir: Path) -> str:
    """Digest of the name, size and modification time of every template a build may load.

    While it is unchanged, template digests from the previous build still hold, and a
    build that renders nothing needs neither Jinja2 nor the templates themselves.
    """
    digest = hashlib.sha256()
    for root in (content_dir / USER_TEMPLATES, THEME / "templates"):
        digest.update(f"\0{root}\0".encode())
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # a broken link: loading it fails, and that is not cached
                digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return digest.hexdigest()
