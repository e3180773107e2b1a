"""Social cards (issue #14): what pipeline.cards draws, how it fails, and its card key."""

import datetime as dt
import io
import itertools
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageStat

from benchmarks import cards_naive
from pipeline.cards import (
    SIZES,
    CardError,
    CardRenderer,
    CardStyleError,
    card_key,
    load_style,
    style_from,
)
from pipeline.cards.glyphs import face
from pipeline.cards.job import style_digest
from pipeline.cards.paint import Line, Painter, paint
from pipeline.cards.png import BackgroundEncoder, adler32_combine, blocks_of, scanlines
from pipeline.cards.text import ELLIPSIS, wrap
from tests.helpers import write

REPO = Path(__file__).resolve().parents[1]
DATE = dt.datetime(2024, 3, 17, 9, 30, tzinfo=dt.UTC)
TAGS = ("python", "performance", "static sites")
LONG = "Fast static sites: how we made a Markdown build ten times faster without changing it"
THEME = json.loads((REPO / "pipeline" / "theme" / "card.json").read_text())


@pytest.fixture(scope="module")
def renderers() -> dict[str, CardRenderer]:
    """One renderer per size, shared as a render worker shares it between pages."""
    return {size: CardRenderer(load_style(), size) for size in SIZES}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.verify()  # chunk CRCs
    image = Image.open(io.BytesIO(data))
    image.load()  # inflates the stream: a wrong Adler-32 or deflate piece fails here
    return image


