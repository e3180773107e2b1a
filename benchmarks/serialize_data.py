"""Data and encoders for the serialization comparison (issue #15): bench_serialize and
``python -m perftools serialize-goals`` measure the same things.

The data is the suite's own: sidecars, search index entries and a build cache manifest
shaped as pipeline writes them, filled from the seeded corpus's Markdown (its words,
headings and links), never from the commit under measurement. Each library encodes the
same values to the same bytes (sorted keys, compact, UTF-8 as is, no floats), which
``check_identical`` asserts; a library that is not installed raises NotImplementedError.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

LIBRARIES = ["json", "orjson", "msgspec", "pydantic"]
FORMATS = ["sidecar", "search_index", "manifest"]
_HEADING = re.compile(r"^(#{1,6}) +(.+)$", re.MULTILINE)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_MARKUP = re.compile(r"[#*`>|\[\]()!_-]+")


def library(name: str) -> Any:
    try:
        return importlib.import_module("pydantic" if name == "pydantic" else name)
    except ImportError:
        raise NotImplementedError(f"{name} is not installed") from None


def corpus_pages(content: str | Path, pages: int) -> list[dict[str, Any]]:
    """One record per Markdown page (path, title, text, headings, links), cycled with new
    paths up to ``pages`` records, in path order (fewer pages: only the first are read)."""
    records = []
    for path in sorted(Path(content).rglob("*.md"))[:pages]:
        raw = path.read_text(encoding="utf-8")
        headings = [(len(h), t.strip()) for h, t in _HEADING.findall(raw)]
        rel = path.relative_to(content).as_posix()[: -len(".md")]
        records.append(
            {
                "path": rel,
                "title": headings[0][1] if headings else rel.rsplit("/", 1)[-1],
                "text": " ".join(_MARKUP.sub(" ", raw).split()),
                "headings": headings,
                "links": _LINK.findall(raw),
            }
        )
    out = []
    for number in range(pages):
        record = dict(records[number % len(records)])
        record["path"] = f"{record['path']}-{number // len(records)}"
        out.append(record)
    return out


def sidecar(record: dict[str, Any]) -> dict[str, Any]:
    words = len(record["text"].split())
    links = [u for u in record["links"] if u.endswith(".html") or "://" in u]
    return {
        "card": None, "date": "2024-03-17T00:00:00+00:00", "links": links,
        "media": [u for u in record["links"] if u not in links],
        "path": record["path"] + ".html", "reading_minutes": -(-words // 200),
        "schema": 1, "summary": record["text"][:200], "tags": ["python", "search"],
        "title": record["title"],
        "toc": [{"children": [], "id": f"h{i}", "level": level, "name": name}
                for i, (level, name) in enumerate(record["headings"])],
        "url": "https://example.org/" + record["path"] + ".html", "words": words,
    }  # fmt: skip


def search_entries(record: dict[str, Any]) -> list[dict[str, str]]:
    """The page, then one entry per heading (the text split evenly between them)."""
    text, location = record["text"], record["path"] + ".html"
    entries = [{"location": location, "text": text, "title": record["title"]}]
    parts = max(1, len(record["headings"]))
    size = len(text) // parts + 1
    for i, (_, name) in enumerate(record["headings"]):
        piece = text[i * size : (i + 1) * size]
        entries.append({"location": f"{location}#h{i}", "text": piece, "title": name})
    return entries


def search_index(records: list[dict[str, Any]]) -> dict[str, Any]:
    config = {"indexing": "full", "lang": ["en"], "min_search_length": 3,
              "prebuild_index": False, "separator": r"[\s\-]+"}  # fmt: skip
    return {"config": config, "docs": [e for r in records for e in search_entries(r)]}


def manifest(records: list[dict[str, Any]], fragments: bool = False) -> dict[str, Any]:
    """The build cache manifest's shape: one entry per page, with its search fragment's
    digest (``fragments``: the fragment itself, as the first design kept it)."""
    pages = {}
    for record in sorted(records, key=lambda r: r["path"]):
        digest = hashlib.sha256(record["path"].encode()).hexdigest()
        entry = {
            "digest": digest, "key": digest, "links": [[u, u] for u in record["links"]],
            "out": record["path"] + ".html", "sidecar": [digest, 4000],
            "site": digest, "size": 20_000, "summary": record["text"][:200],
            "title": record["title"],
        }  # fmt: skip
        entry["search"] = digest
        if fragments:
            entry["search"] = ",".join(dumps(e) for e in search_entries(record))
        pages[record["path"] + ".md"] = entry
    return {
        "format": 4, "made_by": "pipeline 0", "media": {}, "outputs": {}, "pages": pages,
        "site": {}, "site_key": "0" * 64, "templates": {},
    }  # fmt: skip


def dumps(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def encoder(name: str, form: str) -> Callable[[Any], bytes]:
    """``name``'s encoder of one value of ``form`` to bytes (pydantic: validated first)."""
    if name == "json":
        return lambda value: dumps(value).encode()
    if name == "orjson":
        orjson = library("orjson")
        return lambda value: orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    if name == "msgspec":
        enc = library("msgspec").json.Encoder(order="sorted")
        return enc.encode
    model = _models()[form]
    return lambda value: model.model_validate(value).model_dump_json().encode()


