"""Serialization (issue #15): sidecars, search index and cache manifest by library, and
builds with sidecars and search on against off.

The data is the suite's own (benchmarks/serialize_data.py, from the seeded corpus); a
library missing from the environment is n/a (NotImplementedError in setup).
"""

from __future__ import annotations

import os
import tempfile

from benchmarks import common, serialize_data

PAGES = 1000
MANIFEST_PAGES = 10_000


def _records(pages: int) -> dict:
    content = common.make_corpus(os.path.abspath("content-serialize"), PAGES)
    return {"content": content, "records": serialize_data.corpus_pages(content, pages)}


def value(form: str, records: list):
    if form == "sidecar":
        return [serialize_data.sidecar(r) for r in records]
    if form == "search_index":
        return serialize_data.search_index(records)
    return serialize_data.manifest(records)


class Encode:
    """Each format encoded by each library at 1000 pages (sidecars: one per page)."""

    params = [serialize_data.FORMATS, serialize_data.LIBRARIES]
    param_names = ["format", "library"]
    version = 1
    timeout = 300

    def setup_cache(self):
        return _records(PAGES)

    def setup(self, records, form, library):
        encode = serialize_data.encoder(library, form)
        data = value(form, records["records"])
        self.content = records["content"]
        if form == "sidecar":
            self.work = lambda: [encode(v) for v in data]
        else:
            self.work = lambda: encode(data)

    def time_encode(self, records, form, library):
        self.work()

    def track_bytes(self, records, form, library):
        """Identical for every library (serialize_data.check_identical)."""
        out = self.work()
        return sum(map(len, out)) if isinstance(out, list) else len(out)

    track_bytes.unit = "bytes"

    def track_encode_instructions(self, records, form, library):
        """CPU instructions of one encoding of 100 pages, under valgrind: not moved by load."""
        return common.count_instructions("serialize", self.content, f"{form}:{library}")

    track_encode_instructions.unit = "instructions"


class Manifest:
    """The build cache manifest of 10,000 pages, saved and loaded by the commit's
    pipeline/cache/manifest.py (goal: < 50 ms each)."""

    version = 1
    timeout = 300

    def setup_cache(self):
        return serialize_data.manifest(_records(MANIFEST_PAGES)["records"])

    def setup(self, data):
        common.require("pipeline.cache.manifest", "save")
        module = common.require("pipeline.cache.manifest")
        entries = common.require("pipeline.cache.entries")
        self.module = module
        # A dataclass before issue #15's msgspec entries, a Struct since: the same fields.
        fields = set(getattr(entries.PageEntry, "__dataclass_fields__", {}))
        fields.update(getattr(entries.PageEntry, "__struct_fields__", ()))
        pages = {}
        for source, e in data["pages"].items():
            extra = {"sidecar": entries.Output(*e["sidecar"]), "search": e["search"]}
            pages[source] = entries.PageEntry(
                key=e["key"], out=e["out"], output=entries.Output(e["digest"], e["size"]),
                title=e["title"], summary=e["summary"],
                links=tuple(tuple(link) for link in e["links"]), site_digest=e["site"],
                **{k: v for k, v in extra.items() if k in fields},
            )  # fmt: skip
        self.value = module.Manifest(pages=pages)
        self.folder = tempfile.mkdtemp(dir=common.fresh_dir("manifest-"))
        module.save(_path(self.folder), "key", self.value)

    def time_save(self, data):
        self.module.save(_path(self.folder), "key", self.value)

    def time_load(self, data):
        self.module.load(_path(self.folder) / self.module.MANIFEST, "key")


def _path(folder: str):
    from pathlib import Path

    return Path(folder)


class BuildExtras:
    """A 1000-page CLI build with search (the CLI default) and --sidecars, against
    --no-search: the price of the extras in a clean build (goal: <= 10%)."""

    params = [["off", "on"]]
    param_names = ["extras"]
    version = 1
    timeout = 600
    number = 1
    rounds = 1
    repeat = (3, 3, 30.0)
    warmup_time = 0

    def setup_cache(self):
        return common.make_corpus(os.path.abspath("content-cli"), PAGES)

    def setup(self, content, extras):
        common.require("pipeline.sidecar", "build")
        common.require("pipeline.search_index", "assemble")

    def time_build(self, content, extras):
        from benchmarks.bench_pipeline import cli_build

        # Only the extras change: cards (a later default) stay off in both.
        cards = [option for option in common.cli_pins() if option != "--no-search"]
        options = ["--sidecars"] if extras == "on" else ["--no-search"]
        cli_build(content, common.fresh_dir("site-"), *cards, *options, pinned=False)
