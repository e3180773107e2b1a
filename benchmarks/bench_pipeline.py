"""End-to-end builds of a generated corpus."""

import os

from benchmarks import common

SIZES = [100, 1000]


class Build:
    """A full build of a generated corpus with the default sink, into an empty folder."""

    params = [SIZES]
    param_names = ["pages"]
    version = 1
    timeout = 300
    # Budget: a 1000-page build takes seconds, so three samples in one round.
    number = 1
    rounds = 1
    repeat = (3, 3, 30.0)
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
