"""A TCP proxy in front of a real API process that loses the answer of the first order creation:
the request reaches the API (the order is made), the client sees its connection closed with no
reply, as after a network failure. Everything else passes through."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

CREATE_ORDER = b"POST /api/v1/orders "


class LossyProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.answers_lost = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def lose_this_answer(self, request: bytes) -> bool:
        with self._lock:
            if request.startswith(CREATE_ORDER) and self.answers_lost == 0:
                self.answers_lost = 1
                return True
            return False


class _Handler(socketserver.BaseRequestHandler):
    server: LossyProxy
    request: socket.socket

    def handle(self) -> None:
        request = _read_request(self.request)
        if not request:
            return
        # One request a connection: the API closes it after its answer, which then ends here.
        first_line, rest = request.split(b"\r\n", 1)
        with socket.create_connection(self.server.upstream, timeout=30) as upstream:
            upstream.sendall(first_line + b"\r\nConnection: close\r\n" + rest)
            answer = _read_to_end(upstream)
        if not self.server.lose_this_answer(request):
            self.request.sendall(answer)


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_to_end(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def losing_first_create(base_url: str) -> Iterator[LossyProxy]:
    """A proxy of ``base_url``: give a client its ``base_url`` instead."""
    address = urlsplit(base_url)
    assert address.hostname is not None and address.port is not None
    proxy = LossyProxy((address.hostname, address.port))
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()
