"""End-to-end builds of a generated corpus."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks import common

SIZES = [100, 1000]


class Build:
    """A full build of a generated corpus with the default sink, into an empty folder."""

    params = [SIZES]
    param_names = ["pages"]
    version = 1
    timeout = 300
    # Budget: a 1000-page build takes seconds, so two samples in one round.
    number = 1
    rounds = 1
    repeat = (2, 2, 30.0)
    warmup_time = 0

    def setup_cache(self):
        # One reference build per size, whose report the track_ benchmarks read:
        # counts do not need repeating.
        reports = {}
        for pages in SIZES:
            content = common.make_corpus(os.path.abspath(f"content-{pages}"), pages)
            try:
                report = common.build(content, common.fresh_dir("reference-"))
            except NotImplementedError:
                report = None
            reports[pages] = {
                "content": content,
                "report": None
                if report is None
                else {
                    "pages": report.pages_built,
                    "files": report.files_written,
                    "bytes": report.bytes_written,
                },
            }
        return reports

    def setup(self, cache, pages):
        common.require("pipeline.runner", "PipelineRunner")
        self.content = cache[pages]["content"]
        self.report = cache[pages]["report"]

    def time_build(self, cache, pages):
        """Wall time of a whole build; rendering dominates, so watch bench_render too."""
        common.build(self.content, common.fresh_dir("site-"))

    def peakmem_build(self, cache, pages):
        """Peak RSS of the process during a build (subtract peakmem_reference)."""
        common.build(self.content, common.fresh_dir("site-"))

    def peakmem_reference(self, cache, pages):
        """Peak RSS of setup alone: imports and benchmark state, no build."""

    def track_files_written(self, cache, pages):
        """Files the build wrote: pages, index and tag pages, feed, sitemap, media."""
        return self.report["files"]

    track_files_written.unit = "files"

    def track_bytes_written(self, cache, pages):
        """Bytes the build wrote."""
        return self.report["bytes"]

    track_bytes_written.unit = "bytes"

    def track_pages_built(self, cache, pages):
        """Pages that built (drafts are left out); a drop means pages started failing."""
        return self.report["pages"]

    track_pages_built.unit = "pages"


class BuildInstructions:
    """CPU instructions of a 20-page build under valgrind: a measure that ignores machine load."""

    version = 1
    timeout = 600

    def setup_cache(self):
        return common.make_corpus(os.path.abspath("content-20"), 20)

    def setup(self, content):
        common.require("pipeline.runner", "PipelineRunner")

    def track_build_instructions(self, content):
        """Moves only when the work a build does changes (not with load): the gate's measure."""
        return common.count_instructions("build", content, common.fresh_dir("site-"))

    track_build_instructions.unit = "instructions"


class BuildJobs:
    """A full 1000-page build rendering in ``jobs`` processes, into an empty folder, no cache."""

    params = [[1, 2]]
    param_names = ["jobs"]
    version = 1
    timeout = 300
    # Budget: about 6 s (jobs 1) and 3.5 s (jobs 2) a build; two samples each.
    number = 1
    rounds = 1
    repeat = (2, 2, 20.0)
    warmup_time = 0

    def setup_cache(self):
        return common.make_corpus(os.path.abspath("content-1000"), 1000)

    def setup(self, content, jobs):
        common.staged_runner()

    def time_build_jobs(self, content, jobs):
        """Wall time; jobs 2 against jobs 1 is the parallel speed-up on two cores."""
        common.build(content, common.fresh_dir("site-"), jobs=jobs)


REBUILD_PAGES = 300
CHANGED_PAGE = "docs/guide"  # the first page found under it is the one edited


def built_with_cache(name: str) -> dict[str, str]:
    """A corpus of REBUILD_PAGES in folder ``name``, built once with its build cache: the
    content, site and cache folders ({} where the commit's runner has no cache; not None:
    asv would then call setup without this argument)."""
    content = common.make_corpus(os.path.abspath(name), REBUILD_PAGES)
    site, cache = os.path.abspath("site"), os.path.abspath("cache")
    try:
        common.staged_runner()
    except NotImplementedError:
        return {}
    common.build(content, site, cache_dir=cache)
    return {"content": content, "site": site, "cache": cache}


