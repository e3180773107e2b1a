"""Front-matter values as JSON, and back, with their types intact.

The build cache keeps each page's front matter so that a file whose size and
modification time did not change is not parsed again. YAML's safe loader gives more
types than JSON has (dates, date-times with their zone, bytes, sets, pairs, mappings
with non-string keys), so every value is stored as ``[tag, payload]``: decoding gives a
value equal to, and of the same type as, what the loader gave. Sharing is not kept
(an alias becomes a copy); front matter is bounded before it gets here.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any


class StoredValueError(ValueError):
    """A stored value that this module did not write."""


def encode(value: Any) -> Any:
    """A JSON-compatible form of ``value``; TypeError for a type YAML's safe loader never gives."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", str(value)]  # exact at any size, whatever reads the JSON
    if isinstance(value, float):
        return ["f", repr(value)]  # nan and inf too
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, bytes):
        return ["y", base64.b64encode(value).decode("ascii")]
    if isinstance(value, list):
        return ["l", [encode(item) for item in value]]
    if isinstance(value, tuple):
        return ["p", [encode(item) for item in value]]
    if isinstance(value, set):
        return ["s", [encode(item) for item in value]]
    if isinstance(value, dict):
        return ["m", [[encode(k), encode(v)] for k, v in value.items()]]
    raise TypeError(f"cannot store a {type(value).__name__} from front matter")


def decode(data: Any) -> Any:
    """The value ``encode`` was given; StoredValueError for anything it did not write."""
    if data is None or isinstance(data, str):
        return data
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str)):
        raise StoredValueError(f"not a stored value: {data!r:.80}")
    tag, payload = data
    try:
        return _DECODERS[tag](payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise StoredValueError(f"not a stored {tag!r} value: {exc}") from None


def _bool(payload: Any) -> bool:
    if not isinstance(payload, bool):
        raise TypeError("not a boolean")
    return payload


def _items(payload: Any) -> list[Any]:
    if not isinstance(payload, list):
        raise TypeError("not a list")
    return [decode(item) for item in payload]


def _mapping(payload: Any) -> dict[Any, Any]:
    if not isinstance(payload, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in payload
    ):
        raise TypeError("not a list of pairs")
    return {decode(k): decode(v) for k, v in payload}


_DECODERS = {
    "b": _bool,
    "i": int,
    "f": float,
    "t": dt.datetime.fromisoformat,
    "d": dt.date.fromisoformat,
    "y": lambda payload: base64.b64decode(payload, validate=True),
    "l": _items,
    "p": lambda payload: tuple(_items(payload)),
    "s": lambda payload: set(_items(payload)),
    "m": _mapping,
}
