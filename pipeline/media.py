"""Media: the references of rendered pages to other files, resolved, and the files copied.

Each page's ``href``/``src`` values are resolved to site paths (``local_target``) as it is
built; after the site files, ``copy_media`` copies every referenced content file once and
reports each reference that resolves to nothing, with the page that has it.
"""

from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Callable, Container
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pipeline import claims, confine, entities
from pipeline.discover import Sources
from pipeline.errors import PipelineError, SourceReadError
from pipeline.page import PAGE_SUFFIXES, Links
from pipeline.report import Problem, StageClock

if TYPE_CHECKING:
    from pipeline.write import SiteWriter

# Media files at least this large are copied from their descriptor by the sink, never
# read whole: a 1 GB video took 2.1 GB of RSS (read, then written through a mapping).
STREAM_MIN = 16 << 20

# Attributes that point at another file, by tag.
REFERENCE_ATTRS = {
    "a": "href",
    "img": "src",
    "audio": "src",
    "video": "src",
    "source": "src",
    "track": "src",
    "embed": "src",
    "iframe": "src",
    "object": "data",
}


class _References(HTMLParser):
    """Collects the URLs of a whole document, given to ``feed`` at once."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def parse_html_declaration(self, i: int) -> int:
        # A "<![" that opens no CDATA or conditional section ("<![ x", "<![CD") raises
        # AssertionError in Python's parser (3.11), which failed the page although its
        # Markdown converts. Browsers read it as a bogus comment up to the next ">" or the
        # end of the document (HTML5), so a reference inside it loads nothing: so here.
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return len(self.rawdata) if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = REFERENCE_ATTRS.get(tag)
        if wanted:
            for name, value in attrs:
                if name == wanted and value:
                    self.urls.append(value)
        if tag == "video":
            self.urls.extend(v for n, v in attrs if n == "poster" and v)


def references(page_html: str) -> list[str]:
    """Every URL the HTML refers to, in document order."""
    parser = _References()
    parser.feed(entities.safe(page_html))
    parser.close()
    return parser.urls


def resolve(
    urls: list[str], page_out_path: str, target_of: Callable[[str, str], str | None]
) -> Links:
    """The references among ``urls`` that ``target_of`` (a stage: ``local_target``) puts in
    the site, each with its site path.

    Interned: pages share most of them (the same picture, the same sibling page), and
    one copy of each instead of one per page cut the peak RSS of a 10,000-page build.
    """
    targets = ((url, target_of(url, page_out_path)) for url in urls)
    return tuple(
        (sys.intern(url), sys.intern(target)) for url, target in targets if target is not None
    )


def local_target(url: str, page_out_path: str) -> str | None:
    """The site-relative path ``url`` points at, or None for external and in-page URLs.

    Returns ``"../..."`` style paths unchanged when they climb out of the site root,
    so the caller can report them.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        target = posixpath.normpath(path.lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page_out_path), path))
    if path.endswith("/") or target == ".":
        target = posixpath.join(target, "index.html") if target != "." else "index.html"
    return target


def copy_media(
    pages: list[tuple[str, Links | None]],
    written: set[str],
    content: Path,
    found: Sources,
    writer: SiteWriter,
    clock: StageClock,
) -> None:
    """Copy every referenced content file once; report references that resolve to nothing.

    ``pages``: (source, links) of each built page, in order; None for the links of a page
    kept from the previous build (the build cache has them). ``written``: the site paths
    the build wrote (pages, site files): references to them are fine as they are.
    """
    report = writer.report
    with clock.stage("media"):  # one span: most references need only a look-up or a stat
        copies, kept, referenced = _to_copy(pages, written, content, found, writer)
        report.unpublished = _unpublished(found, referenced)
    root = confine.root_of(content)
    for target, referrers in copies.items():
        with clock.stage("media"):
            source = _open(content / target, root, target)
        problem = source if isinstance(source, str) else _copy(target, *source, writer, clock)
        if problem is None:
            kept.add(target)
            continue
        writer.cache.forget_media(target)
        writer.claimed.add(target)  # a copy from an earlier build stays: nothing good is lost
        for page, url in _who(target, referrers, pages, writer):  # each page is told
            report.unresolved.append(Problem(page, f"{url}: {problem}"))
    report.media_files = len(kept)


def _unpublished(found: Sources, referenced: set[str]) -> list[str]:
    """Content files neither pages nor referenced by one: not in the site, and named."""
    unused = found.files - referenced - found.outside.keys()
    return sorted(unused.difference(found.pages, found.left_out))


def _copy(
    target: str, fd: int, data: bytes | None, writer: SiteWriter, clock: StageClock
) -> str | None:
    """Copy the open file to ``target``; why not, when it could not be read."""
    try:
        with clock.stage("write"):
            if data is None:  # large: from its descriptor, never whole in memory
                writer.copy_file(target, fd)
            else:
                writer.copy(target, data)
    except SourceReadError as exc:  # half way through: the file's problem, not the site's
        return f"cannot read {target}: {exc.strerror}"
    finally:
        os.close(fd)
    return None


# The referrer that stands for the kept pages (their links not decoded): see ``_who``.
_KEPT = ("", "")


