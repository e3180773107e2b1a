"""The build cache's errors."""

from __future__ import annotations

from typing import Any


class CacheError(Exception):
    """The manifest is unreadable or not one this build wrote."""


class ForeignCache(CacheError):
    """A manifest of this format made with other settings (title, base URL, cards, search,
    sidecars, versions): it cannot stand for this build, but the files it records are
    still the ones an earlier build wrote into the site (``earlier``, a Manifest)."""

    def __init__(self, message: str, earlier: Any) -> None:
        super().__init__(message)
        self.earlier = earlier
