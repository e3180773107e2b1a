"""The Jinja2 environment: the built-in theme, overridable from ``CONTENT/_templates``.

Templates in ``_templates`` are content, as untrusted as the pages: they are read only
if they really are in that folder (a link out of it is refused, checked on the open
file), they run sandboxed (no reaching Python internals through attributes, no changing
the values they are given), and whatever goes wrong while one is compiled or rendered,
including taking longer than ``TEMPLATE_TIMEOUT``, is a jinja2.TemplateError that
fails the one file being made.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import io
import itertools
import os
import posixpath
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from pipeline import claims, confine, deadline
from pipeline.errors import describe as describe_failure
from pipeline.memory_cap import memory_cap
from pipeline.page import url_of
from pipeline.sink import remove_quietly, temp_name
from pipeline.template_files import THEME, USER_TEMPLATES, user_folder

# Seconds one template may take to render one file, unless the build sets its own
# (``set_time_limit``: the CLI's --page-timeout); real ones take milliseconds.
TEMPLATE_TIMEOUT = 60.0
MAX_REPEAT = 1_000_000  # items or characters a template may make with '*'
MEMORY_HEADROOM = 512 << 20  # bytes a content template may allocate while it renders
# Characters a content template may have: it is read whole (a theme's are a few KB).
MAX_TEMPLATE_CHARS = 8 << 20
JOIN_CHUNKS = 4096  # a page's template yields about 40
_NOT_FOUND = (errno.ENOENT, errno.ENOTDIR)


class TemplateFailure(jinja2.TemplateRuntimeError):
    """A template that cannot be used or failed, with a one-line reason."""


@functools.lru_cache(maxsize=4096)  # every page's template asks for its tags' slugs
def tag_slug(tag: str) -> str:
    """The file name of a tag's page (``tags/<slug>.html``): the tag in lower case, its
    words (letters, marks and digits of any script: "日本", "हिन्दी") joined by '-'.

    Tags that differ only in case or spacing share a page. One with other characters
    ("C#", "C++", "node.js", an emoji) would share it with another ("C"), so it ends with
    a short hash of the tag; so does one named "index", the tags' own page. One too long
    for a file name is cut and ends with a hash of the whole.
    """
    text = " ".join(unicodedata.normalize("NFC", tag).lower().split())
    kept = "".join(c if c == "_" or unicodedata.category(c)[0] in "LMN" else " " for c in text)
    slug = "-".join(kept.split())
    if slug.replace("-", " ") != " ".join(text.replace("-", " ").split()) or slug == "index":
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"{slug or 'tag'}-{digest}"
    return claims.fit_name(slug, ".html")


def rfc3339(when: Any) -> str:
    """A UTC datetime as RFC 3339 (Atom's dates), the year in four digits: strftime's "%Y"
    leaves a year before 1000 unpadded here ("99-01-01T..."), which no feed reader takes."""
    return f"{when.year:04d}-{when:%m-%dT%H:%M:%S}Z"


def environment(content_dir: Path) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    user = content_dir / USER_TEMPLATES
    if user.is_dir() or user.is_symlink():
        loaders.append(ContentTemplates(content_dir))
    loaders.append(jinja2.FileSystemLoader(THEME / "templates"))
    kind = _Sandboxed if len(loaders) > 1 else _Environment
    env = kind(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one set of templates: no stat per get_template
    )
    env.filters["tag_slug"] = tag_slug
    env.filters["rfc3339"] = rfc3339
    env.filters["url"] = url_of
    return env


def keep_compiled(env: jinja2.Environment, folder: Path) -> jinja2.Environment:
    """``env`` with its templates' compiled code kept in ``folder`` (the build cache's)
    for the next build: compiling the theme's templates again cost a one-page edit about
    35 ms of its 0.5 s (loaded from there: 2 ms). Jinja checks each template's source
    against the code's checksum; the code of each kind of environment is kept apart, as
    the sandboxed one compiles some operators differently."""
    if env.bytecode_cache is None:
        pattern = f"templates-{type(env).__name__}-%s.cache"
        env.bytecode_cache = _Compiled(os.fspath(folder), pattern)
    return env


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Compiled templates in the build cache folder, which may be unwritable: then each
    build compiles them again, and the build goes on. Each is written as the build cache's
    other files are (a hidden temporary name, then a rename), so what a killed build
    leaves is removed with the rest of its leftovers (pipeline/leftovers.py)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass  # nothing loaded: the template is compiled

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._get_cache_filename(bucket)
        tmp = os.path.join(self.directory, temp_name(os.path.basename(path)))
        try:
            os.makedirs(self.directory, exist_ok=True)
            with open(tmp, "wb") as f:
                bucket.write_bytecode(f)
            os.replace(tmp, path)
        except OSError:
            remove_quietly(tmp)


def describe(exc: Exception) -> str:
    """A one-line reason for a template failure, naming the template file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or "template"
        return f"template syntax error in {where}:{exc.lineno}: {exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"unknown template {exc.name!r}"
    if isinstance(exc, TemplateFailure):
        return str(exc)
    return f"template error: {type(exc).__name__}: {exc}"


