"""hostile-sweep (perftools/hostile_sweep.py): shapes converted at two sizes, flagged."""

import pytest

from perftools import hostile_sweep
from perftools.__main__ import main
from pipeline import markup


@pytest.mark.parametrize(
    ("small", "large", "flagged"),
    [
        (0.1, 0.4, False),  # linear
        (0.1, 1.6, True),  # quadratic
        (0.001, 0.016, False),  # quadratic, but too fast to tell from noise
        (25.0, None, True),  # the larger text was not tried
    ],
)
def test_a_shape_is_flagged_when_four_times_the_text_costs_over_eight_times(small, large, flagged):
    assert hostile_sweep.superlinear(small, large) is flagged


def test_every_shape_makes_text_that_grows_with_n():
    for name, shape in hostile_sweep.SHAPES.items():
        assert len(shape(40)) > len(shape(10)) > 0, name


def test_measure_reports_an_exception_as_a_page_would_fail(monkeypatch):
    class Failing:
        def reset(self):
            return self

        def convert(self, text):
            raise ValueError(text)

    monkeypatch.setattr(markup, "new_markdown", Failing)
    small, large, failure = hostile_sweep.measure(lambda n: "x" * n, 10)
    assert failure == "ValueError"
    assert small >= 0 and large is not None


def test_the_command_converts_each_shape_asked_for_at_both_sizes(capsys):
    assert main(["hostile-sweep", "--size", "50", "--only", "list items", "emphasis, nested"]) == 0
    out = capsys.readouterr().out
    assert "list items" in out and "emphasis, nested" in out
    assert "0 of 2 shapes flagged" in out
    assert main(["hostile-sweep", "--only", "no such shape"]) == 2
