"""The build's side of social cards: what each render task asks for, each card written or kept.

``BuildCards`` is one build's cards. Before rendering, ``task`` adds a page's card inputs
to its render task (with the key of its card already in the site, which the render
process then does not draw again); ``check`` loads the style once, so that a bad
``card.json`` stops the build with one line naming it. After rendering, ``receive``
gives the page its card reference (the page template's ``og:image``) or a warning, and
``write`` writes the card through the SiteWriter, after the page itself was built.
Without cards (``setup`` None) every method leaves the page as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.cache import BuildCache
from pipeline.cache.entries import CardEntry, PageEntry
from pipeline.cards.job import CardInput, CardSetup, mode_of
from pipeline.cards.style import SIZES, CardStyleError, load_style
from pipeline.page import CardRef, Page, card_path, default_title
from pipeline.render import Rendered, Task
from pipeline.report import BuildReport, StageClock
from pipeline.write import SiteWriter


class BuildCards:
    def __init__(
        self,
        setup: CardSetup | None,
        cache: BuildCache,
        writer: SiteWriter,
        report: BuildReport,
    ) -> None:
        self.setup = setup
        self.cache = cache
        self.writer = writer
        self.report = report
        self.root = writer.root  # the output folder, where kept cards must still be
        self._old: dict[str, CardEntry] = {}  # source -> its card in the site, for kept ones

    @property
    def digest(self) -> str:
        """For the page keys: "" without cards."""
        return "" if self.setup is None else self.setup.digest

    def task(self, path: str, page: Page) -> Task:
        """The render task of ``page`` (file ``path``), with its card inputs."""
        if self.setup is None:
            return (path, page.body_start)
        kept = None
        if self.cache.enabled:
            old = self.cache.old_card(page, self.root)
            if old is not None:
                self._old[page.source] = old
                kept = old.key
        fallback = default_title(page.source)
        job = CardInput(page.title, fallback, page.date, tuple(page.tags), kept)
        return (path, page.body_start, job)

    def check(self, tasks: list[Task], content: str | os.PathLike[str]) -> None:
        """Raise CardStyleError when a card is to be drawn and the style cannot be used."""
        if self.setup is not None and tasks:
            load_style(content)

    def restore(self, page: Page, entry: PageEntry) -> None:
        """A cache hit: its card, if it has one, stays in the site as it is."""
        if entry.card is not None:
            page.card = entry.card.ref
            self.report.cards_kept += 1
            self.writer.kept()

    def receive(self, page: Page, result: Rendered) -> bool:
        """Give the page its card reference; False when its card failed (a warning says why)."""
        if self.setup is None:
            return True
        card = result.card
        error = "the render stage drew no card" if card is None else card.error
        if error is not None:
            self.report.cards_failed += 1
            self.report.warnings.append(f"{page.source}: built without a social card: {error}")
            return False
        assert card is not None
        if card.missing:
            self.report.warnings.append(
                f"{page.source}: its social card shows {len(card.missing)} character(s) the "
                f"card font cannot draw as boxes: {card.missing[:20]!r}"
            )
        width, height = SIZES[self.setup.size]
        page.card = CardRef(card_path(page.out_path), width, height)
        return True

    def write(self, page: Page, result: Rendered) -> CardEntry | None:
        """Write the page's card (or keep the one in the site); its cache entry."""
        card, ref = result.card, page.card
        if card is None or ref is None:
            return None
        old = self._old.pop(page.source, None)
        if card.kept and old is not None:
            self.report.cards_kept += 1
            self.writer.kept()
            return old
        if card.data is None:  # kept, but not offered: cannot happen with this BuildCards
            return None
        self.report.cards_drawn += 1
        self.writer.card(ref.path, card.data)
        return CardEntry(card.key, ref.path, ref.width, ref.height, len(card.data))


def charge(clock: StageClock, source: str, result: Rendered, waited: float) -> None:
    """Charge the wait for a page's result to render and cards, in proportion to the time
    its process spent on each (CPU exactly), so that the stages still add up to the build.
    The card's time is its own: a render process may draw it well after the Markdown."""
    card = result.card
    if card is None:
        clock.add("render", waited, result.cpu)
        return
    drawing = card.end - card.start
    total = result.end - result.start + drawing
    share = drawing / total if total > 0 else 0.0
    clock.add("render", waited * (1 - share), result.cpu)
    clock.add("cards", waited * share, card.cpu)
    clock.span("cards", card.start, card.end, source, result.pid)


def setup_of(cards: str | None, site_title: str, content: Path) -> CardSetup | None:
    """The build's card setup: None without cards (``cards`` already checked: mode_of)."""
    return None if cards is None else CardSetup.of(cards, site_title, content)


def render_options(setup: CardSetup | None) -> dict[str, CardSetup]:
    """The render stage's keyword for cards: none without them, so that a swapped-in render
    stage that knows nothing of cards still works when they are off."""
    return {} if setup is None else {"cards": setup}


__all__ = ["BuildCards", "CardSetup", "CardStyleError", "card_path", "charge", "mode_of"]
