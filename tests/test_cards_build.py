"""Social cards in the build: written per page, announced in <head>, cached, failing alone."""

from __future__ import annotations

import dataclasses
import json
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

from pipeline import render
from pipeline.cards import job
from pipeline.cards.job import CardInput, CardResult, CardSetup
from pipeline.cards.pages import charge
from pipeline.cli import main
from pipeline.render import Rendered
from pipeline.report import BuildReport, StageClock
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from pipeline.stages import DEFAULT_STAGES
from tests.helpers import REPO, unstamp, write

BASE = "https://example.org/docs/"
PAGES = {
    "a.md": "---\ntitle: Alpha\ndate: 2024-03-17\ntags: [python, cards]\n"
    'summary: "Fish & <chips>"\n---\nAlpha body.\n',
    "sub/b.md": "# Beta from its heading\n\nBeta body.\n",
}


def content(tmp_path: Path, pages: dict[str, str] = PAGES) -> Path:
    folder = tmp_path / "c"
    for name, text in pages.items():
        write(folder, name, text)
    return folder


def build(folder: Path, site: Path, cards: str | None = "standard", **options):
    options.setdefault("cache_dir", site.parent / "cache")
    return PipelineRunner(folder, DirectSink(site), base_url=BASE, cards=cards, **options).run()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("property") or found.get("name")
        if tag == "meta" and name and (name.startswith("og:") or name.startswith("twitter:")):
            self.tags[name] = found.get("content") or ""


def meta_tags(html_file: Path) -> dict[str, str]:
    parser = _Meta()
    parser.feed(html_file.read_text(encoding="utf-8"))
    return parser.tags


def cards_in(site: Path) -> dict[str, bytes]:
    folder = site / "assets/cards"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.png")}


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_page_gets_a_valid_png_of_the_announced_size_and_og_tags_that_point_at_it(
    tmp_path, jobs
):
    site = tmp_path / "s"
    report = build(content(tmp_path), site, jobs=jobs)
    assert report.ok and report.cards_drawn == 2 and report.cards_failed == 0
    assert set(cards_in(site)) == {"a.png", "sub/b.png"}
    for page, card in (("a.html", "a.png"), ("sub/b.html", "sub/b.png")):
        tags = meta_tags(site / page)
        image = urlparse(tags["og:image"])
        assert image.scheme == "https" and image.netloc == "example.org"
        assert tags["og:image"] == BASE + "assets/cards/" + card
        assert tags["og:url"] == BASE + page
        size = png_size((site / "assets/cards" / card).read_bytes())
        assert size == (int(tags["og:image:width"]), int(tags["og:image:height"])) == (1200, 630)
        assert tags["twitter:card"] == "summary_large_image"
    assert meta_tags(site / "a.html")["og:description"] == "Fish & <chips>"  # escaped, parsed
    assert "Fish &amp; &lt;chips&gt;" in (site / "a.html").read_text()
    assert meta_tags(site / "sub/b.html")["og:title"] == "Beta from its heading"


@pytest.mark.parametrize("stamped", [True, False], ids=["stamp", "manifest"])
def test_a_no_change_rebuild_draws_no_card_and_writes_nothing(tmp_path, stamped):
    folder, site = content(tmp_path), tmp_path / "s"
    build(folder, site)
    before = cards_in(site)
    if not stamped:
        unstamp(tmp_path / "cache")
    report = build(folder, site)
    assert report.cards_drawn == 0 and report.cards_kept == 2 and report.files_written == 0
    assert report.cache_hits == 2 and cards_in(site) == before
    assert "og:image" in meta_tags(site / "a.html")


def test_a_card_gone_from_the_site_is_drawn_again_and_verify_checks_each_size(tmp_path):
    folder, site = content(tmp_path), tmp_path / "s"
    build(folder, site)
    (site / "assets/cards/a.png").unlink()
    (site / "assets/cards/sub/b.png").write_bytes(b"\x89PNG")  # cut short: not a card
    report = build(folder, site)
    assert report.cards_drawn == 1 and report.cards_kept == 1  # a listing: names, not sizes
    assert png_size((site / "assets/cards/a.png").read_bytes()) == (1200, 630)
    report = build(folder, site, verify=True)
    assert report.cards_drawn == 1 and report.cards_kept == 1
    assert png_size((site / "assets/cards/sub/b.png").read_bytes()) == (1200, 630)


