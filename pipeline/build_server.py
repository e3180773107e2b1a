"""The build server's side (pipeline/server.py says what it is): the commands that start,
stop and ask after it, and the loop that forks a child (``build_child``) per build."""

from __future__ import annotations

import os
import sys

from pipeline import server


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

    if not server.private(server.folder()):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(os.path.join(server.folder(), "socket"))
        server.send(conn, message, [])
        return server.receive_line(conn)
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
    os.makedirs(server.folder(), mode=0o700, exist_ok=True)
    if not server.private(server.folder()):
        print(f"error: {server.folder()} must be a folder of yours that no one else may enter",
              file=sys.stderr)  # fmt: skip
        return 1
    with open(os.path.join(server.folder(), "log"), "ab") as log:
        # Started in this folder, it imports the same ``pipeline`` as a build started here
        # (a source checkout's, not the installed one): else it would serve no one here.
        command_line = [sys.executable, "-m", "pipeline", "server", "run", "--idle", str(idle)]
        subprocess.Popen(command_line, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         start_new_session=True)  # fmt: skip
    for _ in range(600):  # it imports everything first: a few seconds at most
        reply = _ask({"command": "status"})
        if reply is not None:
            print(reply)
            return 0
        time.sleep(0.05)
    print(f"error: the build server did not start; see {server.folder()}/log", file=sys.stderr)
    return 1


def serve(idle: float) -> int:
    """Warm up, then run each caller's build in a fork, until stopped or idle."""
    import socket
    import time

    from pipeline import build_child

    build_child.warm_up()
    mine = server.identity()
    os.chdir("/")  # imports are resolved (sys.path holds no relative entry): hold no folder
    path = os.path.join(server.folder(), "socket")
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
                conn.sendall(
                    f"build server running (pid {os.getpid()}) in {server.folder()}\n".encode()
                )
                return None
            if message.get("command") == "stop":
                conn.sendall(f"build server (pid {os.getpid()}) stopped\n".encode())
                return 0
            if message.get("identity") != mine:  # other code than this server's: it builds
                conn.sendall(b"other\n")  # by itself; if this server's own code changed
                return 0 if server.identity() != mine else None  # since it started, it stops
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
    if len(data) < server.HEADER:
        raise ValueError("short message")
    size = int(data[: server.HEADER], 16)
    body = data[server.HEADER :]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("message cut short")
        body += chunk
    try:
        message = marshal.loads(body)
    except (EOFError, TypeError) as exc:  # not what a caller sends: ignored, not fatal
        raise ValueError(f"not a request: {exc}") from None
    if not isinstance(message, dict):
        raise ValueError("not a request")
    return message, list(fds)
