"""Front matter: the YAML block between ``---`` lines at the top of a page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from msgspec import Struct, field

from pipeline import lazy
from pipeline.errors import PipelineError

# Loaded when a page's front matter is first parsed: an unchanged page's comes from the
# build cache (pipeline/lazy.py).
yaml = lazy.module("yaml")
bounded_yaml = lazy.module("pipeline.bounded_yaml")

# Lines end in "\n", "\r\n" or "\r" alone (old Mac files), as Python-Markdown reads them.
_FENCE = re.compile(r"---[ \t]*(?:\r\n?|\n)")
_CLOSE = re.compile(r"(?<![^\r\n])(?:---|\.\.\.)[ \t]*(?=[\r\n]|\Z)")
_SLUG = re.compile(r"[^/\\\x00]+")
KNOWN_KEYS = ("title", "date", "tags", "slug", "draft", "template", "summary")


class FrontMatter(Struct):
    """A page's front matter, checked."""

    title: str | None = None
    date: dt.datetime | None = None  # always timezone-aware UTC
    tags: tuple[str, ...] = ()
    slug: str | None = None
    draft: bool = False
    template: str = "page"
    summary: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # sha256 of the YAML text: stands for the values above without expanding them (the
    # YAML may share one object in many places, see bounded_yaml).
    digest: str = ""


def split(text: str, path: str) -> tuple[FrontMatter, str]:
    """Return the page's front matter and its Markdown body.

    A page that does not start with ``---`` has no front matter and all of it is body.
    """
    block, body_start = fence(text, path)
    return parse(block, path), text[body_start:]


def fence(text: str, path: str) -> tuple[str | None, int]:
    """The page's front matter block, unparsed (None: it has none), and where its body
    starts."""
    opening = _FENCE.match(text)
    if not opening:
        return None, 0
    closing = _CLOSE.search(text, opening.end())
    if not closing:
        raise PipelineError(path, "front matter opened with '---' is never closed", line=1)
    body_start = closing.end()
    if text.startswith("\r\n", body_start):
        body_start += 2
    elif text.startswith(("\n", "\r"), body_start):
        body_start += 1
    return text[opening.end() : closing.start()], body_start


def parse(block: str | None, path: str, block_digest: str | None = None) -> FrontMatter:
    """The front matter of a block ``fence`` found, checked; ``block_digest``: its
    ``digest``, if the caller has it already."""
    if block is None:
        return FrontMatter()
    meta = _parse(block, path)
    meta.digest = block_digest or digest(block)
    return meta


def digest(block: str) -> str:
    return hashlib.sha256(block.encode()).hexdigest()


def _parse(block: str, path: str) -> FrontMatter:
    try:
        data = bounded_yaml.load(block)
    except bounded_yaml.LimitError as exc:
        raise PipelineError(path, f"front matter {exc.problem}", line=exc.line + 2) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the '---'
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
            line = block.count("\n", 0, exc.position) + 2
        # One line: the rest of a YAML error is where it is, which the line number says.
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PipelineError(path, f"malformed front matter: {problem}", line=line) from None
    if data is None:
        return FrontMatter()
    if not isinstance(data, dict):
        raise PipelineError(path, "front matter must be a mapping of keys to values", line=2)

    def fail(key: str, message: str) -> PipelineError:
        return PipelineError(path, f"front matter '{key}': {message}", line=_key_line(block, key))

    meta = FrontMatter(extra={str(k): v for k, v in data.items() if k not in KNOWN_KEYS})
    if "title" in data:
        meta.title = _text(data["title"], "title", fail)
    if "summary" in data:
        meta.summary = _text(data["summary"], "summary", fail)
    if "date" in data:
        meta.date = _date(data["date"], fail)
    if "tags" in data:
        meta.tags = _tags(data["tags"], fail)
    if "slug" in data:
        slug = _text(data["slug"], "slug", fail)
        if not _SLUG.fullmatch(slug) or slug.startswith("."):
            raise fail("slug", f"{slug!r} must be one file name (no '/', no leading '.')")
        meta.slug = slug
    if "draft" in data:
        if not isinstance(data["draft"], bool):
            raise fail("draft", f"expected true or false, got {data['draft']!r}")
        meta.draft = data["draft"]
    if "template" in data:
        template = _text(data["template"], "template", fail)
        if not _SLUG.fullmatch(template) or template.startswith("."):
            raise fail("template", f"{template!r} is not a template name")
        meta.template = template
    return meta


def _text(value: Any, key: str, fail) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise fail(key, f"expected text, got {type(value).__name__}")


def _date(value: Any, fail) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise fail("date", f"{value!r} is not an ISO date such as 2024-05-31") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:  # 9999-12-31 23:00-05:00 is in year 10000 in UTC
            raise fail(
                "date", f"{value.isoformat()} is past year 9999 or before year 1 in UTC"
            ) from None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    raise fail("date", f"expected a date, got {type(value).__name__}")


def _tags(value: Any, fail) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise fail("tags", f"expected a list, got {type(value).__name__}")
    tags = []
    for item in items:
        tag = _text(item, "tags", fail).strip()
        if not tag:
            raise fail("tags", "empty tag")
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _key_line(block: str, key: str) -> int:
    """The 1-based file line of ``key:`` in the block (the block starts on line 2)."""
    match = re.search(rf"^{re.escape(key)}\s*:", block, re.MULTILINE)
    return 2 + block.count("\n", 0, match.start()) if match else 1
