import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from pipeline.errors import PipelineError
from pipeline.lock import FolderBusyError, FolderLocks, holder_pid
from tests.faultkit import CLI, build, snapshot
from tests.helpers import write


@pytest.fixture
def content(tmp_path):
    for i in range(8):
        write(tmp_path / "c", f"p{i}.md", f"---\ntitle: Page {i}\n---\nText {i}.\n")
    return tmp_path / "c"


def test_a_second_lock_on_a_folder_is_refused_and_names_the_holder(tmp_path):
    with FolderLocks({str(tmp_path): "output folder"}):
        with pytest.raises(FolderBusyError) as busy:
            FolderLocks({str(tmp_path): "output folder"}).acquire()
    assert busy.value.path == str(tmp_path)
    assert f"in use by another build (pid {os.getpid()})" in str(busy.value)
    FolderLocks({str(tmp_path): "output folder"}).acquire()  # released on exit


def test_a_lock_waits_for_the_holder_when_asked_to(tmp_path):
    first = FolderLocks({str(tmp_path): "output folder"})
    first.acquire()
    threading.Timer(0.3, first.release).start()
    start = time.monotonic()
    with FolderLocks({str(tmp_path): "output folder"}, wait=10):
        assert time.monotonic() - start >= 0.25


def test_no_folder_stays_locked_when_one_of_them_is_busy(tmp_path):
    free, busy = tmp_path / "free", tmp_path / "busy"
    free.mkdir(), busy.mkdir()
    with FolderLocks({str(busy): "build cache folder"}):
        with pytest.raises(FolderBusyError, match="build cache folder is in use"):
            FolderLocks({str(free): "output folder", str(busy): "build cache folder"}).acquire()
        with FolderLocks({str(free): "output folder"}):  # not left locked by the failure
            pass


def test_a_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(PipelineError, match="cannot open the output folder"):
        FolderLocks({str(tmp_path / "missing"): "output folder"}).acquire()


def test_the_kernel_drops_the_lock_of_a_killed_build(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pipeline.lock import FolderLocks\n"
            "FolderLocks({sys.argv[1]: 'output folder'}).acquire()\n"
            "print('locked', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout.readline() == b"locked\n"
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert holder_pid(fd) == holder.pid
    finally:
        os.close(fd)
    with pytest.raises(FolderBusyError, match=f"pid {holder.pid}"):
        FolderLocks({str(tmp_path): "output folder"}).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    with FolderLocks({str(tmp_path): "output folder"}):
        pass


def test_a_build_refuses_a_site_another_build_is_writing(content, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    with FolderLocks({str(site): "output folder"}):
        done = build(content, site)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: {site}: the output folder is in use by another build (pid {os.getpid()}); "
        "try again when it ends, or pass --wait SECONDS"
    )
    assert snapshot(site) == {}  # nothing written, nothing removed


def test_a_build_refuses_a_cache_another_build_is_using(content, tmp_path):
    cache = tmp_path / "shared-cache"
    cache.mkdir()
    with FolderLocks({str(cache): "build cache folder"}):
        done = build(content, tmp_path / "site", "--cache-dir", str(cache))
    assert done.returncode == 1
    assert f"error: {cache}: the build cache folder is in use by another build" in done.stderr
    assert snapshot(tmp_path / "site") == {}


def test_a_build_waits_for_the_other_build_when_asked_to(content, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    lock = FolderLocks({str(site): "output folder"})
    lock.acquire()
    threading.Timer(1.0, lock.release).start()
    done = build(content, site, "--wait", "60")
    assert done.returncode == 0, done.stderr
    assert (site / "p0.html").is_file()


def test_two_builds_of_one_site_at_once_make_the_site_one_build_makes(content, tmp_path):
    alone = build(content, tmp_path / "alone", "--no-cache", "--title", "T")
    assert alone.returncode == 0, alone.stderr
    site = tmp_path / "site"
    argv = [*CLI, str(content), "--out", str(site), "--title", "T", "--wait", "60", "-j", "2"]
    builds = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
    builds.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for child in builds:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    assert snapshot(site) == snapshot(tmp_path / "alone")
