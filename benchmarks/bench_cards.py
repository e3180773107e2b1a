"""Social cards (issue #14): one card's time, bytes and instructions, and the naive baseline;
a 300-page build with cards off, standard and high, and a no-change rebuild with cards.

Every class probes ``pipeline.cards`` in setup, so commits before it report n/a. Builds
with cards on come with the runner's ``cards`` option, probed the same way.
"""

import datetime as dt
import inspect
import os

from benchmarks import common

SIZES = ["standard", "high"]  # fixed here, not read from pipeline.cards: the grid never changes
CARD_MODES = ["off", *SIZES]  # the runner's cards option
BUILD_PAGES = 300
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


def cards_runner():
    """The commit's runner when it has the ``cards`` option (issue #14), else n/a."""
    runner = common.staged_runner()
    if "cards" not in inspect.signature(runner).parameters:
        raise NotImplementedError("this commit's runner draws no social cards")
    return runner


def card_share(report) -> float:
    """The cards stage's share of the build's wall time, in %."""
    return 100 * report.stages["cards"].wall / report.elapsed


class BuildCards:
    """A clean 300-page build in one process with cards off, standard and high.

    One process (``jobs=1``), DirectSink and no cache, like bench_pipeline.Build: each
    mode does the same work whatever the machine's cores, and the card stage's share of
    the wall time is exact (the render processes' time is the build's own).
    """

    params = [CARD_MODES]
    param_names = ["cards"]
    version = 1
    timeout = 300
    # Budget: 2-4 s a build; two samples each, and one reference build per mode in
    # setup_cache for the share.
    number = 1
    rounds = 1
    repeat = (2, 2, 30.0)
    warmup_time = 0

    def setup_cache(self):
        content = common.make_corpus(os.path.abspath("content-cards"), BUILD_PAGES)
        try:
            cards_runner()
        except NotImplementedError:
            return {"content": content, "shares": {}}
        shares = {}
        for mode in CARD_MODES:
            report = common.build(content, common.fresh_dir("cards-"), jobs=1, cards=mode)
            shares[mode] = card_share(report)
        return {"content": content, "shares": shares}

    def setup(self, data, cards):
        cards_runner()
        self.content = data["content"]

    def time_build(self, data, cards):
        """Wall time of a clean build; standard against off is what cards cost a site."""
        common.build(self.content, common.fresh_dir("site-"), jobs=1, cards=cards)

    def track_card_share(self, data, cards):
        """% of the build's wall time spent drawing cards (the BuildReport's cards stage)."""
        return data["shares"][cards]

    track_card_share.unit = "%"


class RebuildCards:
    """A no-change rebuild of a 300-page site with its build cache, cards on and off.

    Goal: with cards no slower than 2% (nothing is drawn, Pillow is not even imported).
    """

    params = [["off", "standard"]]
    param_names = ["cards"]
    version = 1
    timeout = 300
    # Budget: two full builds in setup_cache; a no-change rebuild takes a fraction of a
    # second and writes nothing, so samples rebuild the same folder.
    number = 1
    rounds = 1
    repeat = (5, 5, 10.0)
    warmup_time = 0

    def setup_cache(self):
        content = common.make_corpus(os.path.abspath("content-cards-rebuild"), BUILD_PAGES)
        try:
            cards_runner()
        except NotImplementedError:
            return {}  # not None: asv would then call setup without this argument
        sites = {}
        for mode in self.params[0]:
            site, cache = os.path.abspath(f"site-{mode}"), os.path.abspath(f"cache-{mode}")
            common.build(content, site, jobs=1, cache_dir=cache, cards=mode)
            sites[mode] = {"content": content, "site": site, "cache": cache}
        return sites

    def setup(self, sites, cards):
        cards_runner()
        self.site = sites[cards]

    def time_rebuild(self, sites, cards):
        """Wall time of a rebuild with nothing changed."""
        site = self.site
        common.build(site["content"], site["site"], jobs=1, cache_dir=site["cache"], cards=cards)