def decoder(name: str, form: str) -> Callable[[bytes], Any]:
    if name == "json":
        import json

        return json.loads
    if name == "orjson":
        return library("orjson").loads
    if name == "msgspec":
        return library("msgspec").json.Decoder().decode
    return _models()[form].model_validate_json


def check_identical(form: str, value: Any) -> dict[str, int]:
    """Bytes of ``value`` per installed library; raises if two libraries differ."""
    sizes, first = {}, None
    for name in LIBRARIES:
        try:
            data = encoder(name, form)(value)
        except NotImplementedError:
            continue
        if first is not None and data != first:
            raise AssertionError(f"{name} encodes {form} to other bytes than json")
        first, sizes[name] = data, len(data)
    return sizes


_MODELS: dict[str, Any] = {}


def _models() -> dict[str, Any]:
    """Pydantic models of the three formats, fields in sorted order (so the bytes match)."""
    if _MODELS:
        return _MODELS
    pydantic = library("pydantic")
    BaseModel = pydantic.BaseModel  # noqa: N806

    class Toc(BaseModel):
        children: list[Toc]
        id: str
        level: int
        name: str

    class Sidecar(BaseModel):
        card: str | None
        date: str | None
        links: list[str]
        media: list[str]
        path: str
        reading_minutes: int
        schema_: int = pydantic.Field(alias="schema", serialization_alias="schema")
        summary: str
        tags: list[str]
        title: str
        toc: list[Toc]
        url: str
        words: int

    class Entry(BaseModel):
        location: str
        text: str
        title: str

    class Config(BaseModel):
        indexing: str
        lang: list[str]
        min_search_length: int
        prebuild_index: bool
        separator: str

    class Index(BaseModel):
        config: Config
        docs: list[Entry]

    class PageEntry(BaseModel):
        digest: str
        key: str
        links: list[tuple[str, str]]
        out: str
        search: str | None = None
        sidecar: tuple[str, int] | None = None
        site: str
        size: int
        summary: str
        title: str

    class Manifest(BaseModel):
        format: int
        made_by: str
        media: dict[str, tuple[int, int]]
        outputs: dict[str, tuple[str, int]]
        pages: dict[str, PageEntry]
        site: dict[str, Any]
        site_key: str
        templates: dict[str, Any]

    class SidecarOut(Sidecar):
        def model_dump_json(self, **kwargs: Any) -> str:  # the "schema" key, as written
            return super().model_dump_json(by_alias=True, **kwargs)

    _MODELS.update(sidecar=SidecarOut, search_index=Index, manifest=Manifest)
    return _MODELS