def pixels_of(rows: bytes, width: int) -> Image.Image:
    """The RGB image of ``scanlines`` rows: each row's pixels after its filter byte."""
    stride = 3 * width + 1
    assert not any(rows[::stride])  # every row's filter byte: 0, none
    data = b"".join(rows[start + 1 : start + stride] for start in range(0, len(rows), stride))
    return Image.frombytes("RGB", (width, len(rows) // stride), data)


def mean_difference(first: bytes, second: bytes) -> float:
    a, b = decoded(first).convert("RGB"), decoded(second).convert("RGB")
    assert a.size == b.size
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("size", SIZES)
def test_card_is_a_valid_png_of_the_announced_size(renderers, size):
    card = renderers[size].render("Site", LONG, DATE, TAGS)
    assert png_size(card.data) == SIZES[size] == (card.width, card.height)
    image = decoded(card.data)
    assert image.size == SIZES[size] and image.mode == "RGB"
    assert card.missing == ""


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "title",
    [
        LONG,
        "Short",
        "Boxes overlap: jinx, fox; axe/j\\x (brackets) [and] {braces}",
        "Averyveryveryverylongwordthatcannotfitononelineatallbecauseitgoesonandonandonforever",
        "word " * 40,
    ],
)
def test_fast_card_looks_like_the_naive_card(renderers, size, title):
    fast = renderers[size].render("Pipeline demo", title, DATE, TAGS).data
    naive = cards_naive.render("Pipeline demo", title, DATE, TAGS, size)
    assert mean_difference(fast, naive) < 0.05


@pytest.mark.parametrize(
    "changes",
    [
        {"background": ["#ffffff"], "title_color": "#101010", "accent_height": 0},
        {"line_spacing": 1.0, "title_lines": 4, "title_size": 56, "margin": 40},
        {"background": ["#000000", "#ff8800"], "text_color": "#00ff00", "text_size": 20},
    ],
)
def test_fast_card_looks_like_the_naive_card_in_other_styles(changes):
    values = {**THEME, **changes}
    fast = CardRenderer(style_from(values), "standard").render("Site", LONG * 2, None, TAGS)
    naive = cards_naive.render("Site", LONG * 2, None, TAGS, "standard", values)
    assert mean_difference(fast.data, naive) < 0.05


def test_cards_do_not_depend_on_what_the_renderer_drew_before(renderers):
    first = renderers["standard"].render("Site", "First title", DATE, TAGS).data
    renderers["standard"].render("Site", "Other words, other rows (jx)", None, ("x",))
    renderers["standard"].render("Other site", "Third", DATE, ())
    again = renderers["standard"].render("Site", "First title", DATE, TAGS).data
    fresh = CardRenderer(load_style(), "standard").render("Site", "First title", DATE, TAGS).data
    assert first == again == fresh


def test_glyphs_over_a_background_that_varies_along_rows_are_blended_exactly():
    background = Image.linear_gradient("L").resize((600, 200)).rotate(90).convert("RGB")
    line = Line(face(40), (250, 20, 20), 10, 50, "Sideways jinx, fox")
    painted = background.copy()
    paint(painted, [line])
    band = pixels_of(Painter(background, scanlines(background)).band(0, 200, [line]), 600)
    expected = background.copy()
    ImageDraw.Draw(expected).text((10, 50), line.text, fill=(250, 20, 20), font=face(40).font)
    assert ImageChops.difference(painted, expected).getbbox() is None
    assert ImageChops.difference(band, expected).getbbox() is None


@pytest.mark.parametrize("x", [-17, 0, 430])
def test_glyphs_cut_by_the_card_edges_are_painted_as_over_the_whole_image(x):
    """Rows of one colour each (glyphs reused as sprites), the line running off the left
    or the right edge: only what is on the card is painted, and nothing wraps around."""
    background = Image.linear_gradient("L").resize((600, 120)).convert("RGB")
    line = Line(face(40), (250, 20, 20), x, 30, "O wide jinx, quartz fox")
    whole = background.copy()
    paint(whole, [line])
    if x >= 0:  # ImageDraw starts a line at a negative x elsewhere; cards never do
        expected = background.copy()
        ImageDraw.Draw(expected).text((x, 30), line.text, fill=(250, 20, 20), font=face(40).font)
        assert ImageChops.difference(whole, expected).getbbox() is None
    painter = Painter(background, scanlines(background))
    for _ in range(2):  # sprites blended, then reused
        band = pixels_of(painter.band(0, 120, [line]), 600)
        assert ImageChops.difference(band, whole).getbbox() is None


def test_a_title_too_long_for_its_lines_ends_with_an_ellipsis():
    title_face = face(68)
    lines = wrap(title_face, LONG.split() * 3, 1040, 3)
    assert len(lines) == 3 and lines[-1].endswith(ELLIPSIS)
    assert all(title_face.width(line) <= 1040 for line in lines)
    assert wrap(title_face, ["Short", "title"], 1040, 3) == ["Short title"]


def test_letters_the_font_lacks_are_drawn_as_their_base_letters(renderers):
    renderer = renderers["standard"]
    accented = renderer.render("Café", "Crème brûlée \u2013 naïve", None, ("déjà",))
    plain = renderer.render("Cafe", "Creme brulee - naive", None, ("deja",))
    assert accented.data == plain.data and accented.missing == ""


def test_whitespace_and_invisible_characters_do_not_change_the_card(renderers):
    renderer = renderers["standard"]
    messy = renderer.render("Site", "  A\tmessy\n\ntitle\u200b \u00a0here\u200d ", None, ())
    clean = renderer.render("Site", "A messy title here", None, ())
    assert messy.data == clean.data


@pytest.mark.parametrize(
    "title",
    ["", "   ", "x" * 10_000, "word " * 10_000, "שלום עולם", "مرحبا بالعالم", "Party 🎉👩‍👩‍👧"],
)
def test_unusual_titles_still_give_a_card(renderers, title):
    card = renderers["standard"].render("Site", title, DATE, TAGS)
    assert decoded(card.data).size == SIZES["standard"]


def test_characters_the_font_cannot_draw_are_reported(renderers):
    card = renderers["standard"].render("Site ש", "Party 🎉 שלום", None, ("标签",))
    assert set(card.missing) == set("🎉שלום标签")


@pytest.mark.parametrize(
    ("site", "title", "tags", "message"),
    [
        ("Site", "a\x00b", (), "title has a control character U+0000 at position 1"),
        ("Site", "bell\x07", (), "title has a control character U+0007 at position 4"),
        ("Site", "half \ud800 pair", (), "title has a lone surrogate U+D800 at position 5"),
        ("Si\x1bte", "ok", (), "site title has a control character U+001B at position 2"),
        ("Site", "ok", ("fine", "b\x00d"), "tag 2 has a control character U+0000 at position 1"),
        ("Site", None, (), "title must be a string, not NoneType"),
        ("Site", "ok", "python", "tags must be a list of strings, not str"),
        ("Site", "ok", (3,), "tag 1 must be a string, not int"),
    ],
)
def test_inputs_that_cannot_be_drawn_raise_one_clear_card_error(
    renderers, site, title, tags, message
):
    with pytest.raises(CardError) as error:
        renderers["standard"].render(site, title, None, tags)
    assert str(error.value) == message


def test_an_unknown_size_is_a_card_error():
    with pytest.raises(CardError, match="unknown card size 'huge'"):
        CardRenderer(load_style(), "huge")


# Any str: Hypothesis's default text, and text of every category, lone surrogates included.
EVERY_CATEGORY = st.characters(categories=["L", "M", "N", "P", "S", "Z", "C"])


def any_text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(max_size=max_size) | st.text(EVERY_CATEGORY, max_size=max_size)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    site=any_text(40),
    title=any_text(300),
    tags=st.lists(any_text(30), max_size=6),
    dated=st.booleans(),
)
def test_any_text_gives_a_valid_card_of_the_right_size_or_a_card_error(
    renderers, site, title, tags, dated
):
    try:
        card = renderers["standard"].render(site, title, DATE if dated else None, tags)
    except CardError as error:
        assert "U+" in str(error)  # it names the character
        return
    assert png_size(card.data) == SIZES["standard"]
    assert decoded(card.data).size == SIZES["standard"]


