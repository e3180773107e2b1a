"""Random draws from a seeded generator, and the plan records they fill."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np

# Page sizes in bytes. Blocks stop at the target; the hard stop leaves room for the
# images and the "Related" list that are added after the main loop.
MIN_TARGET, MAX_TARGET, HARD_STOP = 2150, 8800, 9300


@dataclass(slots=True)
class Draws:
    """Random integers pulled from the generator in chunks.

    One ``rng.integers`` call per chunk instead of per choice keeps the generator
    fast; the sequence of values is still fixed by the seed alone.
    """

    rng: np.random.Generator
    buf: list[int] = field(default_factory=list)
    pos: int = 0

    def _refill(self) -> None:
        self.buf = self.buf[self.pos :] + self.rng.integers(0, 1 << 30, size=1 << 16).tolist()
        self.pos = 0

    def raw(self) -> int:
        # Values are below 2**30, so the modulo bias of the helpers below is at most
        # n / 2**30: invisible for word lists and still tiny for page lists.
        if self.pos >= len(self.buf):
            self._refill()
        self.pos += 1
        return self.buf[self.pos - 1]

    def take(self, count: int) -> list[int]:
        if self.pos + count > len(self.buf):
            self._refill()
        self.pos += count
        return self.buf[self.pos - count : self.pos]

    def below(self, n: int) -> int:
        return self.raw() % n

    def between(self, low: int, high: int) -> int:
        return low + self.raw() % (high - low + 1)

    def pick(self, items):
        return items[self.raw() % len(items)]

    def percent(self, chance: int) -> bool:
        return self.raw() % 100 < chance

    def sample(self, items, k: int) -> list:
        pool = list(items)
        for i in range(k):  # partial Fisher-Yates
            j = i + self.raw() % (len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


@dataclass(slots=True)
class PagePlan:
    index: int
    folder: str
    stem: str
    title: str
    out_name: str  # front matter slug if set, else the file stem
    front_matter: bool
    draft: bool
    slug: str | None
    template: bool
    date: dt.date
    tags: list[str]
    images: int
    target: int

    @property
    def source(self) -> str:
        return f"{self.folder}/{self.stem}.md"


@dataclass(slots=True)
class ImagePlan:
    name: str
    alt: str
    title: str | None


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
