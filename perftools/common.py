"""Helpers every perftools command shares: the repository, git, scratch folders, corpora,
peak memory and the bare write loop.

One copy of each, so that two tools never measure the same thing two ways.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ASV_DIR = REPO / ".asv"  # everything asv and the tools write besides results/ and html/
# The flags of the tightest sequential write loop (and of every sink's own writes).
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


class ToolError(Exception):
    """A tool could not do its job; the message says why (``python -m perftools`` exits 2)."""


# --- git ------------------------------------------------------------------------------


def git(*args: str, repo: Path = REPO) -> str:
    """``git args`` in ``repo``: its standard output, stripped; ToolError if git fails."""
    try:
        run = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    except OSError as exc:
        raise ToolError(f"git is not usable: {exc}") from None
    if run.returncode != 0:
        raise ToolError(f"git {' '.join(args)} failed in {repo}: {run.stderr.strip()}")
    return run.stdout.strip()


def resolves(name: str, repo: Path = REPO) -> bool:
    """True when ``name`` names a commit in ``repo``."""
    run = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"],
        cwd=repo, capture_output=True,
    )  # fmt: skip
    return run.returncode == 0


def commit_label(repo: Path = REPO) -> str:
    """HEAD's short hash, with ``-dirty`` when tracked files have uncommitted changes."""
    try:
        short = git("rev-parse", "--short", "HEAD", repo=repo)
        dirty = git("status", "--porcelain", "--untracked-files=no", repo=repo)
    except ToolError:
        return "unknown-commit"
    return f"{short}-dirty" if dirty else short


# --- scratch folders and corpora --------------------------------------------------------


class Scratch:
    """Fresh output folders, all inside one folder that is removed at the end.

    Every build or sample writes into a folder of its own, and nothing is deleted until
    the end: creating files soon after deleting many is slow on these machines, and
    would measure the kernel's inode scan instead of our code (docs/architecture.md).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def fresh(self, name: str = "out") -> Path:
        """A path that does not exist yet, inside the scratch folder."""
        self.count += 1
        return self.root / f"{name}-{self.count}"

    def mkdtemp(self) -> str:
        """A new empty folder inside the scratch folder."""
        return tempfile.mkdtemp(dir=self.root)


# Creating a file in a quiet scratch folder costs 7-20 us here; within two minutes of
# deleting thousands, 150-250 us (ext4 without a journal skips each inode freed lately).
SETTLED_US = 40.0
# A probe this much cheaper than the one before means the cost is still falling: 24 us
# ten seconds after 15,000 deletions passed SETTLED_US on its way down to 13-19 us.
FALLING = 0.8


def add_settle_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--settle", type=float, default=240.0, metavar="SECONDS",
        help="wait up to SECONDS before the builds for file creation to cost what it does "
        "on a quiet host (default 240; 0: do not wait)",
    )  # fmt: skip


def settle_file_creation(dirs: Scratch, timeout: float) -> None:
    """Wait until creating files costs what it does on a quiet host, or ``timeout`` s.

    A build measured soon after something deleted many files (another tool's scratch, a
    test run) pays the kernel's scan past each freed inode for every file it creates, so
    a variant that writes more files looks dearer than it is (docs/architecture.md).
    Settled: a probe under SETTLED_US and no more than a fifth below the one ten seconds
    before it, so every wait takes two probes at least (right after a run deleted its
    scratch, 23, 17, 14 us ten seconds apart here). The probes' files are kept until the
    scratch is removed: deleting them would start it again. Says how long it waited,
    and when it gave up.
    """
    if timeout <= 0:
        return
    started = time.monotonic()
    previous = None
    while True:
        cost = _creation_us(Path(dirs.mkdtemp()))
        waited = time.monotonic() - started
        falling = previous is None or cost < FALLING * previous
        settled = cost <= SETTLED_US and not falling
        if settled or waited >= timeout:
            break
        previous = cost
        time.sleep(10)
    if waited >= 1:
        state = "settled" if settled else "NOT settled: measured anyway"
        print(f"waited {waited:.0f} s for file creation to settle: {cost:.0f} us a file, "
              f"{state}", flush=True)  # fmt: skip


def _creation_us(folder: Path, files: int = 200) -> float:
    """Microseconds to create, write and close one small file in ``folder``: the median of
    ``files``."""
    costs = []
    for number in range(files):
        start = time.perf_counter()
        fd = os.open(folder / f"probe-{number}", CREATE_FLAGS, 0o644)
        os.write(fd, b"probe")
        os.close(fd)
        costs.append(time.perf_counter() - start)
    return 1e6 * sorted(costs)[files // 2]


@contextmanager
def scratch(parent: Path | None = None, prefix: str = "perftools-") -> Iterator[Scratch]:
    """A Scratch under ``parent`` (default: the system's temporary folder), removed after."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield Scratch(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def corpus(cache: Path, pages: int, seed: int) -> Path:
    """``cache/content-PAGES-SEED``, generated once by the suite's corpus generator, reused.

    Generated in a child process under a temporary name, then renamed: an interrupted run
    leaves no half-made corpus to be reused, and this process stays small (a child's
    ``ru_maxrss`` starts from its parent's size, where /proc is missing).
    """
    path = cache / f"content-{pages}-{seed}"
    if path.is_dir():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f"{path.name}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    command = [sys.executable, "-m", "benchmarks.corpus", str(tmp), "--pages", str(pages)]
    run = subprocess.run([*command, "--seed", str(seed)], cwd=REPO, capture_output=True,
                         text=True)  # fmt: skip
    if run.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ToolError(f"generating {pages} pages into {tmp} failed:\n{run.stderr[-2000:]}")
    tmp.rename(path)
    elapsed = time.perf_counter() - started
    print(f"generated {pages} pages (seed {seed}) into {path} in {elapsed:.1f} s", flush=True)
    return path


# --- measuring --------------------------------------------------------------------------


def memory_kib(field: str) -> int:
    """This process's resident memory now (``VmRSS``) or at its peak (``VmHWM``), in KiB.

    Read from /proc: unlike ``ru_maxrss``, VmHWM starts afresh at exec, so it does not
    include the parent's size at fork. Elsewhere, ``ru_maxrss`` is the fallback.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def write_loop(root: str, relpaths: list[str], data: bytes) -> None:
    """The tightest sequential Python write loop: the floor every sink is held to."""
    for folder in sorted({rel.rsplit("/", 1)[0] for rel in relpaths if "/" in rel}):
        os.makedirs(f"{root}/{folder}", exist_ok=True)
    for rel in relpaths:
        fd = os.open(f"{root}/{rel}", CREATE_FLAGS, 0o666)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")