BASE_INPUTS = {"site_title": "Site", "title": "Title", "date": DATE, "tags": ("a", "b")}


@pytest.mark.parametrize(
    "change",
    [
        {"site_title": "Other site"},
        {"title": "Title "},
        {"date": None},
        {"date": DATE + dt.timedelta(days=1)},
        {"tags": ("a",)},
        {"tags": ("b", "a")},
        {"tags": ("a b",)},
        {"size": "high"},
        {"style": style_from({**THEME, "title_size": 60})},
        {"style": style_from({**THEME, "background": ["#000000"]})},
    ],
)
def test_the_card_key_changes_with_each_input(change):
    base = {**BASE_INPUTS, "size": "standard", "style": load_style()}
    assert card_key(**base) != card_key(**{**base, **change})


def test_the_card_key_is_the_same_for_the_same_inputs():
    first = card_key(**BASE_INPUTS, size="standard", style=load_style())
    again = card_key(**{**BASE_INPUTS, "tags": list(BASE_INPUTS["tags"])}, size="standard",
                     style=load_style())  # fmt: skip
    assert first == again and len(first) == 64


def test_the_card_key_takes_any_title_the_renderer_refuses():
    assert card_key("S", "a\ud800\x00", None, (), "standard", load_style()) != card_key(
        "S", "a", None, (), "standard", load_style()
    )


def test_a_content_folder_overrides_some_style_keys(tmp_path):
    write(tmp_path, "_templates/card.json", '{"title_color": "#ff0000", "title_lines": 2}')
    style = load_style(tmp_path)
    assert style.title_color == (255, 0, 0) and style.title_lines == 2
    assert style.margin == THEME["margin"]  # the theme's value for every other key
    assert load_style(tmp_path / "no-such-folder") == load_style()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"title_colour": "#ffffff"}', "unknown key 'title_colour'"),
        ('{"title_color": "white"}', 'title_color must be a colour written "#rrggbb", not "white"'),
        ('{"background": ["#000000", "#111111", "#222222"]}', "background must be one colour"),
        ('{"margin": "80"}', 'margin must be an integer, not "80"'),
        ('{"margin": true}', "margin must be an integer, not true"),
        ('{"title_size": 500}', "title_size must be between 8 and 200, not 500"),
        ('{"line_spacing": 0.5}', "line_spacing must be between 1.0 and 3.0, not 0.5"),
        ('{"title_lines": 6, "title_size": 100}', "6 title lines of title_size 100 do not fit"),
        ('{"margin": 600}', "margin must be between 0 and 300"),
        ('["#ffffff"]', "must be a JSON object of style keys"),
        ('{"margin": 80,\n "title_size": }', "card.json:2: not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_bad_style_file_fails_with_its_path_and_problem(tmp_path, content, message):
    path = write(tmp_path, "_templates/card.json", content)
    with pytest.raises(CardStyleError) as error:
        load_style(tmp_path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_a_style_path_that_is_not_a_readable_file_is_an_error(tmp_path):
    (tmp_path / "_templates" / "card.json").mkdir(parents=True)
    with pytest.raises(CardStyleError, match="card.json: not a regular file"):
        load_style(tmp_path)
    (tmp_path / "_templates" / "card.json").rmdir()
    (tmp_path / "_templates" / "card.json").symlink_to(tmp_path / "missing.json")
    with pytest.raises(CardStyleError, match="cannot read the card style"):
        load_style(tmp_path)


def test_a_style_file_that_leads_out_of_the_content_templates_is_refused(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"title_lines": 2}))
    content = tmp_path / "c"
    (content / "_templates").mkdir(parents=True)
    (content / "_templates" / "card.json").symlink_to(outside)
    with pytest.raises(CardStyleError, match="a link to .*outside.json, outside"):
        load_style(content)
    before = style_digest(str(content))
    outside.write_text(json.dumps({"title_lines": 3}))
    assert style_digest(str(content)) == before  # it is not read, even for the digest
    (content / "_templates" / "card.json").unlink()
    (content / "_templates" / "mine.json").write_text(json.dumps({"title_lines": 2}))
    (content / "_templates" / "card.json").symlink_to("mine.json")  # inside: fine
    assert load_style(content).title_lines == 2


