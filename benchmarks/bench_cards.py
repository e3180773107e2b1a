"""Social cards (issue #14): one card's time, bytes and instructions, and the naive baseline.

Every class probes ``pipeline.cards`` in setup, so commits before it report n/a. Builds
with cards on come with the runner's ``cards`` option.
"""

import datetime as dt

from benchmarks import common

SIZES = ["standard", "high"]  # fixed here, not read from pipeline.cards: the grid never changes
# The card every per-card benchmark draws: a title that wraps onto three lines.
SITE_TITLE = "Pipeline benchmarks"
TITLE = "Fast static sites: how we made a Markdown build ten times faster without changing it"
DATE = (2024, 3, 17)
TAGS = ("python", "performance", "static sites")


def card_args() -> tuple:
    return SITE_TITLE, TITLE, dt.datetime(*DATE, tzinfo=dt.UTC), TAGS


def card_renderer(size: str):
    """The commit's CardRenderer of the theme's style, warmed up by one card."""
    cards = common.require("pipeline.cards")
    common.require("pipeline.cards", "CardRenderer")
    renderer = cards.CardRenderer(cards.load_style(), size)
    renderer.render(*card_args())  # the background, glyphs and fonts are made once
    return renderer


def card_work(size: str):
    """A no-argument function that draws the benchmark card (instructions_workload.py)."""
    renderer = card_renderer(size)
    args = card_args()
    return lambda: renderer.render(*args)


class Card:
    """One card, title wrapped on three lines, date and three tags, by a warmed-up renderer."""

    params = [SIZES]
    param_names = ["size"]
    version = 1
    timeout = 120
    warmup_time = 0.5

    def setup(self, size):
        self.renderer = card_renderer(size)
        self.args = card_args()

    def time_card(self, size):
        """Wall time per card: draw the text and encode the PNG."""
        self.renderer.render(*self.args)

    def track_card_bytes(self, size):
        """PNG bytes per card: a rise means a bigger file for every page of a site."""
        return len(self.renderer.render(*self.args).data)

    track_card_bytes.unit = "bytes"


class NaiveCard:
    """The same card drawn the naive way (benchmarks/cards_naive.py): the baseline."""

    params = [SIZES]
    param_names = ["size"]
    version = 1
    timeout = 120
    warmup_time = 0

    def setup(self, size):
        common.require("pipeline.cards", "CardRenderer")  # measured where cards exist
        from benchmarks import cards_naive

        self.render = cards_naive.render
        self.args = card_args()

    def time_naive_card(self, size):
        """Wall time per naive card; time_card against it is the gain."""
        self.render(*self.args, size)

    def track_naive_card_bytes(self, size):
        """PNG bytes per naive card (Pillow's default PNG settings)."""
        return len(self.render(*self.args, size))

    track_naive_card_bytes.unit = "bytes"


class CardInstructions:
    """CPU instructions of one standard card under valgrind, renderer warmed up."""

    version = 1
    timeout = 300

    def setup(self):
        common.require("pipeline.cards", "CardRenderer")

    def track_card_instructions(self):
        """Moves only when the work a card does changes (not with load)."""
        return common.count_instructions("card", "standard")

    track_card_instructions.unit = "instructions"