class Rebuild:
    """An incremental rebuild of a 300-page site with its build cache, after a full build."""

    params = [["none", "one_page"]]
    param_names = ["change"]
    version = 1
    timeout = 120
    # Budget: the full build is made once in setup_cache; a rebuild takes a fraction of a
    # second. Samples rebuild the same folder: a no-change rebuild writes nothing, and a
    # one-page change overwrites one file, so no folder of files is deleted and recreated.
    number = 1
    rounds = 1
    repeat = (5, 5, 10.0)
    warmup_time = 0

    def setup_cache(self):
        data = built_with_cache("content-rebuild")
        if data:
            data["page"] = str(sorted(Path(data["content"], CHANGED_PAGE).glob("*.md"))[0])
        return data

    def setup(self, data, change):
        common.staged_runner()
        self.data = data
        page = Path(data["page"])
        self.versions = [page.read_bytes(), page.read_bytes() + b"\nOne more line.\n"]
        self.count = 0

    def time_rebuild(self, data, change):
        """Wall time of a rebuild; a rise with no change means work is no longer skipped."""
        if change == "one_page":  # alternate between two versions of one page
            self.count += 1
            Path(data["page"]).write_bytes(self.versions[self.count % 2])
        common.build(data["content"], data["site"], cache_dir=data["cache"], jobs=1)

    def teardown(self, data, change):
        if data:  # asv tears down after a skipped setup too
            Path(data["page"]).write_bytes(self.versions[0])


class RebuildUnstamped:
    """Rebuild(change='none') without the build stamp (pipeline/stamp.py, which lets a
    rebuild with nothing to do stop at a look at the folders): the build cache's own
    no-change path, which a rebuild takes whenever the stamp does not hold (a file only
    touched, a warning last time). Before the stamp, the same work as Rebuild's."""

    version = 1
    timeout = 120
    number = 1
    rounds = 1
    repeat = (5, 5, 10.0)
    warmup_time = 0

    def setup_cache(self):
        return built_with_cache("content-unstamped")

    def setup(self, data):
        common.staged_runner()

    def time_rebuild(self, data):
        """Wall time of a no-change rebuild that reads the manifest and checks each page."""
        Path(data["cache"], "stamp").unlink(missing_ok=True)  # absent before the stamp
        common.build(data["content"], data["site"], cache_dir=data["cache"], jobs=1)


# Stage names are fixed here, not read from the installed pipeline (the grid never changes).
STAGE_NAMES = ["discover", "parse", "render", "template", "media", "write", "cache"]


class StageShares:
    """Each stage's share of a 300-page one-process build's wall time, from its BuildReport."""

    params = [STAGE_NAMES]
    param_names = ["stage"]
    version = 1
    timeout = 120

    def setup_cache(self):
        content = common.make_corpus(os.path.abspath("content-shares"), REBUILD_PAGES)
        try:
            common.staged_runner()
        except NotImplementedError:
            return {}  # not None: asv would then call setup without this argument
        report = common.build(content, common.fresh_dir("shares-"), jobs=1)
        return {name: timing.wall / report.elapsed for name, timing in report.stages.items()}

    def setup(self, shares, stage):
        common.staged_runner()
        if stage not in shares:
            raise NotImplementedError(f"this commit's BuildReport has no stage {stage!r}")

    def track_stage_share(self, shares, stage):
        """A stage's growing share shows where a build's time moved (render should dominate)."""
        return 100 * shares[stage]

    track_stage_share.unit = "%"


def cli_build(
    content: str, out: str, *options: str, pinned: bool = True, env: dict[str, str] | None = None
) -> None:
    """``python -m pipeline build`` of the commit under measurement, as a user runs it,
    with the defaults that came later pinned to what they were (``common.cli_pins``)
    unless ``pinned`` is false; ``env``: its environment (``common.child_env()``)."""
    subprocess.run(
        [sys.executable, *cli_args(content, out, *options, pinned=pinned)],
        check=True, capture_output=True, env=env or common.child_env(),
    )  # fmt: skip


def cli_args(content: str, out: str, *options: str, pinned: bool = True) -> list[str]:
    """Python's arguments for ``cli_build``'s command."""
    pins = common.cli_pins() if pinned else ()
    return ["-m", "pipeline", "build", content, "--out", out, *pins, *options]


class BuildCli:
    """A 1000-page build as a user runs it: the CLI in a new process, with its defaults.

    The commit's default jobs, sink and build cache, where Build and BuildJobs pin
    DirectSink: so this graph shows each step a user sees (the process pool, BatchSink).
    Social cards and the search index, defaults since issues #14 and #15, stay off
    (bench_cards.BuildCards and bench_serialize.BuildExtras measure them).
    """

    version = 1
    timeout = 300
    # Budget: 2.5-6 s a build; three samples.
    number = 1
    rounds = 1
    repeat = (3, 3, 30.0)
    warmup_time = 0

    def setup_cache(self):
        return common.make_corpus(os.path.abspath("content-cli"), 1000)

    def setup(self, content):
        common.require("pipeline.cli", "main")
        common.require("pipeline.runner", "PipelineRunner")
        common.cli_pins()  # probed here, not in the timed build

    def time_build(self, content):
        """Wall time from process start to exit, start-up and pool included."""
        cli_build(content, common.fresh_dir("site-"))


