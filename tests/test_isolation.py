"""Per-page isolation: a page that breaks, nests too deeply or hangs fails alone."""

import dataclasses
import os
import signal
import time
from pathlib import Path

import pytest

from pipeline import frontmatter, markup
from pipeline.render import Renderer
from pipeline.runner import PipelineRunner
from pipeline.sink import DirectSink
from pipeline.stages import DEFAULT_STAGES
from pipeline.workers import DIED
from tests.helpers import write

DEEP = "nested too deeply (more than Python's recursion limit allows)"


def build(content: Path, out: Path, jobs: int, page_timeout: float | None = 60.0):
    stages = dataclasses.replace(
        DEFAULT_STAGES,
        render=lambda jobs, **_: Renderer(jobs, page_timeout=page_timeout, content=content),
    )
    return PipelineRunner(content, DirectSink(out), jobs=jobs, stages=stages).run()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def many_pages(content: Path, count: int = 40) -> list[str]:
    names = [f"p{i:02d}.md" for i in range(count)]
    for i, name in enumerate(names):
        write(
            content, name, f"---\ntitle: Page {i}\ndate: 2024-01-{i % 28 + 1:02d}\n---\ntext {i}\n"
        )
    return names


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_list_nested_3000_deep_fails_alone_in_one_line(tmp_path, jobs):
    c = tmp_path / "c"
    many_pages(c, 6)
    write(c, "deep.md", "- " * 3000 + "x\n")
    report = build(c, tmp_path / "s", jobs)
    assert report.fatal is None
    assert [(p.path, p.message) for p in report.pages_failed] == [("deep.md", f"Markdown {DEEP}")]
    assert report.pages_built == 6
    assert not (tmp_path / "s/deep.html").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_blockquote_nested_3000_deep_never_stops_the_build(tmp_path, jobs):
    c = tmp_path / "c"
    many_pages(c, 6)
    write(c, "deep.md", "> " * 3000 + "x\n")
    report = build(c, tmp_path / "s", jobs)
    assert report.fatal is None
    # Python-Markdown stops nesting blockquotes itself near the limit; if it raised
    # instead, the page would fail alone with the same one line as a deep list.
    assert [p.message for p in report.pages_failed] in ([], [f"Markdown {DEEP}"])
    assert report.pages_built + len(report.pages_failed) == 7
    assert (tmp_path / "s/p05.html").is_file()


def slow_markdown(monkeypatch, hang):
    """Converters whose convert() calls ``hang()`` for a page whose body says HANG."""
    real = markup.new_markdown

    def new_markdown():
        md = real()
        convert = md.convert

        def maybe_hang(text):
            if "HANG" in text:
                hang()
            return convert(text)

        md.convert = maybe_hang
        return md

    monkeypatch.setattr(markup, "new_markdown", new_markdown)


def sleep_in_python():
    time.sleep(60)  # the alarm interrupts it


def stuck_where_no_signal_reaches():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # as C code that never yields
    time.sleep(60)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_page_over_the_time_limit_fails_alone_and_later_pages_build_in_order(
    tmp_path, monkeypatch, jobs
):
    c = tmp_path / "c"
    names = many_pages(c)
    write(c, "p10.md", "---\ntitle: Page 10\n---\nHANG\n")
    slow_markdown(monkeypatch, sleep_in_python)
    started = time.perf_counter()
    report = build(c, tmp_path / "s", jobs, page_timeout=0.5)
    assert time.perf_counter() - started < 20
    assert [(p.path, p.message) for p in report.pages_failed] == [
        ("p10.md", "rendering took longer than 0.5 s (the page time limit)")
    ]
    assert report.pages_built == len(names) - 1
    assert all(
        (tmp_path / "s" / n.replace(".md", ".html")).is_file() for n in names if n != "p10.md"
    )


def test_a_page_that_hangs_gives_the_same_site_for_every_number_of_jobs(tmp_path, monkeypatch):
    c = tmp_path / "c"
    many_pages(c)
    write(c, "p03.md", "HANG\n")
    write(c, "p31.md", "HANG\n")
    slow_markdown(monkeypatch, sleep_in_python)
    reports = [build(c, tmp_path / f"s{jobs}", jobs, page_timeout=0.5) for jobs in (1, 2)]
    assert reports[0].pages_failed == reports[1].pages_failed
    assert [p.path for p in reports[0].pages_failed] == ["p03.md", "p31.md"]
    assert tree(tmp_path / "s1") == tree(tmp_path / "s2")


