"""The mounted sandbox remembers its webhooks: each start of Commercy keeps one subscription per
connected reseller, with the current auth, however many processes start at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.integrations.digishare import embedded
from commercy.integrations.digishare.service import webhook_url
from commercy.main import mount_sandbox
from tests.factories import make_world


@dataclass
class Installation:
    settings: Settings
    database: Database
    url: str
    sandboxes: list[FastAPI]

    async def start(self, process: int = 0) -> None:
        """What each API process does at start."""
        sandbox = self.sandboxes[process]
        await embedded.subscribe_sandbox_webhooks(sandbox, self.database, self.settings)

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.sandboxes[0])
        headers = {"Authorization": f"Bearer {self.settings.sandbox_token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", headers=headers
        ) as http:
            return await http.request(method, path, **kwargs)

    async def subscriptions(self) -> list[dict[str, Any]]:
        listed = (await self.call("GET", "/v1/webhooks", params={"limit": 100})).json()["data"]
        return [hook for hook in listed if hook["url"] == self.url]


@pytest.fixture
async def installation(
    settings: Settings, database: Database, session: WriteSession, tmp_path: Path
) -> AsyncIterator[Installation]:
    """A reseller connected to the mounted sandbox, and two API processes' sandboxes on the
    installation's one sandbox file."""
    own = settings.model_copy(update={"data_dir": tmp_path, "sandbox_mounted": True})
    world = await make_world(session)
    integration = await embedded.connect_to_sandbox(
        session, reseller_id=world.reseller.id, settings=own
    )
    await session.commit()
    sandboxes = [mount_sandbox(FastAPI(), own) for _ in range(2)]
    yield Installation(own, database, webhook_url(integration, settings=own), sandboxes)
    for sandbox in sandboxes:
        await sandbox.state.sandbox.aclose()


async def test_every_start_keeps_the_one_subscription(installation: Installation) -> None:
    await installation.start()
    [first] = await installation.subscriptions()

    await installation.start()
    await installation.start(process=1)

    assert await installation.subscriptions() == [first]
    assert first["event"] == "ticket.updated"
    assert first["auth"]["type"] == "bearer"


async def test_processes_starting_together_leave_one_subscription(
    installation: Installation,
) -> None:
    # In one event loop the starts seldom interleave; the clean-up they rely on when they do
    # is the next test's.
    await asyncio.gather(installation.start(process=0), installation.start(process=1))

    assert len(await installation.subscriptions()) == 1


async def test_a_start_restores_the_auth_and_switches_the_webhook_back_on(
    installation: Installation,
) -> None:
    await installation.start()
    [webhook] = await installation.subscriptions()
    await installation.call(
        "PATCH",
        f"/v1/webhooks/{webhook['id']}",
        json={"auth": {"type": "bearer", "token": "stale"}, "active": False},
    )

    await installation.start()

    [restored] = await installation.subscriptions()
    assert restored["id"] == webhook["id"]
    assert restored["auth"] == webhook["auth"]
    assert restored["active"] is True


async def test_a_start_that_finds_duplicates_keeps_the_oldest(
    installation: Installation,
) -> None:
    await installation.start()
    [kept] = await installation.subscriptions()
    body = {"url": installation.url, "event": "ticket.updated", "auth": kept["auth"]}
    await installation.call("POST", "/v1/webhooks", json=body)

    await installation.start()

    assert await installation.subscriptions() == [kept]