@pytest.mark.parametrize("stamped", [True, False], ids=["stamp", "manifest"])
def test_a_no_change_rebuild_with_cards_does_not_import_pillow(tmp_path, stamped):
    folder, site = content(tmp_path), tmp_path / "s"
    build(folder, site)
    if not stamped:
        unstamp(tmp_path / "cache")
    script = (
        "import sys\n"
        "from pipeline.runner import PipelineRunner\n"
        "from pipeline.sink import DirectSink\n"
        f"r = PipelineRunner({str(folder)!r}, DirectSink({str(site)!r}), base_url={BASE!r},\n"
        f"    cards='standard', cache_dir={str(tmp_path / 'cache')!r}).run()\n"
        "print(r.cache_hits, r.cards_kept, 'PIL' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert run.stdout.split() == ["2", "2", "False"]


def test_an_edit_that_leaves_the_card_inputs_alone_keeps_the_card(tmp_path):
    folder, site = content(tmp_path), tmp_path / "s"
    build(folder, site)
    write(folder, "sub/b.md", PAGES["sub/b.md"] + "\nOne more line.\n")
    report = build(folder, site)
    assert report.pages_rendered == 1 and report.cards_drawn == 0 and report.cards_kept == 2
    assert "og:image" in meta_tags(site / "sub/b.html")
    write(folder, "sub/b.md", "# A new heading\n\nBeta body.\n")
    report = build(folder, site)
    assert report.cards_drawn == 1  # the title, from the heading, changed


def test_switching_standard_to_high_draws_every_card_again_at_the_new_size(tmp_path):
    folder, site = content(tmp_path), tmp_path / "s"
    build(folder, site)
    report = build(folder, site, cards="high")
    assert report.cards_drawn == 2 and report.cards_kept == 0
    assert {png_size(data) for data in cards_in(site).values()} == {(2400, 1260)}
    assert meta_tags(site / "a.html")["og:image:width"] == "2400"


def test_a_new_card_style_draws_the_cards_again(tmp_path):
    folder, site = content(tmp_path), tmp_path / "s"
    build(folder, site)
    before = cards_in(site)
    write(folder, "_templates/card.json", json.dumps({"background": "#000000"}))
    report = build(folder, site)
    assert report.cards_drawn == 2 and cards_in(site)["a.png"] != before["a.png"]


def test_a_title_the_card_cannot_draw_fails_that_card_alone_with_a_warning(tmp_path):
    pages = {**PAGES, "bad.md": '---\ntitle: "Bell \\a here"\n---\nBody.\n'}
    folder, site = content(tmp_path, pages), tmp_path / "s"
    report = build(folder, site)
    assert report.ok and report.pages_built == 3
    assert report.cards_drawn == 2 and report.cards_failed == 1
    [warning] = [w for w in report.warnings if w.startswith("bad.md:")]
    assert "social card" in warning and "control character U+0007" in warning
    assert "og:image" not in meta_tags(site / "bad.html") and (site / "bad.html").exists()
    assert set(cards_in(site)) == {"a.png", "sub/b.png"}
    again = build(folder, site)  # not cached: it is warned about again, the others are kept
    assert again.cards_failed == 1 and again.cards_kept == 2 and again.cards_drawn == 0


def test_a_bad_card_style_stops_the_build_naming_the_file(tmp_path):
    folder = content(tmp_path)
    write(folder, "_templates/card.json", '{"margin": 80,\n "title_size": }')
    report = build(folder, tmp_path / "s")
    assert report.fatal is not None and "\n" not in report.fatal
    assert "_templates/card.json:2" in report.fatal and "not valid JSON" in report.fatal
    assert not (tmp_path / "s/a.html").exists()


def test_a_render_stage_that_draws_no_card_leaves_pages_built_and_says_so(tmp_path):
    class NoCards:
        def __init__(self, jobs, **options):
            self.options = options

        def start(self):
            pass

        def render(self, tasks):
            for _ in tasks:
                yield Rendered(html="<p>x</p>", heading="X")

        def close(self):
            pass

        def terminate(self):
            pass

    stages = dataclasses.replace(DEFAULT_STAGES, render=NoCards)
    report = build(content(tmp_path), tmp_path / "s", stages=stages)
    assert report.ok and report.pages_built == 2 and report.cards_failed == 2
    assert all("drew no card" in w for w in report.warnings)


def test_a_wait_is_charged_to_render_and_cards_by_their_own_times_when_drawn_apart():
    # The render process drew the card after the rest of its chunk's Markdown.
    card = CardResult("key", b"png", start=5.0, end=8.0, cpu=2.5)
    result = Rendered(start=0.0, end=1.0, cpu=0.75, card=card)
    report = BuildReport()
    charge(StageClock(report), "a.md", result, 2.0)
    render, cards = report.stages["render"], report.stages["cards"]
    assert (render.wall, render.cpu) == (0.5, 0.75)
    assert (cards.wall, cards.cpu) == (1.5, 2.5)


def test_a_warmed_up_process_draws_the_same_card_and_charges_the_warm_up_to_it(tmp_path):
    setup = CardSetup.of("standard", "Site", None)
    page = CardInput("A title to draw", "fallback", None, ("tag",))
    job._renderers.clear()
    cold = job.draw(setup, page, None, None)
    job._renderers.clear()
    job.warm_up(setup)
    warmed_cpu = job._warm_cpu
    assert warmed_cpu > 0 and job._renderers  # the renderer is kept for the first page
    warm = job.draw(setup, page, None, None)
    assert warm.error is None and warm.data == cold.data
    assert warm.cpu >= warmed_cpu and job._warm_cpu == 0.0


def test_a_setup_that_cannot_draw_is_not_warmed_up_and_fails_at_each_card(tmp_path):
    folder = content(tmp_path)
    write(folder, "_templates/card.json", "{not json")
    setup = CardSetup.of("standard", "Site", folder)
    job.warm_up(setup)  # does not raise
    assert not job._renderers
    result = job.draw(setup, CardInput("T", "t", None, ()), None, None)
    assert result.data is None and "card.json" in result.error


@pytest.mark.parametrize("warm", [True, False])
def test_only_workers_started_ahead_of_their_tasks_warm_up(monkeypatch, warm):
    setup = CardSetup.of("standard", "Site", None)
    warmed = []
    monkeypatch.setattr(render, "warm_up", warmed.append)
    # Restored after: workers that later tests fork inherit them.
    for name in ("content", "limit", "extras"):
        monkeypatch.setattr(render._Worker, name, getattr(render._Worker, name))
    monkeypatch.setattr(render._Worker, "converter", render.Converter())
    render._init_worker(None, None, (setup, False, warm))
    assert warmed == ([setup] if warm else [])
    render._init_worker(None, None, (None, False, True))  # no cards: nothing to warm
    assert len(warmed) == (1 if warm else 0)


def test_an_unknown_cards_value_is_refused_by_the_runner(tmp_path):
    with pytest.raises(ValueError, match="off, standard, high"):
        PipelineRunner(tmp_path, DirectSink(tmp_path / "s"), cards="huge")


def test_the_cli_draws_standard_cards_by_default(tmp_path, capsys):
    folder = content(tmp_path)
    assert main(["build", str(folder), "--out", str(tmp_path / "s"), "-j", "1"]) == 0
    assert png_size((tmp_path / "s/assets/cards/a.png").read_bytes()) == (1200, 630)
    assert "2 social cards drawn" in capsys.readouterr().out


def test_the_cli_with_cards_off_writes_no_card_and_no_og_image(tmp_path):
    folder, site = content(tmp_path), tmp_path / "s"
    assert main(["build", str(folder), "--out", str(site), "-j", "1", "--cards", "off"]) == 0
    assert not (site / "assets/cards").exists()
    assert meta_tags(site / "a.html") == {}


def test_the_cli_refuses_an_unknown_cards_value(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["build", str(tmp_path), "--out", str(tmp_path / "s"), "--cards", "huge"])
    assert exit_.value.code == 2
    assert "--cards: invalid choice: 'huge'" in capsys.readouterr().err
