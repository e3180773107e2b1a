"""The write stage: every output of a build passes through one ``SiteWriter``.

It hands bytes to the OutputSink unless the build cache says the previous build left
exactly those bytes at that path, and counts both cases in the BuildReport, so that
"written" and "unchanged" are decided and counted in one place. It also keeps the paths
it wrote (``claimed``), so that no file of this build is taken for a stale one
(pipeline/stale.py).
"""

from __future__ import annotations

from pipeline.cache import BuildCache
from pipeline.cache.entries import Output
from pipeline.confine import read_rest
from pipeline.page import Page
from pipeline.report import BuildReport
from pipeline.sink import COPY_CHUNK, OutputSink

_UNCACHED = Output("", 0)  # without a cache nothing is compared, so no digest is taken


class SiteWriter:
    def __init__(
        self, sink: OutputSink, cache: BuildCache, root: str | None, report: BuildReport
    ) -> None:
        self.sink = sink
        self.cache = cache
        self.root = root  # the output folder, to check that recorded outputs are still there
        self.report = report
        # Site paths written, or to be left as they are (a media file that cannot be read).
        self.claimed: set[str] = set()

    def _write(self, path: str, data: bytes) -> None:
        self.claimed.add(path)
        self.sink.write(path, data)

    def page(self, page: Page, data: bytes) -> Output:
        """Write a page's HTML unless it is already there; what was written, for the cache."""
        if not self.cache.enabled:
            self._write(page.out_path, data)
            return _UNCACHED
        output = Output.of(data)
        if self.cache.page_unchanged(page, output, self.root):
            self.report.files_unchanged += 1
        else:
            self._write(page.out_path, data)
        return output

    def site_file(self, path: str, data: bytes, made_from: str | None = None) -> None:
        """A site-level file (index, tags, feed, assets), recorded in the cache.

        ``made_from``: a digest of everything its bytes are made from, when it is known;
        the cache then records that instead of hashing the bytes (the search index: 10 MB
        at 1000 pages, 19 ms of sha256 here)."""
        if not self.cache.enabled:
            self._write(path, data)
            return
        output = Output.of(data) if made_from is None else Output.made_from(made_from, data)
        if self.cache.output_unchanged(path, output, self.root):
            self.report.files_unchanged += 1
        else:
            self._write(path, data)

    def extra(self, path: str, data: bytes, previous: Output | None) -> Output:
        """A file that belongs to a page (its sidecar): written unless ``previous`` (from the
        page's last cache entry) is these bytes and they are still there."""
        if not self.cache.enabled:
            self._write(path, data)
            return _UNCACHED
        output = Output.of(data)
        if previous == output and output.present(self.root, path):
            self.report.files_unchanged += 1
        else:
            self._write(path, data)
        return output

    def card(self, path: str, data: bytes) -> None:
        """A page's social card: drawn only when its inputs changed, so always written."""
        self._write(path, data)

    def copy(self, path: str, data: bytes) -> None:
        """A media file copied from the content folder."""
        self._write(path, data)

    def copy_file(self, path: str, source: int) -> None:
        """A large media file copied from its open descriptor: by the sink itself when it
        can (``copy_file``), so its bytes never pass through this process whole."""
        copy = getattr(self.sink, "copy_file", None)
        if copy is None:  # a sink of another kind: read, then written as any file
            self._write(path, read_rest(source, COPY_CHUNK))
            return
        self.claimed.add(path)
        copy(path, source)

    def kept(self, count: int = 1) -> None:
        """Outputs that the cache vouches for without their bytes being made again."""
        self.report.files_unchanged += count
