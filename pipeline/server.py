"""The build server: ``python -m pipeline build`` run in a process that has already
imported and warmed up everything a build needs.

Most of a one-page edit through the CLI is the start of a new Python process: importing
Markdown, Jinja2, PyYAML, Pillow and the pipeline, and compiling their regular
expressions, about 0.3 s at 1000 pages against about 0.1 s of work. With
``python -m pipeline server start``, a server does all that once and waits on a Unix
socket. ``python -m pipeline build ...`` then asks it first: the server forks, and the
child, a copy of the warm process, runs the build exactly as the CLI would (same
arguments, folder, environment and umask, and the caller's own stdin, stdout and
stderr, passed over the socket), then reports its exit status. Each build is a fresh
fork: nothing one build does stays for the next. A signal to the caller (Ctrl-C) is
passed on to the build, and a caller that dies takes its build with it.

This module is the caller's side, which ``pipeline/__main__.py`` imports before anything
else; the server's is ``build_server`` (and ``build_child``, what each fork does).

Only the user who started it can connect (its folder is private, and the peer's uid is
checked), and only a caller that would run the same code: the same interpreter, the same
``pipeline`` files and the same installed packages (``identity``). Otherwise the caller
builds by itself (and a server whose own files changed since it started stops). It
also stops after ``--idle`` minutes without a build. Where there is no server, asking
for one costs the CLI one ``stat``.
"""

from __future__ import annotations

import os
import sys

HEADER = 8  # bytes of a message's length, in hex
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def folder() -> str:
    """The user's private folder for the server's socket and log (``PIPELINE_SERVER_DIR``
    chooses another: tests and benchmarks keep their servers to themselves)."""
    if chosen := os.environ.get("PIPELINE_SERVER_DIR"):
        return chosen
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(base, f"pipeline-server-{os.getuid()}")


def identity() -> str:
    """What must match for a server to run a caller's build: the interpreter, the
    ``pipeline`` files (path, size, modification time), the import path but its first
    entry (the caller's folder) and the modification time of each package folder on it
    (installing or removing a package changes it)."""
    parts = [sys.executable, sys.version, _PACKAGE]
    for top, folders, files in os.walk(_PACKAGE):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".html", ".js", ".css", ".json")):
                st = os.stat(os.path.join(top, name))
                parts.append(f"{top}/{name}:{st.st_size}:{st.st_mtime_ns}")
    for entry in sys.path[1:]:
        packages = entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry)
        parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}" if packages else entry)
    return "\n".join(parts)


# The caller uses the interpreter's own modules (_socket, _signal, marshal): ``socket``,
# ``signal`` and ``json`` would import enum, selectors and re, 30 ms of a 100 ms edit.


def delegate(argv: list[str]) -> int | None:
    """Run ``python -m pipeline`` with ``argv`` in the build server: its exit status, or
    None when there is no server that can (the caller then builds by itself)."""
    path = os.path.join(folder(), "socket")
    if not argv or argv[0] != "build" or not private(os.path.dirname(path)):
        return None
    import _signal
    import _socket

    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
        umask = os.umask(0o022)
        os.umask(umask)
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
        send(conn, {**request, "identity": identity()}, [0, 1, 2])
        if receive_line(conn) != "building":
            conn.close()
            return None
    except OSError:
        conn.close()
        return None
    forward = lambda signum, frame: conn.sendall(b"signal %d\n" % signum)  # noqa: E731
    for signum in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(signum, forward)
    try:
        line = receive_line(conn)
    finally:
        conn.close()
    return int(line.split()[1]) if line.startswith("exit ") else 1


def private(path: str) -> bool:
    """Whether ``path`` is a folder of this user's that no one else may enter."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and (st.st_mode & 0o077) == 0 and os.path.isdir(path)


def send(conn, message: dict, fds: list[int]) -> None:  # type: ignore[no-untyped-def, type-arg]
    """A message (marshal: the peer is this user, checked) and descriptors to pass."""
    import _socket
    import marshal

    body = marshal.dumps(message)
    data = b"%0*x" % (HEADER, len(body)) + body
    rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
    control = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)] if fds else []
    sent = conn.sendmsg([data], control)
    if sent < len(data):
        conn.sendall(data[sent:])


def receive_line(conn) -> str:  # type: ignore[no-untyped-def]
    line = b""
    while not line.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            return ""
        line += chunk
    return line.decode().strip()
