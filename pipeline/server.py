"""The build server: ``python -m pipeline build`` run in a process that has already
imported and warmed up everything a build needs.

Most of a one-page edit through the CLI is the start of a new Python process: importing
Markdown, Jinja2, PyYAML, Pillow and the pipeline, and compiling their regular
expressions, about 0.3 s at 1000 pages against about 0.1 s of work. With
``python -m pipeline server start``, a server does all that once and waits on a Unix
socket. ``python -m pipeline build ...`` then asks it first: the server forks, and the
child, a copy of the warm process, runs the build exactly as the CLI would (same
arguments, folder, environment and umask, and the caller's own stdin, stdout and stderr,
passed over the socket), then reports its exit status. Each build is a fresh fork: nothing one
build does stays for the next. A signal to the caller (Ctrl-C) is passed on to the
build, and a caller that dies takes its build with it.

Only the user who started it can connect (its folder is private, and the peer's uid is
checked), and only a caller that would run the same code: the same interpreter, the same
``pipeline`` files and the same installed packages (``identity``). Otherwise the caller
builds by itself (and a server whose own files changed since it started stops). It also stops after
``--idle`` minutes without a build. Where there is no server, asking for one costs the
CLI one ``stat``.
"""

from __future__ import annotations

import os
import sys

_HEADER = 8  # bytes of a message's length, in hex
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


# --- the caller's side -------------------------------------------------------------------
# The caller uses the interpreter's own modules (_socket, _signal, marshal): ``socket``,
# ``signal`` and ``json`` would import enum, selectors and re, 30 ms of a 100 ms edit.


def delegate(argv: list[str]) -> int | None:
    """Run ``python -m pipeline`` with ``argv`` in the build server: its exit status, or
    None when there is no server that can (the caller then builds by itself)."""
    path = os.path.join(folder(), "socket")
    if not argv or argv[0] != "build" or not _private(os.path.dirname(path)):
        return None
    import _signal
    import _socket

    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
        umask = os.umask(0o022)
        os.umask(umask)
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
        _send(conn, {**request, "identity": identity()}, [0, 1, 2])
        if _receive_line(conn) != "building":
            return None
    except OSError:
        conn.close()
        return None
    forward = lambda signum, frame: conn.sendall(b"signal %d\n" % signum)  # noqa: E731
    for signum in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(signum, forward)
    try:
        line = _receive_line(conn)
    finally:
        conn.close()
    return int(line.split()[1]) if line.startswith("exit ") else 1


def _private(path: str) -> bool:
    """Whether ``path`` is a folder of this user's that no one else may enter."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and (st.st_mode & 0o077) == 0 and os.path.isdir(path)


def _send(conn, message: dict, fds: list[int]) -> None:  # type: ignore[no-untyped-def, type-arg]
    """A message (marshal: the peer is this user, checked) and descriptors to pass."""
    import _socket
    import marshal

    body = marshal.dumps(message)
    data = b"%08x" % len(body) + body
    rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
    control = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)] if fds else []
    sent = conn.sendmsg([data], control)
    if sent < len(data):
        conn.sendall(data[sent:])


def _receive_line(conn) -> str:  # type: ignore[no-untyped-def]
    line = b""
    while not line.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            return ""
        line += chunk
    return line.decode().strip()


# --- the server's side -------------------------------------------------------------------


def command(action: str, idle: float) -> int:
    """``python -m pipeline server start|stop|status|run``."""
    if action == "run":
        return serve(idle)
    if action == "start":
        return _start(idle)
    reply = _ask({"command": action})
    if reply is None:
        print("no build server is running for this user", file=sys.stderr)
        return 1 if action == "status" else 0
    print(reply)
    return 0


def _ask(message: dict) -> str | None:  # type: ignore[type-arg]
    import socket

    if not _private(folder()):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(os.path.join(folder(), "socket"))
        _send(conn, message, [])
        return _receive_line(conn)
    except OSError:
        return None
    finally:
        conn.close()


def _start(idle: float) -> int:
    import subprocess
    import time

    if _ask({"command": "status"}) is not None:
        print("a build server is already running for this user", file=sys.stderr)
        return 0
    os.makedirs(folder(), mode=0o700, exist_ok=True)
    if not _private(folder()):
        print(f"error: {folder()} must be a folder of yours that no one else may enter",
              file=sys.stderr)  # fmt: skip
        return 1
    with open(os.path.join(folder(), "log"), "ab") as log:
        command_line = [sys.executable, "-m", "pipeline", "server", "run", "--idle", str(idle)]
        subprocess.Popen(command_line, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         start_new_session=True, cwd="/")  # fmt: skip
    for _ in range(600):  # it imports everything first: a few seconds at most
        reply = _ask({"command": "status"})
        if reply is not None:
            print(reply)
            return 0
        time.sleep(0.05)
    print(f"error: the build server did not start; see {folder()}/log", file=sys.stderr)
    return 1


def serve(idle: float) -> int:
    """Warm up, then run each caller's build in a fork, until stopped or idle."""
    import socket
    import time

    from pipeline import build_child

    build_child.warm_up()
    mine = identity()
    path = os.path.join(folder(), "socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)  # one left by a server that was killed (start checked none answers)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(16)
    listener.settimeout(1.0)
    children: set[int] = set()
    last = time.monotonic()
    try:
        while True:
            children = {pid for pid in children if os.waitpid(pid, os.WNOHANG) == (0, 0)}
            if children:
                last = time.monotonic()
            elif time.monotonic() - last > idle * 60:
                return 0
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            outcome = _answer(conn, mine, listener, children)
            if outcome is not None:
                return outcome
    finally:
        listener.close()
        if os.path.exists(path):
            os.unlink(path)


def _answer(conn, mine: str, listener, children: set[int]) -> int | None:  # type: ignore[no-untyped-def]
    """Handle one connection; an exit status when the server must stop."""
    import socket
    import struct

    from pipeline import build_child

    with conn:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] != os.getuid():
            return None
        conn.settimeout(10.0)
        try:
            message, fds = _receive(conn)
        except (OSError, ValueError):
            return None
        try:
            if message.get("command") == "status":
                conn.sendall(f"build server running (pid {os.getpid()}) in {folder()}\n".encode())
                return None
            if message.get("command") == "stop":
                conn.sendall(f"build server (pid {os.getpid()}) stopped\n".encode())
                return 0
            if message.get("identity") != mine:  # other code than this server's: it builds
                conn.sendall(b"other\n")  # by itself; if this server's own code changed
                return 0 if identity() != mine else None  # since it started, it stops
            conn.sendall(b"building\n")
            conn.settimeout(None)
            pid = os.fork()
            if pid == 0:
                listener.close()
                build_child.run(conn, fds, message)  # never returns
            children.add(pid)
        finally:
            for fd in fds:
                os.close(fd)
    return None


def _receive(conn) -> tuple[dict, list[int]]:  # type: ignore[no-untyped-def, type-arg]
    import marshal
    import socket

    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if len(data) < _HEADER:
        raise ValueError("short message")
    size = int(data[:_HEADER], 16)
    body = data[_HEADER:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("message cut short")
        body += chunk
    message = marshal.loads(body)
    if not isinstance(message, dict):
        raise ValueError("not a request")
    return message, list(fds)
