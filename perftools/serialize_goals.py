"""serialize-goals: sidecars, search index and cache manifest, by library and in builds.

    python -m perftools serialize-goals [--rounds 5] [--build-rounds 3] [--rebuild-rounds 21]
        [--cache build]

1. Each format (sidecars, search index, cache manifest) encoded by stdlib json, orjson,
   msgspec and Pydantic v2 (validated, then ``model_dump_json``) at 1000 and 10,000 pages,
   in interleaved rounds in this process: median ms, bytes (identical for every library,
   checked), tracemalloc peak; and the manifest decoded by each.
   The manifest also as first designed, with each page's search fragment inside.
2. pipeline's own manifest (pipeline/cache/manifest.py: msgspec into Structs) saved and
   loaded at 1000 and 10,000 pages (sidecars and search on, page files as parsed), beside
   stdlib json's parse and dump of the same bytes alone; bytes, tracemalloc peak.
   Goal: < 50 ms each at 10,000.
3. 1000-page CLI builds, ``--no-search`` against ``--sidecars`` (and search, the default),
   interleaved: clean builds (goal: <= 1.10x), then no-change rebuilds (goal: <= 1.02x);
   medians, the ratio of the medians, and the goals judged on the median of the rounds'
   own ratios (each round's two builds taken seconds apart), with its 99% interval; and
   the search index's share of the build (serialize stage + its writing).
4. The search index at 10,000 pages: assembled from fragments and written, against the
   10,000-page build's time extrapolated from the 1000-page one (goal: < 5%).
5. The lunr choice: the prebuilt index the ``lunr`` package makes for 1000 pages (time,
   bytes), where installed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import common
from perftools.card_goals import interleaved
from perftools.common import REPO, add_settle_argument, corpus, scratch, settle_file_creation
from perftools.stats import paired_ratio


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    parser.add_argument("--build-rounds", type=int, default=3, help="rounds of clean builds")
    parser.add_argument(
        "--rebuild-rounds", type=int, default=21, help="rounds of no-change rebuilds"
    )
    parser.add_argument("--cache", type=Path, default=REPO / "build", help="corpus cache")
    parser.add_argument("--skip-builds", action="store_true", help="libraries only")
    add_settle_argument(parser)


def run(args: argparse.Namespace) -> int:
    from benchmarks import serialize_data as data

    content = corpus(args.cache, 1000, 0)
    records = {n: data.corpus_pages(content, n) for n in (1000, 10_000)}
    print(f"1. encoding, {args.rounds} interleaved rounds, medians (ms); bytes; peak KiB")
    for pages, recs in records.items():
        values = {
            "sidecar": [data.sidecar(r) for r in recs],
            "search_index": data.search_index(recs),
            "manifest": data.manifest(recs),
            "manifest_with_fragments": data.manifest(recs, fragments=True),
        }
        for form, value in values.items():
            _library_row(data, form, value, pages, args.rounds)
    met = [_manifest_goal(records, args.rounds)]
    if not args.skip_builds:
        met += _build_goals(content, args)
    met.append(_lunr_prebuilt(records[1000]))
    print("goals:", "all met" if all(m for m in met if m is not None) else "NOT all met")
    return 0


def _library_row(data: Any, label: str, value: Any, pages: int, rounds: int) -> None:
    form = label.removesuffix("_with_fragments")
    sizes = data.check_identical(form, value if form != "sidecar" else value[0])
    names = [n for n in data.LIBRARIES if n in sizes]
    cases: list[Callable[[], object]] = []
    for name in names:
        encode = data.encoder(name, form)
        if form == "sidecar":  # one file per page
            cases.append(lambda encode=encode: [encode(v) for v in value])
        else:
            cases.append(lambda encode=encode: encode(value))
    wall, _ = interleaved(cases, rounds)
    total = sum(len(b) for b in cases[0]()) if form == "sidecar" else len(cases[0]())
    peaks = [_peak_kib(case) for case in cases]
    cells = "  ".join(
        f"{n} {ms:7.1f} ms {kib:7.0f} KiB" for n, ms, kib in zip(names, wall, peaks, strict=True)
    )
    print(f"  {label:12} {pages:6} pages {total / 1e6:6.1f} MB  {cells}")
    if form == "manifest":
        encoded = cases[0]()
        decoders = [data.decoder(n, form) for n in names]
        loads, _ = interleaved([lambda d=d: d(encoded) for d in decoders], rounds)
        cells = "  ".join(f"{n} {ms:7.1f} ms" for n, ms in zip(names, loads, strict=True))
        print(f"  {'  decoded':12} {pages:6} pages {len(encoded) / 1e6:6.1f} MB  {cells}")


def _peak_kib(case: Callable[[], object]) -> float:
    """tracemalloc's peak while ``case`` runs (what Python allocators see), in KiB."""
    tracemalloc.start()
    try:
        case()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def _manifest_goal(records: dict[int, list[dict[str, Any]]], rounds: int) -> bool:
    """pipeline's manifest (msgspec into Structs) saved and loaded, with every section a
    no-change rebuild has (pages with sidecar and search, page files as parsed), against
    stdlib json's parse and dump of the same bytes alone (the old design's floor: it then
    built and checked every entry in Python, two thirds of its load)."""
    print(f"2. pipeline's manifest, {rounds} interleaved rounds, medians (ms); peak KiB")
    return all([_manifest_row(pages, recs, rounds) for pages, recs in records.items()])


