"""Serve any ASGI app over real HTTP, for tests that talk to it like a client would.

    with live_server(app) as base_url:
        httpx.get(f"{base_url}/status")

The app runs under uvicorn in a background thread with its own event loop, on a free port of
127.0.0.1 bound before the thread starts (so there is no race for the port), and the helper
returns only once the server accepts connections. Leaving the block shuts uvicorn down,
running the app's lifespan shutdown when it has one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

__all__ = ["live_server"]


@contextmanager
def live_server(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 30.0,
    lifespan: Literal["auto", "on", "off"] = "auto",
) -> Iterator[str]:
    """Runs ``app`` until the block exits; yields its base URL, ``http://host:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app, log_level="warning", lifespan=lifespan, timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread, startup_timeout)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live server stopped while starting; see its log")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the live server did not start within {timeout} s")
        time.sleep(0.01)
