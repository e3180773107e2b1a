import datetime as dt
import json
import math

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cache.values import StoredValueError, decode, encode

# YAML's safe loader gives fixed offsets (``+02:00``), never a named zone: a named zone's
# time in a DST gap compares unequal to the same instant in any other zone (PEP 495).
OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | st.dates()
    | st.datetimes()
    | st.datetimes(timezones=OFFSETS)
)
KEYS = st.none() | st.booleans() | st.integers() | st.text() | st.dates()
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner)
        | st.dictionaries(KEYS, inner)
        | st.lists(st.tuples(st.text(), inner))
        | st.sets(st.integers() | st.text())
    ),
    max_leaves=20,
)


def round_trip(value):
    return decode(json.loads(json.dumps(encode(value))))


def same(a, b) -> bool:
    """Equal and of the same type, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


@given(VALUES)
def test_every_value_comes_back_equal_and_of_the_same_type(value):
    assert same(round_trip(value), value)


def test_what_yaml_front_matter_gives_comes_back():
    block = """
title: "x"
n: 12345678901234567890123
f: .nan
inf: -.inf
when: 2024-03-17 10:00:00+02:00
naive: 2024-03-17 10:00:00
day: 2024-03-17
blob: !!binary aGVsbG8=
tags: !!set {a, b}
pairs: !!omap [{a: 1}, {b: 2}]
1: integer key
2024-01-01: date key
null: null key
nested: {x: [1, {y: z}]}
"""
    value = yaml.safe_load(block)
    back = round_trip(value)
    assert math.isnan(back.pop("f")) and math.isnan(value.pop("f"))
    assert same(back, value)


@pytest.mark.parametrize("data", [[1, 2], ["?", 1], ["i", "x"], ["m", [[1]]], ["b", "yes"], 3])
def test_anything_it_did_not_write_is_refused(data):
    with pytest.raises(StoredValueError):
        decode(data)


def test_a_type_yaml_never_gives_is_refused():
    with pytest.raises(TypeError):
        encode(object())