class ContentTemplates(jinja2.BaseLoader):
    """Templates from ``CONTENT/_templates``, only those really in it.

    The folder itself must really be inside the content folder. A refused template fails
    the pages that use it; it never falls back to the theme's.
    """

    def __init__(self, content_dir: Path) -> None:
        self.searchpath = os.fspath(content_dir / USER_TEMPLATES)
        self.real, self.refused = user_folder(content_dir)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if self.refused is not None:
            raise TemplateFailure(self.refused)
        filename = posixpath.join(self.searchpath, *split_template_path(template))
        name = f"{USER_TEMPLATES}/{template}"
        try:
            fd = os.open(filename, confine.OPEN_FLAGS)
        except OSError as exc:
            if exc.errno in _NOT_FOUND:
                raise jinja2.TemplateNotFound(template) from None
            raise TemplateFailure(f"cannot read template {name}: {exc.strerror}") from None
        # Text mode, as Jinja's own loader reads (and io.open: see confine.read_content).
        with io.open(fd, encoding="utf-8", closefd=True) as f:  # noqa: UP020
            real = confine.real_path(fd, filename)
            if real is None:
                raise TemplateFailure(f"template {name} changed while it was being opened")
            if not confine.inside(real, self.real):
                raise TemplateFailure(
                    f"{name} is a link to {real}, outside the content folder's {USER_TEMPLATES}"
                )
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise jinja2.TemplateNotFound(template)  # a folder, as Jinja's own loader
            try:
                source = f.read(MAX_TEMPLATE_CHARS + 1)
            except UnicodeDecodeError as exc:
                raise TemplateFailure(f"template {name} is not UTF-8 text: {exc.reason}") from None
        if len(source) > MAX_TEMPLATE_CHARS:
            limit = MAX_TEMPLATE_CHARS >> 20
            raise TemplateFailure(f"template {name} is too large: over {limit} Mi characters")
        return source, os.path.normpath(filename), lambda: True

    def list_templates(self) -> list[str]:
        if self.refused is not None:
            raise TemplateFailure(self.refused)
        return jinja2.FileSystemLoader(self.searchpath).list_templates()


def set_time_limit(env: jinja2.Environment, seconds: float | None) -> None:
    """Seconds each file's template may take in ``env`` (None: no limit)."""
    env.time_limit = seconds  # type: ignore[attr-defined]


