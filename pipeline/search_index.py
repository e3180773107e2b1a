"""The search index: ``search/search_index.json`` in MkDocs' format, from per-page fragments.

MkDocs' format (mkdocs/contrib/search) is ``{"config": {...}, "docs": [{"location",
"title", "text"}, ...]}``: one entry for the page, then one per heading section
(``page.html#anchor``), so MkDocs search front ends can read it. The page's entry holds the
text that is in none of its sections (what comes before its first heading), as in
Material for MkDocs' index, not the whole text again as in MkDocs' own: each word is in the
index once, which made it 44% smaller (5.4 MB against 9.6 MB at 1000 pages).

Each page's entries are serialized once, when it is rendered, into a fragment (JSON text)
that the build cache keeps: a page taken from the cache costs the index a string join, not
a serialization.
The same JSON is written as ``search/search_index.js`` for the theme's search page, which
must work from ``file://``, where a browser will not fetch JSON.
"""

from __future__ import annotations

import json

import msgspec

from pipeline.page import Page, url_of
from pipeline.pagetext import Encoded

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
_CONFIG_JSON = json.dumps(
    CONFIG, sort_keys=True, ensure_ascii=False, separators=(",", ":")
).encode()
_ENCODE = msgspec.json.encode  # a string's JSON: UTF-8 as is, escaped as json.dumps does


def fragment(page: Page, text: Encoded) -> msgspec.Raw:
    """The page's entries as a JSON array, kept as it is encoded (the build cache stores
    it inside its own JSON without escaping it again).

    The texts come escaped from the render stage (``pagetext.encoded``) and are spliced
    in: the same bytes as msgspec's encoding of the entries as dicts with sorted keys
    (compact), which the tests check, without decoding or escaping 10 MB of text here."""
    location = _ENCODE(url_of(page.out_path))[1:-1]
    parts = [b'[{"location":"', location, b'","text":"', text.rest, b'","title":',
             _ENCODE(page.title), b"}"]  # fmt: skip
    for anchor, title, body in text.sections:
        parts += (b',{"location":"', location, b"#", anchor, b'","text":"', body,
                  b'","title":"', title, b'"}')  # fmt: skip
    parts.append(b"]")
    return msgspec.Raw(b"".join(parts))


def assemble(fragments: list[msgspec.Raw]) -> bytes:
    """The index file from the pages' fragments, in the order given: their entries, joined
    without decoding them, in one copy (a second one of 10 MB cost 2,300 page faults)."""
    pieces: list[bytes | memoryview] = [b'{"config":', _CONFIG_JSON, b',"docs":[']
    for fragment in fragments:
        entries = memoryview(fragment)[1:-1]
        if entries:
            pieces += (entries, b",")
    if len(pieces) > 3:
        pieces.pop()  # the last comma
    pieces.append(b"]}\n")
    return b"".join(pieces)


def script(index: bytes) -> bytes:
    """The index as a script that sets one global (``file://`` pages cannot fetch JSON)."""
    end = len(index) - 1 if index.endswith(b"\n") else len(index)
    return b"".join((b"var ", SCRIPT_NAME.encode(), b" = ", memoryview(index)[:end], b";\n"))
