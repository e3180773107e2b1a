"""The build server's two halves of a build (pipeline/server.py): what the server imports
and warms up once, and what each forked child does to become the caller's CLI."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any


def warm_up() -> None:
    """Import what any build may need and make what is made once per process."""
    import multiprocessing  # noqa: F401

    import jinja2  # noqa: F401
    import yaml  # noqa: F401

    from pipeline import cli, markup, media, render, runner, site, templates  # noqa: F401
    from pipeline.cards import job, pages, paint, png  # noqa: F401
    from pipeline.cards import render as cards  # noqa: F401

    markup.new_markdown().convert("# Warm\n\n*a* `b` [c](d.html) ![e](f.png)\n")


def run(conn: Any, fds: list[int], message: dict[str, Any]) -> None:
    """In the forked child: take the caller's streams, folder and environment, run the CLI
    with its arguments, send its exit status, and exit."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(message["cwd"])
        os.umask(message["umask"])
        os.environ.clear()
        os.environ.update(message["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _streams()
        threading.Thread(target=_listen, args=(conn,), daemon=True).start()
        from pipeline import cli

        code = cli.main(message["argv"])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # never back into the server's loop
        print(f"error: the build server's build failed: {exc!r}", file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        try:
            conn.sendall(f"exit {code}\n".encode())
        except OSError:
            pass
        os._exit(code)


def _streams() -> None:
    """stdout and stderr anew on the caller's descriptors: line-buffered on a terminal
    (the progress line), in the caller's encoding."""
    encoding = os.environ.get("PYTHONIOENCODING", "utf-8").split(":")[0] or "utf-8"
    for fd, name in ((1, "stdout"), (2, "stderr")):
        terminal = os.isatty(fd)
        stream = open(fd, "w", encoding=encoding, errors="backslashreplace", closefd=False,  # noqa: SIM115
                      buffering=1 if terminal or fd == 2 else -1)  # fmt: skip
        setattr(sys, name, stream)


def _listen(conn: Any) -> None:
    """Pass the caller's signals on to this build; if the caller goes, so does the build."""
    pending = b""
    while True:
        try:
            chunk = conn.recv(64)
        except OSError:
            chunk = b""
        if not chunk:
            os.kill(os.getpid(), signal.SIGTERM)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if line.startswith(b"signal "):
                signum = int(line.split()[1])
                if signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    os.kill(os.getpid(), signum)
