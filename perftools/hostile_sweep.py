"""hostile-sweep: shapes of Markdown text converted at two sizes, super-linear ones flagged.

    python -m perftools hostile-sweep [--size 5000] [--only NAME ...]

Each shape is a function of n (a text of n repeats, nestings or items). It is converted
by the pipeline's converter at n = size and n = 4 * size, in this process, and the CPU
seconds are compared: a linear path costs about 4 times more at the larger size, a
quadratic one 16 times. A shape whose larger text costs more than 8 times the smaller's
(and at least 0.2 s) is flagged. Stock Python-Markdown's own quadratic paths show here
too, where the pipeline's fast path keeps them (docs/profiling-report.md, "Hostile pages").
A conversion that raises is reported with its exception's name, as a page would fail.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

FLAG_RATIO = 8.0  # linear: about 4; quadratic: about 16
FLAG_SECONDS = 0.2  # below this, the ratio is mostly noise
GIVE_UP_SECONDS = 20.0  # the smaller text alone took this long: the larger is not tried

Shape = Callable[[int], str]
SHAPES: dict[str, Shape] = {
    "headings, one id": lambda n: "# a\n\n" * n,
    "headings, one block": lambda n: "# a\n" * n,
    "headings, distinct": lambda n: "".join(f"## h{i}\n\n" for i in range(n)),
    "backtick runs": lambda n: "".join("`" * (i % 50 + 1) + "a " for i in range(n)),
    "backticks, unclosed": lambda n: "`a " * n,
    "less-than signs": lambda n: "<" * n,
    "ampersands": lambda n: "&" * n,
    "emphasis, unclosed": lambda n: "*a " * n,
    "underscores, unclosed": lambda n: "_a " * n,
    "emphasis, nested": lambda n: "*" * n + "a" + "*" * n + "\n",
    "image openers": lambda n: "![" * n,
    "brackets, nested": lambda n: "[" * n + "x" + "]" * n + "(b)\n",
    "brackets, reversed": lambda n: "]" * n + "(" * n,
    "definition lists": lambda n: "".join(f"term{i}\n: def\n\n" for i in range(n)),
    "definitions of one term": lambda n: "term\n" + ": def\n" * n,
    "table, wide": lambda n: "|a" * n + "|\n" + "|-" * n + "|\n" + "|x" * n + "|\n",
    "table, long": lambda n: "|a|\n|-|\n" + "|x|\n" * n,
    "attribute lists": lambda n: "".join(f"# h {{: #id{i} .c{i} }}\n\n" for i in range(n)),
    "attribute list, long": lambda n: "# h {: " + " ".join(f".c{i}" for i in range(n)) + " }\n",
    "fences, unclosed": lambda n: "```\n" * n,
    "html blocks, unclosed": lambda n: "<div>\n" * n,
    "html tags, unclosed": lambda n: "<a " * n,
    "reference, defined n times": lambda n: "[a]: /x\n" * n + "[a]\n",
    "reference, used n times": lambda n: "[a] " * n + "\n\n[a]: /x\n",
    "links in one paragraph": lambda n: "[a](b) " * n,
    "entities in one paragraph": lambda n: "&#x1F600;" * n,
    "escapes in one paragraph": lambda n: "\\*" * n,
    "quotes of lists, nested": lambda n: "> - " * n + "x\n",
    "list items": lambda n: "- a\n" * n,
    "ordered items": lambda n: "".join(f"{i}. a\n" for i in range(n)),
    "indented code": lambda n: "    code\n" * n,
    "rules": lambda n: "---\n\n" * n,
    "abbreviation, used n times": lambda n: "*[ABC]: x\n\n" + "ABC " * n,
    "footnotes, then definitions": lambda n: _refs(n) + "\n" + _notes(n, ""),
    "footnotes, chained": lambda n: "x[^0]\n\n" + _notes(n, "y[^{next}]"),
    "footnote, referenced n times": lambda n: "x[^1] " * n + "\n\n[^1]: note\n",
    "quote, lazy lines": lambda n: "> a\n" + "b\n" * n,
    "setext underline, long": lambda n: "a\n" + "=" * n + "\n",
    "setext headings, one block": lambda n: "a\n=\n" * n,
    "words with underscores": lambda n: "a_" * n,
}


def _refs(n: int) -> str:
    return "".join(f"text[^{i}]\n" for i in range(n))


def _notes(n: int, text: str) -> str:
    """n footnote definitions, each of ``text`` ("{next}": the next footnote's id)."""
    return "".join(f"[^{i}]: note {text.format(next=i + 1)}\n" for i in range(n))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=5000, help="n of the smaller text")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these shapes only")


def run(args: argparse.Namespace) -> int:
    names = args.only or list(SHAPES)
    unknown = [name for name in names if name not in SHAPES]
    if unknown:
        print(f"unknown shapes: {', '.join(unknown)} (known: {', '.join(SHAPES)})")
        return 2
    print(f"CPU seconds at n = {args.size} and n = {4 * args.size}; flagged: more than "
          f"{FLAG_RATIO:g}x and {FLAG_SECONDS} s")  # fmt: skip
    flagged = []
    for name in names:
        small, large, failure = measure(SHAPES[name], args.size)
        flag = superlinear(small, large)
        if flag:
            flagged.append(name)
        sizes = f"{len(SHAPES[name](args.size)):9d} chars"
        larger = "not tried" if large is None else f"{large:8.3f}"
        print(f"  {name:30} {sizes} {small:8.3f} {larger} {failure or ''}"
              f"{'  <- super-linear' if flag else ''}")  # fmt: skip
    print(f"{len(flagged)} of {len(names)} shapes flagged")
    return 0


def measure(shape: Shape, size: int) -> tuple[float, float | None, str | None]:
    """CPU seconds to convert ``shape(size)`` and ``shape(4 * size)`` (None: not tried),
    and the name of the exception a conversion raised, if any."""
    from pipeline import markup

    md = markup.new_markdown()
    times: list[float] = []
    failure = None
    for n in (size, 4 * size):
        text = shape(n)
        started = time.process_time()
        try:
            md.reset().convert(text)
        except Exception as exc:  # as a page would fail; the build goes on
            failure = type(exc).__name__
            md = markup.new_markdown()
        times.append(time.process_time() - started)
        if times[-1] > GIVE_UP_SECONDS:
            break
    return times[0], times[1] if len(times) > 1 else None, failure


def superlinear(small: float, large: float | None) -> bool:
    """Whether the larger text's time says more than linear work; one that was not tried
    (the smaller took too long already) counts as such."""
    if large is None:
        return True
    return large > FLAG_RATIO * small and large >= FLAG_SECONDS