def _to_copy(
    pages: list[tuple[str, Links | None]],
    written: set[str],
    content: Path,
    found: Sources,
    writer: SiteWriter,
) -> tuple[dict[str, list[tuple[str, str]]], set[str], set[str]]:
    """The files to copy, each with the (page, URL) references to it; the site paths of
    those that the previous build copied and that did not change since; and every site
    path a page refers to.

    The kept pages' references are checked by site path, from the cache's counts, when
    none of those paths has a problem; otherwise (a reference to report, with its page)
    each kept page's links are decoded and checked one by one, as a rendered page's are.
    """
    report, cache = writer.report, writer.cache
    room = claims.budget(writer.root)
    refs = cache.kept_refs() if cache.enabled else {}
    # Targets found without a problem already: whether one has depends on the target
    # alone (the URL only names it in the message).
    fine: Container[str] = ()
    if refs is not None and all(_problem("", t, written, found, room) is None for t in refs):
        fine = refs
        checks = [(_KEPT[0], tuple((_KEPT[1], target) for target in refs))]
        checks += [(source, links) for source, links in pages if links is not None]
    else:
        checks = [(s, cache.links_of(s) if links is None else links) for s, links in pages]
    copies: dict[str, list[tuple[str, str]]] = {}
    kept: set[str] = set()
    referenced: set[str] = set()
    for source, links in checks:
        for url, target in dict.fromkeys(links):  # each of the page's URLs once
            referenced.add(target)
            if target in kept:
                continue
            if target in copies:
                copies[target].append((source, url))
                continue
            problem = None if target in fine else _problem(url, target, written, found, room)
            if problem is not None:
                report.unresolved.append(Problem(source, problem))
            elif target in written:
                continue
            elif cache.enabled and _unchanged(content / target, target, writer):
                kept.add(target)
                report.media_unchanged += 1
                writer.kept()
            else:
                copies[target] = [(source, url)]
    return copies, kept, referenced


def _who(
    target: str,
    referrers: list[tuple[str, str]],
    pages: list[tuple[str, Links | None]],
    writer: SiteWriter,
) -> list[tuple[str, str]]:
    """The (page, URL) references to ``target``, in page order, the kept pages' included."""
    if _KEPT not in referrers:
        return referrers
    found = []
    for source, links in pages:
        for url, linked in dict.fromkeys(writer.cache.links_of(source) if links is None else links):
            if linked == target:
                found.append((source, url))
    return found


def _problem(url: str, target: str, written: set[str], found: Sources, room: int) -> str | None:
    """Why the reference ``url`` to ``target`` is reported, or None."""
    if target in written:  # the site's own file: fine, unless a content file is hidden by it
        return _reserved(url, target) if target in found.files and claims.reserved(target) else None
    return _unresolved(url, target, found) or _unwritable(url, target, written, room)


def _unchanged(path: Path, target: str, writer: SiteWriter) -> bool:
    try:
        st = writer.cache.media_stat(target, os.fspath(path))
    except OSError:
        return False
    return writer.cache.media_unchanged(target, st, writer.root)


def _open(path: Path, root: str, target: str) -> tuple[int, bytes | None] | str:
    """The file open, with its bytes when it is small enough to pass through memory
    (``STREAM_MIN``); why not, when it cannot be read."""
    try:  # checked on the open file: a link swapped since discovery changes nothing
        fd, size = confine.open_content(path, root, target)
    except PipelineError as exc:
        problem = exc.message
    except OSError as exc:
        problem = f"cannot read {target}: {exc.strerror}"
    else:
        try:
            return fd, (confine.read_open(fd, size) if size < STREAM_MIN else None)
        except OSError as exc:
            os.close(fd)
            problem = f"cannot read {target}: {exc.strerror}"
    return problem


def _unresolved(url: str, target: str, found: Sources) -> str | None:
    """Why ``target`` cannot be copied from the content folder, or None if it can."""
    if target == ".." or target.startswith("../"):
        return f"{url} points outside the site"
    if target in found.outside:
        return f"{url}: {target} is a link to {found.outside[target]}, outside the content folder"
    if target not in found.files:
        return f"{url} does not resolve"
    if target.endswith(PAGE_SUFFIXES):
        return f"{url} links to a Markdown source, not to its page"
    if claims.reserved(target):  # a copy would replace the site's own file
        return _reserved(url, target)
    return None


def _reserved(url: str, target: str) -> str:
    return f"{url}: {target} is reserved for the site; the content file is not copied (move it)"


def _unwritable(url: str, target: str, written: set[str], room: int) -> str | None:
    """Why the site cannot hold a copy of the content file ``target``, or None.

    ``written``: the site paths the build wrote; ``room``: ``claims.budget`` of the site.
    """
    problem = claims.unwritable(target, room, hint="rename the file")
    if problem is not None:  # the sink writes a temporary ".NAME.PID.tmp" beside it
        return f"{url}: {target} cannot be copied: its {problem}"
    folder = posixpath.dirname(target)
    while folder:
        if folder in written:  # the sink could not make the folder: the build would stop
            return f"{url}: {target} needs {folder} as a folder, but the site writes a file there"
        folder = posixpath.dirname(folder)
    return None