def test_a_worker_stuck_where_no_signal_reaches_is_replaced_and_the_rest_goes_on(
    tmp_path, monkeypatch
):
    names = many_pages(tmp_path / "reference/c")
    names.remove("p05.md")
    (tmp_path / "reference/c/p05.md").unlink()
    c = tmp_path / "hostile/c"
    many_pages(c)
    write(c, "p05.md", "HANG\n")
    slow_markdown(monkeypatch, stuck_where_no_signal_reaches)
    started = time.perf_counter()
    report = build(c, tmp_path / "hostile/s", 2, page_timeout=0.5)
    assert time.perf_counter() - started < 20
    assert [(p.path, p.message) for p in report.pages_failed] == [
        (
            "p05.md",
            "rendering took longer than 0.5 s (the page time limit) and its process did not "
            "stop; it was killed after 1 s",
        )
    ]
    assert report.pages_built == len(names)
    build(tmp_path / "reference/c", tmp_path / "reference/s", 1)
    assert tree(tmp_path / "hostile/s") == tree(tmp_path / "reference/s")


def test_a_worker_that_dies_fails_only_the_page_it_was_rendering(tmp_path, monkeypatch):
    c = tmp_path / "c"
    names = many_pages(c)
    write(c, "p20.md", "HANG\n")
    slow_markdown(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    report = build(c, tmp_path / "s", 2)
    assert [(p.path, p.message) for p in report.pages_failed] == [("p20.md", DIED)]
    assert report.pages_built == len(names) - 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_any_exception_in_the_converter_fails_that_page_alone(tmp_path, monkeypatch, jobs):
    c = tmp_path / "c"
    names = many_pages(c, 8)
    write(c, "p04.md", "HANG\n")

    def explode():
        raise ValueError("bad\ninput")

    slow_markdown(monkeypatch, explode)
    report = build(c, tmp_path / "s", jobs)
    assert [(p.path, p.message) for p in report.pages_failed] == [
        ("p04.md", "Markdown: unexpected ValueError: bad input")
    ]
    assert report.pages_built == len(names) - 1


def test_any_exception_while_parsing_fails_that_page_alone(tmp_path, monkeypatch):
    c = tmp_path / "c"
    names = many_pages(c, 5)
    write(c, "p02.md", "---\ntitle: deep\n---\nx\n")
    real = frontmatter.parse

    def parse(block, path, *_):
        if block is not None and "deep" in block:
            raise RecursionError("maximum recursion depth exceeded")
        return real(block, path)

    monkeypatch.setattr(frontmatter, "parse", parse)
    report = build(c, tmp_path / "s", 1)
    assert [(p.path, p.message) for p in report.pages_failed] == [
        ("p02.md", f"front matter {DEEP}")
    ]
    assert report.pages_built == len(names) - 1


def test_values_the_yaml_library_cannot_build_fail_the_page_with_its_line(tmp_path):
    c = tmp_path / "c"
    write(c, "good.md", "# Good\n")
    write(c, "date.md", "---\ntitle: x\ndate: 2024-13-45\n---\nx\n")
    write(c, "digits.md", "---\ncount: 1" + "0" * 5000 + "\n---\nx\n")
    report = build(c, tmp_path / "s", 1)
    assert {p.path: p.message for p in report.pages_failed} == {
        "date.md": "line 3: malformed front matter: month must be in 1..12",
        "digits.md": "line 2: malformed front matter: Exceeds the limit (4300 digits) for "
        "integer string conversion: value has 5001 digits; use sys.set_int_max_str_digits() "
        "to increase the limit",
    }
    assert report.pages_built == 1


def test_a_page_timeout_of_none_sets_no_alarm(tmp_path):
    write(tmp_path / "c", "a.md", "# A\n")
    renderer = Renderer(1, page_timeout=None)
    [result] = renderer.render([(str(tmp_path / "c/a.md"), 0)])
    assert result.error is None
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