def _manifest_row(pages: int, recs: list[dict[str, Any]], rounds: int) -> bool:
    import json

    from pipeline.cache import manifest

    value = _manifest_value(recs)
    with scratch(prefix="serialize-") as work:
        folder = Path(work.mkdtemp())
        manifest.save(folder, "k", value)
        path = folder / manifest.MANIFEST
        body = path.read_bytes().partition(b"\n")[2]
        plain = json.loads(body)
        # The load is timed with its result held, as a build holds it, and freeing it is
        # timed apart (a build pays that at its end): a result dropped inside the timing
        # (as interleaved() drops it) added the free of 10,000s of objects to the load.
        held: list[object] = []
        cases = [
            lambda: manifest.save(folder, "k", value),
            lambda: held.append(manifest.load(path, "k")),
            held.clear,
            lambda: json.dumps(plain, separators=(",", ":")),
            lambda: json.loads(body),
        ]
        (save_ms, load_ms, free_ms, dump_ms, parse_ms), _ = interleaved(cases, rounds)
        save_kib, load_kib = _peak_kib(cases[0]), _peak_kib(cases[1])
    ok = save_ms < 50 and load_ms < 50
    goal = f" (goal < 50 ms each: {'met' if ok else 'NOT met'})" if pages >= 10_000 else ""
    print(f"  {pages:6} pages {len(body) / 1e6:5.1f} MB: msgspec save {save_ms:6.1f} ms "
          f"({save_kib:6.0f} KiB), load {load_ms:6.1f} ms ({load_kib:6.0f} KiB), then "
          f"{free_ms:5.1f} ms to free it; stdlib json alone: dumps {dump_ms:6.1f} ms, "
          f"loads {parse_ms:6.1f} ms{goal}")  # fmt: skip
    return ok or pages < 10_000


def _manifest_value(recs: list[dict[str, Any]]) -> Any:
    """A Manifest as a default build with sidecars leaves it: pages with their search
    digest, sidecar and standard card, their links as the build keeps them (local ones,
    with the site path each resolves to, and counted by site path), and page files as
    parsed."""
    import datetime as dt

    from pipeline.cache import manifest, sources
    from pipeline.cache.entries import CardEntry, Output, PageEntry, count_targets, pack_links
    from pipeline.media import local_target
    from pipeline.page import Page, card_path

    pages, files, refs = {}, {}, {}
    date = dt.datetime(2024, 3, 17, tzinfo=dt.UTC)
    for number, (source, entry) in enumerate(_manifest_pages(recs)):
        out = entry["out"]
        targets = ((url, local_target(url, out)) for url, _ in entry["links"])
        links = tuple((url, target) for url, target in targets if target is not None)
        count_targets(refs, links, 1)
        pages[source] = PageEntry(
            key=entry["key"], out=out, output=Output(entry["digest"], entry["size"]),
            title=entry["title"], summary=entry["summary"], links=pack_links(links),
            site_digest=entry["site"], sidecar=Output(*entry["sidecar"]), search=entry["search"],
            card=CardEntry(entry["key"][:32], card_path(out), 1200, 630, 28_000),
        )  # fmt: skip
        page = Page(source, entry["title"], date, ("python", "search"), "page", out,
                    entry["summary"], {}, entry["key"], body_start=120,
                    digest=entry["digest"])  # fmt: skip
        signature = (entry["size"], 1_700_000_000_000_000_000 + number, 1_700_000_000_000_000_000)
        files[source] = sources.to_stored(signature, page)
    return manifest.Manifest(pages=pages, sources=files, refs=refs)


def _manifest_pages(recs: list[dict[str, Any]]) -> Any:
    from benchmarks import serialize_data as data

    return data.manifest(recs)["pages"].items()


