"""Real API processes (``uvicorn commercy.main:create_app --factory``) for tests that need them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from commercy.core.settings import Settings


def settings_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment that gives a subprocess the test session's database and signing key."""
    env = {
        "COMMERCY_DATABASE_URL": settings.resolved_database_url,
        "COMMERCY_DATA_DIR": str(settings.data_dir),
        "COMMERCY_JWT_SECRET": settings.signing_key,
        "COMMERCY_WORKER_IN_PROCESS": "false",
    }
    env.update({f"COMMERCY_{name.upper()}": value for name, value in overrides.items()})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def api_process(
    env: dict[str, str],
    *,
    log_dir: Path,
    timeout: float = 90.0,
    serve: bool = False,
    demo: bool = False,
) -> Iterator[str]:
    """Start one API process on a free port; yield its base URL once it answers. ``serve``
    starts it the product's way, ``commercy serve`` (with ``demo``, ``--demo``), instead of
    bare uvicorn. A port is only free when asked: another test process may bind it first, so a
    process that finds it taken is started again on another."""
    for _ in range(3):
        port = free_port()
        log_path = log_dir / f"api-{port}.log"
        process = _start(env, port=port, log_path=log_path, serve=serve, demo=demo)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(process, base_url, timeout, log_path)
        except PortTaken:
            continue
        except BaseException:
            _stop(process)
            raise
        try:
            yield base_url
        except BaseException:
            _stop(process)
            print(f"--- {log_path.name} ---\n{log_path.read_text()[-4000:]}")  # shown on failure
            raise
        _stop(process)
        return
    raise RuntimeError("no free port for the API process in three tries")


class PortTaken(Exception):
    """The process exited because another bound its port first."""


def _start(
    env: dict[str, str], *, port: int, log_path: Path, serve: bool, demo: bool
) -> subprocess.Popen[bytes]:
    if serve:
        command = ["-m", "commercy", "serve", "--port", str(port), *(["--demo"] if demo else [])]
    else:
        command = [
            "-m",
            "uvicorn",
            "commercy.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
    inherited = {
        name: value for name, value in os.environ.items() if not name.startswith("COMMERCY_")
    }
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, *command],
            env={**inherited, **env},
            cwd=log_path.parent,  # no developer's .env is read
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_up(
    process: subprocess.Popen[bytes], base_url: str, timeout: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_path.read_text()
            if "address already in use" in output:
                raise PortTaken(output)
            raise RuntimeError(f"API process exited:\n{output}")
        try:
            if httpx.get(f"{base_url}/api/v1/status", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"API process did not start in {timeout} s:\n{log_path.read_text()}")
