"""A card's style: the theme's ``card.json``, overridden key by key by the content's.

Lengths are in pixels of the standard 1200x630 card; the high-resolution card scales
them. A style file is untrusted input: every value is checked, and an error names the
file, the key and what was wrong with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from msgspec import Struct, structs

from pipeline import confine
from pipeline.errors import PipelineError
from pipeline.template_files import USER_TEMPLATES, user_folder

THEME_STYLE = Path(__file__).resolve().parents[1] / "theme" / "card.json"
USER_STYLE = f"{USER_TEMPLATES}/card.json"  # in the content folder
BASE_WIDTH, BASE_HEIGHT = 1200, 630
# Card sizes by name; here, not beside the renderer, so that a build can know them without
# importing Pillow (a no-change rebuild draws nothing).
SIZES = {"standard": (BASE_WIDTH, BASE_HEIGHT), "high": (2 * BASE_WIDTH, 2 * BASE_HEIGHT)}
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_MAX_STYLE_BYTES = 64 << 10  # a style is a dozen keys; anything larger is not one


class CardStyleError(PipelineError):
    """A card style file that cannot be used: names the file (and line, for bad JSON)."""


Colour = tuple[int, int, int]


class CardStyle(Struct, frozen=True):
    """Colours, sizes and margins of a card (the theme's card.json, overridden by the site's)."""

    background: tuple[Colour, ...]  # one colour (flat) or two (top to bottom gradient)
    title_color: Colour
    text_color: Colour  # site title, date and tags
    accent_color: Colour  # the bar along the bottom edge
    accent_height: int
    margin: int
    site_title_size: int
    title_size: int
    text_size: int
    title_lines: int  # at most; a longer title ends with an ellipsis
    line_spacing: float  # title line step, as a multiple of title_size

    def digest(self) -> str:
        """A digest of every value, for the card key."""
        return hashlib.sha256(json.dumps(structs.asdict(self), sort_keys=True).encode()).hexdigest()


# key -> (kind, low, high): the checks every value of a style file passes.
_RULES: dict[str, tuple[str, float, float]] = {
    "background": ("colours", 1, 2),
    "title_color": ("colour", 0, 0),
    "text_color": ("colour", 0, 0),
    "accent_color": ("colour", 0, 0),
    "accent_height": ("int", 0, 100),
    "margin": ("int", 0, 300),
    "site_title_size": ("int", 8, 200),
    "title_size": ("int", 8, 200),
    "text_size": ("int", 8, 200),
    "title_lines": ("int", 1, 6),
    "line_spacing": ("number", 1.0, 3.0),
}
assert set(_RULES) == set(CardStyle.__struct_fields__)


def load_style(content_dir: str | os.PathLike[str] | None = None) -> CardStyle:
    """The theme's style, with the keys of ``CONTENT/_templates/card.json`` if it exists."""
    values = _parse(THEME_STYLE, read_style(THEME_STYLE))
    if content_dir is not None:
        user = Path(content_dir) / USER_STYLE
        if os.path.lexists(user):  # a folder or a broken link there is an error, not ignored
            values.update(_parse(user, read_style(user, content_dir)))
            return style_from(values, str(user))
    return style_from(values, str(THEME_STYLE))


def style_from(values: dict[str, Any], source: str = "card style") -> CardStyle:
    """A checked CardStyle from a complete dict of style keys; ``source`` names it in errors."""
    unknown = sorted(set(values) - set(_RULES))
    if unknown:
        raise CardStyleError(source, f"unknown key {unknown[0]!r} (known: {', '.join(_RULES)})")
    missing = [key for key in _RULES if key not in values]
    if missing:
        raise CardStyleError(source, f"missing key {missing[0]!r}")
    checked = {key: _check(source, key, values[key]) for key in _RULES}
    style = CardStyle(**checked)
    _check_layout(source, style)
    return style


