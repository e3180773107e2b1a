"""The search index: ``search/search_index.json`` in MkDocs' format, from per-page fragments.

MkDocs' format (mkdocs/contrib/search) is ``{"config": {...}, "docs": [{"location",
"title", "text"}, ...]}``: one entry for the whole page, then one per heading section
(``page.html#anchor``), so MkDocs search front ends can read it. Each page's entries are
serialized once, when it is rendered, into a fragment (JSON text) that the build cache
keeps: a page taken from the cache costs the index a string join, not a serialization.
The same JSON is written as ``search/search_index.js`` for the theme's search page, which
must work from ``file://``, where a browser will not fetch JSON.
"""

from __future__ import annotations

import json

import msgspec

from pipeline.page import Page, url_of
from pipeline.pagetext import Section

JSON_PATH = "search/search_index.json"
SCRIPT_PATH = "search/search_index.js"
SCRIPT_NAME = "__pipelineSearchIndex"  # the global the theme's search.js reads
# MkDocs' defaults, so that its front ends tokenize as they would for an MkDocs site.
CONFIG = {
    "indexing": "full",
    "lang": ["en"],
    "min_search_length": 3,
    "prebuild_index": False,
    "separator": r"[\s\-]+",
}
_CONFIG_JSON = json.dumps(CONFIG, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# msgspec, not stdlib json: the same bytes (sorted keys, compact, UTF-8 as is), faster.
_ENCODER = msgspec.json.Encoder(order="sorted")


def fragment(page: Page, text: str, sections: list[Section]) -> str:
    """The page's entries as JSON text, comma-separated, to go between ``[`` and ``]``."""
    location = url_of(page.out_path)
    entries = [{"location": location, "text": text, "title": page.title}]
    entries.extend(
        {"location": f"{location}#{s.anchor}", "text": s.text, "title": s.title} for s in sections
    )
    return _ENCODER.encode(entries)[1:-1].decode()


def assemble(fragments: list[str]) -> bytes:
    """The index file from the pages' fragments, in the order given."""
    docs = ",".join(f for f in fragments if f)
    return f'{{"config":{_CONFIG_JSON},"docs":[{docs}]}}\n'.encode()


def script(index: bytes) -> bytes:
    """The index as a script that sets one global (``file://`` pages cannot fetch JSON)."""
    return b"var " + SCRIPT_NAME.encode() + b" = " + index.rstrip(b"\n") + b";\n"