class _Template(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        headroom = getattr(self.environment, "memory_headroom", None)
        try:
            with deadline.time_limit(getattr(self.environment, "time_limit", TEMPLATE_TIMEOUT)):
                if headroom is None:
                    return super().render(*args, **kwargs)
                with memory_cap(headroom):
                    return super().render(*args, **kwargs)
        except deadline.TimeLimitExceeded as exc:  # the alarm came after Jinja's own handler
            raise TemplateFailure(f"template {exc}") from None


def _joined(chunks: Iterable[str]) -> str:
    """The chunks a template yields, joined a batch at a time (``Environment.concat``).

    Jinja's own concat, ``"".join``, lists every chunk before joining them: a file that
    lists every page (the sitemap of 10,000 pages is 60,000 chunks, 5.4 MB of them for
    1.2 MB of text) held them all at once, and set a large site's peak RSS.
    """
    if isinstance(chunks, list):  # a block or macro's output, already listed
        return "".join(chunks)
    rest = iter(chunks)
    pieces = []
    while True:
        batch = list(itertools.islice(rest, JOIN_CHUNKS))
        pieces.append("".join(batch))
        if len(batch) < JOIN_CHUNKS:
            return "".join(pieces)


class _Failures:
    """Every failure of a template is a jinja2.TemplateError with a one-line reason."""

    template_class = _Template
    concat = staticmethod(_joined)

    def compile(
        self, source: Any, name: Any = None, filename: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return super().compile(source, name, filename, *args, **kwargs)  # type: ignore[misc]
        except jinja2.TemplateError:
            raise
        except Exception as exc:  # deep nesting, "too many statically nested blocks"
            reason = describe_failure(exc, "template")
            raise jinja2.TemplateSyntaxError(reason, 1, name, filename) from None

    def parse(self, source: str, name: Any = None, filename: Any = None) -> Any:
        try:
            return super().parse(source, name, filename)  # type: ignore[misc]
        except jinja2.TemplateError:
            raise
        except Exception as exc:
            reason = describe_failure(exc, "template")
            raise jinja2.TemplateSyntaxError(reason, 1, name, filename) from None

    def handle_exception(self, source: str | None = None) -> Any:
        exc = sys.exc_info()[1]
        if exc is None or isinstance(exc, jinja2.TemplateError):
            return super().handle_exception(source)  # type: ignore[misc]
        reason = describe_failure(exc, "template")
        if isinstance(exc, deadline.TimeLimitExceeded):
            reason = f"template {exc}"
        elif isinstance(exc, MemoryError):
            reason = f"template needed more than the {MEMORY_HEADROOM >> 20} MiB a template may use"
        raise TemplateFailure(reason + _where(exc.__traceback__)) from None


class _Environment(_Failures, jinja2.Environment):
    """The theme alone: our own templates, trusted."""


class _Sandboxed(_Failures, ImmutableSandboxedEnvironment):
    """With templates from the content: no reaching Python internals through attributes,
    no changing the values templates are given, no huge values made with '*' or '**', and
    no more than ``MEMORY_HEADROOM`` of memory (pipeline/memory_cap.py). (It doubles the
    cost of rendering a template, 0.1 ms a page: only when needed.)"""

    memory_headroom = MEMORY_HEADROOM
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 1000:
            raise SecurityError(f"exponent {right} is too large")
        if operator == "*" and _repeats(left, right) > MAX_REPEAT:
            raise SecurityError(f"'*' would make more than {MAX_REPEAT} items")
        return super().call_binop(context, operator, left, right)


def _repeats(left: Any, right: Any) -> int:
    """How many items or characters ``left * right`` makes, if it repeats a sequence."""
    for seq, count in ((left, right), (right, left)):
        if isinstance(count, int) and isinstance(seq, str | bytes | list | tuple):
            return len(seq) * count
    return 0


def _where(tb: TracebackType | None) -> str:
    """' (in FILE:LINE)' for the innermost template frame of a traceback, or ''."""
    where = ""
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            line = template.get_corresponding_lineno(tb.tb_lineno)
            where = f" (in {template.filename or template.name}:{line})"
        tb = tb.tb_next
    return where
