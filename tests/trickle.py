"""A loopback TCP server that answers one byte every 0.3 s for ever, after a status line or instead of one: the
probe behind every total-deadline test (API requests, webhook posts). Raw sockets, because the shared loopback
toolkit (chains.testing) always writes whole status lines and headers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator


def trickling_server(headers_first: bool, path: str = "") -> Iterator[str]:
    """A TCP server that answers one byte every 0.3 s forever (after the status line, or instead of it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            if headers_first:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            while not stop.is_set():
                conn.sendall(b"x" if headers_first else b"H")
                time.sleep(0.3)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}{path}"
    stop.set()
    server.close()
