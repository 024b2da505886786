"""Fixtures: one sandbox and one webhook receiver served over HTTP, clean for every test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from commercy.sandbox import SandboxSettings, create_app
from tests.sandbox.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAX_MEDIA_BYTES,
    RETRY_DELAYS,
    TOKEN,
    WEBHOOK_TIMEOUT,
    Receiver,
)
from tests.support.live_server import live_server


def sandbox_settings(**overrides: object) -> SandboxSettings:
    values: dict[str, object] = {
        "token": TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "max_media_bytes": MAX_MEDIA_BYTES,
        "webhook_retry_delays": RETRY_DELAYS,
        "webhook_timeout_seconds": WEBHOOK_TIMEOUT,
        **overrides,
    }
    return SandboxSettings.model_validate(values)


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with live_server(create_app(sandbox_settings())) as url:
        yield url


@pytest.fixture(scope="session")
def session_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    with live_server(receiver.app()) as url:
        receiver.base_url = url
        yield receiver


@pytest.fixture
async def controls(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the sandbox's own controls (they take the API's token), after a reset."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=sandbox_url, headers=headers, timeout=10) as client:
        response = await client.post("/_sandbox/reset")
        assert response.status_code == 204
        yield client


@pytest.fixture
def receiver(session_receiver: Receiver, controls: httpx.AsyncClient) -> Receiver:
    """The webhook receiver, forgetting calls from earlier tests (after the sandbox reset)."""
    session_receiver.reset()
    return session_receiver


@pytest.fixture
async def api(sandbox_url: str, controls: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A Digishare client with the static token, on a freshly reset sandbox."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=sandbox_url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
async def anonymous(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        yield client