def test_a_templates_folder_linked_out_of_the_content_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "card.json").write_text(json.dumps({"title_lines": 2}))
    content = tmp_path / "c"
    content.mkdir()
    (content / "_templates").symlink_to(elsewhere)
    with pytest.raises(CardStyleError, match="_templates is a link to .*outside the content"):
        load_style(content)


def test_a_fifo_as_style_file_is_refused_without_waiting_for_a_writer(tmp_path):
    (tmp_path / "_templates").mkdir()
    os.mkfifo(tmp_path / "_templates" / "card.json")
    with pytest.raises(CardStyleError, match="not a regular file"):
        load_style(tmp_path)
    assert style_digest(str(tmp_path)) != style_digest(None)  # returns, and differs


def test_adler32_of_pieces_combines_to_that_of_the_whole():
    pieces = [b"", b"\x00" * 70_000, bytes(range(256)) * 300, b"tail"]
    combined = 1
    for piece in pieces:
        combined = adler32_combine(combined, zlib.adler32(piece), len(piece))
    assert combined == zlib.adler32(b"".join(pieces))


@given(st.integers(0, 1300), st.integers(1, 1300))
def test_background_blocks_cover_a_run_once_and_are_shared_by_runs(top, rows):
    blocks = blocks_of(top, top + rows)
    assert blocks[0][0] == top and blocks[-1][1] == top + rows
    assert all(a[1] == b[0] for a, b in itertools.pairwise(blocks))
    for start, end in blocks:
        size = end - start
        aligned = start % 16 == 0 and size % 16 == 0
        # aligned blocks are a power of two of 16 rows at a multiple of their size; the
        # others are the ends of the run, within one 16-row step
        if aligned:
            assert size & (size - 1) == 0 and start % size == 0
        else:
            assert 0 < size < 16 and start // 16 == (end - 1) // 16
            assert start == top or end == top + rows


@pytest.mark.parametrize("bands", [[], [(37, 5)], [(0, 17), (200, 1), (600, 30)]])
def test_background_rows_joined_from_blocks_decode_to_the_background(bands):
    background = Image.linear_gradient("L").resize((40, 630)).convert("RGB")
    encoder = BackgroundEncoder(background)
    expected = background.copy()
    drawn = []
    for top, height in bands:
        band = Image.new("RGB", (40, height), (top % 256, 7, 99))
        expected.paste(band, (0, top))
        drawn.append((top, scanlines(band)))
    for _ in range(2):  # blocks and runs compressed, then taken from what was kept
        assert decoded(encoder.encode(drawn)).tobytes() == expected.tobytes()


@pytest.mark.slow
def test_the_goal_script_compares_both_cards_and_saves_them(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "perftools", "card-goals", "--rounds", "1", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "goal: standard card >= 5x faster" in done.stdout
    for name in ("naive-standard", "ours-standard", "naive-high", "ours-high"):
        assert decoded((tmp_path / f"{name}.png").read_bytes()).size in SIZES.values()
