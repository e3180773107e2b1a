"""What a build writes about its pages beyond their HTML: sidecars and the search index.

The runner calls ``PageExtras`` at four points (a few lines each): ``usable`` when the
cache offers a page, ``restore`` for a cache hit, ``rendered`` for a page just written,
and ``site_files`` before media are copied. Each page's sidecar and search entries are
serialized once, when it is rendered; a cache hit keeps its sidecar file (checked like its
HTML) and its search fragment (kept by pipeline/search_cache.py), so a no-change rebuild
serializes nothing, and the index is neither assembled nor written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from msgspec import Struct, field

from pipeline import pagetext, search_cache, search_index, sidecar, template_files
from pipeline.cache.entries import Output, PageEntry
from pipeline.page import Links, Page
from pipeline.report import StageClock

if TYPE_CHECKING:
    from pipeline.build_pages import Build
    from pipeline.cache import BuildCache
    from pipeline.discover import Sources
    from pipeline.render import Rendered
    from pipeline.write import SiteWriter

THEME_SCRIPTS = ("lunr.min.js", "search.js")  # pipeline/theme/static -> assets/


class PageExtras(Struct):
    """One build's sidecars and search entries."""

    sidecars: bool = False
    search: bool = False
    fragments: dict[str, msgspec.Raw] = field(default_factory=dict)  # source -> search fragment
    digests: dict[str, str] = field(default_factory=dict)  # source -> its fragment's digest
    sidecar_paths: dict[str, str] = field(default_factory=dict)  # site path -> page source

    @property
    def enabled(self) -> bool:
        return self.sidecars or self.search

    def key(self) -> str:
        """For the build cache's site key: pages made with other extras are not reused (the
        search box is in every page, and a hit must have the sidecar and fragment asked for;
        a new format of the kept fragments renders every page once)."""
        search = search_cache.VERSION if self.search else "0"
        return f";sidecars={int(self.sidecars)};search={search}" if self.enabled else ""

    def usable(self, entry: PageEntry, root: str | None, cache: BuildCache) -> bool:
        """Whether a cache hit still has what this build needs: its sidecar in the site
        (by name, as its card: 1000 stats were most of what sidecars added to a no-change
        rebuild), its search fragment's digest."""
        if self.sidecars and (
            entry.sidecar is None
            or not cache.present_by_name(root, sidecar.path_of(entry.out), entry.sidecar.size)
        ):
            return False
        return not (self.search and entry.search is None)

    def restore(self, page: Page, entry: PageEntry, writer: SiteWriter) -> None:
        if self.search and entry.search is not None:
            self.digests[page.source] = entry.search
        if self.sidecars:
            self.sidecar_paths[sidecar.path_of(page.out_path)] = page.source
            writer.kept()

    def render_options(self) -> dict[str, bool]:
        """The render stage's keyword for the pages' plain text: none without sidecars or
        search, so that a swapped-in render stage that knows nothing of it still works."""
        return {"page_text": True} if self.enabled else {}

    def rendered(
        self,
        page: Page,
        result: Rendered,
        links: Links,
        build: Build,
        key: str | None,
    ) -> tuple[str | None, Output | None]:
        """Serialize a page just rendered (its HTML and TOC still set): its search fragment's
        digest and its sidecar's output, for its cache entry (``key``: the page's cache key).
        Its plain text comes with ``result`` from the render stage (made beside its
        Markdown, in parallel), or is made here from its HTML.

        The fragment's digest is the page's key when it has one: the key digests all the
        page is made from (its source, templates, site settings, library versions and
        these extras), so it names the fragment without hashing 10 MB of text a build."""
        if not self.enabled:
            return None, None
        fragment = output = None
        with build.clock.stage("serialize", page.source):
            text = result.text
            if text is None:  # a render stage that does not make it
                text = pagetext.encoded(page.html)
            if self.search:
                made = self.fragments[page.source] = search_index.fragment(page, text)
                fragment = key or search_cache.fragment_digest(made)
                self.digests[page.source] = fragment
            if self.sidecars:
                path = sidecar.path_of(page.out_path)
                fields = sidecar.build(
                    page, text.words, result.references, links, build.runner.site.base_url
                )
                data = sidecar.encode(fields)
                previous = build.cache.old.pages.get(page.source)  # the page's last entry
                same_path = previous is not None and previous.out == page.out_path
                output = build.writer.extra(path, data, previous.sidecar if same_path else None)
                self.sidecar_paths[path] = page.source
        return fragment, output

    def site_files(
        self,
        writer: SiteWriter,
        found: Sources,
        clock: StageClock,
        cache: BuildCache,
    ) -> set[str]:
        """Write the search index and the search page's scripts (the page itself is a
        site-level file, pipeline/site.py); every site path this owns."""
        report = writer.report
        for path, source in self.sidecar_paths.items():
            if path in found.files:  # the sidecar wins: say so, drop nothing silently
                report.warnings.append(
                    f"{path}: this content file has the path of the sidecar of {source}; "
                    "links to it get the sidecar"
                )
        written = set(self.sidecar_paths)
        if not self.search:
            return written
        with clock.stage("serialize"):
            index, inputs = self.index(writer, cache)
        with clock.stage("write"):
            if index is not None:
                for path, data in (
                    (search_index.JSON_PATH, index),
                    (search_index.SCRIPT_PATH, search_index.script(index)),
                ):
                    writer.site_file(path, data, made_from=inputs)
            for name in THEME_SCRIPTS:
                writer.site_file(f"assets/{name}", template_files.static(name))
        written.update((search_index.JSON_PATH, search_index.SCRIPT_PATH))
        written.update(f"assets/{name}" for name in THEME_SCRIPTS)
        return written

    def index(self, writer: SiteWriter, cache: BuildCache) -> tuple[bytes | None, str]:
        """The index's bytes, None when the cache vouches for the files already there; and
        the digest of the fragments they are made from."""
        inputs = search_cache.inputs_digest(self.digests)
        paths = (search_index.JSON_PATH, search_index.SCRIPT_PATH)
        if cache.folder is not None and search_cache.path_of(cache.folder, inputs).exists():
            search_cache.remove_others(cache.folder, inputs)
            olds = [cache.old.outputs.get(path) for path in paths]
            if all(
                old is not None and old.present(writer.root, p)
                for old, p in zip(olds, paths, strict=True)
            ):
                for path, old in zip(paths, olds, strict=True):
                    cache.new.outputs[path] = old
                writer.kept(len(paths))
                return None, inputs
        fragments = {s: (self.digests[s], f) for s, f in self.fragments.items()}
        if len(fragments) < len(self.digests):  # cache hits: their fragments from the cache
            kept = search_cache.load_any(cache.folder) if cache.folder is not None else {}
            for source, digest in self.digests.items():
                if source in fragments:
                    continue
                old = kept.get(source)
                if old is None or old[0] != digest:
                    # Only a damaged cache gets here: say so, and render it next time.
                    writer.report.warnings.append(
                        f"{source}: its search entries were lost from the build cache; "
                        "it is left out of the search index until the next build"
                    )
                    cache.new.pages.pop(source, None)
                    continue
                fragments[source] = old
        inputs = search_cache.inputs_digest({s: self.digests[s] for s in fragments})
        if cache.folder is not None:
            try:
                search_cache.save(cache.folder, inputs, fragments)
            except OSError as exc:  # costs the next build its shortcut, nothing more
                warning = f"build cache {cache.folder}: search entries not saved: {exc.strerror}"
                writer.report.warnings.append(warning)
        return search_index.assemble([fragments[s][1] for s in sorted(fragments)]), inputs
