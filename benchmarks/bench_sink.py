"""Writing files through each OutputSink, and the floor they are measured against."""

import os

import numpy as np

from benchmarks import common

# Case name -> (files, bytes per file). Append cases; never change one.
CASES = {
    "1000x1KiB": (1000, 1 << 10),
    "1000x8KiB": (1000, 8 << 10),
    "100x256KiB": (100, 256 << 10),
    "1x64MiB": (1, 64 << 20),
}


def _files(case: str) -> list[str]:
    """Relative paths spread over 10 folders, as a site's pages are."""
    count, _ = CASES[case]
    return [f"section-{i % 10}/page-{i:05}.html" for i in range(count)]


def _payload(case: str, seed: int) -> bytes:
    _, size = CASES[case]
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


class SinkWrite:
    """Writing N files of one size through a sink, closing it, into an empty or a full folder."""

    params = [list(common.SINKS), list(CASES)]
    param_names = ["sink", "case"]
    version = 1
    timeout = 300
    # Budget: every sample creates its files anew and the class has 2 x 4 x 6 cases, so
    # two samples in one round (the suite must run in under 3 minutes a commit).
    number = 1
    rounds = 1
    repeat = (2, 2, 2.0)
    warmup_time = 0

    def setup(self, sink, case):
        self.sink = common.sink_class(sink)
        self.paths = _files(case)
        self.payloads = (_payload(case, 1), _payload(case, 2))
        self.calls = 0
        # A folder that already holds this output, for the rewrite benchmarks.
        self.full = common.fresh_dir("full-")
        self._write(self.full, self.payloads[0])

    def _write(self, root, data):
        sink = self.sink(root)
        for path in self.paths:
            sink.write(path, data)
        return sink.close()

    def time_write_fresh(self, sink, case):
        """Into a new empty folder: creating files and folders."""
        self._write(common.fresh_dir("fresh-"), self.payloads[0])

    def time_rewrite_identical(self, sink, case):
        """Over files that already hold exactly these bytes (an unchanged rebuild)."""
        self._write(self.full, self.payloads[0])

    def time_overwrite_changed(self, sink, case):
        """Over existing files with different bytes of the same size (a changed rebuild)."""
        self.calls += 1
        self._write(self.full, self.payloads[self.calls % 2])

    def track_write_calls(self, sink, case):
        """write() system calls the sink made for a fresh write (batching lowers it)."""
        return self._write(common.fresh_dir("fresh-"), self.payloads[0]).write_calls

    track_write_calls.unit = "calls"

    def track_bytes(self, sink, case):
        """Bytes the sink reports written for a fresh write: must equal files x size."""
        return self._write(common.fresh_dir("fresh-"), self.payloads[0]).bytes

    track_bytes.unit = "bytes"

    def track_files(self, sink, case):
        """Files the sink reports written for a fresh write."""
        return self._write(common.fresh_dir("fresh-"), self.payloads[0]).files

    track_files.unit = "files"


class SinkFloor:
    """The floor: the tightest sequential os.open/os.write/os.close loop, no sink, same cases.

    It imports nothing from pipeline, so it moves only with the machine and the kernel:
    read SinkWrite.time_write_fresh against it from the same run.
    """

    params = [list(CASES)]
    param_names = ["case"]
    version = 1
    timeout = 120
    number = 1
    rounds = 1
    repeat = (2, 3, 3.0)
    warmup_time = 0

    def setup(self, case):
        self.paths = _files(case)
        self.folders = sorted({path.rsplit("/", 1)[0] for path in self.paths})
        self.payload = _payload(case, 1)

    def time_write_fresh(self, case):
        """Creating the files with no checks, no atomicity and no bookkeeping."""
        root = common.fresh_dir("floor-")
        for folder in self.folders:
            os.mkdir(f"{root}/{folder}")
        data = self.payload
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        for path in self.paths:
            fd = os.open(f"{root}/{path}", flags, 0o666)
            os.write(fd, data)
            os.close(fd)


class BuildWithSink:
    """A 300-page build into an empty folder through each sink: what writing costs a build."""

    params = [list(common.SINKS)]
    param_names = ["sink"]
    version = 1
    timeout = 180
    number = 1
    rounds = 1
    repeat = (2, 2, 10.0)
    warmup_time = 0

    def setup_cache(self):
        return common.make_corpus(os.path.abspath("content-300"), 300)

    def setup(self, content, sink):
        common.require("pipeline.runner", "PipelineRunner")
        common.sink_class(sink)

    def time_build(self, content, sink):
        """Wall time of the build; the gap between sinks is the writing taken off its path."""
        common.build(content, common.fresh_dir("site-"), sink=sink)