class RebuildCli:
    """A rebuild of 1000 pages through the CLI, in a new process, with its default cache:
    nothing changed, or one page's body edited (goals: 0.15 s and 0.2 s)."""

    params = [["none", "one_page"]]
    param_names = ["change"]
    version = 2  # as RebuildCliInstructions: bytecode cached (version 1 timed compiling too)
    timeout = 300
    # Budget: one full build in setup_cache, then rebuilds of a fraction of a second.
    number = 1
    rounds = 1
    repeat = (7, 7, 20.0)
    warmup_time = 0

    def setup_cache(self, name="rebuild-cli"):
        content = common.make_corpus(os.path.abspath(f"content-{name}"), 1000)
        site = os.path.abspath(f"site-{name}")
        try:
            common.require("pipeline.cache_location", "default_cache_dir")
        except NotImplementedError:
            return {}  # not None: asv would then call setup without this argument
        cli_build(content, site)
        page = sorted(Path(content, CHANGED_PAGE).glob("*.md"))[0]
        return {"content": content, "site": site, "page": str(page)}

    def setup(self, data, change):
        # Commits whose CLI kept no build cache by default have nothing to rebuild from.
        common.require("pipeline.cache_location", "default_cache_dir")
        self.data = data
        page = Path(data["page"])
        self.versions = [page.read_bytes(), page.read_bytes() + b"\nOne more line.\n"]
        self.count = 0

    def time_rebuild(self, data, change):
        """Wall time from process start to exit: start-up and imports are most of it."""
        if change == "one_page":  # alternate between two versions of one page's body
            self.count += 1
            Path(data["page"]).write_bytes(self.versions[self.count % 2])
        cli_build(data["content"], data["site"])

    def teardown(self, data, change):
        if data:  # asv tears down after a skipped setup too
            Path(data["page"]).write_bytes(self.versions[0])


class RebuildCliInstructions:
    """CPU instructions of RebuildCli's rebuilds, the whole process under valgrind (its
    start-up and imports are most of the work): a measure of them that ignores the load
    of the machine, so a step on its graph is a change in what the commit does."""

    params = [["none", "one_page"]]
    param_names = ["change"]
    # 2: the counted process runs with its bytecode cached, as a user's CLI does
    # (common.child_env). Version 1 counted compiling every imported module too whenever
    # the session's shell set PYTHONDONTWRITEBYTECODE (220M against 170M for a no-change
    # rebuild), which no commit changed: a new series, on purpose.
    version = 2
    timeout = 900

    def setup_cache(self):
        return RebuildCli.setup_cache(self, "rebuild-cli-instructions")

    def setup(self, data, change):
        common.require("pipeline.cache_location", "default_cache_dir")
        self.original = Path(data["page"]).read_bytes()

    def track_rebuild_instructions(self, data, change):
        """Counts a rebuild after one untimed build of the original page (so that each
        count starts from the same state), with the page's body edited first or not."""
        Path(data["page"]).write_bytes(self.original)
        cli_build(data["content"], data["site"])
        if change == "one_page":
            Path(data["page"]).write_bytes(self.original + b"\nOne more line.\n")
        return common.count_process_instructions(*cli_args(data["content"], data["site"]))

    track_rebuild_instructions.unit = "instructions"

    def teardown(self, data, change):
        if data:
            Path(data["page"]).write_bytes(self.original)


class BuildCliShares:
    """Where a CLI build's wall time goes, from its ``--report`` (median of 3 builds)."""

    version = 1
    timeout = 300

    def setup_cache(self):
        content = common.make_corpus(os.path.abspath("content-cli"), 1000)
        try:
            common.staged_runner()
        except NotImplementedError:
            return {}  # not None: asv would then call setup without this argument
        shares = []
        for _ in range(3):
            report = os.path.join(common.fresh_dir("report-"), "report.json")
            cli_build(content, common.fresh_dir("site-"), "--report", report)
            with open(report, encoding="utf-8") as f:
                shares.append(json.load(f)["shares"])
        return {stage: statistics.median(s[stage] for s in shares) for stage in shares[0]}

    def setup(self, shares):
        common.staged_runner()

    def track_write_share(self, shares):
        """Time the build waits on the sink (write and close), as % of the build (goal: < 10)."""
        return 100 * shares["write"]

    track_write_share.unit = "%"
