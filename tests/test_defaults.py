"""The CLI's defaults and the library versions, kept apart from the modules behind them
(pipeline/defaults.py, pipeline/versions.py): they must agree with those modules."""

import importlib

import pytest

from pipeline import defaults
from pipeline.cards.job import OFF
from pipeline.cards.style import SIZES
from pipeline.render import DEFAULT_PAGE_TIMEOUT
from pipeline.versions import installed_version


def test_the_card_modes_are_off_then_every_card_size():
    assert defaults.CARD_MODES == (OFF, *SIZES)


def test_the_render_stage_uses_the_cli_default_time_limit():
    assert DEFAULT_PAGE_TIMEOUT == defaults.PAGE_TIMEOUT > 0


def test_default_jobs_is_at_least_one():
    assert defaults.default_jobs() >= 1


@pytest.mark.parametrize(("module", "dist"), [("markdown", None), ("jinja2", None),
                                               ("PIL", "pillow")])  # fmt: skip
def test_installed_versions_without_importing_are_the_imported_ones(module, dist):
    assert installed_version(module, dist) == importlib.import_module(module).__version__
