"""Claims: which site paths the pages of a build may write, decided for all of them at once.

Content is untrusted, so a page must never be given a path that the site itself needs, one
that another page claims too, or one that no file system could hold: writing it would stop
the whole build, or silently replace a file that is good. Such a page fails alone, with a
one-line reason; so does every page of a conflict (first-come would let a new page take
over a published URL), and the site keeps the files they had (pipeline/stale.py).

Besides its HTML, a page may write its sidecar (``<page>.json``) and its social card
(``assets/cards/<page>.png``); these are claimed with it. A file one page writes where
another needs a folder (``x.html`` and ``x.html/a.html``) is a conflict too: the sink would
fail on it. The site-level files (index, tags, feed, sitemap, assets, search) are
reserved whatever the options, so a site does not change meaning when one is switched.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

from pipeline import sidecar
from pipeline.page import Page, card_path
from pipeline.report import BuildReport, Problem

# Site paths the site itself writes, and folders it writes into: a page mapped onto (or
# into) one of these fails, and a content file there is not copied (pipeline/media.py).
RESERVED = ("index.html", "feed.xml", "sitemap.xml", "search.html")
RESERVED_FOLDERS = ("page", "tags", "assets", "search")

# What a sink adds to a name for its temporary file, ".NAME.PID.tmp" (pipeline/sink.py).
TEMP_EXTRA = len(".") + len(".4194304.tmp")
# A file name's limit on Linux file systems, less that: a longer output name would stop
# the whole build at write time.
NAME_MAX = 255 - TEMP_EXTRA
# A path's limit (with its final NUL) on Linux, for "<output folder>/<site path>".
PATH_MAX = 4096
# Bytes assumed for the output folder's path when the caller does not say.
OUT_DIR_GUESS = 1024
# The longest file a page writes beside its HTML: its social card, 12 bytes longer.
CARD_EXTRA = len(card_path("x.html")) - len("x.html")


def reserved(path: str) -> bool:
    """Whether the site path ``path`` is, or lies in, one the site itself writes."""
    first = path.split("/", 1)[0]
    return first in RESERVED or first in RESERVED_FOLDERS


def budget(out_dir: str | os.PathLike[str] | None) -> int:
    """The longest site path (in UTF-8 bytes, its temporary name included) that the output
    folder ``out_dir`` can hold."""
    used = OUT_DIR_GUESS if out_dir is None else len(os.fsencode(out_dir))
    return PATH_MAX - 1 - used - len("/")


def unwritable(
    path: str, room: int, extra: int = 0, hint: str = "set a shorter slug or rename the file"
) -> str | None:
    """Why no file system could hold ``path`` (a site path), or None.

    ``room``: ``budget`` of the output folder; ``extra``: bytes that a longer file written
    for it adds (a page's social card).
    """
    try:
        encoded = path.encode()
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8; rename the file"
    size = len(encoded)
    name = size - encoded.rfind(b"/") - 1
    if name > NAME_MAX:
        return f"file name is {name} bytes, more than {NAME_MAX}; {hint}"
    longest = size + extra + TEMP_EXTRA
    if longest > room:
        return (
            f"path is {size} bytes, too long for the output folder (at most "
            f"{room - extra - TEMP_EXTRA} here, {PATH_MAX} with the folder); "
            "move it to a shallower folder or use shorter names"
        )
    return None


def files_of(out: str, sidecars: bool, cards: bool) -> Iterator[tuple[str, str]]:
    """(what, site path) of each file a page whose HTML is at ``out`` writes."""
    yield "output path", out
    if sidecars:
        yield "sidecar", sidecar.path_of(out)
    if cards:
        yield "social card", card_path(out)


def settle(
    pages: list[Page],
    report: BuildReport,
    out_dir: str | os.PathLike[str] | None = None,
    sidecars: bool = True,
    cards: bool = True,
) -> list[Page]:
    """The pages that may write their files, in their order; each other one is reported
    failed, with why. ``sidecars``, ``cards``: whether the build writes them (without
    being told, they are claimed: a site that builds does not fail once they are on)."""
    room = budget(out_dir)
    problems: dict[str, str] = {}
    owners: dict[str, list[tuple[str, str]]] = {}  # site path -> (page source, what)
    for page in pages:
        out = page.out_path
        problem = unwritable(out, room, CARD_EXTRA if cards else 0)
        if problem is None and reserved(out):
            problem = f"output path {out} is reserved for the site; set a slug"
        if problem is not None:
            prefixed = problem.startswith(("file name", "path is"))
            problems[page.source] = f"output {problem}" if prefixed else problem
            continue
        for what, path in files_of(out, sidecars, cards):
            owners.setdefault(path, []).append((page.source, what))
    for path, claims in owners.items():
        if len(claims) > 1:
            for source, _ in claims:
                others = _names(s for s, _ in claims if s != source)
                problems.setdefault(
                    source,
                    f"output path {path} is claimed by {others} too; none of them is built "
                    "(the site keeps what it had): give each its own slug",
                )
    _folders(owners, problems)
    kept = []
    for page in pages:
        problem = problems.get(page.source)
        if problem is None:
            kept.append(page)
        else:
            report.pages_failed.append(Problem(page.source, problem))
    return kept


def _folders(owners: dict[str, list[tuple[str, str]]], problems: dict[str, str]) -> None:
    """Fail every page that writes a file where another needs a folder, and that other.

    Every folder some path needs is listed once (a path's parents are walked only up to
    one already listed), so this stays linear in the paths; a conflict is rare, and only
    then are the paths under that folder looked for."""
    needed: set[str] = set()
    for path in owners:
        cut = path.rfind("/")
        while cut > 0 and path[:cut] not in needed:
            needed.add(path[:cut])
            cut = path.rfind("/", 0, cut)
    for folder in sorted(needed & owners.keys()):
        held = owners[folder]
        for path, claims in owners.items():
            if not path.startswith(folder + "/"):
                continue
            source, what = claims[0]
            for owner, its in held:
                problems.setdefault(
                    owner,
                    f"{its} {folder} is a file, but {source} needs it as a folder for "
                    f"{path}; neither is built: rename one of them",
                )
            problems.setdefault(
                source,
                f"{what} {path} needs {folder} as a folder, but it is the {held[0][1]} "
                f"of {held[0][0]}; neither is built: rename one of them",
            )


def _names(sources: Iterator[str] | list[str]) -> str:
    names = list(sources)
    shown = ", ".join(names[:3])
    return shown if len(names) <= 3 else f"{shown} and {len(names) - 3} more"


def fit_name(stem: str, suffix: str) -> str:
    """``stem``, cut if ``stem + suffix`` would not fit a file name (``NAME_MAX``), and then
    ended with a short hash of the whole: two long stems still get names of their own."""
    room = NAME_MAX - len(suffix.encode())
    if len(stem.encode()) <= room:
        return stem
    digest = hashlib.sha256(stem.encode()).hexdigest()[:12]
    cut = stem.encode()[: room - len(digest) - 1].decode(errors="ignore")
    return f"{cut}-{digest}"