def _build_goals(content: Path, args: argparse.Namespace) -> list[bool]:
    # Cards (a default since issue #14) stay off: only the extras differ.
    variants = {
        "without": ["--cards", "off", "--no-search"],
        "with": ["--cards", "off", "--sidecars"],
    }
    clean: dict[str, list[float]] = {v: [] for v in variants}
    warm: dict[str, list[float]] = {v: [] for v in variants}
    shares: list[float] = []
    with scratch(args.cache, prefix="serialize-builds-") as work:
        settle_file_creation(work, args.settle)
        for number in range(args.build_rounds):
            for variant in list(variants)[:: 1 if number % 2 == 0 else -1]:
                report = work.fresh("report") if variant == "with" else None
                clean[variant].append(_cli(content, work.fresh(f"clean-{variant}"),
                                           variants[variant], report))  # fmt: skip
                if report is not None:
                    shares.append(_index_share(report))
        # Rebuilds apart, once the clean builds' writes are on disk: a rebuild right after a
        # clean build ran beside the kernel writing that build's files back (33 MB more with
        # sidecars and search), which the rebuild's own work does not include.
        sites = {v: work.fresh(f"warm-{v}") for v in variants}
        for variant, options in variants.items():  # the no-change rebuilds' first build
            _cli(content, sites[variant], options)
        os.sync()
        for number in range(args.rebuild_rounds):
            for variant in list(variants)[:: 1 if number % 2 == 0 else -1]:
                warm[variant].append(_cli(content, sites[variant], variants[variant]))
    c = {v: statistics.median(s) for v, s in clean.items()}
    w = {v: statistics.median(s) for v, s in warm.items()}
    clean_ratio = paired_ratio(clean["without"], clean["with"])
    warm_ratio = paired_ratio(warm["without"], warm["with"])
    print(f"3. 1000-page CLI builds, medians (s): {args.build_rounds} rounds of clean builds, "
          f"{c['without']:.2f} without, {c['with']:.2f} with sidecars and search "
          f"({c['with'] / c['without']:.3f}x), {_ratio(clean_ratio, 1.10)}; "
          f"{args.rebuild_rounds} rounds of no-change rebuilds, {w['without']:.3f} / "
          f"{w['with']:.3f} ({w['with'] / w['without']:.3f}x), {_ratio(warm_ratio, 1.02)}; "
          f"serialize stage {100 * statistics.median(shares):.1f}% of the clean build")  # fmt: skip
    return [clean_ratio[0] <= 1.10, warm_ratio[0] <= 1.02, _index_goal(c["with"])]


def _ratio(paired: tuple[float, float, float], goal: float) -> str:
    ratio, low, high = paired
    return (f"rounds' median ratio {ratio:.3f}x [{low:.3f}, {high:.3f}] "
            f"(goal <= {goal:.2f}: {'met' if ratio <= goal else 'NOT met'})")  # fmt: skip


def _cli(content: Path, out: Path, options: list[str], report: Path | None = None) -> float:
    extra = ["--report", str(report)] if report is not None else []
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline", "build", str(content), "--out", str(out),
         *options, *extra],
        check=True, capture_output=True, cwd=REPO, env=common.child_env(),
    )  # fmt: skip
    return time.perf_counter() - start


def _index_share(report: Path) -> float:
    import json

    data = json.loads(report.read_text())
    return data["stages"]["serialize"]["wall"] / data["elapsed"]


def _index_goal(build_1000: float) -> bool:
    """Assembling and writing the 10,000-page index, against 10x a 1000-page build."""
    import msgspec

    from benchmarks import serialize_data as data
    from pipeline import search_index

    recs = data.corpus_pages(corpus(REPO / "build", 1000, 0), 10_000)
    fragments = [
        msgspec.Raw(("[" + ",".join(map(data.dumps, _own(r))) + "]").encode()) for r in recs
    ]
    with scratch(prefix="serialize-index-") as work:
        folder = Path(work.mkdtemp())
        start = time.perf_counter()
        index = search_index.assemble(fragments)
        (folder / "search_index.json").write_bytes(index)
        (folder / "search_index.js").write_bytes(search_index.script(index))
        elapsed = time.perf_counter() - start
    share = elapsed / (10 * build_1000)
    print(f"4. search index at 10000 pages ({len(index) / 1e6:.0f} MB, .json and .js): "
          f"assembled and written in {1000 * elapsed:.0f} ms, {100 * share:.1f}% of 10x the "
          f"1000-page build (goal < 5%: {'met' if share < 0.05 else 'NOT met'})")  # fmt: skip
    return share < 0.05


def _own(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A page's entries as pipeline/search_index.py lays them out: the benchmarks' model
    (MkDocs', the whole text in the page's entry too) with the page's own text only, which
    in that model is none (all of it is in the sections)."""
    from benchmarks import serialize_data as data

    page, *sections = data.search_entries(record)
    return [{**page, "text": ""}, *sections]


def _lunr_prebuilt(recs: list[dict[str, Any]]) -> None:
    """What MkDocs' prebuild_index would cost us: lunr.py's index of the same docs."""
    try:
        from lunr import lunr
    except ImportError:
        print("5. lunr (Python) not installed: prebuilt index not measured")
        return None
    from benchmarks import serialize_data as data

    docs = data.search_index(recs[:200])["docs"]
    start = time.perf_counter()
    index = lunr(ref="location", fields=("title", "text"), documents=docs)
    elapsed = time.perf_counter() - start
    size = len(data.dumps(index.serialize()).encode())
    raw = len(data.dumps(docs).encode())
    print(f"5. prebuilt lunr index (Python lunr), 200 pages: {elapsed:.1f} s, {size / 1e6:.1f} MB "
          f"(the docs themselves: {raw / 1e6:.1f} MB); 1000 pages would take about "
          f"{5 * elapsed:.0f} s in the build")  # fmt: skip
    return None