def read_style(path: Path, content_dir: str | os.PathLike[str] | None = None) -> bytes:
    """The bytes of a style file (at most one more than a style may have). A content
    folder's (``content_dir`` given) must really be in its ``_templates``, as its templates
    must: content may come from a pull request, and a link there may lead anywhere."""
    try:
        fd = os.open(path, confine.OPEN_FLAGS)  # non-blocking: a FIFO is refused, not waited on
        try:
            if content_dir is not None:
                _confine(fd, path, content_dir)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise CardStyleError(str(path), "not a regular file")
        except BaseException:
            os.close(fd)
            raise
        with open(fd, "rb") as f:
            return f.read(_MAX_STYLE_BYTES + 1)
    except OSError as exc:
        raise CardStyleError(str(path), f"cannot read the card style: {exc.strerror}") from None


def _confine(fd: int, path: Path, content_dir: str | os.PathLike[str]) -> None:
    folder, refused = user_folder(content_dir)
    if refused is not None:
        raise CardStyleError(str(path), refused)
    real = confine.real_path(fd, path)
    if real is None:
        raise CardStyleError(str(path), "changed while it was being opened")
    if not confine.inside(real, folder):
        raise CardStyleError(
            str(path), f"a link to {real}, outside the content folder's {USER_TEMPLATES}"
        )


def _parse(path: Path, data: bytes) -> dict[str, Any]:
    if len(data) > _MAX_STYLE_BYTES:
        raise CardStyleError(str(path), f"larger than {_MAX_STYLE_BYTES} bytes: not a card style")
    try:
        values = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CardStyleError(str(path), f"not UTF-8: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise CardStyleError(str(path), f"not valid JSON: {exc.msg}", exc.lineno) from None
    if not isinstance(values, dict):
        raise CardStyleError(str(path), "must be a JSON object of style keys")
    return values


def _check(source: str, key: str, value: Any) -> Any:
    kind, low, high = _RULES[key]
    if kind == "colour":
        return _colour(source, key, value)
    if kind == "colours":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not low <= len(value) <= high:
            raise CardStyleError(source, f"{key} must be one colour or a list of two")
        return tuple(_colour(source, key, v) for v in value)
    number_types = (int,) if kind == "int" else (int, float)
    if isinstance(value, bool) or not isinstance(value, number_types):
        what = "an integer" if kind == "int" else "a number"
        raise CardStyleError(source, f"{key} must be {what}, not {json.dumps(value)[:40]}")
    if not low <= value <= high:
        raise CardStyleError(source, f"{key} must be between {low} and {high}, not {value}")
    return value if kind == "int" else float(value)


def _colour(source: str, key: str, value: Any) -> Colour:
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        shown = json.dumps(value)[:40]
        raise CardStyleError(source, f'{key} must be a colour written "#rrggbb", not {shown}')
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def _check_layout(source: str, style: CardStyle) -> None:
    """Everything must fit on the card, or the card would cut it off silently."""
    if BASE_WIDTH - 2 * style.margin < 200:
        raise CardStyleError(source, f"margin {style.margin} leaves under 200 px for text")
    title_bottom = title_top(style) + (style.title_lines - 1) * title_step(style)
    title_bottom += round(style.title_size * 1.25)  # descenders of the last line
    if title_bottom > meta_top(style):
        raise CardStyleError(
            source,
            f"{style.title_lines} title lines of title_size {style.title_size} do not fit "
            "between the site title and the date line: lower title_size, title_lines, "
            "line_spacing, site_title_size or margin",
        )


def title_top(style: CardStyle, scale: float = 1.0) -> int:
    """Top of the first title line: the site title and a gap as high as it are above."""
    return round(style.margin * scale) + 2 * round(style.site_title_size * scale)


def title_step(style: CardStyle, scale: float = 1.0) -> int:
    return round(style.title_size * scale * style.line_spacing)


def meta_top(style: CardStyle, scale: float = 1.0) -> int:
    """Top of the date and tags line, a margin above the bottom edge."""
    height = round(BASE_HEIGHT * scale)
    return height - round(style.margin * scale) - round(style.text_size * scale)
